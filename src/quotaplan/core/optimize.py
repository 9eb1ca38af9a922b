"""Optimisation proposals (SPEC Part 2 "Optimisation — proposals, never silent changes"). Pure.

Two goals, each a function of a built plan's tables that returns an :class:`Optimisation` — the
proposals and the headline before and after — and never changes the plan:

- ``balance-quotas`` (:func:`quotaplan.core.balance.balance_quotas`, a linear program): re-split
  each numbered node's quotas over its carriers so that their coverages come as close as possible
  to the node's, each quota within ``max_change`` of its current value, the node's total kept to
  the cent.
- ``fix-coverage`` (:func:`quotaplan.core.moves.fix_coverage`, a mixed-integer program): account
  moves between sibling carriers that bring high-risk carriers to ``[risk] medium_below``.

The solver is passed in (:class:`~quotaplan.core.linear.Solver`); this package never reads a
clock: solve times are what the solver reports.

Tables (amounts ``Int64`` cents, coverage ``Float64``):

- *carriers*: ``seller_id``, ``territory_id``, ``book_target``, ``final_quota`` — the quota
  carriers as :mod:`quotaplan.core.quotas` computed them.
- ``proposals``: :data:`PROPOSAL_COLUMNS`. A ``quota`` row proposes ``quota_after`` for
  ``seller_id``; its coverages are that carrier's. A ``move`` row proposes moving ``account_id``
  (its ``target``) from ``from_seller`` to ``to_seller``; ``coverage_before``/``coverage_after``
  are the receiving carrier's and ``from_coverage_before``/``from_coverage_after`` the giving
  carrier's, *after* every proposal is applied. ``node`` is the numbered node whose number was
  re-split, or the node whose carriers may trade accounts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.core.capacity import ratio_below
from quotaplan.core.linear import Solution

PROPOSAL_SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "seller_id": pl.String(),
    "quota_before": pl.Int64(),
    "quota_after": pl.Int64(),
    "account_id": pl.String(),
    "from_seller": pl.String(),
    "to_seller": pl.String(),
    "target": pl.Int64(),
    "coverage_before": pl.Float64(),
    "coverage_after": pl.Float64(),
    "from_coverage_before": pl.Float64(),
    "from_coverage_after": pl.Float64(),
    "node": pl.String(),
}
PROPOSAL_COLUMNS = tuple(PROPOSAL_SCHEMA)
GOALS = ("balance-quotas", "fix-coverage")


@dataclass(frozen=True)
class RiskBands:
    """``[risk]``: coverage below ``high_below`` is high risk, below ``medium_below`` medium."""

    high_below: Fraction
    medium_below: Fraction

    @classmethod
    def of(cls, high_below: Decimal | Fraction, medium_below: Decimal | Fraction) -> RiskBands:
        return cls(Fraction(high_below), Fraction(medium_below))


@dataclass(frozen=True)
class Optimisation:
    """What an optimisation proposes.

    ``before`` / ``after``: the carriers (seller_id, book_target, final_quota, coverage, risk) as
    the plan has them and as they would be with every proposal applied. ``headline``: see
    :func:`headline`. ``solutions``: one per program solved.
    """

    goal: str
    proposals: pl.DataFrame
    before: pl.DataFrame
    after: pl.DataFrame
    headline: dict[str, Any]
    solutions: tuple[Solution, ...] = ()


def ceil_of(value: Fraction) -> int:
    """⌈value⌉, exactly."""
    return -((-value.numerator) // value.denominator)


def floor_of(value: Fraction) -> int:
    """⌊value⌋, exactly."""
    return value.numerator // value.denominator


def with_risk(carriers: pl.DataFrame, bands: RiskBands) -> pl.DataFrame:
    """``carriers`` with ``coverage`` (book_target ÷ final_quota, null for a zero quota) and
    ``risk`` (``high`` / ``medium`` / ``low``, null for a zero quota), band edges decided exactly
    as in gap.csv."""
    b, q = pl.col("book_target"), pl.col("final_quota")
    return carriers.with_columns(
        pl.when(q == 0).then(None).otherwise(b.cast(pl.Float64) / q.cast(pl.Float64))
        .alias("coverage"),
        pl.when(q == 0).then(pl.lit(None, dtype=pl.String))
        .when(ratio_below(b, q, bands.high_below)).then(pl.lit("high"))
        .when(ratio_below(b, q, bands.medium_below)).then(pl.lit("medium"))
        .otherwise(pl.lit("low")).alias("risk"),
    )


def sellers_by_risk(carriers: pl.DataFrame) -> dict[str, int]:
    """``{"high": n, "medium": n, "low": n, "none": n}`` of a frame with ``risk``."""
    counts = dict(carriers.group_by("risk").len().iter_rows())
    return {name: int(counts.get(name, 0)) for name in ("high", "medium", "low")} | {
        "none": int(counts.get(None, 0))}


def _figures(carriers: pl.DataFrame) -> dict[str, Any]:
    low = carriers.get_column("coverage").min()
    return {
        "sellers_by_risk": sellers_by_risk(carriers),
        "min_coverage": float(low) if isinstance(low, float | int) else None,
        "street_quota": int(carriers.get_column("final_quota").sum()),
        "book_target_sum": int(carriers.get_column("book_target").sum()),
    }


def solver_summary(solutions: tuple[Solution, ...]) -> dict[str, Any]:
    """status (the worst of the solves: ``optimal`` when every program was solved to optimality,
    ``not_needed`` when there was nothing to solve), gaps (for each objective in order, the
    largest relative gap to optimal over the programs; ``None`` where a program did not reach that
    objective or found no answer at all), gap (that of the first objective, the goal's own; the
    later ones only break its ties), seconds (their sum), the number of programs and of those
    without an answer (``unsolved``: the time ran out before one was found or the program was
    reached; their carriers get no proposals)."""
    if not solutions:
        return {"status": "not_needed", "gap": 0.0, "gaps": [], "seconds": 0.0, "programs": 0,
                "unsolved": 0}
    rank = ["optimal", "feasible", "no_solution", "infeasible", "error"]
    status = max((s.status for s in solutions), key=rank.index)
    solved = [s for s in solutions if s.x is not None]
    by_objective: list[float | None] = []
    for k in range(max((len(s.gaps) for s in solved), default=0)):
        reached = [s.gaps[k] for s in solved if len(s.gaps) > k]
        known = len(reached) == len(solutions) and all(math.isfinite(g) for g in reached)
        by_objective.append(max(reached) if known else None)
    return {
        "status": status,
        "gap": by_objective[0] if by_objective else None,
        "gaps": by_objective,
        "seconds": round(sum(s.seconds for s in solutions), 3),
        "programs": len(solutions),
        "unsolved": len(solutions) - len(solved),
    }


def headline(goal: str, before: pl.DataFrame, after: pl.DataFrame, proposals: pl.DataFrame,
             solutions: tuple[Solution, ...], **extra: Any) -> dict[str, Any]:
    """The figures before and after (sellers by risk, lowest coverage, Σ final quotas and Σ book
    targets of the carriers), the counts of proposals (``changes``: quotas changed, ``moves``:
    accounts moved, ``target_moved`` in cents) and the solver's :func:`solver_summary`, plus
    ``extra`` figures of the goal."""
    kinds = proposals.get_column("kind")
    moved = proposals.filter(kinds == "move").get_column("target").sum()
    return {
        "goal": goal,
        "before": _figures(before),
        "after": _figures(after),
        "changes": int((kinds == "quota").sum()),
        "moves": int((kinds == "move").sum()),
        "target_moved": int(moved or 0),
        "solver": solver_summary(solutions),
        **extra,
    }


def proposals_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Proposal rows (dicts with any of :data:`PROPOSAL_COLUMNS`) as a table."""
    return pl.DataFrame([{c: row.get(c) for c in PROPOSAL_COLUMNS} for row in rows],
                        schema=PROPOSAL_SCHEMA)
