"""One seller's quota explained: the facts, the ledger line by line, and the book behind it; or a
manager's rolled-up quota, child by child.

Pure data for ``quotaplan explain`` (rendered by :mod:`quotaplan.report.explain`) and, later, the
web workbench. Nothing here formats text for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.ledger import QuotaLedger
from quotaplan.core.ramp import add_months, first_ramp_month, month_length
from quotaplan.core.rollup import _manager_quotas
from quotaplan.money import round_half_away
from quotaplan.plan import Plan
from quotaplan.settings import Settings


@dataclass(frozen=True)
class BookRow:
    """One account of the book. ``target`` in cents; ``share`` and ``cumulative_share`` in 0–1 of
    the book target (``None`` when the book sums to 0); ``abc_class`` when the targets carry it."""

    account_id: str
    name: str | None
    target: int
    share: float | None
    cumulative_share: float | None
    abc_class: str | None


@dataclass(frozen=True)
class RampStart:
    """When a carrier starts carrying quota, and which rule decided it.

    ``rule``: ``no_hire_date`` (fully ramped), ``month_end``, ``day`` (``day:N``) or ``prorate``;
    ``cutoff``: ``[ramp] cutoff`` as written.
    ``first_month``: first day of the first ramp month (``None`` without a hire date).
    ``cutoff_day``: under ``day:N``, the cut-off in the hire month (N, or the month's last day when
    it is shorter); ``on_or_before``: the hire day is on or before it. ``share``: under ``prorate``,
    the share (0–1] of the hire month worked, ``days_worked`` of ``month_days``. ``timing``:
    ``before`` (the first ramp month is before the plan year: tenure runs into it), ``in`` or
    ``after`` (the carrier carries 0 this year and their book counts as uncovered);
    ``tenure_at_start``: months of tenure completed when the year starts (``before`` only).
    """

    rule: str
    cutoff: str
    hire_date: date | None
    vacant: bool
    first_month: date | None
    cutoff_day: int | None = None
    on_or_before: bool | None = None
    share: Fraction | None = None
    days_worked: int | None = None
    month_days: int | None = None
    timing: str = "in"
    tenure_at_start: int | None = None


@dataclass(frozen=True)
class Feasibility:
    """The carrier's gap.csv figures: gap = final_quota − book_target (cents); coverage =
    book_target ÷ final_quota and risk (high | medium | low), both ``None`` for a zero quota."""

    final_quota: int
    book_target: int
    gap: int
    coverage: float | None
    risk: str | None


@dataclass(frozen=True)
class Explanation:
    """A carrier's quota, ready to show.

    ``seller``: the seller's facts (the sellers.csv columns: seller_id, name, territory_id, status,
    hire_date, end_date, ote in cents, seniority, ramp_profile, …). ``ledger``: base → final.
    ``book``: every account of the book, largest target first (ties by ascending account id), with
    ``book_target`` (cents) and ``accounts`` (count). ``ramp_start``: the first ramp month and why
    (when the settings were given); ``feasibility``: the gap.csv figures (when given). The growth
    ask: ``prior_bookings`` (Σ the book's bookings in the base window, cents, negative as it is;
    ``None`` when not known), ``growth_ask`` (final quota ÷ prior_bookings − 1, ``None`` where
    prior_bookings ≤ 0) and ``base_window`` (first and last day, both inclusive, when given).
    """

    seller: Mapping[str, object]
    ledger: QuotaLedger
    book: tuple[BookRow, ...]
    book_target: int
    accounts: int
    ramp_start: RampStart | None = None
    feasibility: Feasibility | None = None
    prior_bookings: int | None = None
    growth_ask: float | None = None
    base_window: tuple[date, date] | None = None


def ramp_start(seller: Mapping[str, object], settings: Settings) -> RampStart:
    """The first ramp month of a seller (``hire_date``, ``status`` of sellers.csv) and why, by
    :func:`~quotaplan.core.ramp.first_ramp_month` under ``[ramp] cutoff``."""
    hire = seller.get("hire_date")
    vacant = seller.get("status") == "tbh"
    cutoff = settings.ramp.cutoff
    if not isinstance(hire, date):
        return RampStart("no_hire_date", cutoff, None, vacant, None)
    first, share = first_ramp_month(hire, cutoff)
    year_start = settings.plan.fiscal_year_start
    year_end = add_months(year_start, 12)
    start_day = hire if cutoff == "prorate" else first
    begins = year_start.replace(day=1)
    timing, tenure = "in", None
    if start_day >= year_end:
        timing = "after"
    elif first < begins:
        timing = "before"
        tenure = (begins.year - first.year) * 12 + begins.month - first.month
    if cutoff == "prorate":
        days = month_length(hire)
        return RampStart("prorate", cutoff, hire, vacant, first, share=share,
                         days_worked=days - hire.day + 1, month_days=days, timing=timing,
                         tenure_at_start=tenure)
    if cutoff == "month_end":
        return RampStart("month_end", cutoff, hire, vacant, first, timing=timing,
                         tenure_at_start=tenure)
    limit = min(int(cutoff[4:]), month_length(hire))
    return RampStart("day", cutoff, hire, vacant, first, cutoff_day=limit,
                     on_or_before=hire.day <= limit, timing=timing, tenure_at_start=tenure)


def feasibility_of(gap: pl.DataFrame, seller_id: str) -> Feasibility | None:
    """The carrier's row of gap.csv (``None`` when the frame has none)."""
    rows = gap.filter(pl.col("seller_id") == seller_id)
    if rows.height == 0:
        return None
    r = rows.row(0, named=True)
    return Feasibility(int(r["final_quota"]), int(r["book_target"]), int(r["gap"]),
                       r["coverage"], r["risk"])


def explain_seller(
    ledger: QuotaLedger,
    account_targets: pl.DataFrame,
    seller: Mapping[str, object],
    *,
    settings: Settings | None = None,
    gap: pl.DataFrame | None = None,
    account_names: pl.DataFrame | None = None,
    base_window: tuple[date, date] | None = None,
) -> Explanation:
    """The explanation of one carrier from their ledger, the account targets and their facts.

    ``account_targets`` needs account_id, territory_id and target (cents); ``name``,
    ``abc_class`` and ``base_bookings`` (the prior bookings) are used when present. ``settings``
    adds the first ramp month and why; ``gap`` (gap.csv's frame) the carrier's coverage, gap and
    risk; ``account_names`` (account_id, name: accounts.csv) the accounts' names when
    ``account_targets`` has none; ``base_window`` the first and last day of the base window.
    """
    if account_names is not None and "name" not in account_targets.columns:
        account_targets = account_targets.join(
            account_names.select("account_id", "name"), on="account_id", how="left")
    columns = account_targets.columns
    accounts = account_targets.filter(pl.col("territory_id") == ledger.territory_id)
    prior: int | None = None
    ask: float | None = None
    if "base_bookings" in columns:
        prior = int(accounts.get_column("base_bookings").fill_null(0).sum() or 0)
        if prior > 0:
            ask = float(Fraction(ledger.final_quota, prior) - 1)
    book = (
        accounts
        .select(
            pl.col("account_id").cast(pl.String),
            (pl.col("name") if "name" in columns else pl.lit(None)).cast(pl.String).alias("name"),
            pl.col("target").fill_null(0).cast(pl.Int64),
            (pl.col("abc_class") if "abc_class" in columns else pl.lit(None))
            .cast(pl.String).alias("abc_class"),
        )
        # Sort before the cumulative sum: the shares only mean something in target order.
        .sort(["target", "account_id"], descending=[True, False])
    )
    total = int(book.get_column("target").sum() or 0)
    if total != 0:
        book = book.with_columns(
            (pl.col("target") / total).alias("share"),
            (pl.col("target").cum_sum() / total).alias("cumulative_share"),
        )
    else:
        book = book.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("share"),
            pl.lit(None, dtype=pl.Float64).alias("cumulative_share"),
        )
    rows = tuple(
        BookRow(r["account_id"], r["name"], r["target"], r["share"], r["cumulative_share"],
                r["abc_class"])
        for r in book.iter_rows(named=True)
    )
    return Explanation(
        seller=dict(seller), ledger=ledger, book=rows, book_target=total, accounts=len(rows),
        ramp_start=ramp_start(seller, settings) if settings is not None else None,
        feasibility=feasibility_of(gap, ledger.seller_id) if gap is not None else None,
        prior_bookings=prior, growth_ask=ask, base_window=base_window,
    )


# --- a manager's rolled-up quota ----------------------------------------------------------------


@dataclass(frozen=True)
class NodeChild:
    """One child of a node and what it adds to the roll-up.

    ``kind``: ``leaf`` or ``node``. ``holder_id`` / ``holder_name``: the leaf's carrier or the
    node's manager (``None`` when there is none). ``figure``: exact cents — a leaf's carrier final
    quota (0 when uncovered), a node's rolled-up quota (already hedged); ``cents``: as written in
    quotas.csv / rollup.csv. ``uncovered``: a leaf without a carrier, or whose carrier starts after
    the plan year; ``uncovered_target`` its accounts' target sum (cents).
    """

    territory_id: str
    name: str | None
    kind: str
    holder_id: str | None
    holder_name: str | None
    figure: Fraction
    cents: int
    uncovered: bool = False
    uncovered_target: int = 0
    starts_after_year: bool = False


@dataclass(frozen=True)
class NodeExplanation:
    """A manager's rolled-up quota, ready to show (SPEC "Quotas" step 5).

    ``children_sum`` (exact cents) × (1 − ``hedge``) = ``rolled`` (exact); ``manager_quota`` is
    ``rolled`` rounded half away from zero: rollup.csv's manager_quota. ``figures``: the node's
    rollup.csv row (topdown, account_target_sum, quota_sum, strategic_gap, quota_gap,
    attainment_factor, uncovered_target, …; the gaps and factor ``None`` where it has no number).
    """

    territory_id: str
    name: str | None
    depth: int
    parent_id: str | None
    manager: Mapping[str, object] | None
    children: tuple[NodeChild, ...]
    children_sum: Fraction
    hedge: Decimal
    rolled: Fraction
    manager_quota: int
    figures: Mapping[str, object]


def explain_node(plan: Plan, rollup: pl.DataFrame, quotas: pl.DataFrame,
                 territory_id: str) -> NodeExplanation:
    """The roll-up of one non-leaf node: every child with its figure, the sum, the hedge at the
    node's depth and the result, from the build's ``rollup`` (rollup.csv's frame, with is_leaf) and
    ``quotas`` (quotas.csv's frame). KeyError for an id that is not a non-leaf node."""
    node_rows = rollup.filter(pl.col("territory_id") == territory_id)
    if node_rows.height == 0 or node_rows.get_column("is_leaf")[0]:
        raise KeyError(territory_id)
    node = node_rows.row(0, named=True)
    rolled = _manager_quotas(plan, rollup)
    names = dict(plan.territories.select("territory_id", "name").iter_rows())
    sellers = plan.sellers.select("seller_id", "name")
    carriers = quotas.select(
        "territory_id", "seller_id",
        (pl.col("starts_after_year") if "starts_after_year" in quotas.columns
         else pl.lit(False)).alias("starts_after_year"),
    )
    children = (
        rollup.filter(pl.col("parent_id") == territory_id)
        .select("territory_id", "is_leaf", "quota_sum", "manager_quota", "manager_id",
                "uncovered_target")
        .join(carriers, on="territory_id", how="left")
        .with_columns(pl.coalesce("seller_id", "manager_id").alias("holder_id"))
        .join(sellers.rename({"seller_id": "holder_id", "name": "holder_name"}), on="holder_id",
              how="left")
        .sort("territory_id")
    )
    parts: list[NodeChild] = []
    for c in children.iter_rows(named=True):
        child, leaf = str(c["territory_id"]), bool(c["is_leaf"])
        late = bool(c["starts_after_year"])
        if leaf:
            figure, cents = Fraction(int(c["quota_sum"])), int(c["quota_sum"])
        else:
            figure, cents = rolled[child], int(c["manager_quota"])
        parts.append(NodeChild(
            territory_id=child, name=names.get(child), kind="leaf" if leaf else "node",
            holder_id=c["holder_id"], holder_name=c["holder_name"], figure=figure, cents=cents,
            uncovered=leaf and (c["seller_id"] is None or late),
            uncovered_target=int(c["uncovered_target"] or 0) if leaf else 0,
            starts_after_year=late,
        ))
    depth = int(node["depth"])
    hedge = Decimal(plan.settings.quotas.hedge.get(depth, 0))
    total = sum((p.figure for p in parts), Fraction(0))
    manager = None
    if node["manager_id"] is not None:
        rows = plan.sellers.filter(pl.col("seller_id") == node["manager_id"])
        manager = rows.row(0, named=True) if rows.height else {"seller_id": node["manager_id"]}
    # The same roll-up as rollup.csv's (core.rollup), recomputed here from the children shown.
    result = total * (1 - Fraction(hedge))
    return NodeExplanation(
        territory_id=territory_id, name=names.get(territory_id), depth=depth,
        parent_id=node["parent_id"], manager=manager, children=tuple(parts), children_sum=total,
        hedge=hedge, rolled=result, manager_quota=round_half_away(result),
        figures=dict(node),
    )


def managed_node(hierarchy: Hierarchy, seller_id: str) -> str | None:
    """The non-leaf node ``seller_id`` manages, or ``None``."""
    rows = hierarchy.nodes.filter((pl.col("manager_id") == seller_id) & ~pl.col("is_leaf"))
    return str(rows.get_column("territory_id")[0]) if rows.height else None


__all__ = [
    "BookRow",
    "Explanation",
    "Feasibility",
    "NodeChild",
    "NodeExplanation",
    "RampStart",
    "explain_node",
    "explain_seller",
    "feasibility_of",
    "managed_node",
    "ramp_start",
]
