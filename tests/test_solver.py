"""The HiGHS solver: LPs, MIPs, lexicographic objectives, infeasibility, a quiet stdout."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from quotaplan.core.linear import ProgramBuilder
from quotaplan.solver import HighsSolver


def test_a_linear_program_is_solved_to_optimality() -> None:
    # max x + y s.t. x + 2y ≤ 4, 3x + y ≤ 6 → x = 1.6, y = 1.2.
    build = ProgramBuilder()
    x, y = build.add_variables([0.0, 0.0], [math.inf, math.inf])
    build.add_row([x, y], [1.0, 2.0], upper=4.0)
    build.add_row([x, y], [3.0, 1.0], upper=6.0)
    solution = HighsSolver().solve(build.build([{x: -1.0, y: -1.0}]), time_limit=10)
    assert solution.status == "optimal"
    assert solution.x is not None
    assert solution.x.tolist() == pytest.approx([1.6, 1.2])
    assert solution.objectives == pytest.approx((-2.8,))
    assert solution.gap == 0.0
    assert solution.seconds > 0


def test_lexicographic_objectives_never_cost_an_earlier_one() -> None:
    # Knapsack of capacity 5: items of (weight, value) (4, 5), (3, 4), (2, 3), (5, 7). First the
    # most value, then the fewest items among the answers with that value.
    build = ProgramBuilder()
    items = build.add_variables([0.0] * 4, [1.0] * 4, integer=True)
    build.add_row(list(items), [4.0, 3.0, 2.0, 5.0], upper=5.0)
    values = {items[0]: -5.0, items[1]: -4.0, items[2]: -3.0, items[3]: -7.0}
    program = build.build([values, dict.fromkeys(items, 1.0)])
    solution = HighsSolver().solve(program, time_limit=10)
    assert solution.status == "optimal"
    assert solution.x is not None
    # Value 7 two ways: items 1+2 (weight 5) or item 3 alone; one item is fewer.
    assert solution.x.round().tolist() == [0.0, 0.0, 0.0, 1.0]
    assert solution.objectives == pytest.approx((-7.0, 1.0))


def test_an_infeasible_program_says_so() -> None:
    build = ProgramBuilder()
    (x,) = build.add_variables([0.0], [1.0])
    build.add_row([x], [1.0], lower=2.0)
    solution = HighsSolver().solve(build.build([{x: 1.0}]), time_limit=10)
    assert solution.status == "infeasible"
    assert solution.x is None


def test_highs_prints_nothing_of_its_own() -> None:
    code = ("from quotaplan.core.linear import ProgramBuilder\n"
            "from quotaplan.solver import HighsSolver\n"
            "b = ProgramBuilder(); b.add_variables([0.0], [1.0])\n"
            "HighsSolver().solve(b.build([{0: 1.0}]), 5)\n"
            "print('done')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout == "done\n"
    assert run.stderr == ""


def test_nothing_is_solved_after_the_deadline() -> None:
    import time

    build = ProgramBuilder()
    (x,) = build.add_variables([0.0], [1.0])
    solver = HighsSolver(deadline=time.perf_counter() - 1)
    solution = solver.solve(build.build([{x: 1.0}]), time_limit=60)
    assert solution.status == "no_solution"
    assert solution.x is None
    assert solution.seconds == 0.0
