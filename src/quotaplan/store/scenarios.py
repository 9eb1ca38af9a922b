"""Scenarios: a plan's ``baseline`` and its forks. A fork is (parent, fork seq) and copies nothing.

A scenario's events are those of its **lineage**: its parent's up to the fork seq (and so on up to
the baseline), then its own, whose seqs continue after the fork seq. So a seq names one state of a
scenario, whichever scenario the event was written in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from quotaplan.errors import NotFound, UsageError
from quotaplan.store import schema as t
from quotaplan.store.clock import utc_now
from quotaplan.store.names import check_name
from quotaplan.store.plans import find_plan

STATUSES = ("draft", "in_review", "approved", "published")


@dataclass(frozen=True)
class Scenario:
    id: int
    plan_id: int
    plan: str
    name: str
    parent_id: int | None
    fork_seq: int | None
    status: str


@dataclass(frozen=True)
class Segment:
    """Events of ``scenario_id`` with ``after < seq ≤ upto`` (``upto`` None: no upper bound)."""

    scenario_id: int
    after: int
    upto: int | None


def _scenario(row: object, plan: str) -> Scenario:
    m = row._mapping  # type: ignore[attr-defined]
    return Scenario(m["id"], m["plan_id"], plan, m["name"], m["parent_id"], m["fork_seq"], m["status"])


def find_scenario(conn: Connection, plan: str, name: str, *, lock: bool = False) -> Scenario:
    """Scenario ``name`` of plan ``plan``; NotFound naming what is missing. ``lock`` holds its row
    until the transaction ends (PostgreSQL; SQLite's write transactions are already exclusive)."""
    stored = find_plan(conn, plan)
    check_name("the scenario name", name)
    query = select(t.scenarios).where(t.scenarios.c.plan_id == stored.id, t.scenarios.c.name == name)
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound("scenario", name, f"plan {plan!r} has no such scenario")
    return _scenario(row, plan)


def list_scenarios(conn: Connection, plan: str) -> list[Scenario]:
    stored = find_plan(conn, plan)
    rows = conn.execute(select(t.scenarios).where(t.scenarios.c.plan_id == stored.id)
                        .order_by(t.scenarios.c.id))
    return [_scenario(r, plan) for r in rows]


def lineage(conn: Connection, scenario: Scenario) -> list[Segment]:
    """The segments whose events make up the scenario's state, oldest first."""
    segments: list[Segment] = []
    current_id: int | None = scenario.id
    upto: int | None = None
    while current_id is not None:
        row = conn.execute(select(t.scenarios.c.parent_id, t.scenarios.c.fork_seq)
                           .where(t.scenarios.c.id == current_id)).one()
        after = row.fork_seq or 0
        segments.append(Segment(current_id, after, upto))
        current_id, upto = row.parent_id, row.fork_seq
    return segments[::-1]


def head(conn: Connection, scenario: Scenario) -> int:
    """The scenario's current seq: its last event's, else its fork seq, else 0 (the loaded plan)."""
    own = conn.scalar(select(func.max(t.events.c.seq)).where(t.events.c.scenario_id == scenario.id))
    return int(own if own is not None else scenario.fork_seq or 0)


def fork(conn: Connection, plan: str, source: str, new: str, *, actor: str,
         at: datetime | None = None) -> Scenario:
    """Start scenario ``new`` from ``source``'s current state (its head seq), as a draft."""
    parent = find_scenario(conn, plan, source, lock=True)
    if not check_name("the scenario name", new).strip():
        raise UsageError("a scenario needs a name")
    exists = conn.execute(select(t.scenarios.c.id).where(t.scenarios.c.plan_id == parent.plan_id,
                                                         t.scenarios.c.name == new)).first()
    if exists is not None:
        raise UsageError(f"plan {plan!r} already has a scenario {new!r}; choose another name")
    seq = head(conn, parent)
    new_id = conn.execute(insert(t.scenarios).values(
        plan_id=parent.plan_id, name=new, parent_id=parent.id, fork_seq=seq, status="draft",
        created_at=at or utc_now(), created_by=actor)).inserted_primary_key[0]  # type: ignore[index]
    return Scenario(new_id, parent.plan_id, plan, new, parent.id, seq, "draft")
