"""One CSV file of a plan folder → a typed table and located problems.

The file is checked at the byte level first (NUL bytes, UTF-8, lines over 1 MiB), so that no input
can hang the reader or exhaust memory; then its rows are split into cells, each row keeping its
physical line number; then each column is converted to its kind (:mod:`quotaplan.schemas`) with
vectorised checks. Files without quotes take a fast path (Polars' reader, ragged rows found with
NumPy); files with quotes go through Python's ``csv`` module, which knows the line of every record.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

import numpy as np
import polars as pl

from quotaplan.money import DECIMAL_PATTERN, parse_scaled
from quotaplan.problems import Problem, error
from quotaplan.schemas import NUMBER_SCALE, Column, TableSchema

MAX_LINE_BYTES = 1024 * 1024
#: At most this many problems of one kind in one column are listed; the rest are counted.
MAX_LISTED = 20
BOM = b"\xef\xbb\xbf"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def check_bytes(file: str, data: bytes) -> list[Problem]:
    """NUL bytes, encodings other than UTF-8 and lines over 1 MiB: each stops the file."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return [error(file, _line_of(data, nul), None, "the file contains a NUL byte (binary data?); "
                      "save it as plain UTF-8 text", "encoding")]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [error(file, _line_of(data, exc.start), None, "the file is not UTF-8 (it looks like "
                      "another encoding, e.g. Windows-1252 or Latin-1); save it as UTF-8",
                      "encoding")]
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    bounds = np.concatenate(([-1], ends, [len(data)]))
    lengths = np.diff(bounds) - 1
    long = np.flatnonzero(lengths > MAX_LINE_BYTES)
    if long.size:
        return [error(file, int(long[0]) + 1, None, f"line {int(long[0]) + 1} is longer than 1 MiB; "
                      "this is not a plan file (or a cell holds a whole document)", "line-too-long")]
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
    if not data.strip():
        return [], None, [error(file, 1, None, "the file is empty; it needs a header row", "empty")]
    blank_inside = b"\n\n" in data.rstrip(b"\r\n") or b"\n\r\n" in data.rstrip(b"\r\n")
    if b'"' not in data and not blank_inside:
        return _split_fast(file, data)
    return _split_slow(file, data)


def _header(raw: list[str]) -> list[str]:
    return [h.strip() for h in raw]


def _ragged(file: str, lines: list[int], counts: list[int], width: int, total: int) -> list[Problem]:
    problems = [
        error(file, ln, None, f"this row has {n} cells but the header has {width}; "
              "check for a missing or extra comma", "ragged")
        for ln, n in zip(lines[:MAX_LISTED], counts[:MAX_LISTED], strict=True)
    ]
    if total > MAX_LISTED:
        problems.append(error(file, lines[MAX_LISTED], None,
                              f"… and {total - MAX_LISTED} more rows with the wrong number of cells",
                              "ragged"))
    return problems


def _split_fast(file: str, data: bytes) -> tuple[list[str], pl.DataFrame | None, list[Problem]]:
    body = data.rstrip(b"\r\n") + b"\n"
    counts, nlines = _fast_field_counts(body)
    first_line = body.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    header = _header(first_line.split(","))
    width = len(header)
    bad = np.flatnonzero(counts[1:] != width)
    if bad.size:
        lines = [int(i) + 2 for i in bad]
        return header, None, _ragged(file, lines, [int(counts[i + 1]) for i in bad], width, len(lines))
    if nlines <= 1:
        frame = pl.DataFrame({h: pl.Series([], dtype=pl.String) for h in header})
    else:
        frame = pl.read_csv(
            body, has_header=False, skip_rows=1, infer_schema=False, quote_char=None,
            new_columns=[f"_c{i}" for i in range(width)],
        )
        frame = frame.rename({f"_c{i}": h for i, h in enumerate(header) if h})
    frame = frame.with_columns(
        pl.col(h).str.strip_chars_end("\r") for h in header[-1:] if h
    ).with_row_index("line", offset=2).with_columns(pl.col("line").cast(pl.Int64))
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
                header = _header(row)
                cells = [[] for _ in header]
                continue
            if not row or row == [""]:
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
    frame = pl.DataFrame(
        {h: pl.Series(h, cells[i], dtype=pl.String) for i, h in enumerate(header) if h}
        | {"line": pl.Series("line", lines, dtype=pl.Int64)}
    )
    return header, frame, []


def _listed(
    file: str, frame: pl.DataFrame, mask: pl.Expr, column: str, message: str, code: str
) -> list[Problem]:
    """One problem per row where ``mask`` holds (the first :data:`MAX_LISTED`, then a count)."""
    hits = frame.filter(mask)
    if hits.height == 0:
        return []
    shown = hits.head(MAX_LISTED)
    values = shown.get_column(column).to_list() if column in shown.columns else [None] * shown.height
    problems = [
        error(file, int(ln), column, message.format(value=_show(v)), code)
        for ln, v in zip(shown.get_column("line").to_list(), values, strict=True)
    ]
    if hits.height > MAX_LISTED:
        problems.append(error(file, int(hits.get_column("line")[MAX_LISTED]), column,
                              f"… and {hits.height - MAX_LISTED} more rows like this", code))
    return problems


def _show(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def convert(file: str, frame: pl.DataFrame, schema: TableSchema) -> tuple[pl.DataFrame, list[Problem]]:
    """All-text table → typed table per ``schema``; bad cells become null and a problem each."""
    problems: list[Problem] = []
    exprs: list[pl.Expr] = []
    known = set(schema.names)
    for col in schema.columns:
        if col.name not in frame.columns:
            default = col.values[0] if col.kind == "enum" else None
            exprs.append(pl.lit(default, dtype=_dtype(col)).alias(col.name))
            continue
        expr, found = _convert_column(file, frame, col)
        problems.extend(found)
        exprs.append(expr.alias(col.name))
    extra = [c for c in frame.columns if c not in known and c != "line"]
    typed = frame.select([pl.col("line"), *exprs, *[pl.col(c) for c in extra]])
    return typed, problems


def _dtype(col: Column) -> pl.DataType:
    return {
        "amount": pl.Int64(), "number": pl.Int64(), "date": pl.Date(),
    }.get(col.kind, pl.String())


def _convert_column(file: str, frame: pl.DataFrame, col: Column) -> tuple[pl.Expr, list[Problem]]:
    name = col.name
    raw = pl.col(name)
    text = raw.str.strip_chars()
    empty = text.is_null() | (text == "")
    problems: list[Problem] = []
    if col.required:
        problems += _listed(file, frame, empty, name, f"{name} is empty; every row needs one",
                            "required")
    if col.kind in ("id", "text"):
        return pl.when(empty).then(None).otherwise(text), problems
    if col.kind == "enum":
        allowed = list(col.values)
        lowered = text.str.to_lowercase()
        problems += _listed(file, frame, ~empty & ~lowered.is_in(allowed), name,
                            f"{{value!r}} is not a valid {name}; use one of {', '.join(allowed)}",
                            "enum")
        return pl.when(empty).then(pl.lit(allowed[0])).otherwise(lowered), problems
    if col.kind == "date":
        parsed = text.str.to_date("%Y-%m-%d", strict=False)
        bad = ~empty & (~text.str.contains(DATE_PATTERN) | parsed.is_null())
        problems += _listed(file, frame, bad, name,
                            "{value!r} is not a date; write dates as YYYY-MM-DD (e.g. 2026-02-01)",
                            "date")
        return pl.when(bad).then(None).otherwise(parsed), problems
    if col.kind == "rate":
        bad = ~empty & ~text.str.contains(DECIMAL_PATTERN)
        problems += _listed(file, frame, bad, name,
                            "{value!r} is not a number; write a plain decimal such as 0.05 or -0.02",
                            "number")
        return pl.when(bad | empty).then(None).otherwise(text), problems
    scale = 2 if col.kind == "amount" else NUMBER_SCALE
    valid, value = parse_scaled(raw, scale)
    problems += _listed(file, frame, ~valid, name,
                        "{value!r} is not a plain number; write digits with an optional '-' and "
                        "'.', without thousands separators, exponents, NaN or inf", "number")
    if not col.negative:
        problems += _listed(file, frame, valid & (value < 0), name,
                            f"{{value}} is negative; {name} must be 0 or more", "negative")
    return value, problems


def read_table(file: str, data: bytes, schema: TableSchema) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Bytes of one plan CSV → (typed table or ``None`` when unreadable, problems)."""
    problems = check_bytes(file, data)
    if problems:
        return None, problems
    header, frame, problems = split_rows(file, data)
    seen: dict[str, int] = defaultdict(int)
    for h in header:
        seen[h] += 1
    for h, n in seen.items():
        if n > 1 and h:
            problems.append(error(file, 1, h, f"column {h!r} appears {n} times in the header; "
                                  "keep one", "duplicate-column"))
    missing = [c.name for c in schema.columns if c.required and c.name not in seen]
    for name in missing:
        problems.append(error(file, 1, name, f"required column {name!r} is missing from the header "
                              f"(it has: {', '.join(h for h in header if h) or 'nothing'})",
                              "missing-column"))
    if frame is None or problems:
        return None, problems
    typed, found = convert(file, frame, schema)
    return typed, found
