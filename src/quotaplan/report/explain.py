"""``quotaplan explain``: one seller's quota as Rich renderables for the terminal.

Reads top to bottom the way the quota was made: who the seller is, when they start carrying quota
and how their quota compares with their book (coverage, gap, risk); base → over-assignment → each
adjustment with its reason → full-year quota → ramp → each period → final quota; then the book,
largest accounts first, with each account's name, share and the running share.

A manager's quota reads as its roll-up: each child territory with its figure, the sum, the hedge
at the node's depth and the result (rollup.csv's manager_quota); then the node's top-down figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.core.explain import (
    Explanation,
    Feasibility,
    NodeChild,
    NodeExplanation,
    RampStart,
)
from quotaplan.core.ramp import MONTH_NAMES, month_year
from quotaplan.money import format_cents_grouped, round_half_away

#: Accounts listed one by one; the rest of the book is one line.
TOP_ACCOUNTS = 25
SUMMARY_STEPS = frozenset({"base", "full_year", "final"})


def _factor(value: Decimal | Fraction | None) -> str:
    """``×1.155`` (at most 4 decimals, trailing zeros dropped); empty for no factor."""
    if value is None:
        return ""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return f"×{text}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _change(cents: int | None) -> str:
    if cents is None:
        return ""
    text = format_cents_grouped(cents)
    return text if cents < 0 else f"+{text}"


def _facts(e: Explanation, currency: str) -> Text:
    s = e.seller
    name = f" — {s['name']}" if s.get("name") else ""
    text = Text()  # Text, not markup: ids and names may hold brackets
    text.append(f"Quota of {s.get('seller_id', e.ledger.seller_id)}{name}", style="bold")
    text.append(f"\nTerritory {e.ledger.territory_id}")
    details: list[str] = []
    status = s.get("status")
    if status and status != "active":
        details.append({"tbh": "vacant seat (to be hired)", "leaving": "leaving"}.get(
            str(status), str(status)))
    for key, label in (("hire_date", "hired"), ("end_date", "ends"), ("seniority", "seniority"),
                       ("ramp_profile", "ramp profile"), ("role", "role")):
        value = s.get(key)
        if value:
            shown = "planned start" if key == "hire_date" and status == "tbh" else label
            details.append(f"{shown} {value.isoformat() if isinstance(value, date) else value}")
    ote = s.get("ote")
    if isinstance(ote, int):
        details.append(f"OTE {format_cents_grouped(ote)}")
    if details:
        text.append(" · " + " · ".join(details))
    if e.ramp_start is not None:
        text.append("\n" + ramp_start_sentence(e.ramp_start))
    if e.feasibility is not None:
        text.append("\n" + feasibility_sentence(e.feasibility))
    text.append(f"\nAmounts in {currency}.", style="dim")
    return text


def _day(day: date, year: int | None = None) -> str:
    """``July 16`` (``July 16, 2025`` when the year is not ``year``)."""
    shown = f"{MONTH_NAMES[day.month - 1]} {day.day}"
    return shown if day.year == year else f"{shown}, {day.year}"


def ramp_start_sentence(r: RampStart) -> str:
    """``first ramp month: August 2026 (hired July 16, after the cut-off day 15)``, for every
    cut-off rule, with what it means when the month is before or after the plan year."""
    if r.hire_date is None or r.first_month is None:
        start = "no planned start" if r.vacant else "no hire date"
        return f"First ramp month: none ({start}: fully ramped from the first day of the year)"
    hired = f"{'planned start' if r.vacant else 'hired'} {_day(r.hire_date, r.first_month.year)}"
    month = MONTH_NAMES[r.hire_date.month - 1]
    if r.rule == "month_end":
        why = f"{hired}; cut-off month_end: a hire ramps from the month after the hire month"
    elif r.rule == "prorate":
        why = (f"{hired}; cut-off prorate: the hire month is the first, {month} counting "
               f"{r.days_worked} of its {r.month_days} days")
    else:
        side = "on or before" if r.on_or_before else "after"
        short = r.cutoff_day is not None and r.cutoff_day < int(r.cutoff[4:])
        last = f" (the last day of {month}, shorter than {r.cutoff})" if short else ""
        why = f"{hired}, {side} the cut-off day {r.cutoff_day}{last}"
    sentence = f"First ramp month: {month_year(r.first_month)} ({why})"
    if r.timing == "before":
        sentence += (f"; before the plan year, so {r.tenure_at_start} month(s) of tenure are "
                     "behind them when it starts")
    elif r.timing == "after":
        who = "the seat carries" if r.vacant else "they carry"
        sentence += (f"; after the plan year: {who} 0 this year and the book is reported "
                     "as uncovered")
    return sentence


def feasibility_sentence(f: Feasibility) -> str:
    """Coverage, gap and risk band, the figures of gap.csv."""
    if f.coverage is None:
        return f"Coverage: none (quota 0) · gap {_change(f.gap)} (quota − book) · risk: none"
    return (f"Coverage {f.coverage:.6f} ({f.coverage * 100:.1f} %: book "
            f"{format_cents_grouped(f.book_target)} ÷ quota {format_cents_grouped(f.final_quota)})"
            f" · gap {_change(f.gap)} (quota − book) · risk {f.risk}")


def _ledger_table(e: Explanation) -> Table:
    table = Table(title="How the quota is made", title_justify="left")
    table.add_column("Step")
    table.add_column("Factor", justify="right")
    table.add_column("Change", justify="right")
    table.add_column("Quota", justify="right")
    table.add_column("Why")
    for line in e.ledger.lines:
        if line.step == "final":
            _period_rows(table, e)
        running = format_cents_grouped(round_half_away(line.value))
        if line.step == "final":
            running = format_cents_grouped(e.ledger.final_quota)
        summary = line.step in SUMMARY_STEPS
        table.add_row(
            Text(line.label, style="bold" if summary else ""),
            _factor(line.factor),
            "" if summary else _change(line.amount),
            Text(running, style="bold" if summary else ""),
            Text(line.reason),
            end_section=line.step in ("base", "full_year"),
        )
    return table


def _period_rows(table: Table, e: Explanation) -> None:
    """One row per period, between the ramp and the final quota; the factor is the period's ramp."""
    for p in e.ledger.periods:
        table.add_row(
            Text(f"  {p.start.isoformat()} – {p.end.isoformat()}"),
            _factor(p.ramp_factor),
            "",
            format_cents_grouped(p.quota),
            f"full-year × seasonality weight {_share(float(p.weight))} × ramp",
            style="dim" if p.quota == 0 else "",
        )


def _book_table(e: Explanation) -> Table:
    table = Table(
        title=Text(f"The book: {e.accounts} account(s), target "
                   f"{format_cents_grouped(e.book_target)}"),
        title_justify="left",
    )
    with_names = any(r.name for r in e.book)
    with_abc = any(r.abc_class for r in e.book)
    table.add_column("#", justify="right")
    table.add_column("Account")
    if with_names:
        table.add_column("Name")
    table.add_column("Target", justify="right")
    table.add_column("Share", justify="right")
    table.add_column("Cumulative", justify="right")
    if with_abc:
        table.add_column("ABC", justify="center")
    for rank, row in enumerate(e.book[:TOP_ACCOUNTS], start=1):
        cells: list[RenderableType] = [str(rank), Text(row.account_id)]
        if with_names:
            cells.append(Text(row.name or ""))
        cells += [format_cents_grouped(row.target), _share(row.share),
                  _share(row.cumulative_share)]
        if with_abc:
            cells.append(Text(row.abc_class or ""))
        table.add_row(*cells)
    rest = e.book[TOP_ACCOUNTS:]
    if rest:
        amount = sum(r.target for r in rest)
        share = amount / e.book_target if e.book_target else None
        cells = ["", Text(f"… and {len(rest)} more account(s)")]
        if with_names:
            cells.append("")
        cells += [format_cents_grouped(amount), _share(share), _share(rest[-1].cumulative_share)]
        if with_abc:
            cells.append("")
        table.add_row(*cells, style="dim")
    return table


def _growth(e: Explanation, currency: str) -> Text:
    """The final quota against the book's bookings before the plan year: the growth ask."""
    window = ""
    if e.base_window is not None:
        first, last = e.base_window
        window = f" from {first.isoformat()} to {last.isoformat()}"
    text = Text("Growth ask: ", style="bold")
    if e.prior_bookings is None:
        text.append("— (the book's bookings before the plan year are not known)")
        return text
    prior = format_cents_grouped(e.prior_bookings)
    final = format_cents_grouped(e.ledger.final_quota)
    if e.growth_ask is None:
        text.append(f"— the book's bookings{window} sum to {prior} {currency}: no history to "
                    f"grow from (final quota {final} {currency})")
        return text
    sign = "+" if e.growth_ask >= 0 else "−"
    text.append(f"{sign}{abs(e.growth_ask) * 100:.1f} %", style="bold")
    text.append(f" — final quota {final} {currency} against {prior} {currency} booked by the "
                f"book's accounts{window} (the base window)")
    return text


def render_explanation(e: Explanation, currency: str) -> list[RenderableType]:
    """The renderables for ``console.print(*render_explanation(e, "USD"))``, in reading order:
    the seller's facts; the ledger, with a row per period before the final quota; the growth
    ask against the book's prior bookings; the book (the top 25 accounts and one line for the
    rest)."""
    parts: list[RenderableType] = [_facts(e, currency), _ledger_table(e), _growth(e, currency)]
    if e.book:
        parts.append(_book_table(e))
    else:
        parts.append(Text("The book is empty: no account in this territory.", style="dim"))
    return parts


# --- a manager's rolled-up quota ----------------------------------------------------------------


def _who(identifier: str | None, name: str | None) -> str:
    if identifier is None:
        return "—"
    return f"{identifier} — {name}" if name else identifier


def _node_facts(n: NodeExplanation, currency: str) -> Text:
    text = Text()
    manager = n.manager or {}
    who = _who(str(manager["seller_id"]), str(manager["name"]) if manager.get("name") else None) \
        if manager else "no manager"
    text.append(f"Rolled-up quota of {who}", style="bold")
    text.append(f"\nManages territory {_who(n.territory_id, n.name)} · depth {n.depth}")
    text.append(f" · parent {n.parent_id}" if n.parent_id else " · the root")
    text.append("\nA manager's quota is the sum of the children's figures (a leaf's carrier final "
                "quota, a child node's rolled-up quota, already hedged) × (1 − hedge at the "
                "node's depth).")
    text.append(f"\nAmounts in {currency}.", style="dim")
    return text


def _child_kind(c: NodeChild) -> str:
    if c.kind == "node":
        return "node: its rolled-up quota"
    if c.starts_after_year:
        return (f"leaf: carrier starts after the plan year, 0 (uncovered, target "
                f"{format_cents_grouped(c.uncovered_target)})")
    if c.holder_id is None:
        return f"leaf: no carrier, 0 (uncovered, target {format_cents_grouped(c.uncovered_target)})"
    return "leaf: the carrier's final quota"


def _rollup_table(n: NodeExplanation) -> Table:
    table = Table(title="How the quota rolls up", title_justify="left")
    table.add_column("Child")
    table.add_column("Carried by")
    table.add_column("What counts")
    table.add_column("Factor", justify="right")
    table.add_column("Figure", justify="right")
    for i, c in enumerate(n.children):
        table.add_row(Text(_who(c.territory_id, c.name)), Text(_who(c.holder_id, c.holder_name)),
                      _child_kind(c), "", format_cents_grouped(c.cents),
                      end_section=i == len(n.children) - 1)
    total = round_half_away(n.children_sum)
    table.add_row(Text(f"Sum of the {len(n.children)} children", style="bold"), "", "", "",
                  Text(format_cents_grouped(total), style="bold"))
    keep = 1 - n.hedge
    table.add_row(f"Hedge at depth {n.depth}", "", f"{_percent(n.hedge)} held back", _factor(keep),
                  _change(n.manager_quota - total), end_section=True)
    table.add_row(Text("Rolled-up quota (manager_quota)", style="bold"), "", "", "",
                  Text(format_cents_grouped(n.manager_quota), style="bold"))
    if sum(c.cents for c in n.children) != total:
        table.caption = ("The children's figures are shown to the cent; the sum and the hedge use "
                         "their exact values.")
    return table


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f} %"


def _node_figures(n: NodeExplanation) -> Table:
    f = n.figures

    def money(key: str) -> str:
        value = f.get(key)
        return format_cents_grouped(value) if isinstance(value, int) else "—"

    table = Table(title="The node's figures (rollup.csv)", title_justify="left")
    table.add_column("Figure")
    table.add_column("Amount", justify="right")
    table.add_column("How")
    numbered = f.get("topdown") is not None
    if numbered:
        table.add_row("Top-down number", money("topdown"), "given in the plan")
    table.add_row("Σ account targets", money("account_target_sum"),
                  "the targets of every account beneath the node")
    table.add_row("Σ carriers' final quotas", money("quota_sum"), "the carriers beneath the node")
    table.add_row("Uncovered target", money("uncovered_target"),
                  "accounts on leaves without a carrier this year")
    if numbered:
        table.add_row("Strategic gap", money("strategic_gap"), "top-down − Σ account targets")
        table.add_row("Quota gap", money("quota_gap"), "top-down − Σ carriers' final quotas")
        factor = f.get("attainment_factor")
        table.add_row("Attainment factor",
                      f"{factor:.4f}" if isinstance(factor, float) else "—",
                      "top-down ÷ Σ carriers' final quotas")
    else:
        table.caption = "No top-down number at this node: its figures are roll-ups."
    return table


def render_node_explanation(n: NodeExplanation, currency: str) -> list[RenderableType]:
    """The renderables of a manager's rolled-up quota: the node; each child with its figure, the
    sum, the hedge and the result (rollup.csv's manager_quota); the node's top-down figures."""
    return [_node_facts(n, currency), _rollup_table(n), _node_figures(n)]


__all__ = ["TOP_ACCOUNTS", "feasibility_sentence", "ramp_start_sentence", "render_explanation",
           "render_node_explanation"]
