"""How a letter writes its figures, shared by the PDF and the HTML page (so both say the same)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from quotaplan.letters.model import Letter
from quotaplan.money import format_cents_grouped


def money(cents: int | None) -> str:
    """``1,234,567.89`` (``—`` for none)."""
    return format_cents_grouped(cents)


def change(cents: int | None) -> str:
    """A signed change: ``+1,234.00`` / ``-56.78``; empty for none."""
    if cents is None:
        return ""
    text = format_cents_grouped(cents)
    return text if cents < 0 else f"+{text}"


def factor(value: Decimal | Fraction | None) -> str:
    """``×1.0815`` (at most 4 decimals, trailing zeros dropped); empty for none."""
    if value is None:
        return ""
    text = f"{float(value):.4f}".rstrip("0").rstrip(".")
    return f"×{text}"


def percent(value: float | Fraction | None, digits: int = 1) -> str:
    return "" if value is None else f"{float(value) * 100:.{digits}f} %"


def day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def seller_heading(letter: Letter) -> str:
    return f"{letter.name} ({letter.seller_id})" if letter.name != letter.seller_id else letter.name


def territory(letter: Letter) -> str:
    name = letter.territory_name
    return f"{name} ({letter.territory_id})" if name else letter.territory_id


def manager(letter: Letter) -> str:
    if letter.manager_id is None:
        return "none (top of the organisation)"
    return f"{letter.manager_name} ({letter.manager_id})" if letter.manager_name else letter.manager_id


def version(letter: Letter) -> str:
    return letter.version.text()


def effective(letter: Letter) -> str:
    if letter.version.effective is not None:
        return letter.version.effective.isoformat()
    return "when the plan is published" if letter.version.label is None else "not stated"


def details(letter: Letter) -> list[tuple[str, str]]:
    """The facts at the top of a letter, in order."""
    role = letter.role or ("Quota carrier" if letter.kind == "carrier" else "Manager")
    return [
        ("Seller", seller_heading(letter)),
        ("Role", role),
        ("Territory", territory(letter)),
        ("Manager", manager(letter)),
        ("Plan year", f"{day(letter.year_start)} to {day(letter.year_end)}"),
        ("Currency", letter.currency),
        ("Version", version(letter)),
        ("Effective", effective(letter)),
    ]


ACKNOWLEDGEMENT = (
    "I have received this quota letter and understand my quota for the plan year, the periods it "
    "is split into and how it was set. My quota may change through an approved in-year change, "
    "which will come with a new letter."
)

__all__ = ["ACKNOWLEDGEMENT", "change", "details", "factor", "money", "percent"]
