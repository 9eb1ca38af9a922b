"""The terminal report of ``quotaplan report``: headline figures, riskiest sellers, strategic gaps.

:func:`render_terminal` turns a :class:`~quotaplan.build.BuildResult` into Rich renderables (the CLI
prints them). The views it reads from — :func:`sellers_view`, :func:`nodes_view`,
:func:`headline`, :func:`remedy` — are shared with the HTML report, so both say the same thing.
Amounts are shown with thousands separators and the plan currency; ratios as percentages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.report.growth import (
    GrowthLead,
    accounts_to_add_text,
    add_accounts_clause,
    ask_pct,
    exceeds_book,
    growth_lead,
    history_label,
)

#: Risk bands, worst first; ``none`` is a carrier with a zero quota (no coverage).
RISK_BANDS = ("high", "medium", "low", "none")
RISK_STYLES = {"high": "bold red", "medium": "yellow", "low": "green", "none": "dim"}

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


@dataclass(frozen=True)
class Figure:
    """One headline figure: ``value`` already formatted, ``key`` the summary key it shows."""

    key: str
    label: str
    value: str
    hint: str = ""


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


def money(cents: int | None, currency: str) -> str:
    """Cents → ``"1,234.56 USD"``; ``"—"`` when absent."""
    return "—" if cents is None else f"{format_cents_grouped(cents)} {currency}"


def ratio_pct(value: float | None, digits: int = 1) -> str:
    """A ratio (0.875) → ``"87.5 %"``; ``"—"`` when absent."""
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def currency_of(result: BuildResult) -> str:
    return result.plan.settings.plan.currency


def risk_counts(result: BuildResult) -> dict[str, int]:
    """Sellers per risk band, from the summary (or counted from the gap table when absent)."""
    given = result.summary.get("sellers_by_risk")
    if isinstance(given, dict):
        return {band: int(given.get(band) or 0) for band in RISK_BANDS}
    risks = result.gap.get_column("risk").fill_null("none") if "risk" in result.gap.columns else None
    found = {} if risks is None else dict(risks.value_counts().iter_rows())
    return {band: int(found.get(band, 0)) for band in RISK_BANDS}


def headline(result: BuildResult) -> list[Figure]:
    """The root's figures, in reading order: the number, what supports it, what is missing."""
    s = result.summary
    cur = currency_of(result)
    risks = risk_counts(result)
    factor = s.get("attainment_factor")
    growth = [
        Figure("growth_ask", "Growth ask", ask_pct(s.get("growth_ask")),
               f"top-down ÷ {history_label(result.plan)} − 1"),
        Figure("prior_bookings", "Prior bookings", money(s.get("prior_bookings"), cur),
               f"{history_label(result.plan)}: the base window before the plan year"),
    ]
    lead = growth_lead(result).leads
    return [
        *(growth if lead else []),
        Figure("topdown", "Top-down number", money(s.get("topdown"), cur),
               "the company number at the root"),
        Figure("account_target_sum", "Account targets", money(s.get("account_target_sum"), cur),
               "Σ final account targets"),
        Figure("street_quota", "Street quota", money(s.get("street_quota"), cur),
               "Σ carriers' final quotas"),
        Figure("attainment_factor", "Attainment factor",
               "—" if factor is None else f"{float(factor):.3f}",
               "top-down ÷ street quota"),
        Figure("strategic_gap", "Strategic gap", money(s.get("strategic_gap"), cur),
               "top-down − account targets: what the accounts cannot support"),
        Figure("quota_gap", "Quota gap", money(s.get("quota_gap"), cur),
               "top-down − street quota"),
        *([] if lead else growth),
        Figure("uncovered_target", "Uncovered target", money(s.get("uncovered_target"), cur),
               "targets of accounts on leaves with no carrier"),
        Figure("productive_capacity", "Productive capacity",
               money(s.get("productive_capacity"), cur), "Σ final quota × expected attainment"),
        Figure("headcount_to_close", "Headcount to close", count(s.get("headcount_to_close")),
               "hires needed to close the strategic gap"),
        Figure("sellers_by_risk", "Sellers by risk",
               " · ".join(f"{band} {risks[band]}" for band in RISK_BANDS),
               "coverage bands: high < medium < low"),
    ]


def remedy(row: dict[str, Any], currency: str) -> str:
    """What to do about one carrier's gap, as one sentence (``row`` from :func:`sellers_view`)."""
    gap = row.get("gap")
    if row.get("final_quota") in (None, 0):
        return "no quota to cover"
    if gap is None or gap <= 0:
        return "covered: the book supports the quota"
    pipeline = money(row.get("pipeline_needed"), currency)
    lower = money(row.get("quota_at_target_coverage"), currency)
    if not row.get("book_target"):
        return (f"the book holds no target: assign accounts, or build {pipeline} of pipeline, "
                f"or lower the quota to {lower}")
    return f"{add_accounts_clause(row)}, or build {pipeline} of pipeline, or lower the quota to {lower}"


def _risk_text(risk: str) -> Text:
    return Text(risk, style=RISK_STYLES.get(risk, ""))


def _headline_table(result: BuildResult) -> Table:
    table = Table(title="Headline (root)", title_justify="left", show_header=False,
                  box=None, pad_edge=False, padding=(0, 2))
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    table.add_column("meaning", style="dim")
    risks = risk_counts(result)
    for fig in headline(result):
        if fig.key == "sellers_by_risk":
            value = Text(" · ").join(
                Text(f"{band} {risks[band]}", style=RISK_STYLES[band]) for band in RISK_BANDS)
            table.add_row(fig.label, value, fig.hint)
        else:
            style = "bold red" if fig.key in {"strategic_gap", "quota_gap"} and _positive(
                result.summary.get(fig.key)) else ""
            table.add_row(fig.label, Text(fig.value, style=style), fig.hint)
    return table


def _positive(value: Any) -> bool:
    return isinstance(value, int) and value > 0


def _table(title: str, headers: list[tuple[str, bool]], rows: list[list[Text]]) -> Table:
    """A table whose numeric columns (``True``) never shrink below their widest figure.

    Text columns (names) wrap first; on a terminal too narrow even for the figures, digits fold
    onto the next line rather than being cut off.
    """
    table = Table(title=title, title_justify="left")
    for i, (header, numeric) in enumerate(headers):
        if numeric:
            widest = max((len(r[i].plain) for r in rows), default=1)
            table.add_column(header, justify="right", overflow="fold", min_width=widest)
        else:
            table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _amount(cents: int | None, *, alarm: bool = False) -> Text:
    return Text(format_cents_grouped(cents), style="red" if alarm and _positive(cents) else "")


def _sellers_table(rows: list[dict[str, Any]], currency: str, total: int) -> Table:
    # Data goes in as Text, never as a string: Rich would read "[...]" in a name as markup.
    cells = [
        [
            Text(f"{row['seller_name']} ({row['seller_id']})"
                 if row["seller_name"] != row["seller_id"] else row["seller_id"]),
            Text(row["territory_name"]),
            _amount(row["final_quota"]),
            _amount(row["book_target"]),
            _amount(row["gap"], alarm=True),
            Text(ratio_pct(row["coverage"])),
            _risk_text(row["risk"]),
            Text(ask_pct(row["growth_ask"])),
            Text(accounts_to_add_text(row), style="bold red" if exceeds_book(row) else ""),
            _amount(row["pipeline_needed"]),
        ]
        for row in rows
    ]
    headers = [("Seller", False), ("Territory", False), ("Quota", True), ("Book target", True),
               ("Gap", True), ("Coverage", True), ("Risk", False), ("Growth ask", True),
               ("Accts to add", True), ("Pipeline needed", True)]
    return _table(f"Riskiest sellers ({len(rows)} of {total}, lowest coverage first; amounts in "
                  f"{currency})", headers, cells)


def _nodes_table(rows: list[dict[str, Any]], currency: str, total: int, *,
                 by_growth_ask: bool = False) -> Table:
    flagged = any(row["pushed"] for row in rows)
    cells = []
    for row in rows:
        factor = row["attainment_factor"]
        name = row["territory_name"]
        label = name if name == row["territory_id"] else f"{name} ({row['territory_id']})"
        line = [
            Text(label), Text(str(row["depth"])),
            _amount(row["topdown"]), _amount(row["prior_bookings"]),
            Text(ask_pct(row["growth_ask"])), _amount(row["account_target_sum"]),
            _amount(row["quota_sum"]), _amount(row["strategic_gap"], alarm=True),
            _amount(row["quota_gap"], alarm=True),
            Text("—" if factor is None else f"{factor:.3f}"),
            _amount(row["productive_capacity"]), Text(count(row["headcount_to_close"])),
        ]
        if flagged:
            line.append(Text("⚠ quotas above account support" if row["pushed"] else "",
                             style="bold red"))
        cells.append(line)
    headers = [("Node", False), ("Depth", True), ("Top-down", True), ("Prior bookings", True),
               ("Growth ask", True), ("Account targets", True),
               ("Quotas", True), ("Strategic gap", True), ("Quota gap", True),
               ("Attain. factor", True), ("Capacity", True), ("Hires to close", True)]
    if flagged:
        headers.append(("Flag", False))
    what = "Largest growth asks" if by_growth_ask else "Largest strategic gaps"
    return _table(f"{what} by node ({len(rows)} of {total} numbered nodes; "
                  f"amounts in {currency})", headers, cells)


def _growth_lead_text(lead: GrowthLead) -> Text:
    """The growth ask first, and why the stretch is against history."""
    text = Text(lead.headline, style="bold")
    for line in (lead.detail, lead.note):
        if line:
            text.append("\n" + line, style="dim")
    return text


def render_terminal(result: BuildResult, *, top: int = 10) -> list[RenderableType]:
    """The report as Rich renderables, in print order; ``top`` (≥ 1) bounds each list."""
    top = max(1, top)
    currency = currency_of(result)
    sellers = sellers_view(result)
    lead = growth_lead(result)
    numbered = numbered_nodes(nodes_view(result), by_growth_ask=lead.leads)
    riskiest = sellers.head(top).rows(named=True)
    out: list[RenderableType] = [
        Text(f"{result.plan.settings.plan.name} — fiscal year from "
             f"{result.plan.settings.plan.fiscal_year_start.isoformat()}, amounts in {currency}",
             style="bold"),
    ]
    if lead.leads:
        out.append(_growth_lead_text(lead))
    out.append(_headline_table(result))
    if riskiest:
        out.append(_sellers_table(riskiest, currency, sellers.height))
    else:
        out.append(Text("No quota carriers: nothing to assess.", style="dim"))
    if numbered.height:
        out.append(_nodes_table(numbered.head(top).rows(named=True), currency, numbered.height,
                                by_growth_ask=lead.leads))
    else:
        out.append(Text("No node has a top-down number, so there is no strategic gap to show.",
                        style="dim"))
    todo = [r for r in riskiest if r["risk"] in {"high", "medium"} and _positive(r["gap"])]
    lines = Text("What to do\n", style="bold")
    if not todo:
        lines.append("Every listed seller's book supports their quota.", style="green")
    for i, row in enumerate(todo):
        if i:
            lines.append("\n")
        lines.append("• ")
        lines.append(f"{row['seller_name']}", style=RISK_STYLES[row["risk"]])
        lines.append(f" (gap {money(row['gap'], currency)}): {remedy(row, currency)}.")
    out.append(lines)
    return out
