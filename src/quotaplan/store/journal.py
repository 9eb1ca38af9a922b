"""The ledger of events: append one change (checked for conflicts), read them back.

Every change to a scenario is one appended event, in the caller's write transaction. It states the
seq it was based on: if an event appended since then touches one of the same subjects (the same
seller, account, territory, setting key, in-year change, or the scenario's status), the change is
refused with a :class:`~quotaplan.errors.Conflict` naming who changed what and when; otherwise it is
appended with the next seq. Appends to one scenario are serialised (its row is locked in PostgreSQL;
SQLite's write transactions are exclusive), so two writers can never both pass the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from quotaplan.errors import Conflict, UsageError
from quotaplan.store import schema as t
from quotaplan.store.clock import utc, utc_now
from quotaplan.store.names import MAX_NAME, check_name, check_payload, check_text
from quotaplan.store.scenarios import Scenario, find_scenario, head, lineage

#: Kinds that change a figure: each needs a reason.
FIGURE_KINDS = frozenset({
    "setting.set", "topdown.set", "topdown.clear", "target.override", "target.clear_override",
    "bottom_up.set", "adjustment.add", "adjustment.remove", "assigned_quota.set", "seller.set",
    "seller.add", "territory.add", "account.add", "account.move", "change.request",
})
WORKFLOW_KINDS = frozenset({
    "scenario.submit", "scenario.approve", "scenario.reject", "scenario.publish",
    "change.approve", "change.reject",
})
KINDS = FIGURE_KINDS | WORKFLOW_KINDS


@dataclass(frozen=True, order=True)
class Subject:
    """What an event touches: kind is seller | account | territory | setting | change | scenario."""

    kind: str
    ref: str

    def __str__(self) -> str:
        return f"{self.kind} {self.ref}"


@dataclass(frozen=True)
class Event:
    id: int
    scenario_id: int
    seq: int
    at: datetime
    actor: str
    kind: str
    payload: dict[str, Any]
    reason: str | None


def _refs(payload: Mapping[str, Any], key: str, kind: str) -> list[Subject]:
    value = payload.get(key)
    return [Subject(kind, str(value))] if value not in (None, "") else []


def subjects_of(kind: str, payload: Mapping[str, Any]) -> frozenset[Subject]:
    """The objects an event of ``kind`` with ``payload`` touches (what the conflict rule compares)."""
    if kind not in KINDS:
        raise UsageError(f"unknown event kind {kind!r}; the kinds are {', '.join(sorted(KINDS))}")
    if kind.startswith("scenario."):
        return frozenset({Subject("scenario", "status")})
    if kind in ("change.approve", "change.reject"):
        return frozenset(_refs(payload, "change_id", "change"))
    if kind == "change.request":
        inner = payload.get("change")
        if not isinstance(inner, Mapping) or inner.get("kind") not in FIGURE_KINDS - {"change.request"}:
            raise UsageError("a change.request carries {'change': {'kind': …, 'payload': {…}}} of a change")
        return subjects_of(str(inner["kind"]), inner.get("payload", {}))
    found = (_refs(payload, "seller_id", "seller") + _refs(payload, "account_id", "account")
             + _refs(payload, "territory_id", "territory") + _refs(payload, "key", "setting"))
    if kind == "territory.add":
        found += _refs(payload, "parent_id", "territory")  # a leaf that gets a child is a leaf no more
    if not found:
        raise UsageError(f"an event {kind} must name what it changes (seller_id, account_id, "
                         "territory_id or key)")
    return frozenset(found)


def _in_lineage(conn: Connection, scenario: Scenario, after: int = 0) -> ColumnElement[bool]:
    parts = []
    for seg in lineage(conn, scenario):
        cond = and_(t.events.c.scenario_id == seg.scenario_id, t.events.c.seq > max(seg.after, after))
        parts.append(cond if seg.upto is None else and_(cond, t.events.c.seq <= seg.upto))
    return or_(*parts)


def append(conn: Connection, plan: str, scenario_name: str, kind: str, payload: Mapping[str, Any], *,
           actor: str, reason: str | None, based_on: int | None = None,
           at: datetime | None = None) -> Event:
    """Append one event to the scenario and return it. ``based_on`` None means "the head now".

    Raises Conflict (and appends nothing) when an event after ``based_on`` touches the same subject.
    """
    if kind in FIGURE_KINDS and not (reason and reason.strip()):
        raise UsageError(f"a reason is required for every change to a figure ({kind}): pass --reason TEXT")
    check_payload(payload)
    check_name("the actor", actor)
    if reason is not None:
        check_text("--reason", reason)
    subjects = subjects_of(kind, payload)
    if any(len(s.ref) > MAX_NAME for s in subjects):
        raise UsageError(f"an id in this {kind} is longer than {MAX_NAME} characters")
    scenario = find_scenario(conn, plan, scenario_name, lock=True)
    current = head(conn, scenario)
    base = current if based_on is None else based_on
    if base < 0:
        raise UsageError(f"--based-on {base}: a seq is 0 (the loaded plan) or more")
    if base > current:
        raise UsageError(f"--based-on {base} is after the head of scenario {scenario_name!r} ({current})")
    if base < current:
        _check_conflicts(conn, scenario, base, subjects)
    when = at or utc_now()
    event_id = conn.execute(insert(t.events).values(
        scenario_id=scenario.id, seq=current + 1, at=when, actor=actor, kind=kind,
        payload=dict(payload), reason=reason)).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(insert(t.event_subjects),
                 [{"event_id": event_id, "kind": s.kind, "ref": s.ref} for s in sorted(subjects)])
    return Event(event_id, scenario.id, current + 1, when, actor, kind, dict(payload), reason)


def _check_conflicts(conn: Connection, scenario: Scenario, base: int, subjects: frozenset[Subject]) -> None:
    touched = or_(*(and_(t.event_subjects.c.kind == s.kind, t.event_subjects.c.ref == s.ref)
                    for s in subjects))
    rows = conn.execute(
        select(t.events.c.seq, t.events.c.at, t.events.c.actor, t.events.c.kind,
               t.event_subjects.c.kind.label("subject_kind"), t.event_subjects.c.ref)
        .join(t.event_subjects, t.event_subjects.c.event_id == t.events.c.id)
        .where(_in_lineage(conn, scenario, base), touched)
        .order_by(t.events.c.seq, t.event_subjects.c.kind, t.event_subjects.c.ref)).all()
    if rows:
        raise Conflict(scenario.name, base, [
            (r.seq, utc(r.at).strftime("%Y-%m-%d %H:%M:%S UTC"), r.actor, r.kind,
             str(Subject(r.subject_kind, r.ref))) for r in rows])


def read(conn: Connection, plan: str, scenario_name: str, *, seller: str | None = None,
         account: str | None = None, territory: str | None = None, setting: str | None = None,
         actor: str | None = None, kinds: Sequence[str] = (), upto: int | None = None,
         newest_first: bool = False) -> list[Event]:
    """The scenario's events (its lineage's), filtered; every filter given must hold."""
    scenario = find_scenario(conn, plan, scenario_name)
    query = select(t.events).where(_in_lineage(conn, scenario))
    for kind, ref in (("seller", seller), ("account", account), ("territory", territory),
                      ("setting", setting)):
        if ref is not None:
            query = query.where(t.events.c.id.in_(
                select(t.event_subjects.c.event_id).where(t.event_subjects.c.kind == kind,
                                                          t.event_subjects.c.ref == ref)))
    if actor is not None:
        query = query.where(t.events.c.actor == actor)
    if kinds:
        query = query.where(t.events.c.kind.in_(list(kinds)))
    if upto is not None:
        query = query.where(t.events.c.seq <= upto)
    order = t.events.c.seq.desc() if newest_first else t.events.c.seq
    return [Event(r.id, r.scenario_id, r.seq, utc(r.at), r.actor, r.kind, dict(r.payload), r.reason)
            for r in conn.execute(query.order_by(order))]
