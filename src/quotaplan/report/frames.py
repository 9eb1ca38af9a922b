"""The build's tables as the reports read them: one row per carrier, one row per node, named.

:func:`sellers_view` and :func:`nodes_view` join display names onto the gap and roll-up tables and
fill any column a partial result lacks with nulls, so every report (terminal, HTML, and any page
built on :mod:`.views`) reads the same columns in the same order.
"""

from __future__ import annotations

import polars as pl

from quotaplan.build import BuildResult

#: Risk bands, worst first; ``none`` is a carrier with a zero quota (no coverage).
RISK_BANDS = ("high", "medium", "low", "none")

_SELLER_COLUMNS: dict[str, pl.DataType] = {
    "territory_id": pl.String(),
    "final_quota": pl.Int64(),
    "book_target": pl.Int64(),
    "gap": pl.Int64(),
    "coverage": pl.Float64(),
    "risk": pl.String(),
    "accounts_to_add": pl.Int64(),
    "pipeline_needed": pl.Int64(),
    "quota_at_target_coverage": pl.Int64(),
    "accounts_for_80pct": pl.Int64(),
    "top1_share": pl.Float64(),
    "top3_share": pl.Float64(),
    "hhi": pl.Float64(),
    "accounts": pl.Int64(),
    "accounts_to_add_exceeds_book": pl.Boolean(),
    "prior_bookings": pl.Int64(),
    "growth_ask": pl.Float64(),
}
_NODE_COLUMNS: dict[str, pl.DataType] = {
    "parent_id": pl.String(),
    "depth": pl.Int64(),
    "manager_id": pl.String(),
    "topdown": pl.Int64(),
    "account_target_sum": pl.Int64(),
    "quota_sum": pl.Int64(),
    "manager_quota": pl.Int64(),
    "strategic_gap": pl.Int64(),
    "quota_gap": pl.Int64(),
    "attainment_factor": pl.Float64(),
    "productive_capacity": pl.Int64(),
    "uncovered_target": pl.Int64(),
    "headcount_to_close": pl.Int64(),
    "prior_bookings": pl.Int64(),
    "growth_ask": pl.Float64(),
}


def _ensure(frame: pl.DataFrame, columns: dict[str, pl.DataType]) -> pl.DataFrame:
    """Add any missing column as nulls, so reports work on partial results."""
    missing = [pl.lit(None, dtype=dtype).alias(name) for name, dtype in columns.items()
               if name not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def _names(table: pl.DataFrame, id_col: str, alias: str) -> pl.DataFrame:
    """``id → display name`` (the name, or the id where the name is empty)."""
    name = pl.col("name") if "name" in table.columns else pl.lit(None, dtype=pl.String)
    return table.select(
        pl.col(id_col),
        pl.when(name.is_null() | (name.str.strip_chars() == "")).then(pl.col(id_col))
        .otherwise(name).alias(alias),
    ).unique(id_col, keep="first")


def sellers_view(result: BuildResult) -> pl.DataFrame:
    """One row per quota carrier, riskiest first (lowest coverage; zero quotas last).

    The gap table's columns plus ``seller_name``, ``territory_id``, ``territory_name`` and, when the
    quota table has them, ``ote`` and ``quota_to_ote``. ``risk`` is ``none`` where coverage is empty.
    """
    frame = result.gap
    quotas = result.quotas
    extra = [c for c in ("territory_id", "ote", "quota_to_ote", "ramp_factor")
             if c in quotas.columns and c not in frame.columns]
    if extra and "seller_id" in quotas.columns:
        frame = frame.join(quotas.select("seller_id", *extra), on="seller_id", how="left")
    frame = _ensure(frame, _SELLER_COLUMNS)
    frame = frame.join(_names(result.plan.sellers, "seller_id", "seller_name"), on="seller_id",
                       how="left")
    frame = frame.join(_names(result.plan.territories, "territory_id", "territory_name"),
                       on="territory_id", how="left")
    return frame.with_columns(
        pl.col("seller_name").fill_null(pl.col("seller_id")),
        pl.col("territory_name").fill_null(pl.col("territory_id")).fill_null(""),
        pl.col("risk").fill_null("none"),
    ).sort(["coverage", "gap", "seller_id"], descending=[False, True, False], nulls_last=True)


def nodes_view(result: BuildResult) -> pl.DataFrame:
    """One row per territory node, by depth then id, with ``territory_name`` and ``manager_name``."""
    frame = _ensure(result.rollup, _NODE_COLUMNS)
    frame = frame.join(_names(result.plan.territories, "territory_id", "territory_name"),
                       on="territory_id", how="left")
    managers = _names(result.plan.sellers, "seller_id", "manager_name").rename(
        {"seller_id": "manager_id"})
    frame = frame.join(managers, on="manager_id", how="left")
    # Quotas pushed above account support: quota_gap < 0 < strategic_gap (SPEC flags, never hides).
    pushed = (pl.col("topdown").is_not_null() & (pl.col("quota_gap") < 0)
              & (pl.col("strategic_gap") > 0))
    if "pushed_above_support" in frame.columns:
        pushed = pl.col("pushed_above_support")
    return frame.with_columns(
        pl.col("territory_name").fill_null(pl.col("territory_id")),
        pushed.fill_null(False).alias("pushed"),
    ).sort(["depth", "territory_id"], nulls_last=True)


def numbered_nodes(nodes: pl.DataFrame, *, by_growth_ask: bool = False) -> pl.DataFrame:
    """Nodes with a top-down number, largest strategic gap first (``by_growth_ask``: largest
    growth ask first, nodes without one last)."""
    first = "growth_ask" if by_growth_ask else "strategic_gap"
    return nodes.filter(pl.col("topdown").is_not_null()).sort(
        [first, "depth", "territory_id"], descending=[True, False, False], nulls_last=True)


def risk_counts(result: BuildResult) -> dict[str, int]:
    """Sellers per risk band, from the summary (or counted from the gap table when absent)."""
    given = result.summary.get("sellers_by_risk")
    if isinstance(given, dict):
        return {band: int(given.get(band) or 0) for band in RISK_BANDS}
    risks = result.gap.get_column("risk").fill_null("none") if "risk" in result.gap.columns else None
    found = {} if risks is None else dict(risks.value_counts().iter_rows())
    return {band: int(found.get(band, 0)) for band in RISK_BANDS}
