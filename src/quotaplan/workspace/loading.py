"""Plans into and out of the store: loading a folder, the loaded state, exporting a state's folder.

Loading validates exactly as ``quotaplan validate`` does (the folder is read and the computation
run); a plan with errors is refused with those problems and nothing is stored. What is stored is
the folder's files, byte for byte, and the plan's typed tables (:func:`snapshot_tables`), which is
what opening reads. Exporting the loaded state writes the stored files back unchanged; a state
with events writes the plan with :func:`quotaplan.planfolder.write.write_plan`, which reads back
to an equal plan.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from quotaplan.build import BuildResult
from quotaplan.calendar import add_months
from quotaplan.errors import PlanInvalid, StoreError, UsageError
from quotaplan.outsafe import write_folder
from quotaplan.plan import FOLDER_SOURCES, Plan
from quotaplan.planfolder.read import plan_files_in, read_plan
from quotaplan.planfolder.write import write_plan
from quotaplan.problems import Problem, has_errors
from quotaplan.settings import FILE as SETTINGS_FILE
from quotaplan.settings import settings_from_bytes
from quotaplan.store import plans
from quotaplan.store.db import Store, make_engine, open_store, upgrade
from quotaplan.store.journal import FIGURE_KINDS, Event
from quotaplan.workspace.events import State
from quotaplan.workspace.folders import check_folder

#: The plan's tables, in the order of a Plan's fields.
TABLES = tuple(name for name in FOLDER_SOURCES if name != "settings")


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Folder:
    """A plan folder ready to store: validated, built, its files packed, its tables serialised."""

    plan: Plan
    result: BuildResult
    files: dict[str, plans.PackedFile]
    snapshot: dict[str, bytes]
    warnings: list[Problem]


def read_folder(folder: Path) -> Folder:
    """A folder that ``validate`` passes, ready to store; PlanInvalid with every problem
    ``validate`` prints otherwise. The files are read and compressed in a thread while the plan
    is read, and its typed tables serialised while it is computed."""
    if not folder.is_dir():
        read_plan(folder)  # says what the path is instead (UsageError)
    paths, _ = plan_files_in(folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        packing = pool.submit(_pack_all, paths)
        snapshot: list[Future[dict[str, bytes]]] = []
        plan, result, problems = check_folder(
            folder, read=lambda read: snapshot.append(pool.submit(snapshot_tables, read)))
        if plan is None or result is None or has_errors(problems):
            packing.cancel()
            raise PlanInvalid(problems)
        return Folder(plan, result, packing.result(), snapshot[0].result(), problems)


def _pack_all(paths: dict[str, Path]) -> dict[str, plans.PackedFile]:
    files: dict[str, plans.PackedFile] = {}
    for name, path in paths.items():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"{path}: could not be read while loading ({exc.strerror}); leave the "
                             "folder unchanged while it loads and try again") from None
        files[name] = plans.pack(data)
    return files


def store_for_load(url: str) -> Store:
    """The store to load into: a database without any table (a new SQLite file, an empty
    PostgreSQL database) is created at the current schema first; any other must be at it."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            empty = not inspect(conn).get_table_names()
    except Exception:
        empty = False
    finally:
        engine.dispose()
    if empty:
        upgrade(url)
    return open_store(url)


def snapshot_tables(plan: Plan) -> dict[str, bytes]:
    return {name: plans.snapshot_bytes(getattr(plan, name)) for name in TABLES}


def loaded_state(conn: Connection, plan_id: int) -> State:
    """The plan as loaded (seq 0), from its stored snapshot and ``plan.toml``."""
    toml = plans.read_file(conn, plan_id, SETTINGS_FILE)
    settings, problems = settings_from_bytes(toml)
    if settings is None:
        raise StoreError(f"the stored plan.toml of plan id {plan_id} no longer reads "
                         f"({problems[0].render() if problems else 'no settings'}); it was valid "
                         "when loaded: was the database changed outside quotaplan?")
    tables = plans.read_snapshot(conn, plan_id)
    missing = [name for name in TABLES if name not in tables]
    if missing:
        raise StoreError(f"plan id {plan_id} has no stored {', '.join(missing)} table; was the "
                         "database changed outside quotaplan? Load the plan again")
    raw = raw_settings(toml)
    plan = Plan(settings=settings, **{name: tables[name] for name in TABLES},
                sources=dict(FOLDER_SOURCES))
    return State(plan=plan, settings=raw)


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write YYYY-MM-DD") from None


def check_effective(day: date, plan: Plan) -> None:
    """An in-year change takes effect inside the plan year."""
    start = plan.settings.plan.fiscal_year_start
    end = add_months(start, 12)
    if not start <= day < end:
        raise UsageError(f"--effective {day.isoformat()} is outside the plan year "
                         f"({start.isoformat()} to {(end - timedelta(days=1)).isoformat()})")


def raw_settings(data: bytes) -> dict[str, Any]:
    """``plan.toml``'s bytes as parsed, numbers as Decimal: what ``setting.set`` events change."""
    parsed: dict[str, Any] = tomllib.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    return parsed


def checked_seq(as_of: int, head: int, scenario: str) -> int:
    if as_of < 0 or as_of > head:
        raise UsageError(f"--as-of {as_of}: scenario {scenario!r} has seqs 0 (as loaded) to {head}")
    return as_of


def export_folder(conn: Connection, plan_id: int, state: State, events: Sequence[Event],
                  out: Path, *, force: bool) -> Path:
    """The state's plan folder at ``out`` (see the module)."""
    if not any(e.kind in FIGURE_KINDS or e.kind == "change.approve" for e in events):
        files = plans.read_files(conn, plan_id)

        def write(staging: Path) -> None:
            for name, data in files.items():
                (staging / name).write_bytes(data)

        return write_folder(out, "export folder", write, force=force)
    return write_plan(state.plan, out, command="export folder", force=force)
