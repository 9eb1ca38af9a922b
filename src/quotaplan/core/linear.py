"""Linear and mixed-integer programs as plain data, and the one interface a solver offers.

Pure: the optimisation goals (:mod:`quotaplan.core.balance`, :mod:`quotaplan.core.moves`) build a
:class:`LinearProgram` and hand it to a :class:`Solver`; the solver that runs HiGHS lives outside
the core (:mod:`quotaplan.solver`), and tests may pass any object with the same ``solve``.

A program is ``minimise c₁·x, then c₂·x, …`` (lexicographic: each objective is minimised while the
earlier ones are held at the values already reached) subject to
``row_lower ≤ A·x ≤ row_upper`` and ``lower ≤ x ≤ upper``, with the variables flagged in
``integer`` taking whole values. ``A`` is given by its non-zero entries (``rows``, ``cols``,
``values``). Infinite bounds are ``±math.inf``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

#: How a solve ended. ``feasible`` = a solution, not proven optimal (time limit reached with an
#: incumbent); ``no_solution`` = the time ran out before any was found.
Status = Literal["optimal", "feasible", "infeasible", "no_solution", "error"]


@dataclass(frozen=True)
class LinearProgram:
    """One program; every array is one entry per variable (or per row, or per non-zero)."""

    lower: Floats
    upper: Floats
    integer: Bools
    rows: Ints
    cols: Ints
    values: Floats
    row_lower: Floats
    row_upper: Floats
    objectives: tuple[Floats, ...]

    def __post_init__(self) -> None:
        n, m = len(self.lower), len(self.row_lower)
        if not (len(self.upper) == len(self.integer) == n and len(self.row_upper) == m):
            raise ValueError("bounds differ in length")
        if not len(self.rows) == len(self.cols) == len(self.values):
            raise ValueError("matrix entries differ in length")
        if any(len(c) != n for c in self.objectives) or not self.objectives:
            raise ValueError("every objective needs one cost per variable")

    @property
    def variables(self) -> int:
        return len(self.lower)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())


@dataclass(frozen=True)
class Solution:
    """What a solve returned.

    ``x`` holds the variables' values (``None`` without a solution); ``objectives`` the value of
    each objective reached, in order; ``gaps`` the relative gap to optimal of each objective
    solved, in order (0 for a linear program or a proven optimum; an objective the time did not
    reach has none); ``gap`` the largest of them (``None`` without a solution); ``seconds`` the
    wall time the solve took (measured by the solver, never by the core).
    """

    status: Status
    x: Floats | None
    objectives: tuple[float, ...] = ()
    gap: float | None = None
    seconds: float = 0.0
    gaps: tuple[float, ...] = ()


class Solver(Protocol):
    """Anything that solves a :class:`LinearProgram` within ``time_limit`` seconds."""

    def solve(self, program: LinearProgram, time_limit: float) -> Solution: ...


@dataclass
class ProgramBuilder:
    """Builds a :class:`LinearProgram` one block of variables and one row at a time."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    cols: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)

    def add_variables(self, lower: Sequence[float], upper: Sequence[float], *,
                      integer: bool = False) -> range:
        """Add variables; returns their indices."""
        start = len(self.lower)
        self.lower.extend(lower)
        self.upper.extend(upper)
        self.integer.extend([integer] * len(lower))
        return range(start, len(self.lower))

    def add_row(self, cols: Sequence[int], values: Sequence[float], lower: float = -math.inf,
                upper: float = math.inf) -> int:
        """Add ``lower ≤ Σ values·x[cols] ≤ upper``; returns the row's index."""
        row = len(self.row_lower)
        self.rows.extend([row] * len(cols))
        self.cols.extend(cols)
        self.values.extend(values)
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        return row

    def build(self, objectives: Sequence[dict[int, float]]) -> LinearProgram:
        """The program with ``objectives`` given as {variable: cost} (others cost 0)."""
        costs = []
        for objective in objectives:
            c = np.zeros(len(self.lower), dtype=np.float64)
            for j, v in objective.items():
                c[j] = v
            costs.append(c)
        return LinearProgram(
            lower=np.array(self.lower, dtype=np.float64),
            upper=np.array(self.upper, dtype=np.float64),
            integer=np.array(self.integer, dtype=np.bool_),
            rows=np.array(self.rows, dtype=np.int64),
            cols=np.array(self.cols, dtype=np.int64),
            values=np.array(self.values, dtype=np.float64),
            row_lower=np.array(self.row_lower, dtype=np.float64),
            row_upper=np.array(self.row_upper, dtype=np.float64),
            objectives=tuple(costs),
        )


def solve_all(solver: Solver, programs: Sequence[LinearProgram], time_limit: float
              ) -> list[Solution]:
    """Solve independent programs one after another within ``time_limit`` seconds in all;
    the solutions come back in the order of ``programs``.

    The smallest programs (fewest variables) go first, and each may use an equal share of the
    time still left (the seconds each solve reports are taken off): the time the many small ones
    do not need flows to the large ones, and a hard program cannot starve the rest. A program
    reached with no time left is not attempted (status ``no_solution``).
    """
    order = sorted(range(len(programs)), key=lambda i: (programs[i].variables, i))
    left = time_limit
    solutions: dict[int, Solution] = {}
    for k, i in enumerate(order):
        share = left / (len(order) - k)
        if share <= 0:
            solutions[i] = Solution("no_solution", None)
            continue
        solution = solver.solve(programs[i], share)
        left -= solution.seconds
        solutions[i] = solution
    return [solutions[i] for i in range(len(programs))]
