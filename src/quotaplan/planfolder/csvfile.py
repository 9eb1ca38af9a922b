"""One CSV file of a plan folder → a typed table and located problems.

The file is checked at the byte level first (NUL bytes, UTF-8, lines over 1 MiB), so that no input
can hang the reader or exhaust memory; then its rows are split into cells, each row keeping its
physical line number; then each column is converted to its kind (:mod:`quotaplan.schemas`) with
vectorised checks. Records and cells are found with NumPy (a line feed or comma counts when an
even number of quotes precede it) and the cells read by Polars' CSV reader; files whose quoting is
irregular, with blank lines or with bare carriage returns go through Python's ``csv`` module, which
names the line of every broken record. Both paths give the same table (a property test says so).
A clean file never gets this far: :mod:`.quickread` reads it in one streaming query.
"""

from __future__ import annotations

import contextlib
import csv
import io
import mmap
import os
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from quotaplan.money import DECIMAL_PATTERN, MAX_INT_DIGITS, parse_scaled
from quotaplan.planfolder.hints import (
    FIRST_DATE,
    LAST_DATE,
    column_key,
    date_hint,
    number_hint,
    outside_years,
    separator_of,
)
from quotaplan.planfolder.quickread import (
    BOM,
    MAX_NUMBER_DIGITS,
    MAX_RATE_DIGITS,
    QUOTED_FAST_BYTES,
    RATE_PATTERN,
    Bytes,
    count_byte,
    dtype,
    header_names,
    is_ascii,
    lone_cr,
    quick_column,
    read_clean,
    repeated,
)
from quotaplan.problems import Problem, error, listed, more
from quotaplan.schemas import NUMBER_SCALE, Column, TableSchema

MAX_LINE_BYTES = 1024 * 1024
#: Bytes decoded at a time when checking UTF-8.
UTF8_PIECE = 16 * 1024 * 1024
#: Decimal places Polars parses exactly (38-digit decimals, at most 15 digits before the point).
EXACT_DECIMALS = 18
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _line_of(data: Bytes, offset: int) -> int:
    return count_byte(data, ord("\n"), offset) + 1


def _not_utf8_at(data: Bytes) -> int | None:
    """Offset of the first byte that is not UTF-8, or ``None``; decodes in pieces cut at line
    feeds (never inside a character), so a large file is never held twice."""
    if is_ascii(data):
        return None
    start = 0
    while start < len(data):
        cut = data.find(b"\n", start + UTF8_PIECE)
        end = len(data) if cut < 0 else cut + 1
        try:
            data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            return start + exc.start
        start = end
    return None


def check_bytes(file: str, data: Bytes) -> list[Problem]:
    """NUL bytes and encodings other than UTF-8: each stops the file."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return [error(file, 1, None, "the file is UTF-16 (Excel's \"Unicode text\"); save it as "
                      "CSV UTF-8", "encoding")]
    nul = data.find(b"\x00")
    if nul >= 0:
        return [error(file, _line_of(data, nul), None, "the file contains a NUL byte (binary data?); "
                      "save it as plain UTF-8 text", "encoding")]
    bad = _not_utf8_at(data)
    if bad is not None:
        return [error(file, _line_of(data, bad), None, "the file is not UTF-8 (it looks like "
                      "another encoding, e.g. Windows-1252 or Latin-1); save it as UTF-8",
                      "encoding")]
    return []


def check_line_lengths(file: str, data: Bytes) -> list[Problem]:
    """A line over 1 MiB is an error naming it.

    From the start of a line, the next line feed must come within 1 MiB; the search then jumps to
    the last line feed of that window (every line between is shorter), so a large file costs a
    few hundred short searches, not one per line.
    """
    start = 0
    size = len(data)
    while size - start > MAX_LINE_BYTES:
        feed = data.rfind(b"\n", start, start + MAX_LINE_BYTES + 1)
        if feed < 0:
            line = _line_of(data, start)
            return [error(file, line, None, f"line {line} is longer than 1 MiB; this is not a plan "
                          "file (or a cell holds a whole document)", "line-too-long")]
        start = feed + 1
    return []


def _fast_field_counts(data: bytes) -> tuple[np.ndarray, int]:
    """Fields per line of an unquoted file (empty last line dropped), via comma counting."""
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    if len(data) and data[-1:] != b"\n":
        ends = np.append(ends, len(data))
    commas = np.flatnonzero(buf == 44)
    per_line = np.diff(np.concatenate(([0], np.searchsorted(commas, ends))))
    return per_line + 1, len(ends)


def split_rows(file: str, data: bytes) -> tuple[list[str], pl.DataFrame | None, list[Problem]]:
    """Bytes → (header, all-text table with ``line``, problems). Ragged rows are problems."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1  # trailing line ends, without copying a large file
    if not end or (data[:1].isspace() and data[:end].isspace()):
        return [], None, [error(file, 1, None, "the file is empty; it needs a header row", "empty")]
    too_long = check_line_lengths(file, data)
    if too_long:
        return [], None, too_long
    if not lone_cr(data):
        if b'"' not in data:
            fast = _split_fast(file, data, end)
        elif len(data) >= QUOTED_FAST_BYTES:
            fast = _split_quoted_fast(file, data, end)
        else:
            fast = None
        if fast is not None:
            return fast
    blank_inside = data.find(b"\n\n", 0, end) >= 0 or data.find(b"\n\r\n", 0, end) >= 0
    if blank_inside or lone_cr(data):
        return _split_slow(file, data)
    return _split_quoted(file, data) or _split_slow(file, data)


def _ragged(file: str, lines: list[int], counts: list[int], width: int, total: int) -> list[Problem]:
    shown = listed(total)
    problems = [
        error(file, ln, None, f"this row has {n} cells but the header has {width}; "
              "check for a missing or extra comma", "ragged")
        for ln, n in zip(lines[:shown], counts[:shown], strict=True)
    ]
    if total > shown:
        problems.append(more(file, lines[shown], None,
                             f"… and {total - shown} more rows with the wrong number of cells",
                             "error", "ragged", total - shown))
    return problems


def _split_fast(
    file: str, data: bytes, end: int
) -> tuple[list[str], pl.DataFrame | None, list[Problem]] | None:
    """A file without quotes or blank lines: Polars reads it; ragged rows are found by counting.

    Polars refuses a row with too many cells; a row with too few would silently be padded, so the
    commas are counted: with no row too long, every row has the header's width exactly when the
    file holds ``(width - 1) × rows`` commas. Only when that fails are the lines counted one by one
    (NumPy) to name them. Each row's line is its index + 2. ``end`` is where the trailing line
    ends begin. Returns ``None`` for a file with blank lines (the line-by-line reader skips them).
    """
    body = data if data[end:] in (b"\n", b"\r\n") else data[:end] + b"\n"
    first_line = body[: body.index(b"\n")].decode("utf-8").rstrip("\r")
    header = header_names(first_line.split(","))
    width = len(header)
    names = [f"_c{i}" for i in range(width)]
    if body.index(b"\n") == len(body) - 1:  # the header alone
        frame = pl.DataFrame({n: pl.Series([], dtype=pl.String) for n in names})
    else:
        try:
            frame = pl.read_csv(body, has_header=False, skip_rows=1, infer_schema=False,
                                quote_char=None, new_columns=names, truncate_ragged_lines=False)
        except pl.exceptions.PolarsError:
            return _ragged_lines(file, body, header)
    # Polars keeps every line as a row (a blank one too), so the rows are the lines but the header.
    if count_byte(body, ord(",")) != (width - 1) * (frame.height + 1):
        return _ragged_lines(file, body, header)
    if repeated(header):
        return header, None, []  # read_table reports the repeated names
    return _one_row_a_line(body, header, frame)


def _one_row_a_line(
    body: bytes, header: list[str], frame: pl.DataFrame
) -> tuple[list[str], pl.DataFrame | None, list[Problem]]:
    """Name the cells of a file whose rows are its lines (row i on line i + 2)."""
    names = frame.columns
    if b"\r" in body:
        frame = frame.with_columns(pl.col(names[-1]).str.strip_chars_end("\r"))
    frame = frame.select(
        pl.col(f"_c{i}").alias(h) for i, h in enumerate(header) if h
    ).with_row_index("line", offset=2).with_columns(pl.col("line").cast(pl.Int64))
    return header, frame, []


def _ragged_lines(
    file: str, body: bytes, header: list[str]
) -> tuple[list[str], None, list[Problem]] | None:
    """Name the rows whose number of cells differs from the header's (the slow, exact count);
    ``None`` when the file has blank lines, which the line-by-line reader skips."""
    if body.find(b"\n\n") >= 0 or body.find(b"\n\r\n") >= 0:
        return None
    counts, _ = _fast_field_counts(body)
    width = len(header)
    bad = np.flatnonzero(counts[1:] != width)
    lines = [int(i) + 2 for i in bad]
    return header, None, _ragged(file, lines, [int(counts[i + 1]) for i in bad], width, len(lines))


def _split_quoted_fast(
    file: str, data: bytes, end: int
) -> tuple[list[str], pl.DataFrame | None, list[Problem]] | None:
    """A quoted file whose records are its lines (no line break inside a cell), read by Polars.

    Each row's line is then its index + 2. Every row has the header's width exactly when Polars
    refused no row as too long and the commas outside cells — all commas less those the cells
    hold — number ``(width - 1) × rows``. Anything else (a break inside a cell, an unclosed
    quote, a ragged row, odd quoting) returns ``None``: the exact readers then decide and name
    the line.
    """
    body = data if data[end:] in (b"\n", b"\r\n") else data[:end] + b"\n"
    first = body[: body.index(b"\n")].decode("utf-8").rstrip("\r")
    try:
        header = header_names(next(csv.reader([first], strict=True)))
    except csv.Error:
        return None
    width = len(header)
    rows = count_byte(body, ord("\n"))
    if repeated(header) or rows <= 1:
        return None
    names = [f"_c{i}" for i in range(width)]
    try:
        frame = pl.read_csv(body, has_header=False, skip_rows=1, infer_schema=False, quote_char='"',
                            new_columns=names, truncate_ragged_lines=False)
    except pl.exceptions.PolarsError:
        return None
    # A line break inside a cell (or an unclosed quote) joins lines into one row: fewer rows.
    if frame.height != rows - 1 or frame.width != width:
        return None
    inside = frame.select(
        pl.sum_horizontal(pl.col(n).str.count_matches(",", literal=True).fill_null(0).sum()
                          for n in names)
    ).item()
    header_commas = first.count(",") - (width - 1)
    if count_byte(body, ord(",")) - inside - header_commas != (width - 1) * rows:
        return None
    return _one_row_a_line(body, header, frame)


def _split_quoted(
    file: str, data: bytes
) -> tuple[list[str], pl.DataFrame | None, list[Problem]] | None:
    """A file with quotes, split without a Python loop over its rows.

    A quote opens a cell when it follows the start of a line, a comma or a closing quote (``""``
    inside a quoted cell); it closes one when a comma, line end or another quote follows. So a line
    feed ends a record exactly when an even number of quotes precede it, and a comma separates
    cells exactly when an even number precede it. Returns ``None`` when the quoting is irregular
    (an unclosed quote, a quote inside an unquoted cell, …): the line-by-line reader then decides
    and names the line.
    """
    body = data.rstrip(b"\r\n") + b"\n"
    buf = np.frombuffer(body, dtype=np.uint8)
    quotes = np.flatnonzero(buf == 34)
    if quotes.size % 2:
        return None
    opening, closing = quotes[0::2], quotes[1::2]
    before_open = np.where(opening > 0, buf[np.maximum(opening - 1, 0)], 10)
    reopened = np.zeros(opening.size, dtype=bool)
    reopened[1:] = closing[:-1] == opening[1:] - 1
    after_close = buf[closing + 1]
    escaped = np.zeros(closing.size, dtype=bool)
    escaped[:-1] = opening[1:] == closing[:-1] + 1
    if not (((before_open == 44) | (before_open == 10) | reopened).all()
            and ((after_close == 44) | (after_close == 10) | (after_close == 13) | escaped).all()):
        return None
    newlines = np.flatnonzero(buf == 10)
    outside = np.searchsorted(quotes, newlines) % 2 == 0
    ends = newlines[outside]
    end_index = np.flatnonzero(outside)
    starts = np.concatenate(([1], end_index[:-1] + 2))  # physical line where each record starts
    commas = np.flatnonzero(buf == 44)
    commas = commas[np.searchsorted(quotes, commas) % 2 == 0]
    counts = np.diff(np.concatenate(([0], np.searchsorted(commas, ends)))) + 1
    header_text = body[: int(ends[0])].decode("utf-8").rstrip("\r")
    header = header_names(next(csv.reader([header_text]), [""]))
    width = len(header)
    if int(counts[0]) != width:
        return None
    bad = np.flatnonzero(counts[1:] != width)
    if bad.size:
        lines = [int(starts[i + 1]) for i in bad]
        return header, None, _ragged(file, lines, [int(counts[i + 1]) for i in bad], width, len(lines))
    if repeated(header):
        return header, None, []  # read_table reports the repeated names
    names = [f"_c{i}" for i in range(width)]
    rows = body[int(ends[0]) + 1:]
    if rows:
        frame = pl.read_csv(rows, has_header=False, infer_schema=False, quote_char='"',
                            new_columns=names)
        if frame.height != len(ends) - 1 or frame.width != width:
            return None
    else:
        frame = pl.DataFrame({n: pl.Series([], dtype=pl.String) for n in names})
    frame = frame.with_columns(pl.col(names[-1]).str.strip_chars_end("\r")).select(
        pl.col(f"_c{i}").alias(h) for i, h in enumerate(header) if h
    ).with_columns(pl.Series("line", starts[1:], dtype=pl.Int64))
    return header, frame, []


def _split_slow(file: str, data: bytes) -> tuple[list[str], pl.DataFrame | None, list[Problem]]:
    text = data.decode("utf-8")
    csv.field_size_limit(MAX_LINE_BYTES * 2)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] = []
    cells: list[list[str]] = []
    lines: list[int] = []
    bad_lines: list[int] = []
    bad_counts: list[int] = []
    prev = 0
    try:
        for row in reader:
            start = prev + 1
            prev = reader.line_num
            if not header:
                header = header_names(row)
                cells = [[] for _ in header]
                continue
            if not row:
                continue  # a blank line
            if len(row) != len(header):
                bad_lines.append(start)
                bad_counts.append(len(row))
                continue
            lines.append(start)
            for i, value in enumerate(row):
                cells[i].append(value)
    except csv.Error as exc:
        what = str(exc)
        hint = ("a quote is opened and never closed" if "end of data" in what
                else f"the quoting is broken ({what})")
        return header, None, [error(file, prev + 1, None, f"{hint}; check the quotes on this line",
                                    "quoting")]
    if bad_lines:
        return header, None, _ragged(file, bad_lines, bad_counts, len(header), len(bad_lines))
    if repeated(header):
        return header, None, []  # read_table reports the repeated names
    frame = pl.DataFrame(
        {h: pl.Series(h, cells[i], dtype=pl.String) for i, h in enumerate(header) if h}
        | {"line": pl.Series("line", lines, dtype=pl.Int64)}
    )
    return header, frame, []


def _listed(
    file: str,
    frame: pl.DataFrame,
    mask: pl.Series,
    column: str,
    message: str | Callable[[str], str],
    code: str,
) -> list[Problem]:
    """One problem per row where ``mask`` holds (the first :data:`~quotaplan.problems.MAX_LISTED` unless every
    problem is listed, then one record for the rest).

    ``message`` may hold ``{value}`` (the cell as written, shortened), or be a function of the cell.
    """
    hits = frame.filter(mask)
    if hits.height == 0:
        return []
    count = listed(hits.height)
    shown = hits.head(count)
    values = shown.get_column(column).to_list() if column in shown.columns else [None] * shown.height
    problems = [
        error(file, int(ln), column,
              message(str(v)) if callable(message) else message.format(value=show_value(v)), code)
        for ln, v in zip(shown.get_column("line").to_list(), values, strict=True)
    ]
    if hits.height > count:
        rest = hits.height - count
        problems.append(more(file, int(hits.get_column("line")[count]), column,
                             f"… and {rest} more rows like this", "error", code, rest))
    return problems


def show_value(value: object) -> str:
    """A cell for a message: as written, cut to 40 characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


@dataclass(frozen=True, slots=True)
class _Issue:
    """A kind of bad cell in one column: where ``mask`` holds, ``message`` (with ``{value}``)."""

    mask: pl.Expr
    column: str
    message: str | Callable[[str], str]
    code: str


def convert(
    file: str, frame: pl.DataFrame, schema: TableSchema, *, may_pad: bool = True
) -> tuple[pl.DataFrame, list[Problem]]:
    """All-text table → typed table per ``schema``; bad cells become null and a problem each.

    Two phases, so that a clean file costs one cheap pass: first every column gets its quick
    conversion and one flag for any cell that is not in the plain form (empty where required,
    white space around it, more decimals than the scale, a minus sign, anything odd); then only
    the flagged columns are converted again carefully (stripped, rounded exactly, every kind of
    bad cell told apart and listed from the cells as written). ``may_pad``: the file has spaces
    or tabs at all (when it has none, no cell can need stripping).
    """
    known = set(schema.names)
    extra = [c for c in frame.columns if c not in known and c != "line"]
    present = [c for c in schema.columns if c.name in frame.columns]
    values: list[pl.Expr] = []
    for col in schema.columns:
        if col.name not in frame.columns:
            default = col.values[0] if col.kind == "enum" else None
            values.append(pl.lit(default, dtype=dtype(col)).alias(col.name))
    quick = {c.name: quick_column(c, may_pad) for c in present}
    flags = {f"__odd_{name}": flag.fill_null(False) for name, (_, flag) in quick.items()
             if flag is not None}
    staged = frame.lazy().select(
        [pl.col("line"), *values, *[expr.alias(name) for name, (expr, _) in quick.items()],
         *[pl.col(c) for c in extra], *[flag.alias(name) for name, flag in flags.items()]]
    ).collect()
    odd = staged.select(pl.col(list(flags)).any()).row(0, named=True) if flags and staged.height else {}
    staged = staged.drop(list(flags))
    careful = [c for c in present if odd.get(f"__odd_{c.name}")]
    issues: list[_Issue] = []
    redo: list[pl.Expr] = []
    for col in careful:
        expr, found = _convert_column(frame, col, may_pad)
        issues.extend(found)
        redo.append(expr.alias(col.name))
    marks = [issue.mask.fill_null(False).alias(f"__bad{i}") for i, issue in enumerate(issues)]
    if redo:
        # Lazy, so that an expression shared by a value and its mark (a regex) runs once.
        again = frame.lazy().select([*redo, *marks]).collect()
        staged = staged.with_columns(again.get_columns())
    kept = [c.name for c in schema.kept] + (extra if schema.keep_others else [])
    staged = staged.select(["line", *kept, *[
        f"__bad{i}" for i in range(len(issues))]])
    problems: list[Problem] = []
    mark_names = [f"__bad{i}" for i in range(len(issues))]
    if mark_names and staged.height:
        counts = staged.select(pl.col(mark_names).sum()).row(0)
        for name, issue, count in zip(mark_names, issues, counts, strict=True):
            if count:
                problems += _listed(file, frame, staged.get_column(name), issue.column,
                                    issue.message, issue.code)
    return staged.drop(mark_names), problems


def _convert_column(
    frame: pl.DataFrame, col: Column, padded: bool
) -> tuple[pl.Expr, list[_Issue]]:
    """The typed expression of one column and the kinds of bad cell it can have.

    ``padded``: some cell has white space around it, so the column is stripped first.
    """
    name = col.name
    text = pl.col(name).str.strip_chars() if padded else pl.col(name)
    empty = text.is_null() | (text == "")
    issues: list[_Issue] = []
    if col.required:
        issues.append(_Issue(empty, name, f"{name} is empty; every row needs one", "required"))
    if col.kind in ("id", "text"):
        return pl.when(empty).then(None).otherwise(text), issues
    if col.kind == "enum":
        allowed = list(col.values)
        lowered = text.str.to_lowercase()
        issues.append(_Issue(~empty & ~lowered.is_in(allowed), name,
                             f"{{value!r}} is not a valid {name}; use one of {', '.join(allowed)}",
                             "enum"))
        return pl.when(empty).then(pl.lit(allowed[0])).otherwise(lowered), issues
    if col.kind == "date":
        parsed = text.str.to_date("%Y-%m-%d", strict=False, cache=False)
        # to_date also takes 2026-1-5: ten bytes pins the ISO form (digits are all it parsed).
        bad = ~empty & (parsed.is_null() | (text.str.len_bytes() != 10)
                        | ~parsed.is_between(FIRST_DATE, LAST_DATE))
        issues.append(_Issue(bad, name, _say_date, "date"))
        return pl.when(bad).then(None).otherwise(parsed), issues
    if col.kind == "rate":
        bad = ~empty & ~text.str.contains(DECIMAL_PATTERN)
        issues.append(_Issue(bad, name, _say_number("is not a number", "write a plain decimal "
                                                    "such as 0.05 or -0.02"), "number"))
        large = ~empty & ~bad & ~text.str.contains(RATE_PATTERN)
        issues.append(_Issue(large, name, f"{{value!r}} is too large for a {name}: a rate is a "
                             f"fraction (0.10 = +10 %) with at most {MAX_RATE_DIGITS} digits "
                             "before the point", "number"))
        return pl.when(bad | large | empty).then(None).otherwise(text), issues
    scale = 2 if col.kind == "amount" else NUMBER_SCALE
    most = MAX_INT_DIGITS if col.kind == "amount" else MAX_NUMBER_DIGITS
    ok = text.str.contains(rf"^-?[0-9]{{1,{most}}}(\.[0-9]+)?$")

    plain = _say_number("is not a plain number", "write digits with an optional '-' and '.', "
                        "without thousands separators, exponents, NaN or inf")

    def say(cell: str) -> str:
        if re.match(DECIMAL_PATTERN, cell.strip()):
            return (f"{show_value(cell)!r} is too large; {name} takes at most {most} digits "
                    "before the decimal point")
        return plain(cell)

    issues.append(_Issue(~empty & ~ok, name, say, "number"))
    if not col.negative:
        negative = ok & text.str.starts_with("-") & text.str.contains("[1-9]")
        issues.append(_Issue(negative, name, f"{{value}} is negative; {name} must be 0 or more",
                             "negative"))
    return pl.when(ok).then(_scaled(frame, name, text, scale)), issues


def _say_date(cell: str) -> str:
    if outside_years(cell):
        return (f"{show_value(cell)!r} is outside the years {FIRST_DATE.year}–{LAST_DATE.year}; "
                "check the year")
    hint = date_hint(cell)
    return f"{show_value(cell)!r} is not a date; " + (
        hint or "write dates as YYYY-MM-DD (e.g. 2026-02-01)")


def _say_number(what: str, otherwise: str) -> Callable[[str], str]:
    """A bad number cell's message: ``what`` it is not, then what it looks like (a decimal
    comma, …) and what to write, or else ``otherwise``."""

    def say(cell: str) -> str:
        return f"{show_value(cell)!r} {what}; {number_hint(cell) or otherwise}"

    return say


def _scaled(frame: pl.DataFrame, name: str, text: pl.Expr, scale: int) -> pl.Expr:
    """Plain decimal text → Int64 at ``10**scale``, rounded half away from zero, exactly.

    Polars' own decimal parsing is exact up to :data:`EXACT_DECIMALS` decimal places; a column
    with a cell that has more takes :func:`quotaplan.money.parse_scaled` (exact, slower).
    """
    decimals = text.str.len_bytes() - text.str.find(".", literal=True) - 1
    most = frame.select(decimals.max()).item() or 0
    factor: int = 10**scale
    if most <= scale:  # the common case: no rounding needed, the cast is exact
        return (text.cast(pl.Decimal(38, scale), strict=False) * factor).cast(pl.Int64)
    if most > EXACT_DECIMALS:
        exact_but_slow: pl.Expr = parse_scaled(text, scale)[1]
        return exact_but_slow
    exact = text.cast(pl.Decimal(38, EXACT_DECIMALS), strict=False)
    return (exact.round(scale, mode="half_away_from_zero") * factor).cast(pl.Int64)


def misnamed_columns(
    file: str, header: list[str], schema: TableSchema, *, optional_only: bool = False
) -> list[Problem]:
    """Header cells that mean a column of the schema but do not name it exactly (``Grade``,
    ``Bottom Up Target``): not read, so each is an error. O(columns): cheap for any file."""
    present = set(header)
    wanted = {column_key(c.name): c.name for c in schema.columns
              if c.name not in present and not (optional_only and c.required)}
    return [
        error(file, 1, h, f"column {h!r} is not read: column names are exact; rename it to "
              f"{wanted[column_key(h)]}", "column-name")
        for h in header if h and column_key(h) in wanted
    ]


def _header_of(data: Bytes) -> list[str]:
    """The header cells of a file known to be UTF-8 with lines under 1 MiB."""
    start = len(BOM) if data[: len(BOM)] == BOM else 0
    end = data.find(b"\n", start)
    line = bytes(data[start: len(data) if end < 0 else end]).decode("utf-8").rstrip("\r")
    return header_names(next(csv.reader([line]), []))


def read_table(
    file: str, data: bytes | Path, schema: TableSchema
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """One plan CSV (its bytes, or its path) → (typed table or ``None`` when unreadable, problems).

    A clean file is read by the quick path (:mod:`.quickread`); any other by the exact reader,
    which names every problem. A path is mapped, not read, for the checks and the quick path:
    its bytes are loaded only if the exact reader needs them. (``OSError`` passes through.)"""
    if isinstance(data, Path):
        return _read_file(file, data, schema)
    problems = check_bytes(file, data) or check_line_lengths(file, data)
    if problems:
        return None, problems
    clean = read_clean(data, schema)
    if clean is not None:
        return clean, misnamed_columns(file, _header_of(data), schema)
    return _split_and_convert(file, data, schema)


def _read_file(file: str, path: Path, schema: TableSchema) -> tuple[pl.DataFrame | None, list[Problem]]:
    """A file on disk: checked through a read-only map, read by the quick path from its path, or
    loaded for the exact reader."""
    with path.open("rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return read_table(file, b"", schema)
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            problems = check_bytes(file, view) or check_line_lengths(file, view)
            if problems:
                return None, problems
            clean = read_clean(view, schema, path)
            misnamed = misnamed_columns(file, _header_of(view), schema) if clean is not None else []
        finally:
            # A NumPy view still held by a traceback would make closing fail and hide the
            # original error; the map is then freed with the last view.
            with contextlib.suppress(BufferError):
                view.close()
    if clean is not None:
        return clean, misnamed
    return _split_and_convert(file, path.read_bytes(), schema)


def read_table_exact(
    file: str, data: bytes, schema: TableSchema
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """:func:`read_table` without the quick path: what it gives for a file the quick path declines,
    and the reference the quick path is tested against."""
    problems = check_bytes(file, data)
    if problems:
        return None, problems
    return _split_and_convert(file, data, schema)


def _split_and_convert(
    file: str, data: bytes, schema: TableSchema
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """The exact reader on bytes already known to be UTF-8 without NUL bytes."""
    header, frame, problems = split_rows(file, data)
    if not header:
        return None, problems  # empty, or broken before the header ended
    seen: dict[str, int] = defaultdict(int)
    for h in header:
        seen[h] += 1
    missing = [c.name for c in schema.columns if c.required and c.name not in seen]
    separator = separator_of(",".join(header)) if missing else None
    if separator:
        return None, [error(file, 1, None, f"the file is separated by {separator}, not commas; "
                            "save it as comma-separated CSV (in Excel: Save As → CSV UTF-8 "
                            f"(Comma delimited)) or replace the {separator} by commas",
                            "separator")]
    for h, n in seen.items():
        if n > 1 and h:
            problems.append(error(file, 1, h, f"column {h!r} appears {n} times in the header; "
                                  "keep one", "duplicate-column"))
    meant = {column_key(h): h for h in header if h}
    for name in missing:
        near = meant.get(column_key(name))
        problems.append(error(file, 1, name, f"required column {name!r} is missing from the header; "
                              f"it has {near!r}: rename it to {name} (column names are exact)"
                              if near else f"required column {name!r} is missing from the header "
                              f"(it has: {', '.join(h for h in header if h) or 'nothing'})",
                              "missing-column"))
    problems += misnamed_columns(file, header, schema, optional_only=True)
    if frame is None or problems:
        return None, problems
    typed, found = convert(file, frame, schema, may_pad=b" " in data or b"\t" in data)
    return typed, found
