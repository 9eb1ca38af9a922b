"""Roll-ups through the hierarchy: every node's sums, strategic and quota gaps, manager quotas.

Per-account and per-carrier figures are first summed per leaf (columnar), then carried up the
closure (node, ancestor-or-self) in one join; only the per-node recursions (hedged manager quotas,
headcount) run in Python, over a few thousand nodes, with exact fractions rounded once when written.
Amounts are ``Int64`` cents, ratios ``Float64``, counts ``Int64``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.core.capacity import (
    headcount_to_close,
    hire_factors,
    in_year_factor,
    period_weights,
    times_rate,
)
from quotaplan.core.feasibility import growth_ask_expr, risk_expr
from quotaplan.core.hierarchy import Hierarchy
from quotaplan.money import round_half_away
from quotaplan.plan import Plan
from quotaplan.schemas import OUTPUT_EXTRAS, OUTPUTS

ROLLUP_COLUMNS = OUTPUTS["rollup.csv"]
#: Columns rollup_table adds after the contract ones.
ROLLUP_EXTRA = OUTPUT_EXTRAS["rollup.csv"]

_SUMMED = (
    "calculated_target_sum", "account_target_sum", "quota_sum", "carriers", "ramped_carriers",
    "ramped_full_year_sum", "high_risk_carriers", "uncovered_target", "uncovered_accounts",
    "prior_bookings",
)


def _leaf_figures(
    plan: Plan, hierarchy: Hierarchy, account_targets: pl.DataFrame, quotas: pl.DataFrame
) -> pl.DataFrame:
    """One row per leaf: its accounts' sums (bookings in the base window included: 0 without
    ``base_bookings``, which :func:`rollup_table` then blanks), its carriers' sums, what is
    uncovered."""
    prior = (pl.col("base_bookings") if "base_bookings" in account_targets.columns
             else pl.lit(0, dtype=pl.Int64))
    books = account_targets.group_by("territory_id").agg(
        prior.fill_null(0).sum().cast(pl.Int64).alias("prior_bookings"),
        pl.col("calculated_target").fill_null(0).sum().cast(pl.Int64).alias("calculated_target_sum"),
        pl.col("target").fill_null(0).sum().cast(pl.Int64).alias("account_target_sum"),
        pl.len().cast(pl.Int64).alias("_accounts"),
    )
    ramped = pl.col("ramp_factor") == 1.0
    seats = quotas.group_by("territory_id").agg(
        pl.col("final_quota").sum().cast(pl.Int64).alias("quota_sum"),
        pl.len().cast(pl.Int64).alias("carriers"),
        ramped.sum().cast(pl.Int64).alias("ramped_carriers"),
        pl.when(ramped).then(pl.col("full_year_quota")).otherwise(0).sum().cast(pl.Int64)
        .alias("ramped_full_year_sum"),
        (risk_expr(plan) == "high").sum().cast(pl.Int64).alias("high_risk_carriers"),
        _covering(quotas).cast(pl.Int64).alias("_covering"),
    )
    leaves = hierarchy.nodes.filter(pl.col("is_leaf")).select("territory_id")
    counts = [c for c in _SUMMED if c not in ("uncovered_target", "uncovered_accounts")]
    # A leaf whose only carrier starts after the plan year is uncovered this year too.
    uncovered = pl.col("_covering") == 0
    return (
        leaves.join(books, on="territory_id", how="left")
        .join(seats, on="territory_id", how="left")
        .with_columns(pl.col(*counts, "_accounts", "_covering").fill_null(0))
        .with_columns(
            pl.when(uncovered).then(pl.col("account_target_sum")).otherwise(0)
            .alias("uncovered_target"),
            pl.when(uncovered).then(pl.col("_accounts")).otherwise(0).alias("uncovered_accounts"),
        )
        .drop("_accounts", "_covering")
    )


def _covering(quotas: pl.DataFrame) -> pl.Expr:
    """Per leaf, the carriers who carry quota in the plan year: all but those who start after it."""
    if "starts_after_year" not in quotas.columns:
        return pl.len()
    return (~pl.col("starts_after_year").fill_null(False)).sum()


def _manager_quotas(plan: Plan, nodes: pl.DataFrame) -> dict[str, Fraction]:
    """Exact rolled-up quota of every non-leaf node: (Σ leaf children's carrier quotas + Σ other
    children's rolled-up quotas) × (1 − hedge[depth of the node])."""
    hedge = plan.settings.quotas.hedge
    rolled: dict[str, Fraction] = {}
    children_sum: dict[str, Fraction] = {}
    ordered = nodes.select("territory_id", "parent_id", "depth", "is_leaf", "quota_sum").sort(
        "depth", descending=True
    )
    for node, parent, depth, is_leaf, quota_sum in ordered.iter_rows():
        if is_leaf:
            value = Fraction(quota_sum)
        else:
            keep = 1 - Fraction(hedge.get(depth, 0))
            value = children_sum.get(node, Fraction(0)) * keep
            rolled[node] = value
        if parent is not None:
            children_sum[parent] = children_sum.get(parent, Fraction(0)) + value
    return rolled


def _tree_order(nodes: pl.DataFrame) -> list[str]:
    """Territory ids in depth-first order (root first, children by ascending id)."""
    children: dict[str | None, list[str]] = {}
    for node, parent in nodes.select("territory_id", "parent_id").sort("territory_id").iter_rows():
        children.setdefault(parent, []).append(node)
    order: list[str] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children.get(node, [])))
    return order


def rollup_table(
    plan: Plan, hierarchy: Hierarchy, account_targets: pl.DataFrame, quotas: pl.DataFrame
) -> pl.DataFrame:
    """rollup.csv: one row per node, depth-first from the root, contract columns then extras.

    ``account_targets`` needs territory_id, calculated_target, target (cents); ``quotas`` one row
    per carrier with territory_id, book_target, full_year_quota, ramp_factor, final_quota.
    Per node, over the leaves beneath it (itself included): calculated_target_sum and
    account_target_sum (Σ account targets), quota_sum (Σ carriers' final quotas), uncovered_target
    (Σ targets on leaves without a carrier, or whose carrier starts after the plan year — quotas'
    starts_after_year, when present), productive_capacity (quota_sum × expected attainment)
    and expected_attrition_loss (× attrition ÷ 2), each exact and rounded once. manager_quota: the
    hedged roll-up of every non-leaf node (empty on leaves). Where the node has a top-down number:
    strategic_gap = topdown − account_target_sum, quota_gap = topdown − quota_sum,
    attainment_factor = topdown ÷ quota_sum (empty when quota_sum is 0), headcount_to_close (see
    :func:`~quotaplan.core.capacity.headcount_to_close`; the plan-wide average quota where the node
    has no fully ramped carrier); all empty without a number. pushed_above_support flags
    quota_gap < 0 < strategic_gap. The growth ask: prior_bookings = Σ the accounts' bookings in
    the base window beneath the node (``base_bookings`` of ``account_targets``, cents, negative
    totals as they are, uncovered leaves included; empty when the frame has no such column) and
    growth_ask = topdown ÷ prior_bookings − 1 (empty without a number or where prior ≤ 0).
    """
    settings = plan.settings
    leaves = _leaf_figures(plan, hierarchy, account_targets, quotas)
    sums = (
        hierarchy.closure.join(leaves, on="territory_id", how="inner")
        .group_by("ancestor_id")
        .agg(pl.col(*_SUMMED).sum().cast(pl.Int64))
        .rename({"ancestor_id": "territory_id"})
    )
    nodes = (
        hierarchy.nodes.select(
            "territory_id", "parent_id", "depth", "manager_id", "topdown", "is_leaf"
        )
        .join(sums, on="territory_id", how="left")
        .with_columns(pl.col(*_SUMMED).fill_null(0))
    )
    rolled = _manager_quotas(plan, nodes)
    root_row = nodes.filter(pl.col("territory_id") == hierarchy.root)
    plan_ramped_sum = int(root_row.get_column("ramped_full_year_sum")[0])
    plan_ramped = int(root_row.get_column("ramped_carriers")[0])
    attainment = Fraction(settings.capacity.expected_attainment)

    manager_quota: list[int | None] = []
    headcount: list[int | None] = []
    for node, is_leaf, topdown, target_sum, ramped_sum, ramped in nodes.select(
        "territory_id", "is_leaf", "topdown", "account_target_sum", "ramped_full_year_sum",
        "ramped_carriers",
    ).iter_rows():
        manager_quota.append(None if is_leaf else round_half_away(rolled[node]))
        if topdown is None:
            headcount.append(None)
            continue
        own = ramped > 0
        headcount.append(headcount_to_close(
            topdown - target_sum,
            ramped_sum if own else plan_ramped_sum,
            ramped if own else plan_ramped,
            attainment,
        ))

    numbered = pl.col("topdown").is_not_null()
    topdown, quota_sum = pl.col("topdown"), pl.col("quota_sum")
    strategic = topdown - pl.col("account_target_sum")
    quota_gap = topdown - quota_sum
    cap = settings.capacity
    loss_rate = Fraction(cap.expected_attainment) * Fraction(cap.attrition) / 2
    order = pl.DataFrame({"territory_id": _tree_order(nodes)}).with_row_index("_order")
    prior_bookings = (pl.col("prior_bookings") if "base_bookings" in account_targets.columns
                      else pl.lit(None, dtype=pl.Int64).alias("prior_bookings"))
    return (
        nodes.with_columns(
            pl.Series("manager_quota", manager_quota, dtype=pl.Int64),
            pl.Series("headcount_to_close", headcount, dtype=pl.Int64),
        )
        .with_columns(
            strategic.alias("strategic_gap"),
            quota_gap.alias("quota_gap"),
            pl.when(numbered & (quota_sum != 0))
            .then(topdown.cast(pl.Float64) / quota_sum.cast(pl.Float64))
            .otherwise(None)
            .alias("attainment_factor"),
            times_rate(quota_sum, attainment).alias("productive_capacity"),
            times_rate(quota_sum, loss_rate).alias("expected_attrition_loss"),
            (numbered & (quota_gap < 0) & (strategic > 0)).fill_null(False)
            .alias("pushed_above_support"),
            prior_bookings,
        )
        .with_columns(growth_ask_expr(topdown, pl.col("prior_bookings")).alias("growth_ask"))
        .join(order, on="territory_id", how="left")
        .sort("_order")
        .select(*ROLLUP_COLUMNS, *ROLLUP_EXTRA)
    )


def _cell(frame: pl.DataFrame, column: str) -> Any:
    return frame.get_column(column)[0]


def summary(
    plan: Plan,
    hierarchy: Hierarchy,
    rollup: pl.DataFrame,
    gap: pl.DataFrame,
    *,
    hire_monthly_factors: Sequence[Fraction] | None = None,
) -> dict[str, Any]:
    """summary.json for the root, as a dict: amounts in cents (``int``) or ``None``, ratios
    ``float`` or ``None``, counts ``int``.

    SPEC keys: topdown, account_target_sum, street_quota (Σ carriers' final quotas),
    attainment_factor, sellers_by_risk ({"high", "medium", "low", "none"}: carriers by risk, "none"
    for a zero quota), strategic_gap, quota_gap, uncovered_target, productive_capacity,
    headcount_to_close, prior_bookings and growth_ask (see :func:`rollup_table`). Extras:
    calculated_target_sum, manager_quota (the root's hedged roll-up),
    carriers, uncovered_accounts, expected_attrition_loss, pushed_above_support (territory ids
    flagged), hire_contribution (expected in-year bookings of one hire at the plan-wide average
    fully ramped quota starting on the first day of the year, under the default ramp profile;
    ``hire_monthly_factors`` overrides its 12 monthly factors) and hires_to_close_in_year
    (⌈max(0, strategic_gap) ÷ hire_contribution⌉).
    """
    root = rollup.filter(pl.col("territory_id") == hierarchy.root)
    risks = gap.get_column("risk")
    by_risk = {name: int((risks == name).sum()) for name in ("high", "medium", "low")}
    by_risk["none"] = int(risks.is_null().sum())

    def amount(column: str) -> int | None:
        value = _cell(root, column)
        return None if value is None else int(value)

    factor = _cell(root, "attainment_factor")
    ramped = int(_cell(root, "ramped_carriers"))
    contribution: Fraction | None = None
    factors = hire_monthly_factors
    if factors is None:
        factors = hire_factors(plan, plan.settings.plan.fiscal_year_start)
    if ramped:
        average = Fraction(int(_cell(root, "ramped_full_year_sum")), ramped)
        contribution = (
            average
            * in_year_factor(factors, period_weights(plan))
            * Fraction(plan.settings.capacity.expected_attainment)
        )
    strategic = amount("strategic_gap")
    hires: int | None = None
    if strategic is not None and strategic <= 0:
        hires = 0
    elif strategic is not None and contribution:
        need = Fraction(strategic) / contribution
        hires = -(-need.numerator // need.denominator)
    pushed = rollup.filter(pl.col("pushed_above_support")).get_column("territory_id").to_list()
    headcount = _cell(root, "headcount_to_close")
    growth = _cell(root, "growth_ask")
    return {
        "topdown": amount("topdown"),
        "account_target_sum": amount("account_target_sum"),
        "street_quota": amount("quota_sum"),
        "attainment_factor": None if factor is None else float(factor),
        "sellers_by_risk": by_risk,
        "strategic_gap": strategic,
        "quota_gap": amount("quota_gap"),
        "uncovered_target": amount("uncovered_target"),
        "productive_capacity": amount("productive_capacity"),
        "headcount_to_close": None if headcount is None else int(headcount),
        "prior_bookings": amount("prior_bookings"),
        "growth_ask": None if growth is None else float(growth),
        "calculated_target_sum": amount("calculated_target_sum"),
        "manager_quota": amount("manager_quota"),
        "carriers": int(_cell(root, "carriers")),
        "uncovered_accounts": int(_cell(root, "uncovered_accounts")),
        "expected_attrition_loss": amount("expected_attrition_loss"),
        "pushed_above_support": [str(t) for t in pushed],
        "hire_contribution": None if contribution is None else round_half_away(contribution),
        "hires_to_close_in_year": hires,
    }
