"""What a cell, header or file that is not in the plan folder's form probably is, and what to write.

Spreadsheets save numbers with decimal commas and thousands separators, dates as MM/DD/YYYY or
DD.MM.YYYY, files separated by semicolons or tabs, and headers in other cases. The readers call
these only for what already failed (a bad cell, a missing column), so a clean file never pays
for them. Each returns a sentence to put after the cell as written, or ``None`` when the text
looks like nothing in particular.
"""

from __future__ import annotations

import re
from datetime import date

#: Years a plan's dates may be in.
FIRST_YEAR, LAST_YEAR = 1900, 2200
FIRST_DATE, LAST_DATE = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


def number_hint(cell: str) -> str | None:
    """A number written with a decimal comma or thousands separators → what to write instead."""
    text = cell.strip()
    sign = "-" if text.startswith("-") else ""
    digits = text.removeprefix("-")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d+", digits):
        whole, decimals = digits.split(",")
        plain = sign + whole.replace(".", "") + "." + decimals
        return (f"it has a decimal comma (and '.' between thousands); write {plain}: a point "
                "before the decimals and no thousands separators")
    if re.fullmatch(r"\d{1,3}( \d{3})+(,\d+)?", digits):
        plain = sign + digits.replace(" ", "").replace(",", ".")
        return f"it has spaces between thousands; write {plain}, without separators"
    if re.fullmatch(r"\d{1,3},\d{3}", digits):
        return (f"the comma is a thousands separator or a decimal comma; write "
                f"{sign}{digits.replace(',', '')} (or {sign}{digits.replace(',', '.')} if it is a "
                "decimal comma)")
    if re.fullmatch(r"\d+,\d+", digits):
        return (f"it has a decimal comma; write {sign}{digits.replace(',', '.')}: a point "
                "before the decimals")
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", digits):
        return (f"it has commas between thousands; write {sign}{digits.replace(',', '')}, "
                "without separators")
    if re.fullmatch(r"\d{1,3}(\.\d{3}){2,}", digits):
        return f"it has '.' between thousands; write {sign}{digits.replace('.', '')}"
    if re.fullmatch(r"[$€£¥]\s?-?[\d.,]+|-?[\d.,]+\s?[$€£¥]", text):
        return "write the number alone, without a currency sign"
    if re.fullmatch(r"-?[\d.]+\s?%", text):
        return "write the number alone, without a % sign (10 % is 0.10 as a rate)"
    return None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def date_hint(cell: str) -> str | None:
    """A date written another way (MM/DD/YYYY, DD.MM.YYYY, with a time) → what to write
    instead."""
    text = cell.strip()
    if found := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text):
        first, second, year = (int(g) for g in found.groups())
        us, day_first = _iso(year, first, second), _iso(year, second, first)
        if us and day_first and us != day_first:
            return (f"it looks like a US date (MM/DD/YYYY); write it as {us} (or {day_first} if "
                    "the day comes first)")
        if us:
            return f"it looks like a US date (MM/DD/YYYY); write it as {us}"
        if day_first:
            return f"it looks like a day-first date (DD/MM/YYYY); write it as {day_first}"
    if found := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        day, month, year = (int(g) for g in found.groups())
        if written := _iso(year, month, day):
            return f"it looks like a day-first date (DD.MM.YYYY); write it as {written}"
    if found := re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text):
        if written := _iso(*(int(g) for g in found.groups())):
            return f"write it as {written}, with two-digit months and days"
        return "there is no such day; check the month and the day"
    if found := re.fullmatch(r"(\d{4}-\d{2}-\d{2})[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?Z?", text):
        return f"it has a time of day; write the date alone, {found.group(1)}"
    return None


def outside_years(cell: str) -> bool:
    """Is ``cell`` an ISO date whose year is outside the plan's years?"""
    text = cell.strip()
    return (re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) is not None
            and not FIRST_YEAR <= int(text[:4]) <= LAST_YEAR)


def separator_of(header_line: str) -> str | None:
    """``"semicolons"`` or ``"tabs"`` when a header that has no comma is split by one of them."""
    if "," in header_line:
        return None
    for separator, name in ((";", "semicolons"), ("\t", "tabs")):
        if len([cell for cell in header_line.split(separator) if cell.strip()]) > 1:
            return name
    return None


def column_key(name: str) -> str:
    """A column name as it would be meant: lower case, spaces and hyphens as underscores."""
    return re.sub(r"[\s\-]+", "_", name.strip().strip('"').lower())
