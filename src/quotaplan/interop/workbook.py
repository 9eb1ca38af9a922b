"""Writing typed tables to Excel sheets with XlsxWriter: one place for cell types and formats.

Every table is written with its column *kind* (:data:`Kind`), which decides the cell and its format:

=========  =====================================  ==============================================
kind       in the table                           in the sheet
=========  =====================================  ==============================================
amount     ``Int64`` cents                        a number (cents ÷ 100), currency format
percent    ``Float64`` ratio (0.95)               a number, ``0.00%``
ratio      ``Float64`` factor (1.05, an HHI)      a number, ``0.0000``
count      ``Int64``                              a number, ``#,##0``
date       ``Date``                               a date, ``yyyy-mm-dd``
bool       ``Boolean``                            TRUE / FALSE
text       ``String``                             text, never a formula (see below)
id         ``String``                             text exactly as it is (no ``'`` added)
=========  =====================================  ==============================================

The plan's own files are written from their text, cell by cell (``--plan-sheets``):
``decimal_text`` (a plain decimal of at most 15 significant digits → a number, anything else →
text), ``rate_text`` (the same, as a percentage) and ``date_text`` (an ISO date → a date).

Amounts are exact: cents ÷ 100 is the double nearest the two-decimal value, and Excel (and any
reader) gives back that double, which rounds to the same cents. An amount of 10^15 cents or more
(more than 15 significant digits, beyond what a double holds exactly) is written as text instead.
Text is written with ``write_string`` (never parsed as a formula or a link) and, like the CSV
outputs, a cell that begins with ``=``, ``+``, ``-`` or ``@`` is prefixed with ``'``.

A sheet holds at most :data:`MAX_DATA_ROWS` rows under its header (Excel's limit is 1,048,576
rows); a longer table continues on sheets named ``Accounts 2``, ``Accounts 3``, … with the same
header. Workbooks are opened in XlsxWriter's ``constant_memory`` mode, so rows go to disk as they
are written and a million-row sheet costs little memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from quotaplan.outputs import FORMULA_START

Kind = Literal["amount", "percent", "ratio", "count", "date", "bool", "text", "id",
               "decimal_text", "rate_text", "date_text"]

#: Rows under the header on one sheet: Excel's 1,048,576 rows less the header.
MAX_DATA_ROWS = 1_048_575
#: Cents at or above this magnitude have more than 15 significant digits: written as text.
EXACT_CENTS_LIMIT = 10**15
#: Excel's longest cell text.
MAX_TEXT = 32_767
#: Property ``creator`` of every workbook quotaplan writes (how it recognises its own files).
CREATOR = "quotaplan"
#: Rows looked at to size a column.
WIDTH_SAMPLE = 2_000
RISK_COLOURS = {"high": ("#F8CBAD", "#9C0006"), "medium": ("#FFE699", "#7F6000"),
                "low": ("#C6EFCE", "#006100")}


def neutralise_text(text: str) -> str:
    """``'`` before text that a spreadsheet would take for a formula (as the CSV outputs do)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def safe_text(value: object) -> str:
    """A value as cell text: neutralised (:func:`neutralise_text`) and cut to Excel's length."""
    return _clip(neutralise_text(str(value)))


def _clip(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    marker = " …[cut: longer than Excel's 32,767 characters]"
    return text[: MAX_TEXT - len(marker)] + marker


def amount_format(currency: str | None) -> str:
    """Excel's number format for amounts: ``[$USD] #,##0.00`` (``#,##0.00`` without a currency)."""
    if not currency:
        return "#,##0.00"
    code = "".join(ch for ch in currency if ch.isalnum()) or "¤"
    return f"[${code}] #,##0.00;[${code}] -#,##0.00"


class Formats:
    """The cell formats of one workbook, by kind."""

    def __init__(self, book: Workbook, currency: str | None) -> None:
        self.header = book.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF",
                                       "text_wrap": True, "valign": "top", "border": 1})
        self.by_kind: dict[Kind, Format | None] = {
            "amount": book.add_format({"num_format": amount_format(currency)}),
            "percent": book.add_format({"num_format": "0.00%"}),
            "ratio": book.add_format({"num_format": "0.0000"}),
            "count": book.add_format({"num_format": "#,##0"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "bool": None,
            "text": None,
            "id": None,
            "decimal_text": None,
            "rate_text": book.add_format({"num_format": "0.00##%"}),
            "date_text": book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        self.risk = {
            level: book.add_format({"bg_color": bg, "font_color": fg})
            for level, (bg, fg) in RISK_COLOURS.items()
        }
        self.note = book.add_format({"italic": True, "font_color": "#595959"})


def open_workbook(path: Path) -> Workbook:
    """A workbook in constant-memory mode, with quotaplan as its creator."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"author": CREATOR, "comments": "Written by quotaplan"})
    return book


@dataclass(frozen=True)
class SheetColumn:
    """A column of a sheet: its header and kind; ``width`` in Excel's character units."""

    name: str
    kind: Kind
    width: float


Writer = Callable[[Worksheet, int, int, Any], object]


def cell_writers(formats: Formats) -> dict[Kind, Writer]:
    """For each kind, the function that writes a value of it: ``write(ws, row, col, value)``."""
    f = formats.by_kind

    def amount(ws: Worksheet, r: int, c: int, cents: int) -> object:
        if abs(cents) >= EXACT_CENTS_LIMIT:
            sign = "-" if cents < 0 else ""
            whole, rest = divmod(abs(cents), 100)
            return ws.write_string(r, c, f"{sign}{whole}.{rest:02d}")
        return ws.write_number(r, c, cents / 100, f["amount"])

    def text(ws: Worksheet, r: int, c: int, value: object) -> object:
        return ws.write_string(r, c, safe_text(value))

    def decimal(fmt: Format | None) -> Writer:
        def write(ws: Worksheet, r: int, c: int, value: str) -> object:
            number = exact_float(value)
            if number is None:
                return ws.write_string(r, c, _clip(value))
            return ws.write_number(r, c, number, fmt)
        return write

    def date_text(ws: Worksheet, r: int, c: int, value: str) -> object:
        day = iso_date(value)
        if day is None:
            return ws.write_string(r, c, _clip(value))
        return ws.write_datetime(r, c, day, f["date_text"])

    return {
        "id": lambda ws, r, c, v: ws.write_string(r, c, _clip(str(v))),
        "decimal_text": decimal(None),
        "rate_text": decimal(f["rate_text"]),
        "date_text": date_text,
        "amount": amount,
        "percent": lambda ws, r, c, v: ws.write_number(r, c, v, f["percent"]),
        "ratio": lambda ws, r, c, v: ws.write_number(r, c, v, f["ratio"]),
        "count": lambda ws, r, c, v: ws.write_number(r, c, v, f["count"]),
        "date": lambda ws, r, c, v: ws.write_datetime(r, c, v, f["date"]),
        "bool": lambda ws, r, c, v: ws.write_boolean(r, c, v),
        "text": text,
    }


_PLAIN = re.compile(r"^-?([0-9]+)(?:\.([0-9]+))?$")
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def exact_float(text: str) -> float | None:
    """The number of a plain decimal of at most 15 significant digits (a double gives it back
    exactly: its shortest text is the same decimal); ``None`` for anything else."""
    match = _PLAIN.match(text.strip())
    if match is None:
        return None
    digits = (match.group(1) + (match.group(2) or "")).lstrip("0").rstrip("0")
    if len(digits) > 15:
        return None
    return float(text)


def iso_date(text: str) -> date | None:
    text = text.strip()
    if not _ISO.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _display(kind: Kind, value: object) -> int:
    """Characters a value takes in its format (for column widths)."""
    if value is None:
        return 0
    if kind == "amount" and isinstance(value, int):
        return len(f"{value / 100:,.2f}") + 5
    if kind == "percent":
        return 8
    if kind == "ratio":
        return 8
    if kind == "count" and isinstance(value, int):
        return len(f"{value:,}")
    if kind == "date":
        return 10
    return len(str(value))


def columns_of(frame: pl.DataFrame, kinds: dict[str, Kind]) -> list[SheetColumn]:
    """Each column of ``frame`` with its kind and a width sized to its header and first values."""
    sample = frame.head(WIDTH_SAMPLE)
    out = []
    for name in frame.columns:
        kind = kinds[name]
        longest = max((_display(kind, v) for v in sample.get_column(name).to_list()), default=0)
        out.append(SheetColumn(name, kind, float(min(60, max(9, len(name) + 2, longest + 2)))))
    return out


def write_table(book: Workbook, formats: Formats, title: str, frame: pl.DataFrame,
                kinds: dict[str, Kind], *, risk_column: str | None = None,
                max_rows: int = MAX_DATA_ROWS) -> list[str]:
    """Write ``frame`` (columns typed as in the module docstring) to the sheet ``title``, and to
    ``title 2``, ``title 3``, … when it has more than ``max_rows`` rows. Each sheet has a frozen,
    filtered header row and sized columns; ``risk_column`` is coloured by its value. Returns the
    names of the sheets written."""
    columns = columns_of(frame, kinds)
    writers = cell_writers(formats)
    by_column = [writers[c.kind] for c in columns]
    names: list[str] = []
    chunks = max(1, -(-frame.height // max_rows))
    for index in range(chunks):
        name = title if index == 0 else f"{title} {index + 1}"
        part = frame.slice(index * max_rows, max_rows)
        ws = book.add_worksheet(name)
        _header(ws, formats, columns, part.height)
        if risk_column is not None and risk_column in frame.columns:
            _colour_risk(ws, formats, frame.columns.index(risk_column), part.height)
        for r, row in enumerate(part.iter_rows(), start=1):
            for c, value in enumerate(row):
                if value is not None:
                    by_column[c](ws, r, c, value)
        names.append(name)
    return names


def _header(ws: Worksheet, formats: Formats, columns: Sequence[SheetColumn], rows: int) -> None:
    """Column widths, the header row (frozen) and the filter over every row: set before the rows,
    as constant-memory mode writes rows out as it goes."""
    for c, column in enumerate(columns):
        ws.set_column(c, c, column.width)
    ws.freeze_panes(1, 1 if len(columns) > 1 else 0)
    if columns:
        ws.autofilter(0, 0, max(rows, 1), len(columns) - 1)
    ws.set_row(0, 30)
    for c, column in enumerate(columns):
        ws.write_string(0, c, column.name, formats.header)


def _colour_risk(ws: Worksheet, formats: Formats, col: int, rows: int) -> None:
    for level, fmt in formats.risk.items():
        ws.conditional_format(1, col, max(rows, 1), col, {
            "type": "cell", "criteria": "==", "value": f'"{level}"', "format": fmt})


def kinds_from_dtypes(frame: pl.DataFrame, counts: frozenset[str],
                      percents: frozenset[str]) -> dict[str, Kind]:
    """The kind of each column of a result table: integers are cents unless named in ``counts``;
    floats are percentages when named in ``percents``, else ratios."""
    kinds: dict[str, Kind] = {}
    for name, dtype in frame.schema.items():
        if dtype.is_integer():
            kinds[name] = "count" if name in counts else "amount"
        elif dtype.is_float():
            kinds[name] = "percent" if name in percents else "ratio"
        elif dtype == pl.Date:
            kinds[name] = "date"
        elif dtype == pl.Boolean:
            kinds[name] = "bool"
        else:
            kinds[name] = "text"
    return kinds


__all__ = ["CREATOR", "MAX_DATA_ROWS", "Formats", "Kind", "amount_format", "cell_writers",
           "kinds_from_dtypes", "neutralise_text", "open_workbook", "safe_text", "write_table"]
