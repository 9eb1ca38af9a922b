"""A plan folder (or its files' bytes) → a :class:`~quotaplan.plan.Plan` and every problem found.

Reading never raises for bad user data: it returns ``(plan, problems)``, where ``plan`` is ``None``
when any error makes the plan unusable. The checks themselves live in :mod:`.checks`; the reader
shares them (and the typing of text cells) with plans built from tables of any source
(:mod:`quotaplan.fromtables`).
"""

from __future__ import annotations

import contextvars
import os
import stat
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import polars as pl

from quotaplan.errors import UsageError
from quotaplan.fromtables import checked_plan, empty_table
from quotaplan.plan import Plan
from quotaplan.planfolder.csvfile import read_table
from quotaplan.problems import Problem, error, has_errors, sort_key
from quotaplan.schemas import INPUTS, TableSchema
from quotaplan.settings import FILE as SETTINGS_FILE
from quotaplan.settings import Settings, settings_from_bytes
from quotaplan.settings_problems import locate

T = TypeVar("T")

#: The files a plan folder may hold; others are ignored.
PLAN_FILES = (SETTINGS_FILE, *(s.file for s in INPUTS.values()))


def read_plan(folder: Path) -> tuple[Plan | None, list[Problem]]:
    """Read a plan folder. A folder that does not exist is a :class:`UsageError`."""
    if not folder.exists():
        raise UsageError(f"plan folder {str(folder)!r} does not exist; pass the folder that holds "
                         "plan.toml and the CSV files")
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is a file, not a plan folder; pass the folder that holds "
                         "plan.toml")
    files, problems = plan_files_in(folder)
    plan, found = read_plan_files(files)
    # A plan file that is there but could not be taken is reported as such, not also as missing.
    told = {p.file.lower() for p in problems}
    found = [p for p in found if not (p.code == "missing-file" and p.file in told)]
    problems += found
    return (plan if not has_errors(problems) else None), sorted(problems, key=sort_key)


def plan_files_in(folder: Path) -> tuple[dict[str, Path], list[Problem]]:
    """The plan files of ``folder`` by name, and a problem for each one that is there but cannot
    be read as a file: a folder, a broken link, a pipe, a name that differs only in case."""
    try:
        entries = sorted(os.listdir(folder))
    except OSError as exc:
        raise UsageError(f"cannot list the plan folder {str(folder)!r} ({exc.strerror}); check its "
                         "permissions") from None
    exact = {name.lower(): name for name in PLAN_FILES}
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for entry in entries:
        name = exact.get(entry.lower())
        if name is None:
            continue
        if entry != name:
            also = f" ({name} is here too: keep one)" if name in entries else ""
            problems.append(error(entry, None, None, f"plan file names are exact: this file is not "
                                  f"read as {name}{also}; rename it to {name}", "file-name"))
            continue
        path = folder / name
        why = _not_a_file(path)
        if why is None:
            files[name] = path
        else:
            problems.append(error(name, None, None, why, "unreadable"))
    return files, problems


def _not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a plan file, or ``None`` when it is a readable file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        target = os.readlink(path) if path.is_symlink() else "?"
        return (f"this is a link to {target!r}, which does not exist; put the file itself here or "
                "correct the link")
    except OSError as exc:
        return f"the file cannot be read ({exc.strerror}); replace it with a plain file"
    if stat.S_ISDIR(mode):
        return "this is a folder, not a file; the plan needs a file of this name here"
    if not stat.S_ISREG(mode):
        return ("this is not a plain file (a pipe, socket or device); the plan needs a file of "
                "this name here")
    if not os.access(path, os.R_OK):
        return "the file cannot be read: permission denied; give yourself read permission"
    return None


def read_plan_files(files: Mapping[str, bytes | Path]) -> tuple[Plan | None, list[Problem]]:
    """Read a plan from its files, by file name (``plan.toml``, ``accounts.csv``, …): their bytes
    (an upload) or their paths. Files given by path are read two at a time and let go once
    parsed; a CSV file is mapped, not loaded, unless the exact reader needs its bytes (see
    :func:`~quotaplan.planfolder.csvfile.read_table`). A file that cannot be read is a problem of
    its own."""
    problems: list[Problem] = []
    settings: Settings | None = None
    settings_bytes: bytes | None = None
    if SETTINGS_FILE not in files:
        problems.append(error(SETTINGS_FILE, None, None, "plan.toml is missing; every plan folder "
                              "needs one with at least [plan] name and fiscal_year_start",
                              "missing-file"))
    else:
        settings_bytes = _unreadable(SETTINGS_FILE, problems, lambda: _bytes(files[SETTINGS_FILE]))
        if settings_bytes is not None:
            settings, found = settings_from_bytes(settings_bytes)
            problems += found
    # The files are read two at a time: while Polars parses one on every core, the other's byte
    # checks and counts (NumPy, which also lets go of the interpreter) fill the gaps. The largest
    # go first, so that the longest read starts at once.
    given = sorted((schema for schema in INPUTS.values() if schema.file in files),
                   key=lambda schema: _size(files, schema.file), reverse=True)
    # Each read runs in a copy of this context, so that listing every problem carries over.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=2) as pool:
        read = dict(zip((s.file for s in given),
                        pool.map(lambda s: context.copy().run(_read_one, files, s), given),
                        strict=True))
    tables: dict[str, pl.DataFrame | None] = {}
    for table, schema in INPUTS.items():
        if schema.file in read:
            tables[table], found = read[schema.file]
            problems += found
        elif schema.required_file:
            problems.append(error(schema.file, None, None, f"{schema.file} is missing; a plan "
                                  f"needs it ({schema.help})", "missing-file"))
            tables[table] = None
        else:
            tables[table] = empty_table(schema)
    plan, problems = checked_plan(settings, tables, problems)
    if settings_bytes is not None:  # the checks name plan.toml keys: put them on their lines
        problems = locate(problems, settings_bytes.decode("utf-8-sig", errors="replace"))
    return plan, sorted(problems, key=sort_key)


def _read_one(
    files: Mapping[str, bytes | Path], schema: TableSchema
) -> tuple[pl.DataFrame | None, list[Problem]]:
    """One CSV file's table and problems; a file that cannot be read is a problem."""
    problems: list[Problem] = []

    def read() -> tuple[pl.DataFrame | None, list[Problem]]:
        return read_table(schema.file, files[schema.file], schema)

    done = _unreadable(schema.file, problems, read)
    return done if done is not None else (None, problems)


def _size(files: Mapping[str, bytes | Path], name: str) -> int:
    """A file's size in bytes (0 when it cannot be read: reading it then says why)."""
    try:
        data = files[name]
        return len(data) if isinstance(data, bytes) else data.stat().st_size
    except OSError:
        return 0


def _bytes(data: bytes | Path) -> bytes:
    return data.read_bytes() if isinstance(data, Path) else data


def _unreadable(name: str, problems: list[Problem], read: Callable[[], T]) -> T | None:
    """``read()``, or ``None`` and a problem when the file cannot be read."""
    try:
        return read()
    except OSError as exc:
        problems.append(error(name, None, None, f"the file cannot be read ({exc.strerror}); check "
                              "that it is a plain file you may read", "unreadable"))
        return None


__all__ = ["PLAN_FILES", "empty_table", "plan_files_in", "read_plan", "read_plan_files"]
