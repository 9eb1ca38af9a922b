"""The terminal report of ``quotaplan report``: headline figures, riskiest sellers, strategic gaps.

:func:`render_terminal` turns a :class:`~quotaplan.build.BuildResult` into Rich renderables (the CLI
prints them). It reads everything from :func:`~.views.report_view`, the view the HTML report renders
too, so both say the same thing. Amounts are shown with thousands separators and the plan currency;
ratios as percentages.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.report.growth import GrowthLead, ask_pct
from quotaplan.report.views import (
    RISK_BANDS,
    Figure,
    NodeRow,
    ReportView,
    SellerRow,
    count,
    currency_of,
    factor,
    headline,
    money,
    nodes_view,
    numbered_nodes,
    ratio_pct,
    remedy,
    report_view,
    risk_counts,
    sellers_view,
)

RISK_STYLES = {"high": "bold red", "medium": "yellow", "low": "green", "none": "dim"}


def _headline_table(view: ReportView, summary: dict[str, object]) -> Table:
    table = Table(title="Headline (root)", title_justify="left", show_header=False,
                  box=None, pad_edge=False, padding=(0, 2))
    table.add_column("figure", style="bold")
    table.add_column("value", justify="right")
    table.add_column("meaning", style="dim")
    for fig in view.figures:
        if fig.key == "sellers_by_risk":
            value = Text(" · ").join(
                Text(f"{band} {view.risks[band]}", style=RISK_STYLES[band]) for band in RISK_BANDS)
            table.add_row(fig.label, value, fig.hint)
        else:
            style = "bold red" if fig.key in {"strategic_gap", "quota_gap"} and _positive(
                summary.get(fig.key)) else ""
            table.add_row(fig.label, Text(fig.value, style=style), fig.hint)
    return table


def _positive(value: object) -> bool:
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


def _sellers_table(rows: tuple[SellerRow, ...], currency: str, total: int) -> Table:
    # Data goes in as Text, never as a string: Rich would read "[...]" in a name as markup.
    cells = [
        [
            Text(row.label),
            Text(row.territory_name),
            _amount(row.final_quota),
            _amount(row.book_target),
            _amount(row.gap, alarm=True),
            Text(ratio_pct(row.coverage)),
            Text(row.risk, style=RISK_STYLES.get(row.risk, "")),
            Text(ask_pct(row.growth_ask)),
            Text(row.accounts_to_add_text, style="bold red" if row.exceeds_book else ""),
            _amount(row.pipeline_needed),
        ]
        for row in rows
    ]
    headers = [("Seller", False), ("Territory", False), ("Quota", True), ("Book target", True),
               ("Gap", True), ("Coverage", True), ("Risk", False), ("Growth ask", True),
               ("Accts to add", True), ("Pipeline needed", True)]
    return _table(f"Riskiest sellers ({len(rows)} of {total}, lowest coverage first; amounts in "
                  f"{currency})", headers, cells)


def _nodes_table(rows: tuple[NodeRow, ...], currency: str, total: int, *,
                 by_growth_ask: bool = False) -> Table:
    flagged = any(row.pushed for row in rows)
    cells = []
    for row in rows:
        line = [
            Text(row.label), Text(str(row.depth)),
            _amount(row.topdown), _amount(row.prior_bookings),
            Text(ask_pct(row.growth_ask)), _amount(row.account_target_sum),
            _amount(row.quota_sum), _amount(row.strategic_gap, alarm=True),
            _amount(row.quota_gap, alarm=True),
            Text(factor(row.attainment_factor)),
            _amount(row.productive_capacity), Text(count(row.headcount_to_close)),
        ]
        if flagged:
            line.append(Text("⚠ quotas above account support" if row.pushed else "",
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
    view = report_view(result)
    currency = view.currency
    lead = view.growth
    riskiest = view.sellers[:top]
    out: list[RenderableType] = [
        Text(f"{view.plan_name} — fiscal year from {view.fiscal_year_start}, amounts in "
             f"{currency}", style="bold"),
    ]
    if lead.leads:
        out.append(_growth_lead_text(lead))
    out.append(_headline_table(view, result.summary))
    if riskiest:
        out.append(_sellers_table(riskiest, currency, len(view.sellers)))
    else:
        out.append(Text("No quota carriers: nothing to assess.", style="dim"))
    if view.numbered:
        out.append(_nodes_table(view.numbered[:top], currency, len(view.numbered),
                                by_growth_ask=lead.leads))
    else:
        out.append(Text("No node has a top-down number, so there is no strategic gap to show.",
                        style="dim"))
    todo = view.at_risk(top)
    lines = Text("What to do\n", style="bold")
    if not todo:
        lines.append("Every listed seller's book supports their quota.", style="green")
    for i, row in enumerate(todo):
        if i:
            lines.append("\n")
        lines.append("• ")
        lines.append(f"{row.seller_name}", style=RISK_STYLES[row.risk])
        lines.append(f" (gap {money(row.gap, currency)}): {row.remedy}.")
    out.append(lines)
    return out


__all__ = [
    "RISK_BANDS", "RISK_STYLES", "Figure", "count", "currency_of", "headline", "money",
    "nodes_view", "numbered_nodes", "ratio_pct", "remedy", "render_terminal", "risk_counts",
    "sellers_view",
]
