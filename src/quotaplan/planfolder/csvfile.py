"""One CSV file of a plan folder → a typed table and located problems.

A clean file is read by the quick path (:mod:`.quickread`: one streaming query, typed directly);
any other by the exact reader: its bytes are checked and split into rows of text cells
(:mod:`.csvrows`), its header checked and its cells typed (:mod:`.cells`, which plans built from
tables of any source share), naming every problem with its line.
"""

from __future__ import annotations

import contextlib
import csv
import mmap
import os
from pathlib import Path

import polars as pl

from quotaplan.planfolder.cells import (
    convert,
    header_problems,
    misnamed_columns,
    missing_columns,
)
from quotaplan.planfolder.csvrows import (
    MAX_LINE_BYTES,
    _split_quoted_fast,
    _split_slow,
    check_bytes,
    check_line_lengths,
    split_rows,
)
from quotaplan.planfolder.hints import separator_of
from quotaplan.planfolder.quickread import BOM, Bytes, header_names, read_clean
from quotaplan.problems import Problem, error, show_value
from quotaplan.schemas import TableSchema


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
    missing = missing_columns(header, schema)
    separator = separator_of(",".join(header)) if missing else None
    if separator:
        return None, [error(file, 1, None, f"the file is separated by {separator}, not commas; "
                            "save it as comma-separated CSV (in Excel: Save As → CSV UTF-8 "
                            f"(Comma delimited)) or replace the {separator} by commas",
                            "separator")]
    problems += header_problems(file, header, schema)
    if frame is None or problems:
        return None, problems
    typed, found = convert(file, frame, schema, may_pad=b" " in data or b"\t" in data)
    return typed, found


# Other modules and the tests take these from here, where they were first written.
__all__ = ["MAX_LINE_BYTES", "_split_quoted_fast", "_split_slow", "check_bytes",
           "check_line_lengths", "read_table", "read_table_exact", "show_value", "split_rows"]
