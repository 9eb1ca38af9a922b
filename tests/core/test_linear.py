"""Programs as data: the builder's matrix, and solve_all sharing the time among programs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quotaplan.core.linear import LinearProgram, ProgramBuilder, Solution, solve_all


def test_the_builder_lays_out_bounds_rows_and_objectives() -> None:
    build = ProgramBuilder()
    x = build.add_variables([0.0, 1.0], [2.0, math.inf])
    (b,) = build.add_variables([0.0], [1.0], integer=True)
    row = build.add_row([x[0], b], [1.0, -3.0], upper=4.0)
    program = build.build([{x[1]: 2.0}, {b: 1.0}])
    assert list(x) == [0, 1]
    assert b == 2
    assert row == 0
    assert program.integer.tolist() == [False, False, True]
    assert program.rows.tolist() == [0, 0]
    assert program.cols.tolist() == [0, 2]
    assert program.values.tolist() == [1.0, -3.0]
    assert program.row_lower.tolist() == [-math.inf]
    assert program.row_upper.tolist() == [4.0]
    assert [c.tolist() for c in program.objectives] == [[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]]
    assert program.is_mip


def test_a_program_refuses_mismatched_arrays() -> None:
    with pytest.raises(ValueError, match="one cost per variable"):
        LinearProgram(np.zeros(2), np.ones(2), np.zeros(2, dtype=bool),
                      np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0),
                      np.zeros(0), np.zeros(0), (np.zeros(3),))


class Clockwork:
    """A solver that takes ``cost`` seconds a program and records the limits it was given."""

    def __init__(self, cost: float) -> None:
        self.cost = cost
        self.limits: list[float] = []

    def solve(self, program: LinearProgram, time_limit: float) -> Solution:
        self.limits.append(time_limit)
        spent = min(self.cost, time_limit)
        return Solution("optimal" if spent == self.cost else "no_solution",
                        np.zeros(program.variables) if spent == self.cost else None,
                        seconds=spent)


def _tiny(size: int = 1) -> LinearProgram:
    build = ProgramBuilder()
    build.add_variables([0.0] * size, [1.0] * size)
    return build.build([{0: 1.0}])


def test_each_program_gets_an_equal_share_of_the_time_left() -> None:
    solver = Clockwork(cost=1.0)
    solutions = solve_all(solver, [_tiny()] * 4, time_limit=10.0)
    # 10/4, then (10 − 1)/3, then (9 − 1)/2, then what is left.
    assert solver.limits == pytest.approx([2.5, 3.0, 4.0, 7.0])
    assert [s.status for s in solutions] == ["optimal"] * 4


def test_programs_reached_with_no_time_left_are_not_attempted() -> None:
    solver = Clockwork(cost=5.0)
    solutions = solve_all(solver, [_tiny()] * 3, time_limit=3.0)
    assert [s.status for s in solutions] == ["no_solution"] * 3
    assert solver.limits == pytest.approx([1.0, 1.0, 1.0])
    assert sum(s.seconds for s in solutions) == pytest.approx(3.0)


def test_small_programs_go_first_and_answers_keep_the_given_order() -> None:
    seen: list[int] = []

    class Recorder:
        def solve(self, program: LinearProgram, time_limit: float) -> Solution:
            seen.append(program.variables)
            return Solution("optimal", np.full(program.variables, float(program.variables)),
                            seconds=0.5)

    solutions = solve_all(Recorder(), [_tiny(3), _tiny(1), _tiny(2)], time_limit=10.0)
    assert seen == [1, 2, 3]
    assert [s.x.tolist() if s.x is not None else None for s in solutions] == [
        [3.0] * 3, [1.0], [2.0] * 2]


def test_the_solver_summary_names_the_worst_status_and_largest_gap() -> None:
    from quotaplan.core.optimize import solver_summary

    x = np.zeros(1)
    solutions = (Solution("optimal", x, gap=0.0, seconds=1.0, gaps=(0.0, 0.0)),
                 Solution("feasible", x, gap=0.02, seconds=2.5, gaps=(0.0, 0.02)))
    # The goal's own gap is the first objective's; the second only breaks its ties.
    assert solver_summary(solutions) == {"status": "feasible", "gap": 0.0, "gaps": [0.0, 0.02],
                                         "seconds": 3.5, "programs": 2, "unsolved": 0}
    # A program whose second objective the time did not reach: that gap is not known.
    cut = (*solutions, Solution("feasible", x, gap=0.0, gaps=(0.0,)))
    assert solver_summary(cut)["gaps"] == [0.0, None]
    unbounded = (*solutions, Solution("feasible", x, gap=math.inf, gaps=(math.inf,)))
    assert solver_summary(unbounded)["gap"] is None  # never "Infinity" in optimize.json
    unsolved = (*solutions, Solution("no_solution", None))
    assert solver_summary(unsolved)["gaps"] == [None, None]
    assert solver_summary(unsolved)["unsolved"] == 1
    assert solver_summary(())["status"] == "not_needed"
