"""``balance-quotas``: re-split each numbered node's quotas so coverages come close to the node's.

Pure. The carriers of a numbered node are those beneath it and not beneath a deeper numbered node
(their ``anchor_id``, SPEC "Quotas", basis topdown); carriers with no numbered node above them
are taken together under the root. Only carriers with a final quota above 0 take part: a zero
quota stays 0 (±max_change of 0 is 0), a negative one is left alone.

**The node's total is conserved.** Its carriers' quotas after the re-split sum to exactly what
they sum to now (Q = Σ current final quotas): the node's number as its carriers carry it — its
own number under basis topdown or even, before padding, adjustments and ramp. So the node's
coverage ``c = B ÷ Q`` (B = Σ book targets) does not change, and the *balanced* quota of carrier
*i* is ``q*_i = b_i ÷ c``: the quota that would give it exactly the node's coverage.

**Formulation (one linear program per node).** Coverage ``b_i ÷ q_i`` is not linear in the quota;
its relative deviation ``|b_i ÷ (q_i·c) − 1| = |q*_i − q_i| ÷ q_i`` is linearised by dividing by
the *current* quota ``q⁰_i`` instead of the new one (they differ by at most ±max_change). With
``x_i = q_i ÷ q⁰_i`` and ``r_i = q*_i ÷ q⁰_i`` (the current coverage over the node's):

    minimise   t, then Σ e_i                     (lexicographic: two solves)
    subject to Σ (q⁰_i ÷ Q) · x_i = 1            (the node's total)
               e_i ≥ x_i − r_i,  e_i ≥ r_i − x_i,  e_i ≤ t
               lo_i ≤ q⁰_i · x_i ≤ hi_i

Bounds, in whole cents, decided exactly: ``⌈(1 − max_change)·q⁰_i⌉ ≤ q_i ≤ ⌊(1 + max_change)·q⁰_i⌋``
(and ``q_i ≥ 0``), and **every quota moves toward its balanced quota, never away from it and never
past it**: between ``q⁰_i`` and ``q*_i`` (a carrier covered below the node's is only lowered, one
covered above it only raised). Every current quota lies within these bounds, so the program is
always feasible; no carrier's coverage ends further from the node's than it is today, so the
largest deviation never gets worse, whatever the linearisation does. Nothing is lost by it: the
desired changes sum to zero (Σ q*_i = Σ q⁰_i = Q), so raising those covered above the node's is
always balanced by lowering those covered below it, and neither needs to overshoot.

**Rounding.** The solution is rounded to the cent by :func:`quotaplan.money.round_to_total`:
floors, then the cents left to reach Q exactly to the largest remainders (ties by ascending
seller id), within the bounds above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

from quotaplan.core.linear import LinearProgram, ProgramBuilder, Solution, Solver, solve_all
from quotaplan.core.optimize import (
    Optimisation,
    RiskBands,
    ceil_of,
    floor_of,
    headline,
    proposals_frame,
    with_risk,
)
from quotaplan.money import round_to_total


@dataclass(frozen=True)
class _Node:
    """One numbered node's carriers with a quota above 0, in ascending seller id."""

    node: str
    sellers: list[str]
    books: list[int]
    quotas: list[int]
    lower: list[int]
    upper: list[int]

    @property
    def total(self) -> int:
        return sum(self.quotas)


def deviations(books: list[int], quotas: list[int]) -> list[Fraction]:
    """Each carrier's relative coverage deviation ``|coverage ÷ node coverage − 1|``, exactly,
    where node coverage = Σ books ÷ Σ quotas (quotas above 0, books summing above 0)."""
    big_b, big_q = sum(books), sum(quotas)
    return [abs(Fraction(b * big_q, q * big_b) - 1) for b, q in zip(books, quotas, strict=True)]


def _node(node: str, sellers: list[str], books: list[int], quotas: list[int],
          max_change: Fraction) -> _Node | None:
    """The node's bounds, or None when there is nothing to balance."""
    if len(sellers) < 2 or sum(books) <= 0:
        return None
    big_b, big_q = sum(books), sum(quotas)
    lower, upper = [], []
    for b, q in zip(books, quotas, strict=True):
        ideal = Fraction(b * big_q, big_b)
        if ideal < q:  # covered below the node's: lowered, not below the balanced quota
            lower.append(max(ceil_of((1 - max_change) * q), ceil_of(ideal), 0))
            upper.append(q)
        else:  # covered at or above the node's: raised, not above the balanced quota
            lower.append(q)
            upper.append(min(floor_of((1 + max_change) * q), floor_of(ideal)))
    if lower == quotas and upper == quotas:  # nothing can move
        return None
    return _Node(node, sellers, books, quotas, lower, upper)


def _program(node: _Node) -> LinearProgram:
    n, big_q = len(node.sellers), node.total
    big_b = sum(node.books)
    build = ProgramBuilder()
    x = build.add_variables([lo / q for lo, q in zip(node.lower, node.quotas, strict=True)],
                            [hi / q for hi, q in zip(node.upper, node.quotas, strict=True)])
    e = build.add_variables([0.0] * n, [math.inf] * n)
    (t,) = build.add_variables([0.0], [math.inf])
    build.add_row(list(x), [q / big_q for q in node.quotas], 1.0, 1.0)
    for i, (b, q) in enumerate(zip(node.books, node.quotas, strict=True)):
        r = float(Fraction(b * big_q, big_b * q))
        build.add_row([x[i], e[i]], [1.0, -1.0], upper=r)
        build.add_row([x[i], e[i]], [1.0, 1.0], lower=r)
        build.add_row([e[i], t], [1.0, -1.0], upper=0.0)
    return build.build([{t: 1.0}, dict.fromkeys(e, 1.0)])


def _rounded(node: _Node, solution: Solution) -> list[int]:
    """The node's new quotas (cents), or its current ones when the solve gave no answer."""
    if solution.x is None:
        return node.quotas
    values = [Fraction(float(solution.x[i])) * q for i, q in enumerate(node.quotas)]
    return round_to_total(values, node.total, node.sellers, node.lower, node.upper)


def balance_quotas(carriers: pl.DataFrame, *, root: str, bands: RiskBands,
                   max_change: Fraction, solver: Solver, time_limit: float) -> Optimisation:
    """Propose re-split quotas (see the module's docstring).

    ``carriers``: seller_id, territory_id, book_target, final_quota (cents) and anchor_id (the
    carrier's numbered node, null when none); ``root``: the root territory's id (the node of the
    carriers without one). ``max_change``: 0.15 = each quota within ±15 % of its current value.
    """
    if max_change < 0:
        raise ValueError("max_change must not be below 0")
    frame = carriers.select(
        "seller_id", "territory_id", "book_target", "final_quota",
        pl.col("anchor_id").fill_null(root).alias("node"),
    ).sort("seller_id")
    taking = frame.filter(pl.col("final_quota") > 0)
    nodes: list[_Node] = []
    for (name,), group in taking.group_by(["node"], maintain_order=True):
        found = _node(str(name), group.get_column("seller_id").to_list(),
                      group.get_column("book_target").to_list(),
                      group.get_column("final_quota").to_list(), max_change)
        if found is not None:
            nodes.append(found)
    nodes.sort(key=lambda nd: nd.node)
    solutions = solve_all(solver, [_program(nd) for nd in nodes], time_limit)
    new: dict[str, int] = {}
    for nd, solution in zip(nodes, solutions, strict=True):
        new.update(zip(nd.sellers, _rounded(nd, solution), strict=True))
    before = with_risk(frame, bands)
    after = with_risk(frame.with_columns(
        pl.col("seller_id").replace_strict(new, default=pl.col("final_quota"),
                                           return_dtype=pl.Int64).alias("final_quota")
    ), bands)
    changed = before.join(after.select("seller_id", pl.col("final_quota").alias("_after"),
                                       pl.col("coverage").alias("_cov")),
                          on="seller_id").filter(pl.col("final_quota") != pl.col("_after"))
    rows = [
        {"kind": "quota", "seller_id": r["seller_id"], "quota_before": r["final_quota"],
         "quota_after": r["_after"], "coverage_before": r["coverage"],
         "coverage_after": r["_cov"], "node": r["node"]}
        for r in changed.sort("node", "seller_id").iter_rows(named=True)
    ]
    proposals = proposals_frame(rows)
    extra = {
        "max_change": float(max_change),
        "nodes": len(nodes),
        "largest_deviation_before": largest_deviation(before),
        "largest_deviation_after": largest_deviation(after),
    }
    return Optimisation("balance-quotas", proposals, before, after,
                        headline("balance-quotas", before, after, proposals, tuple(solutions),
                                 **extra), tuple(solutions))


def largest_deviation(carriers: pl.DataFrame) -> float | None:
    """The largest ``|coverage ÷ node coverage − 1|`` over every node's carriers with a quota
    above 0 (``node``, book_target, final_quota columns); None when no node has books."""
    worst: Fraction | None = None
    taking = carriers.filter(pl.col("final_quota") > 0)
    for _, group in taking.group_by("node"):
        books = group.get_column("book_target").to_list()
        if sum(books) <= 0:
            continue
        top = max(deviations(books, group.get_column("final_quota").to_list()))
        worst = top if worst is None else max(worst, top)
    return None if worst is None else float(worst)
