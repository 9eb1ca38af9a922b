"""The solver boundary: :class:`HighsSolver` solves a :class:`~quotaplan.core.linear.LinearProgram`
with HiGHS (``highspy``), in this process, deterministically (one thread, fixed seed).

Lexicographic objectives are solved one after another: objective *k* is minimised with a row
``c_j·x ≤ v_j + tolerance`` for every earlier objective *j* (``v_j`` the value reached), so a
later objective never costs an earlier one. The time limit is shared among the stages still to
run (an earlier stage may take half of what is left, the last one all of it, but a MIP's last
stage that only breaks ties gets a short budget: see :class:`HighsSolver`); a stage that
ends without a solution leaves the previous stage's answer in place. A MIP stage stops at a
relative gap of 1e-4, or, when its objective takes only whole values, as soon as the bound is
within less than 1 of it: a proven optimum.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from quotaplan.core.linear import Floats, LinearProgram, Solution, Status

#: An earlier objective may be exceeded by this share of its value (at least this much absolute)
#: in later stages: the solver's own feasibility tolerance, not a modelling choice.
HOLD_TOLERANCE = 1e-7

#: Whether HiGHS has been created in this process (its banner comes only the first time).
_created: list[bool] = []


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS writes its banner to file descriptor 1 the first time it is created in a process;
    a report printed by quotaplan (or piped to another program) must not begin with it."""
    try:
        saved = os.dup(1)
    except OSError:  # no stdout at all: nothing to protect
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _new_highs() -> Any:
    import highspy

    if _created:
        highs = highspy.Highs()  # type: ignore[no-untyped-call]
    else:
        with _quiet_stdout():
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        _created.append(True)
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", 0)
    return highs


class HighsSolver:
    """Solves programs with HiGHS.

    ``mip_rel_gap``: the relative gap at which a MIP stage with a fractional objective stops
    (one with whole values only stops at a proven optimum). ``deadline``: a
    ``time.perf_counter()`` reading after which no solve runs, whatever time limit it is given
    (so that the work around the solves counts against a command's limit too).
    ``tie_break_seconds``: the last objective of a MIP with several only breaks ties among the
    answers the earlier ones allow; it may take this long, or half as long as the earlier stages
    took if more, never more than what is left.
    """

    def __init__(self, mip_rel_gap: float = 1e-4, deadline: float | None = None,
                 tie_break_seconds: float = 0.2) -> None:
        self.mip_rel_gap = mip_rel_gap
        self.deadline = deadline
        self.tie_break_seconds = tie_break_seconds

    def solve(self, program: LinearProgram, time_limit: float) -> Solution:
        started = time.perf_counter()
        if self.deadline is not None:
            time_limit = min(time_limit, self.deadline - started)
            if time_limit <= 0:
                return Solution("no_solution", None)
        best: Solution | None = None
        reached: list[float] = []
        gaps: list[float] = []
        stages = len(program.objectives)
        for k, cost in enumerate(program.objectives):
            left = time_limit - (time.perf_counter() - started)
            if left <= 0:
                break
            # An earlier stage may take half of what is left; the last one all of it, or when
            # it only breaks ties of a MIP, what tie_break_seconds allows.
            if k < stages - 1:
                share = left / 2
            elif k and program.is_mip:
                spent = time.perf_counter() - started
                share = min(left, max(self.tie_break_seconds, spent / 2))
            else:
                share = left
            status, x, gap = self._stage(program, cost, reached, share)
            if x is None:
                if best is None:
                    return Solution(status, None, seconds=time.perf_counter() - started)
                break
            reached.append(float(cost @ x))
            gaps.append(gap)
            best = Solution(
                status="optimal" if status == "optimal" and (best is None
                                                              or best.status == "optimal")
                else "feasible",
                x=x,
                objectives=tuple(float(c @ x) for c in program.objectives),
                gap=max(gaps),
            )
        if best is None:
            return Solution("no_solution", None, seconds=time.perf_counter() - started)
        if len(reached) < stages:  # a later stage had no time or no answer: not proven optimal
            best = Solution("feasible", best.x, best.objectives, best.gap)
        return Solution(best.status, best.x, best.objectives, best.gap,
                        seconds=time.perf_counter() - started, gaps=tuple(gaps))

    def _stage(self, program: LinearProgram, cost: Floats, held: list[float],
               time_limit: float) -> tuple[Status, Floats | None, float]:
        """One objective minimised with the earlier ones ``held``. The previous stage's answer
        is not handed to HiGHS as a start: with presolve on, HiGHS 1.16 may return such a start
        as optimal when it is not (a test of fix-coverage found it); a stage that finds nothing
        in its time leaves the previous answer in place instead."""
        import highspy

        highs = _new_highs()
        highs.setOptionValue("time_limit", max(time_limit, 1e-3))
        if program.is_mip:
            if _counts(program, cost):
                # A whole-number objective is proven once the bound is within less than 1 of
                # it; a relative gap would let a large one stop several units short.
                highs.setOptionValue("mip_rel_gap", 0.0)
                highs.setOptionValue("mip_abs_gap", 1 - 1e-6)
            else:
                highs.setOptionValue("mip_rel_gap", self.mip_rel_gap)
        rows, cols, values = program.rows, program.cols, program.values
        row_lower, row_upper = program.row_lower, program.row_upper
        # Each objective already reached becomes a row holding it.
        for j, value in enumerate(held):
            earlier = program.objectives[j]
            nz = np.flatnonzero(earlier)
            row = len(row_lower)
            rows = np.concatenate([rows, np.full(len(nz), row, dtype=np.int64)])
            cols = np.concatenate([cols, nz.astype(np.int64)])
            values = np.concatenate([values, earlier[nz]])
            row_lower = np.append(row_lower, -math.inf)
            row_upper = np.append(row_upper, value + HOLD_TOLERANCE * max(1.0, abs(value)))
        lp = highspy.HighsLp()
        lp.num_col_ = program.variables
        lp.num_row_ = len(row_lower)
        lp.col_cost_ = cost
        lp.col_lower_ = _finite(program.lower)
        lp.col_upper_ = _finite(program.upper)
        lp.row_lower_ = _finite(row_lower)
        lp.row_upper_ = _finite(row_upper)
        order = np.lexsort((rows, cols))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(cols[order], np.arange(program.variables + 1))
        lp.a_matrix_.index_ = rows[order]
        lp.a_matrix_.value_ = values[order]
        if program.is_mip:
            lp.integrality_ = [highspy.HighsVarType.kInteger if flag
                               else highspy.HighsVarType.kContinuous for flag in program.integer]
        highs.passModel(lp)
        highs.run()
        model_status = highs.getModelStatus()
        info = highs.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if model_status == highspy.HighsModelStatus.kOptimal:
            status: Status = "optimal"
        elif model_status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, math.inf
        elif has_solution:
            status = "feasible"
        elif model_status == highspy.HighsModelStatus.kTimeLimit:
            return "no_solution", None, math.inf
        else:
            return "error", None, math.inf
        x = np.array(highs.getSolution().col_value, dtype=np.float64)
        gap = float(info.mip_gap) if program.is_mip else 0.0
        if not math.isfinite(gap):
            gap = 0.0 if status == "optimal" else math.inf
        return status, x, gap


def _counts(program: LinearProgram, cost: Floats) -> bool:
    """Does ``cost`` take only whole values (whole costs on integer variables, none else)?"""
    return bool(np.all(cost[~program.integer] == 0) and np.all(cost == np.round(cost)))


def _finite(values: Floats) -> Floats:
    """±inf as HiGHS's own infinity."""
    import highspy

    return np.clip(values, -highspy.kHighsInf, highspy.kHighsInf)
