"""Real ``quotaplan`` processes killed (SIGKILL) during a load and a change leave the store before or
after that step, never between; two ``quotaplan adjust`` started together lose nothing.

On SQLite (WAL) and on PostgreSQL, with a generated plan big enough that loading it takes a while
(a bookings file of several stored parts). The processes are the console script of this
environment, killed at seeded random moments, and the same command line stopped at a chosen
statement inside its transaction (``quotaplan_paused.py``) and killed there. After every kill the
whole store is checked (:func:`check_store`): every stored plan complete, its files exact, every
event with its subjects, seqs without a gap; then the next command runs at once.

A kill inside another step is one more case of :func:`kill_halfway`, as publishing shows: stopped
after its version's first table, ``kill_halfway(url, "INSERT INTO version_tables", 1, "publish",
"fy", …)``, then :func:`check_store` (which also checks every version whole and every published
scenario with its version).
"""

from __future__ import annotations

import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from quotaplan.build import build
from quotaplan.cli import app
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.outputs import PUBLISHED_FILES, published_tables
from quotaplan.planfolder.read import plan_files_in, read_plan
from quotaplan.store import plans, versions
from quotaplan.store import schema as t
from quotaplan.store.db import open_store
from quotaplan.workspace import Workspace
from quotaplan.workspace.loading import TABLES
from throwaway_postgres import PostgresServer

QUOTAPLAN = Path(sys.executable).with_name("quotaplan")
PAUSED = Path(__file__).with_name("quotaplan_paused.py")
PLAN = "fy"
SEED = 20261203


# --- the plan and the store -----------------------------------------------------------------------

@dataclass(frozen=True)
class Folder:
    path: Path
    files: dict[str, bytes]
    carriers: list[str]
    accounts: dict[str, str]  # account_id → its territory as loaded
    leaves: list[str]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Folder:
    """A generated plan of 20,000 accounts whose bookings file is stored in two parts."""
    path = tmp_path_factory.mktemp("durable") / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=20_000, sellers=100, seed=5,
                                                  bookings_per_account=12)), path)
    files = {name: p.read_bytes() for name, p in plan_files_in(path)[0].items()}
    assert len(files["bookings.csv"]) > t.PART_BYTES  # so a load writes a file in several parts
    plan, _ = read_plan(path)
    assert plan is not None
    territories = plan.territories
    parents = set(territories.get_column("parent_id").drop_nulls().to_list())
    return Folder(
        path, files, sorted(build(plan).quotas.get_column("seller_id").to_list()),
        dict(plan.accounts.select("account_id", "territory_id").iter_rows()),
        sorted(set(territories.get_column("territory_id").to_list()) - parents))


@dataclass
class Stored:
    url: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stored(request: pytest.FixtureRequest, folder: Folder,
           tmp_path_factory: pytest.TempPathFactory) -> Stored:
    """A store (a new SQLite file, or a new PostgreSQL database) with the plan loaded as ``fy`` by
    a real ``quotaplan load`` into the empty database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'quotaplan.db'}"
    else:
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()
    code, output = finish(spawn(url, "load", str(folder.path), "--name", PLAN))
    assert code == 0, output
    return Stored(url)


# --- processes ------------------------------------------------------------------------------------

@dataclass
class Process:
    proc: subprocess.Popen[str]
    errors: IO[str]


def spawn(url: str, *args: str, actor: str = "ana",
          pause: tuple[str, int, str] | None = None) -> Process:
    """Start ``quotaplan ARGS --db URL`` as OS user ``actor``: the console script, or, with
    ``pause`` = (statement, n, "pause" or "mark"), the command line that says ``halfway`` after
    the n-th statement of that kind and waits there or goes on (:mod:`quotaplan_paused`)."""
    argv = ([str(QUOTAPLAN)] if pause is None
            else [sys.executable, str(PAUSED), pause[0], str(pause[1]), pause[2], "--"])
    argv += [*args, "--db", url]
    errors = tempfile.NamedTemporaryFile("w+", encoding="utf-8", suffix=".stderr")  # noqa: SIM115
    env = {**os.environ, "LOGNAME": actor, "USER": actor}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, text=True, env=env,
                            cwd=tempfile.gettempdir())
    return Process(proc, errors)


def finish(process: Process, timeout: float = 300) -> tuple[int, str]:
    """(exit code, stdout + stderr) of a process that runs to its end (or was killed)."""
    out, _ = process.proc.communicate(timeout=timeout)
    process.errors.seek(0)
    text = out + process.errors.read()
    process.errors.close()
    assert "Traceback" not in text, text
    return process.proc.returncode, text


def halfway(process: Process) -> bool:
    """Wait until the process says ``halfway``; False when it ended without saying it."""
    assert process.proc.stdout is not None
    return any(line.strip() == "halfway" for line in process.proc.stdout)


def kill_halfway(url: str, statement: str, nth: int, *args: str, actor: str = "ana") -> None:
    """Run ``quotaplan ARGS`` (as ``actor``) until the database executed its ``nth`` statement
    beginning with ``statement`` (inside the command's transaction), then SIGKILL it there."""
    process = spawn(url, *args, actor=actor, pause=(statement, nth, "pause"))
    if halfway(process):
        process.proc.send_signal(signal.SIGKILL)
    code, output = finish(process)
    assert code == -signal.SIGKILL, f"it never reached {statement!r} #{nth} (exit {code}): {output}"


def timed_run(url: str, statement: str, *args: str) -> tuple[float, float]:
    """Run ``quotaplan ARGS`` to its end (it must succeed): (seconds from its start, seconds from
    its first ``statement`` on) — the spans the random kills are drawn in."""
    began = time.monotonic()
    process = spawn(url, *args, pause=(statement, 1, "mark"))
    assert halfway(process)
    marked = time.monotonic()
    code, output = finish(process)
    assert code == 0, output
    return time.monotonic() - began, time.monotonic() - marked


def kill_at_random(url: str, kill: tuple[str | None, float], *args: str, actor: str = "ana") -> int:
    """Run ``quotaplan ARGS`` and SIGKILL it ``kill`` = (statement, seconds) later: seconds after
    its start (the console script) when statement is None, else after the database executed
    that statement. Its exit code: killed, or 0 when it ended first."""
    statement, seconds = kill
    process = spawn(url, *args, actor=actor,
                    pause=None if statement is None else (statement, 1, "mark"))
    if statement is not None:
        assert halfway(process)
    return kill_after(process, seconds)


def kill_after(process: Process, seconds: float) -> int:
    """SIGKILL the process ``seconds`` after now (if it is still running); its exit code."""
    try:
        process.proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.proc.send_signal(signal.SIGKILL)
    code, output = finish(process)
    assert code in (0, -signal.SIGKILL), output
    return code


# --- what the store holds -------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    seq: int
    actor: str
    kind: str
    payload: dict[str, object]


@dataclass(frozen=True)
class Contents:
    plans: tuple[str, ...]
    events: tuple[Event, ...]  # of plan fy's baseline, in seq order
    statuses: tuple[tuple[str, str], ...]  # (scenario, status) of plan fy
    versions: tuple[tuple[int, str], ...]  # (number, content hash) of plan fy
    rows: tuple[int, ...]  # rows of every plan, journal and version table


COUNTED = (t.plans, t.plan_files, t.plan_file_parts, t.plan_snapshots, t.scenarios, t.events,
           t.event_subjects, t.versions, t.version_tables)


_EXACT: set[tuple[str, int]] = set()


def check_store(url: str, folder: Folder) -> Contents:
    """The store is whole: every plan has every file of the folder, in all its parts, exact (sizes
    and checksums good), its typed tables and a baseline; every event has its subjects and each
    scenario's seqs follow on without a gap; every version has all its tables, exact (checksums
    and content hash good), and a scenario is published exactly when its publish event and its
    version are there. Returns what it holds."""
    store = open_store(url)
    try:
        with store.read() as conn:
            if store.engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            names = []
            for plan in plans.list_plans(conn):
                names.append(plan.name)
                sizes = dict(conn.execute(select(t.plan_files.c.name, t.plan_files.c.size)
                                          .where(t.plan_files.c.plan_id == plan.id)).all())
                assert sizes == {name: len(data) for name, data in folder.files.items()}, plan.name
                for name, size in sizes.items():
                    parts = conn.scalars(select(t.plan_file_parts.c.part).where(
                        t.plan_file_parts.c.plan_id == plan.id, t.plan_file_parts.c.name == name)
                        .order_by(t.plan_file_parts.c.part)).all()
                    assert parts == list(range(max(1, math.ceil(size / t.PART_BYTES)))), (plan, name)
                if (url, plan.id) not in _EXACT:  # a stored plan's bytes never change: read once
                    assert plans.read_files(conn, plan.id) == folder.files  # checksums checked too
                    _EXACT.add((url, plan.id))
                assert set(conn.scalars(select(t.plan_snapshots.c.name).where(
                    t.plan_snapshots.c.plan_id == plan.id))) == set(TABLES), plan.name
                assert conn.scalar(select(t.scenarios.c.name).where(
                    t.scenarios.c.plan_id == plan.id).order_by(t.scenarios.c.id)) == "baseline"
            for scenario_id, fork_seq in conn.execute(select(t.scenarios.c.id, t.scenarios.c.fork_seq)):
                seqs = conn.scalars(select(t.events.c.seq).where(t.events.c.scenario_id == scenario_id)
                                    .order_by(t.events.c.seq)).all()
                first = (fork_seq or 0) + 1
                assert seqs == list(range(first, first + len(seqs))), (scenario_id, seqs)
            event_ids = set(conn.scalars(select(t.events.c.id)))
            assert set(conn.scalars(select(t.event_subjects.c.event_id).distinct())) == event_ids
            events = tuple(Event(r.seq, r.actor, r.kind, dict(r.payload)) for r in conn.execute(
                select(t.events).join(t.scenarios, t.scenarios.c.id == t.events.c.scenario_id)
                .join(t.plans, t.plans.c.id == t.scenarios.c.plan_id)
                .where(t.plans.c.name == PLAN, t.scenarios.c.name == "baseline")
                .order_by(t.events.c.seq)))
            published = {}
            for plan in names:
                for version in versions.list_versions(conn, plan):
                    tables = versions.version_tables(conn, plan, version.number)  # hashes checked
                    assert sorted(tables) == sorted(PUBLISHED_FILES), (plan, version)
                    published.setdefault((plan, version.scenario), version.number)
            scenario_rows = conn.execute(
                select(t.plans.c.name.label("plan"), t.scenarios.c.id, t.scenarios.c.name,
                       t.scenarios.c.status)
                .join(t.plans, t.plans.c.id == t.scenarios.c.plan_id)).all()
            for row in scenario_rows:
                publish_events = conn.scalar(select(func.count()).select_from(t.events).where(
                    t.events.c.scenario_id == row.id, t.events.c.kind == "scenario.publish"))
                is_published = row.status == "published"
                assert (is_published, publish_events, published.get((row.plan, row.name))) in (
                    (False, 0, None), (True, 1, 1)), row
            statuses = tuple(sorted((r.name, r.status) for r in scenario_rows if r.plan == PLAN))
            fy_versions = (tuple((v.number, v.content_sha256) for v in versions.list_versions(conn, PLAN))
                           if PLAN in names else ())
            rows = tuple(int(conn.scalar(select(func.count()).select_from(table)) or 0)
                         for table in COUNTED)
        return Contents(tuple(sorted(names)), events, statuses, fy_versions, rows)
    finally:
        store.close()


def exports_exactly(url: str, name: str, folder: Folder, out: Path) -> None:
    """``quotaplan export folder NAME --as-of 0`` opens the stored plan and gives the folder's
    files back byte for byte."""
    result = CliRunner().invoke(app, ["export", "folder", name, "--as-of", "0", "--out", str(out),
                                      "--db", url])
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert written == folder.files


# --- a load killed --------------------------------------------------------------------------------

def test_a_load_killed_inside_its_transaction_stores_nothing_and_the_next_load_works(
        stored: Stored, folder: Folder, tmp_path: Path) -> None:
    before = check_store(stored.url, folder)
    load = ("load", str(folder.path), "--name", "cut")
    kill_halfway(stored.url, "INSERT INTO plan_file_parts", 1, *load)  # one file's parts written
    assert check_store(stored.url, folder) == before
    kill_halfway(stored.url, "INSERT INTO plan_snapshots", len(TABLES), *load)  # all but the commit
    assert check_store(stored.url, folder) == before
    code, output = finish(spawn(stored.url, *load))
    assert code == 0, output
    assert check_store(stored.url, folder).plans == tuple(sorted((*before.plans, "cut")))
    exports_exactly(stored.url, "cut", folder, tmp_path / "export")


def test_a_load_killed_at_random_moments_leaves_no_plan_or_a_whole_one(
        stored: Stored, folder: Folder, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    load = ("load", str(folder.path), "--name")
    whole, rest = timed_run(stored.url, "INSERT INTO plans", *load, "timed")
    kills = ([(None, rng.uniform(0.2, 1.1) * whole) for _ in range(2)]  # from its start
             + [("INSERT INTO plans", rng.uniform(0, 1.2) * rest) for _ in range(2)])  # in its writes
    for i, kill in enumerate(kills):
        before = check_store(stored.url, folder)
        name = f"random-{i}"
        code = kill_at_random(stored.url, kill, *load, name)
        after = check_store(stored.url, folder)
        assert after.events == before.events
        if name in after.plans or code == 0:
            assert after.plans == tuple(sorted((*before.plans, name)))
            exports_exactly(stored.url, name, folder, tmp_path / name)
        else:
            assert after == before
    code, output = finish(spawn(stored.url, *load, "after-kills"))
    assert code == 0, output
    exports_exactly(stored.url, "after-kills", folder, tmp_path / "after-kills")


# --- a change killed ------------------------------------------------------------------------------

def _adjust(folder: Folder, rng: random.Random) -> tuple[list[str], dict[str, object]]:
    seller = rng.choice(folder.carriers)
    amount = f"{rng.randrange(1, 999)}00.00"
    return (["adjust", PLAN, seller, "--amount", amount, "--reason", "killed or not"],
            {"seller_id": seller, "amount": amount})


def _move(folder: Folder, rng: random.Random) -> tuple[list[str], dict[str, object]]:
    account = rng.choice(sorted(folder.accounts))
    leaf = rng.choice([leaf for leaf in folder.leaves if leaf != folder.accounts[account]])
    return (["move", PLAN, account, leaf, "--reason", "killed or not"],
            {"account_id": account, "territory_id": leaf, "effective": None})


@pytest.mark.parametrize(("command", "statement"), [
    ("adjust", "INSERT INTO events"),         # the event written, its subjects not yet
    ("move", "INSERT INTO event_subjects"),   # the event and its subjects written, not committed
])
def test_a_change_killed_inside_its_transaction_appends_nothing_and_the_next_one_works(
        stored: Stored, folder: Folder, command: str, statement: str) -> None:
    rng = random.Random(f"{SEED}{command}")
    before = check_store(stored.url, folder)
    args, _ = (_adjust if command == "adjust" else _move)(folder, rng)
    kill_halfway(stored.url, statement, 1, *args)
    assert check_store(stored.url, folder) == before
    args, payload = (_adjust if command == "adjust" else _move)(folder, rng)
    code, output = finish(spawn(stored.url, *args))
    assert code == 0, output
    after = check_store(stored.url, folder)
    assert after.events[:-1] == before.events
    assert (after.events[-1].seq, after.events[-1].payload) == (len(before.events) + 1, payload)


def test_changes_killed_at_random_moments_are_appended_whole_or_not_at_all(
        stored: Stored, folder: Folder) -> None:
    rng = random.Random(SEED + 1)
    args, _ = _adjust(folder, rng)
    whole, rest = timed_run(stored.url, "INSERT INTO events", *args)
    kills = ([(None, rng.uniform(0.3, 1.1) * whole) for _ in range(3)]  # from its start
             + [("INSERT INTO events", rng.uniform(0, 1.5) * rest) for _ in range(2)])  # at its commit
    for i, kill in enumerate(kills):
        before = check_store(stored.url, folder)
        args, payload = (_adjust if i % 2 else _move)(folder, rng)
        code = kill_at_random(stored.url, kill, *args)
        after = check_store(stored.url, folder)
        assert after.plans == before.plans
        if len(after.events) == len(before.events) + 1 or code == 0:
            assert after.events[:-1] == before.events
            assert after.events[-1].payload == payload
        else:
            assert after == before


# --- two writers at once --------------------------------------------------------------------------

def _both(url: str, *commands: tuple[str, list[str]]) -> list[tuple[int, str]]:
    """Start every (actor, args) command at once; their (exit code, output) when all ended."""
    processes = [spawn(url, *args, actor=actor) for actor, args in commands]
    return [finish(p) for p in processes]


def _head(url: str, folder: Folder) -> int:
    return len(check_store(url, folder).events)


def test_two_adjustments_of_different_sellers_at_once_are_both_appended(
        stored: Stored, folder: Folder) -> None:
    rng = random.Random(SEED + 2)
    for _ in range(3):
        head = _head(stored.url, folder)
        first, second = rng.sample(folder.carriers, 2)
        results = _both(stored.url, *(
            (actor, ["adjust", PLAN, seller, "--rate", "0.01", "--reason", "together",
                     "--based-on", str(head)])
            for actor, seller in (("ana", first), ("ben", second))))
        assert [code for code, _ in results] == [0, 0], results
        added = check_store(stored.url, folder).events[head:]
        assert sorted((e.actor, e.payload["seller_id"]) for e in added) == [
            ("ana", first), ("ben", second)]


def test_two_adjustments_of_one_seller_on_the_same_seq_one_is_appended_one_is_a_conflict(
        stored: Stored, folder: Folder) -> None:
    rng = random.Random(SEED + 3)
    for _ in range(3):
        head = _head(stored.url, folder)
        seller = rng.choice(folder.carriers)
        results = _both(stored.url, *(
            (actor, ["adjust", PLAN, seller, *option, "--reason", "together", "--based-on", str(head)])
            for actor, option in (("ana", ["--rate", "0.02"]), ("ben", ["--amount", "500.00"]))))
        codes = sorted(code for code, _ in results)
        assert codes == [0, 1], results
        winner = ("ana", "ben")[[code for code, _ in results].index(0)]
        refused = next(output for code, output in results if code == 1)
        assert "conflict" in refused
        assert f"based on seq {head}" in refused
        assert f"seq {head + 1}: {winner} changed seller {seller} (adjustment.add)" in refused
        added = check_store(stored.url, folder).events[head:]
        assert [(e.actor, e.payload["seller_id"]) for e in added] == [(winner, seller)]


# --- a publish killed -----------------------------------------------------------------------------

def _cli(url: str, actor: str, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--db", url], env={"LOGNAME": actor, "USER": actor})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_publish_killed_leaves_the_scenario_approved_without_a_version_or_published_with_it(
        stored: Stored, folder: Folder) -> None:
    """A scenario forked from the baseline, submitted by ana and approved by ben, is published by
    ben: killed at random moments from its publish event on, then inside its transaction (its
    status changed, no version yet; its version's first table written), then published."""
    scenario = "review"
    _cli(stored.url, "ana", "scenario", "fork", PLAN, "baseline", scenario)
    _cli(stored.url, "ana", "submit", PLAN, "--scenario", scenario)
    _cli(stored.url, "ben", "approve", PLAN, "--scenario", scenario)
    publish = ("publish", PLAN, "--scenario", scenario, "--reason", "signed off")
    before = check_store(stored.url, folder)
    assert (scenario, "approved") in before.statuses
    assert before.versions == ()
    for statement in ("UPDATE scenarios", "INSERT INTO version_tables"):
        kill_halfway(stored.url, statement, 1, *publish, actor="ben")
        assert check_store(stored.url, folder) == before
    rng = random.Random(SEED + 4)
    for _ in range(2):  # at its publish event, the version's rows or the commit, or after it
        kill_at_random(stored.url, ("INSERT INTO events", rng.uniform(0, 0.3)), *publish, actor="ben")
        after = check_store(stored.url, folder)
        if after.versions:
            break
        assert after == before
    else:
        code, output = finish(spawn(stored.url, *publish, actor="ben"))
        assert code == 0, output
        after = check_store(stored.url, folder)
    assert (scenario, "published") in after.statuses
    assert [number for number, _ in after.versions] == [1]
    with Workspace(stored.url) as ws:
        opened = ws.open(PLAN, scenario)
        expected = published_tables(opened.result)
    assert versions.content_hash(expected) == after.versions[0][1]
