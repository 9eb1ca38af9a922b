"""``quotaplan explain``: one seller's quota as Rich renderables for the terminal.

Reads top to bottom the way the quota was made: who the seller is; base → over-assignment → each
adjustment with its reason → full-year quota → ramp → each period → final quota; then the book,
largest accounts first, with each account's share and the running share.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.core.explain import Explanation
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
    text.append(f"\nAmounts in {currency}.", style="dim")
    return text


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


__all__ = ["TOP_ACCOUNTS", "render_explanation"]
