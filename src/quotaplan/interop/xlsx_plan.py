"""``quotaplan export xlsx --plan-sheets``: a plan folder as a workbook planners edit in Excel.

One sheet per plan file, named after the file without ``.csv`` (``territories``, ``sellers``,
``accounts``, ``bookings``, ``topdown``, ``overrides``, ``adjustments``, ``assigned_quotas``), its
first row the file's header, then a row per line of the file; and a sheet ``plan`` with the
columns ``key`` (dotted, ``targets.method``) and ``value`` (see :mod:`.tomltext`). Cells are
typed from the file's text: amounts and numbers are numbers, rates percentages, dates dates, ids
and words text exactly as written (free text that a spreadsheet would take for a formula gets a
``'`` in front, as in the CSV outputs). A file longer than a sheet continues on ``bookings 2``, …
``quotaplan import xlsx`` reads this layout back (:mod:`quotaplan.importers.xlsx`).
"""

from __future__ import annotations

import io
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
from xlsxwriter.worksheet import Worksheet

from quotaplan.errors import UsageError
from quotaplan.interop.tomltext import (
    PLAIN_NUMBER,
    TOML_OPENERS,
    TomlText,
    settings_rows,
    toml_string,
)
from quotaplan.interop.workbook import (
    Formats,
    Kind,
    exact_float,
    open_workbook,
    write_table,
)
from quotaplan.schemas import INPUTS, TableSchema
from quotaplan.settings import FILE as SETTINGS_FILE

#: Free-text columns: never ids or values the plan computes with (segment, grade, seniority).
FREE_TEXT = frozenset({"name", "role", "level", "reason", "author", "product"})
PLAN_SHEET = "plan"
#: A number as a number cell reads back: no leading zeros, no trailing zeros after the point.
CANONICAL_NUMBER = r"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$"


def column_kind(schema: TableSchema, name: str, values: pl.Series) -> Kind:
    """The kind a plan file's column is written with. A column the schema does not name (an
    account column used as a weight or a bucket) is a number column only when every value is a
    number written as its import reads it back (``1500``, ``0.25``: no leading zero, no trailing
    zero after the point, at most 15 digits), so that its text comes back exactly; otherwise it
    is text kept as it is (``007``, ``1.50``)."""
    try:
        kind = schema.column(name).kind
    except KeyError:
        present = values.drop_nulls()
        canonical = present.str.contains(CANONICAL_NUMBER) & (present != "-0") & (
            present.str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars() <= 15)
        return "decimal_text" if present.len() > 0 and canonical.all() else "id"
    if kind in ("amount", "number"):
        return "decimal_text"
    if kind == "rate":
        return "rate_text"
    if kind == "date":
        return "date_text"
    return "text" if name in FREE_TEXT else "id"


def read_text_table(path: Path) -> pl.DataFrame:
    """A plan file's cells as text (empty cells null)."""
    try:
        return pl.read_csv(io.BytesIO(path.read_bytes()), infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{path} cannot be read ({first}); run `quotaplan validate` on the "
                         "plan") from None


def write_plan_sheets(folder: Path, path: Path) -> list[str]:
    """Write the plan folder's files to the workbook ``path``; returns the sheet names. The plan
    should be valid (the caller checks): its files are read here as text."""
    settings_text = (folder / SETTINGS_FILE).read_text(encoding="utf-8-sig")
    raw = tomllib.loads(settings_text, parse_float=Decimal)
    book = open_workbook(path)
    currency = raw.get("plan", {}).get("currency")
    formats = Formats(book, currency if isinstance(currency, str) else None)
    sheets = [PLAN_SHEET]
    _write_settings(book.add_worksheet(PLAN_SHEET), formats, settings_rows(raw))
    for stem, schema in INPUTS.items():
        file = folder / schema.file
        if not file.is_file():
            continue
        table = read_text_table(file)
        kinds = {name: column_kind(schema, name, table.get_column(name)) for name in table.columns}
        sheets += write_table(book, formats, stem, table, kinds)
    book.close()
    return sheets


def _write_settings(ws: Worksheet, formats: Formats, rows: list[tuple[str, object]]) -> None:
    """The ``plan`` sheet. A value that is a table or list is already its TOML text; text that
    would read back as something else (``[``, ``{``, ``"`` first, or a number) is quoted."""
    ws.set_column(0, 0, 32)
    ws.set_column(1, 1, 60)
    ws.freeze_panes(1, 0)
    ws.write_string(0, 0, "key", formats.header)
    ws.write_string(0, 1, "value", formats.header)
    for r, (key, value) in enumerate(rows, start=1):
        ws.write_string(r, 0, key)
        if isinstance(value, bool):
            ws.write_boolean(r, 1, value)
        elif isinstance(value, int | Decimal):
            number = exact_float(format(value, "f"))
            if number is None:  # beyond a double's 15 digits: TOML text, read back exactly
                ws.write_string(r, 1, format(value, "f"))
            else:
                ws.write_number(r, 1, number)
        elif isinstance(value, date):
            ws.write_datetime(r, 1, value, formats.by_kind["date"])
        elif isinstance(value, TomlText):
            ws.write_string(r, 1, value)
        elif isinstance(value, str) and (value[:1] in TOML_OPENERS or PLAIN_NUMBER.match(value)):
            ws.write_string(r, 1, toml_string(value))  # text that would read back as a value
        else:
            ws.write_string(r, 1, str(value))


__all__ = ["FREE_TEXT", "PLAN_SHEET", "column_kind", "write_plan_sheets"]
