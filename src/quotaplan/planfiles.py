"""Writing a plan folder's files: tables as CSV (empty cells for nulls), texts as they are."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from quotaplan.outsafe import write_folder


def write_files(folder: Path, files: Mapping[str, pl.DataFrame | str]) -> None:
    """Write each file (name → table or text) into the existing ``folder``."""
    for name, content in files.items():
        if isinstance(content, str):
            (folder / name).write_text(content, encoding="utf-8", newline="\n")
        else:
            content.write_csv(folder / name, null_value="")


def write_generated(files: Mapping[str, pl.DataFrame | str], out: Path, *,
                    command: str = "import", force: bool = False) -> None:
    """Write a plan folder's files into ``out``, atomically and only as
    :func:`quotaplan.outsafe.write_folder` allows: an existing non-empty ``out`` is replaced only
    with ``force`` and only when the same command (``"generate"`` or ``"import"``) wrote it."""
    write_folder(out, command, lambda staging: write_files(staging, files), force=force)
