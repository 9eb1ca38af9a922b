"""``quotaplan import xlsx WORKBOOK --out PLAN``: a workbook with one sheet per plan file.

The layout is the one ``quotaplan export xlsx --plan-sheets`` writes: a sheet per plan file named
after the file without ``.csv`` (``territories``, ``sellers``, ``accounts``, ``bookings``, …; the
first row the file's header, the plan folder's columns), continued on ``bookings 2``, … when a
file is longer than a sheet, and a sheet ``plan`` with the columns ``key`` (dotted, e.g.
``targets.method``) and ``value``. Sheet names are matched without regard to case; other sheets
are ignored (and reported).

Cells are converted by what Excel stored and what the column holds:

- amounts, numbers and rates: a number cell → its shortest decimal (``1234.5``, ``0.05``); a
  text cell must already be a plain decimal (``1234.50``), no separators or currency signs;
- dates: a date cell → ``YYYY-MM-DD`` (a time of day is refused); text must be ``YYYY-MM-DD``;
- ids and words: text as it is; a whole number that Excel stored as a number → its digits
  (``1001.0`` → ``1001``); TRUE/FALSE → ``true``/``false``;
- ``plan`` values: numbers, booleans and dates as TOML values; text that opens with ``[`` or
  ``{`` is an inline TOML array or table (``[0, 0.25, 0.5]``, ``{ A = 0.5 }``), text in double
  quotes a TOML string, a plain decimal written as text a number; other text is text. A key
  without a dot whose value is a table is one table of an array (``strategic_focus``, one row
  per rule).

Formulas are read as the values Excel last computed. Every cell that cannot be converted is a
problem naming the workbook, the sheet, the row and the column, all reported at once (exit 1).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import polars as pl
from openpyxl.utils.exceptions import InvalidFileException

from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.importers import Derivation, ImportReport
from quotaplan.interop.tomltext import (
    PLAIN_NUMBER,
    TOML_OPENERS,
    parse_inline,
    settings_document,
)
from quotaplan.outputs import neutralise
from quotaplan.problems import Problem, error
from quotaplan.schemas import INPUTS, Kind, TableSchema
from quotaplan.settings import FILE as SETTINGS_FILE

PLAN_SHEET = "plan"
FREE_TEXT = ("name", "role", "level", "reason", "author", "product")
_KEY_PART = re.compile(r"^[A-Za-z0-9_-]+$")
_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: Problems reported before the rest are only counted.
MAX_PROBLEMS = 200


class CellError(ValueError):
    """A cell that cannot be converted; the message says what it holds and what to type."""


def _decimal_text(value: float | int) -> str:
    """A number cell → its shortest plain decimal (no exponent)."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return "0" if text in ("-0", "-0.0") else text


def _day(value: datetime | date) -> str:
    if isinstance(value, datetime):
        if value.time() != time(0):
            raise CellError(f"holds a date and time ({value.isoformat(sep=' ')}); type the date "
                            "only")
        return value.date().isoformat()
    return value.isoformat()


def convert(kind: Kind | None, value: Any) -> str | None:
    """One cell → the plan file's text (``None`` for an empty cell); :class:`CellError` when the
    cell cannot be what the column holds. ``kind`` is the column's kind in the plan folder
    (``None`` for a column the plan does not name)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind in ("amount", "number", "rate"):
        if isinstance(value, bool):
            raise CellError(f"holds {str(value).upper()}, not a number; type a number")
        if isinstance(value, int | float):
            return _decimal_text(value)
        if isinstance(value, datetime | date):
            raise CellError(f"holds the date {_day(value)}, not a number; type a number")
        text = str(value).strip()
        if not PLAIN_NUMBER.match(text):
            raise CellError(f"holds the text {text!r}, not a number; type a number (no thousands "
                            "separators, currency signs or spaces)")
        return text
    if kind == "date":
        if isinstance(value, datetime | date):
            return _day(value)
        if isinstance(value, bool | int | float):
            raise CellError(f"holds the number {value!r}, not a date; format the cell as a date "
                            "or type YYYY-MM-DD")
        text = str(value).strip()
        if not _ISO.match(text):
            raise CellError(f"holds the text {text!r}, not a date; type YYYY-MM-DD or a date "
                            "cell")
        try:
            date.fromisoformat(text)
        except ValueError:
            raise CellError(f"holds {text!r}, which is not a day of the calendar") from None
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _decimal_text(value)
    if isinstance(value, datetime | date):
        return _day(value)
    return str(value)


def settings_value(value: Any) -> Any:
    """A ``plan`` sheet value → the TOML value (see the module docstring)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return Decimal(repr(value))
    if isinstance(value, datetime | date):
        return date.fromisoformat(_day(value))
    text = str(value).strip()
    if text.startswith(TOML_OPENERS):
        try:
            return parse_inline(text)
        except ValueError as exc:
            raise CellError(f"is not a TOML value ({exc}); write an array as [0, 0.5, 1], a "
                            'table as { A = 0.5, B = 0.5 } and quoted text as "…"') from None
    if PLAIN_NUMBER.match(text):
        return int(text) if "." not in text else Decimal(text)
    return text


# ---------------------------------------------------------------------------------------------


#: What openpyxl raises for a file that is not a readable workbook (opening it, or later, as
#: read-only mode parses each sheet while it is read).
READ_ERRORS = (InvalidFileException, zipfile.BadZipFile, zlib.error, ParseError, KeyError, OSError,
               EOFError, ValueError, TypeError, IndexError, AttributeError)


def _unreadable(path: Path, exc: BaseException) -> UsageError:
    return UsageError(f"{str(path)!r} cannot be read as an Excel workbook (.xlsx): "
                      f"{str(exc) or type(exc).__name__}; save it from Excel as .xlsx")


def _open(path: Path) -> Any:
    import openpyxl

    if not path.is_file():
        raise UsageError(f"{str(path)!r} is not a file; pass the workbook (.xlsx)")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except READ_ERRORS as exc:
        raise _unreadable(path, exc) from None


def _sheet_stem(name: str) -> tuple[str, int]:
    """``"Bookings 2"`` → (``"bookings"``, 2); ``"accounts"`` → (``"accounts"``, 1)."""
    base = name.strip().lower()
    match = re.match(r"^(.*\S)\s+([0-9]+)$", base)
    if match and match.group(1) in {*INPUTS, PLAN_SHEET}:
        return match.group(1), int(match.group(2))
    return base, 1


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.dropped = 0

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            self.dropped += 1
            return
        where = f"{self.path.name}, sheet {sheet}" + (f", row {row}" if row is not None else "")
        self.problems.append(error(where, None, column, message, "xlsx-cell"))

    def table(self, stem: str, schema: TableSchema, sheets: list[Any]) -> pl.DataFrame | None:
        """The rows of a plan file's sheets as text columns (``None`` when the header is bad)."""
        header: list[str] | None = None
        columns: dict[str, list[str | None]] = {}
        for ws in sheets:
            rows = ws.iter_rows(values_only=True)
            first = next(rows, None)
            names = self._header(ws.title, first)
            if names is None:
                return None
            if header is None:
                header = names
                columns = {n: [] for n in names if n}
                missing = [c.name for c in schema.columns if c.required and c.name not in columns]
                for name in missing:
                    self.problem(ws.title, 1, name, f"the header lacks the required column "
                                 f"{name}; add it (the plan's {schema.file} needs it)")
            elif names != header:
                self.problem(ws.title, 1, None, f"the header differs from sheet {sheets[0].title}'s; "
                             "a continued sheet repeats the first one's header")
                return None
            kinds = [_kind(schema, n) for n in names]
            for number, row in enumerate(rows, start=2):
                if row is None or all(v is None or (isinstance(v, str) and not v.strip())
                                      for v in row):
                    continue
                cells = list(row) + [None] * (len(names) - len(row))
                for value, name, kind in zip(cells, names, kinds, strict=False):
                    if not name:
                        continue
                    try:
                        columns[name].append(convert(kind, value))
                    except CellError as exc:
                        self.problem(ws.title, number, name, f"the cell {exc}")
                        columns[name].append(None)
        frame = pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String))
        texts = [c for c in FREE_TEXT if c in frame.columns]
        return frame.with_columns(neutralise(pl.col(c)).alias(c) for c in texts)

    def _header(self, sheet: str, first: tuple[Any, ...] | None) -> list[str] | None:
        if first is None:
            self.problem(sheet, None, None, "the sheet is empty; its first row must be the "
                         "file's header")
            return None
        names = ["" if v is None else str(v).strip() for v in first]
        while names and not names[-1]:
            names.pop()
        seen: set[str] = set()
        for name in names:
            if name and name in seen:
                self.problem(sheet, 1, name, f"the header names {name} twice; keep one")
                return None
            seen.add(name)
        return names

    def settings(self, sheets: list[Any]) -> str | None:
        """The ``plan`` sheet (and its continuations) → ``plan.toml`` text."""
        entries: list[tuple[list[str], Any]] = []
        for ws in sheets:
            if not self._settings_sheet(ws, entries):
                return None
        try:
            return settings_document(entries)
        except ValueError as exc:
            self.problem(sheets[0].title, None, "key", f"{exc}; give each key once")
            return None

    def _settings_sheet(self, ws: Any, entries: list[tuple[list[str], Any]]) -> bool:
        rows = ws.iter_rows(values_only=True)
        names = self._header(ws.title, next(rows, None))
        if names is None:
            return False
        if "key" not in names or "value" not in names:
            self.problem(ws.title, 1, None, "the header must name the columns key and value")
            return False
        k, v = names.index("key"), names.index("value")
        for number, row in enumerate(rows, start=2):
            cells = list(row) + [None] * (len(names) - len(row))
            key, value = cells[k], cells[v]
            if (key is None or not str(key).strip()) and value is None:
                continue
            key_text = "" if key is None else str(key).strip()
            parts = key_text.split(".")
            if not key_text or not all(_KEY_PART.match(p) for p in parts):
                self.problem(ws.title, number, "key", f"{key_text!r} is not a setting key; write "
                             "a dotted key such as targets.method (see `quotaplan settings`)")
                continue
            if value is None or (isinstance(value, str) and not value.strip()):
                self.problem(ws.title, number, "value", f"{key_text} has no value; give one or "
                             "delete the row (an absent key takes its default)")
                continue
            try:
                entries.append((parts, settings_value(value)))
            except CellError as exc:
                self.problem(ws.title, number, "value", f"{key_text} {exc}")
        return True


def _kind(schema: TableSchema, name: str) -> Kind | None:
    try:
        return schema.column(name).kind
    except KeyError:
        return None


def read_workbook(path: Path) -> tuple[dict[str, pl.DataFrame | str], list[Derivation]]:
    """The plan folder's files (``plan.toml`` text and the tables as text) from a workbook;
    :class:`PlanInvalid` with every cell that cannot be converted."""
    book = _open(path)
    try:
        files, derivations, problems = _read(path, book)
    except READ_ERRORS as exc:
        raise _unreadable(path, exc) from None
    finally:
        book.close()
    if problems:
        raise PlanInvalid(problems)
    return files, derivations


def _read(path: Path, book: Any) -> tuple[dict[str, pl.DataFrame | str], list[Derivation],
                                          list[Problem]]:
    reader = _Reader(path)
    by_stem: dict[str, list[tuple[int, Any]]] = {}
    ignored: list[str] = []
    for ws in book.worksheets:
        stem, part = _sheet_stem(ws.title)
        if stem in INPUTS or stem == PLAN_SHEET:
            by_stem.setdefault(stem, []).append((part, ws))
        else:
            ignored.append(ws.title)
    for stem, parts in by_stem.items():
        numbers = [n for n, _ in parts]
        for n in sorted({n for n in numbers if numbers.count(n) > 1}):
            titles = ", ".join(ws.title for m, ws in parts if m == n)
            reader.problem(stem, None, None, f"sheets {titles} are the same part of {stem}; "
                           "rename or merge them (a continuation is named like 'bookings 2')")
    files: dict[str, pl.DataFrame | str] = {}
    if PLAN_SHEET not in by_stem:
        reader.problem(PLAN_SHEET, None, None, "the workbook has no sheet named plan; add one "
                       "with the columns key and value (e.g. plan.name, plan.fiscal_year_start)")
    else:
        text = reader.settings([ws for _, ws in sorted(by_stem[PLAN_SHEET], key=lambda i: i[0])])
        if text is not None:
            shown = "".join(ch if ch.isprintable() else "?" for ch in path.name)
            files[SETTINGS_FILE] = f"# Imported from the workbook {shown}\n{text}"
    for stem, schema in INPUTS.items():
        sheets = [ws for _, ws in sorted(by_stem.get(stem, []), key=lambda item: item[0])]
        if not sheets:
            if schema.required_file:
                reader.problem(stem, None, None, f"the workbook has no sheet named {stem}; "
                               f"add it with the columns of {schema.file}")
            continue
        frame = reader.table(stem, schema, sheets)
        if frame is not None:
            files[schema.file] = frame
    problems = list(reader.problems)
    if reader.dropped:
        problems.append(error(path.name, None, None, f"… and {reader.dropped} more cell(s) "
                              "with problems; fix these first", "xlsx-cell"))
    derivations = [Derivation("sheets read", ", ".join(
        f"{stem} ({len(by_stem[stem])} sheet(s))" if len(by_stem[stem]) > 1 else stem
        for stem in by_stem), len(by_stem))]
    if ignored:
        derivations.append(Derivation("sheets ignored", "not plan files: " + ", ".join(ignored),
                                      len(ignored)))
    derivations.append(Derivation("cells", "numbers as plain decimals, dates as YYYY-MM-DD, "
                                  "whole numbers in id columns as their digits; formulas as "
                                  "their last computed values"))
    return files, derivations, problems


def import_xlsx(source: Path, out: Path) -> ImportReport:
    """Read the workbook ``source`` and write its plan folder into ``out``."""
    from quotaplan.generate import write_generated

    files, derivations = read_workbook(source)
    write_generated(files, out, command="import")
    counts = {name.removesuffix(".csv"): frame.height for name, frame in files.items()
              if isinstance(frame, pl.DataFrame)}
    return ImportReport(out=out, derivations=tuple(derivations), counts=counts)


__all__ = ["convert", "import_xlsx", "read_workbook", "settings_value"]
