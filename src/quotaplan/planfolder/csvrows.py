"""A CSV file's bytes → its rows of text cells, each with its physical line, and located problems.

The file is checked at the byte level first (NUL bytes, UTF-8, lines over 1 MiB), so that no input
can hang the reader or exhaust memory; then its rows are split into cells, each row keeping its
physical line number. Records and cells are found with NumPy (a line feed or comma counts when an
even number of quotes precede it) and the cells read by Polars' CSV reader; files whose quoting is
irregular, with blank lines or with bare carriage returns go through Python's ``csv`` module, which
names the line of every broken record. Both paths give the same table (a property test says so).
Typing the cells is :mod:`.cells`' job.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import polars as pl

from quotaplan.planfolder.quickread import (
    BOM,
    QUOTED_FAST_BYTES,
    Bytes,
    count_byte,
    header_names,
    is_ascii,
    lone_cr,
    repeated,
)
from quotaplan.problems import Problem, error, listed, more

MAX_LINE_BYTES = 1024 * 1024
#: Bytes decoded at a time when checking UTF-8.
UTF8_PIECE = 16 * 1024 * 1024


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

