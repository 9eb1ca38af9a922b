"""A process killed (SIGKILL) in the middle of a change leaves the store as before it or after it.

Real processes (``store_writer.py``) write to SQLite (WAL) and to PostgreSQL and are killed while
their transaction is open, after it committed, and at random moments. Then two writers append at
once with the same ``based_on``: one conflict or both appended, never a lost event.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from quotaplan.errors import Conflict
from quotaplan.store import journal, plans, scenarios
from quotaplan.store import schema as t
from quotaplan.store.db import Store, open_store

WRITER = Path(__file__).with_name("store_writer.py")
N = 300


@pytest.fixture
def fy27(store: Store) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        journal.append(conn, "FY27", "baseline", "topdown.set", {"territory_id": "ROOT", "amount": "9"},
                       actor="ana", reason="board number")
    return store


def start(url: str, mode: str, count: int = N) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(WRITER), url, mode, str(count)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_when_it_says(proc: subprocess.Popen[str], word: str) -> None:
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line != word:
        proc.kill()
        pytest.fail(f"the writer said {line!r}, not {word!r}: {proc.communicate()[1]}")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes its pipes
    assert proc.returncode == -signal.SIGKILL


def state(store: Store) -> tuple[int, int, int, int]:
    """(events, events without subjects, plans, stored file parts) — read fresh from the database."""
    fresh = open_store(store.url)
    with fresh.read() as conn:
        events = conn.scalar(select(func.count()).select_from(t.events))
        orphans = conn.scalar(select(func.count()).select_from(t.events).where(
            t.events.c.id.not_in(select(t.event_subjects.c.event_id))))
        plan_count = conn.scalar(select(func.count()).select_from(t.plans))
        parts = conn.scalar(select(func.count()).select_from(t.plan_file_parts))
        if fresh.engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    fresh.close()
    return int(events or 0), int(orphans or 0), int(plan_count or 0), int(parts or 0)


def test_killed_in_the_middle_of_a_transaction_nothing_of_it_is_kept(fy27: Store) -> None:
    before = state(fy27)
    kill_when_it_says(start(fy27.url, "events-pause"), "halfway")
    assert state(fy27) == before
    with fy27.write() as conn:  # and the store takes the next change at once
        event = journal.append(conn, "FY27", "baseline", "adjustment.add", {"seller_id": "S1", "rate": "0.1"},
                               actor="ana", reason="after the crash")
    assert event.seq == 2


def test_killed_after_the_commit_everything_of_it_is_kept(fy27: Store) -> None:
    kill_when_it_says(start(fy27.url, "events-commit"), "committed")
    events, orphans, _, _ = state(fy27)
    assert (events, orphans) == (1 + N, 0)
    with fy27.read() as conn:
        assert [e.seq for e in journal.read(conn, "FY27", "baseline")] == list(range(1, N + 2))


def test_killed_in_the_middle_of_loading_a_plan_no_half_plan_is_kept(fy27: Store) -> None:
    before = state(fy27)
    kill_when_it_says(start(fy27.url, "load-pause"), "halfway")
    assert state(fy27) == before
    with fy27.read() as conn:
        assert [p.name for p in plans.list_plans(conn)] == ["FY27"]


def test_killed_at_random_moments_the_store_is_before_or_after_never_between(fy27: Store) -> None:
    # First a run to the end: it adds exactly N events, and says how long a whole run takes here.
    began = time.monotonic()
    whole = start(fy27.url, "events-run")
    whole.communicate(timeout=300)
    took = time.monotonic() - began
    assert (whole.returncode, state(fy27)[0]) == (0, 1 + N)
    rng = random.Random(20261203)
    for _ in range(4):
        events_before = state(fy27)[0]
        proc = start(fy27.url, "events-run")
        time.sleep(rng.uniform(0.3, 1.2) * took)  # before, during or after its commit
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        events, orphans, _, _ = state(fy27)
        assert orphans == 0
        assert events in (events_before, events_before + N), (events_before, events)


def _race(store: Store, payloads: tuple[dict[str, str], dict[str, str]]) -> list[object]:
    with store.read() as conn:
        based_on = scenarios.head(conn, scenarios.find_scenario(conn, "FY27", "baseline"))
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def writer(i: int) -> None:
        own = open_store(store.url)  # a connection of its own, as another process would have
        try:
            barrier.wait()
            with own.write() as conn:
                results[i] = journal.append(conn, "FY27", "baseline", "adjustment.add", payloads[i],
                                            actor=f"planner{i}", reason="race", based_on=based_on)
        except Conflict as exc:
            results[i] = exc
        finally:
            own.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_two_writers_on_the_same_seller_one_wins_one_is_told(fy27: Store) -> None:
    for round_ in range(5):
        results = _race(fy27, ({"seller_id": "S1", "rate": f"0.0{round_}"},
                               {"seller_id": "S1", "amount": f"{round_}00.00"}))
        conflicts = [r for r in results if isinstance(r, Conflict)]
        appended = [r for r in results if isinstance(r, journal.Event)]
        assert (len(conflicts), len(appended)) == (1, 1), results
        assert "changed seller S1" in str(conflicts[0])
    with fy27.read() as conn:
        assert [e.seq for e in journal.read(conn, "FY27", "baseline")] == list(range(1, 7))


def test_two_writers_on_different_sellers_both_append_nothing_lost(fy27: Store) -> None:
    for round_ in range(5):
        results = _race(fy27, ({"seller_id": f"A{round_}", "rate": "0.01"},
                               {"seller_id": f"B{round_}", "rate": "0.02"}))
        assert all(isinstance(r, journal.Event) for r in results), results
    with fy27.read() as conn:
        events = journal.read(conn, "FY27", "baseline")
        assert conn.execute(text("SELECT count(*) FROM event_subjects")).scalar() == 11
    assert [e.seq for e in events] == list(range(1, 12))
    assert sorted(e.payload["seller_id"] for e in events[1:]) == sorted(
        [f"A{i}" for i in range(5)] + [f"B{i}" for i in range(5)])


def _add_user_at_once(url: str, name: str) -> list[str]:
    """Two writers add user ``name`` at the same moment; what each was told."""
    from quotaplan.errors import StoreError, UsageError
    from quotaplan.store import users

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add() -> None:
        own = open_store(url)
        try:
            barrier.wait()
            with own.write() as conn:
                users.add_user(conn, name, "long enough password", actor="ops")
            outcomes.append("added")
        except (UsageError, StoreError) as exc:  # saw the other's row, or lost the race to it
            outcomes.append(str(exc))
        finally:
            own.close()

    threads = [threading.Thread(target=add) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_writers_adding_the_same_user_at_once_one_succeeds_the_other_is_told(store: Store) -> None:
    from quotaplan.store import users

    for round_ in range(4):
        outcomes = _add_user_at_once(store.url, f"dee{round_}")
        assert outcomes.count("added") == 1, outcomes
        assert len(outcomes) == 2, outcomes
        refused = next(o for o in outcomes if o != "added")
        assert "exists already" in refused or "run the command again" in refused
    with store.read() as conn:
        assert sorted(u.name for u, _ in users.list_users(conn)) == [f"dee{i}" for i in range(4)]
