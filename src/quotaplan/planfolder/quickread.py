"""The quick path of reading a CSV file: one streaming Polars query for a clean file.

Most plan files are clean: every row has the header's cells and every cell is in its plain form.
For them, splitting the rows, converting every cell to its kind and flagging any cell that is not
plain happen in one streaming query over the bytes, on every core, without ever holding the file
as a table of text. Whatever is not clean (a ragged row, an odd cell, irregular quoting, a
missing column, …) makes :func:`read_clean` return ``None``, and the exact reader of
:mod:`.csvfile` reads the file again and names every problem. So the quick path decides nothing
on its own: it either gives the very table the exact reader would, or steps aside.

The per-column quick conversions (:func:`~.cells.quick_column`) live with the rest of the cell
typing in :mod:`.cells`; the exact reader uses them for its first, cheap phase.

Speed tricks, each safe because a doubt sends the file to the exact reader:

* **Mapped, not loaded.** A file on disk is checked through a read-only ``mmap`` and Polars scans
  it by its path; its bytes are only loaded if the exact reader is needed.
* **Counting instead of splitting.** An unquoted file has the header's width on every row exactly
  when it holds ``(width - 1) × lines`` commas (:func:`count_byte`, NumPy over cache-sized
  pieces); a quoted one when its byte counts balance (:func:`_quoted_rows_whole`).
* **Every column read.** Polars lets a row with too many cells through when a column after the
  last one read is skipped, so each column is touched (its nullness joins the flags).
* **Amounts through a double.** Plain amounts of up to 13 integer digits convert to cents through
  ``Float64`` exactly (:data:`~.cells.FLOAT_EXACT_DIGITS`); larger ones are flagged.
* **Prefix comparisons.** A cell that starts with a space or tab is found by comparing it with
  ``" "``/``"!"``, which reads only its first bytes.
* **Lines numbered after the query.** Numbering rows inside the streaming query would make its
  batches wait for each other; each row is on its own line (checked), so row i is line i + 2.
"""

from __future__ import annotations

import csv
import mmap
from pathlib import Path
from typing import TypeAlias

import numpy as np
import polars as pl

from quotaplan.planfolder.cells import FLOAT_EXACT_DIGITS, dtype, quick_column
from quotaplan.schemas import TableSchema

#: A file's bytes: in memory, or mapped from disk (only what both offer is used on it).
Bytes: TypeAlias = bytes | mmap.mmap
BOM = b"\xef\xbb\xbf"
#: From this size on, a quoted file is first read by Polars; smaller quoted files go straight to
#: the exact readers. Polars' quoting is more lenient than theirs (a stray quote inside an
#: unquoted cell is kept as text); the byte counts of :func:`_quoted_rows_whole` catch that,
#: except in a file that also holds doubled quotes.
QUOTED_FAST_BYTES = 4 * 1024 * 1024
#: Bytes counted at a time by :func:`count_byte`.
COUNT_PIECE = 1024 * 1024


def header_names(raw: list[str]) -> list[str]:
    """Header cells as column names (white space around them dropped)."""
    return [h.strip() for h in raw]


def repeated(header: list[str]) -> bool:
    """Does a (non-empty) column name appear twice?"""
    named = [h for h in header if h]
    return len(set(named)) != len(named)


def content_end(data: Bytes) -> int:
    """Where the trailing line ends of ``data`` begin (without copying a large file)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return end


def is_ascii(data: Bytes) -> bool:
    """Is every byte below 128?"""
    if isinstance(data, bytes):
        return data.isascii()
    view = np.frombuffer(data, dtype=np.uint8)
    return all(int(view[at:at + COUNT_PIECE].max(initial=0)) < 128
               for at in range(0, view.size, COUNT_PIECE))


def has(data: Bytes, needle: bytes) -> bool:
    """Does ``needle`` occur in ``data``?"""
    return data.find(needle) >= 0


def count_byte(data: Bytes, byte: int, end: int | None = None) -> int:
    """How many times ``byte`` occurs in ``data[:end]``: NumPy over pieces that stay in the
    cache, several times faster than ``bytes.count`` on a large file."""
    view = np.frombuffer(data, dtype=np.uint8)[:end]
    if view.size < COUNT_PIECE:
        return int(np.count_nonzero(view == byte))
    return sum(int(np.count_nonzero(view[at:at + COUNT_PIECE] == byte))
               for at in range(0, view.size, COUNT_PIECE))


def count_lines_and_quotes(data: Bytes) -> tuple[int, int, bool]:
    """(line feeds, quotes, whether two quotes stand in a row somewhere) in one walk over
    ``data``, in cache-sized pieces: what a quoted file's byte counts need, for the cost of about
    one :func:`count_byte`."""
    view = np.frombuffer(data, dtype=np.uint8)
    feeds = quotes = 0
    pair = False
    last_was_quote = False
    for at in range(0, view.size, COUNT_PIECE):
        piece = view[at:at + COUNT_PIECE]
        feeds += int(np.count_nonzero(piece == ord("\n")))
        is_quote = piece == ord('"')
        found = int(np.count_nonzero(is_quote))
        quotes += found
        if found and not pair:
            pair = bool((is_quote[:-1] & is_quote[1:]).any()) or (last_was_quote and is_quote[0])
        last_was_quote = bool(is_quote[-1])
    return feeds, quotes, pair


def lone_cr(data: Bytes) -> bool:
    """A carriage return not followed by a line feed (old Mac line ends, or one inside a cell),
    trailing line ends aside. In cache-sized pieces, each one byte longer to see past its end."""
    if not has(data, b"\r"):
        return False
    view = np.frombuffer(data, dtype=np.uint8)[: content_end(data) + 1]
    for at in range(0, view.size - 1, COUNT_PIECE):
        piece = view[at:at + COUNT_PIECE + 1]
        if bool(((piece[:-1] == ord("\r")) & (piece[1:] != ord("\n"))).any()):
            return True
    return False


def read_clean(data: Bytes, schema: TableSchema, path: Path | None = None) -> pl.DataFrame | None:
    """The typed table of a clean file (columns ``line``, the schema's, then any others), or
    ``None``: the exact reader must read it.

    ``path``: where ``data`` was mapped from; Polars then reads the file itself, which is faster
    than reading the bytes handed to it (and required when ``data`` is a map).

    ``data`` must already be known to be UTF-8 without NUL bytes or lines over 1 MiB. Clean means:
    a header with every required column and no name twice; every record on one line, with the
    header's number of cells; no blank lines and no bare carriage returns; every cell in its
    plain form. A quoted file is taken only from :data:`QUOTED_FAST_BYTES` up.
    """
    quoted = has(data, b'"')
    if (quoted and len(data) < QUOTED_FAST_BYTES) or lone_cr(data):
        return None
    start = len(BOM) if data[: len(BOM)] == BOM else 0
    end = content_end(data)
    first_end = data.find(b"\n", start)
    if first_end < 0 or first_end >= end or data[end:] not in (b"\n", b"\r\n", b""):
        return None  # the header alone, or blank lines at the end: the exact reader decides
    first = data[start:first_end].decode("utf-8").rstrip("\r")
    if quoted:
        try:
            header = header_names(next(csv.reader([first], strict=True)))
        except csv.Error:
            return None
    else:
        header = header_names(first.split(","))
    present = {c.name for c in schema.columns}
    if repeated(header) or any(c.required and c.name not in header for c in schema.columns):
        return None
    if quoted and "" in header:
        return None  # a column without a name is not read, so its text could not be counted
    # A blank line is a row without commas, which the counts below find when there are two
    # columns or more; with one, it is looked for (a slow search, but such files are small).
    if len(header) == 1 and (data.find(b"\n\n", 0, end) >= 0 or data.find(b"\n\r\n", 0, end) >= 0):
        return None
    names = [f"_c{i}" for i in range(len(header))]
    source: bytes | Path
    if path is not None:
        source = path
    elif isinstance(data, bytes):
        source = data
    else:
        raise ValueError("a mapped file is read by its path")
    counts = count_lines_and_quotes(data) if quoted else None
    frame = _collect(source, schema, header, names, quoted=quoted,
                     escaped=counts is not None and counts[2],
                     may_pad=has(data, b" ") or has(data, b"\t"))
    if frame is None or frame.get_column("__odd").any():
        return None
    width = len(header)
    if counts is not None:
        clean = _quoted_rows_whole(data, frame, width, first_end, end, counts[:2])
    else:
        # No row has too many cells (Polars refuses one, as every column is read: see
        # _collect); one with too few is padded, so the commas are counted: every row has the
        # header's width exactly when there are (width - 1) per line (a blank line has none and
        # is caught the same way).
        clean = count_byte(data, ord(",")) == (width - 1) * (frame.height + 1)
    if not clean:
        return None
    others = [h for h in header if h and h not in present] if schema.keep_others else []
    return frame.select(["line", *(c.name for c in schema.kept), *others])


def _quoted_rows_whole(data: Bytes, frame: pl.DataFrame, width: int, first_end: int,
                       end: int, counts: tuple[int, int]) -> bool:
    """Does every row of a quoted file have the header's cells, each quote delimiting a cell?

    Told from byte counts, without looking for separators: the bytes of the rows, less their
    line ends, their cells' text and (width - 1) separators each, leave the quotes around quoted
    cells plus one per quote inside a cell's text. That equals the quotes the rows hold, less
    those inside cells' text, exactly when no row misses a cell (it would lack a separator) and
    no quote is a stray inside an unquoted cell (it is counted in the cell's text as well).
    Every record must also be on its own line: as many rows as lines. ``counts``: the file's line
    feeds and quotes (:func:`count_lines_and_quotes`).
    """
    feeds, all_quotes = counts
    trailing = data[end:]  # only line ends (a few bytes)
    lines = feeds - trailing.count(b"\n") + 1
    if frame.height != lines - 1:
        return False
    row_bytes = len(data) - (first_end + 1)
    returns = count_byte(data, ord("\r")) if has(data, b"\r") else 0
    ends = feeds - 1 + returns - (1 if data[first_end - 1:first_end] == b"\r" else 0)
    quotes = all_quotes - data[:first_end].count(b'"')
    text = int(frame.get_column("__text").sum())
    inner = int(frame.get_column("__inner").sum())
    return row_bytes - ends - text - (width - 1) * frame.height == quotes - inner


def _collect(
    data: bytes | Path, schema: TableSchema, header: list[str], names: list[str], *, quoted: bool,
    escaped: bool, may_pad: bool,
) -> pl.DataFrame | None:
    """One streaming query: every cell split, converted and flagged; ``None`` when Polars finds
    a row with too many cells. A quoted file also gets, per row, ``__text`` (bytes of its cells'
    text) and ``__inner`` (quotes inside its cells' text; 0 unless ``escaped``: the file holds
    two quotes in a row somewhere).

    Every column is read, unused ones too: Polars lets a row with too many cells pass when a
    column after the last one read is not read at all. ``__text`` reads them in a quoted file;
    in another, whether a cell is null (never: a missing cell reads as empty text), the least
    that makes Polars read a column, joins the flags."""
    present = {c.name for c in schema.columns}
    lazy = pl.scan_csv(
        data, has_header=False, skip_rows=1, infer_schema=False, quote_char='"' if quoted else None,
        new_columns=names, truncate_ragged_lines=False, empty_string_is_null=False,
    )
    counts: list[pl.Expr]
    if quoted:
        # Only text can hold a quote: one in a date, number or enum cell makes it odd (flagged),
        # which sends the file to the exact reader anyway.
        texts = [n for n, h in zip(names, header, strict=True)
                 if h not in present or schema.column(h).kind in ("id", "text")]
        inner = pl.sum_horizontal(pl.col(n).str.count_matches('"', literal=True) for n in texts)
        counts = [
            pl.sum_horizontal(pl.col(n).str.len_bytes() for n in names).cast(pl.Int64)
            .alias("__text"),
            (inner if escaped and texts else pl.lit(0)).cast(pl.Int64).alias("__inner"),
        ]
    else:
        counts = [pl.any_horizontal(pl.col(n).is_null() for n in names).alias("__unread")]
    lazy = lazy.select(
        *(pl.col(n).alias(h) for n, h in zip(names, header, strict=True) if h), *counts,
    )
    values: list[pl.Expr] = []
    flags: list[pl.Expr] = []
    for col in schema.columns:
        if not col.kept:
            continue  # optional text (the schema makes sure): nothing to check, nothing uses it
        if col.name not in header:
            default = col.values[0] if col.kind == "enum" else None
            values.append(pl.lit(default, dtype=dtype(col)).alias(col.name))
            continue
        value, flag = quick_column(col, may_pad)
        values.append(value.alias(col.name))
        if flag is not None:
            flags.append(flag.fill_null(False))
    others = [h for h in header if h and h not in present] if schema.keep_others else []
    if not quoted:
        flags.append(pl.col("__unread"))
    odd = pl.any_horizontal(flags) if flags else pl.lit(False)
    try:
        frame = lazy.select(
            *values,
            *(pl.when(pl.col(h) == "").then(None).otherwise(pl.col(h)).alias(h) for h in others),
            *([pl.col("__text"), pl.col("__inner")] if quoted else []),
            odd.alias("__odd"),
        ).collect(engine="streaming")
    except pl.exceptions.PolarsError:
        return None
    # Each row is on its own line (checked by the caller): row i on line i + 2. Numbered here,
    # not in the streaming query, where numbering would make the rows wait for each other.
    return frame.select(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("line"), pl.all())


__all__ = ["FLOAT_EXACT_DIGITS", "dtype", "quick_column", "read_clean"]
