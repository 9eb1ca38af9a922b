"""The plans and scenarios an actor may see, with their status, last change and who works on them.

What the plans page and ``GET /api/v1/plans…`` show. A plan is listed to anyone with a role on it;
its scenarios' names and statuses too (everyone in the cycle needs to know which one is published),
but who changed what, and the way into the figures, only as far as the policy lets the actor read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from quotaplan.errors import NotFound
from quotaplan.store import schema as t
from quotaplan.store.clock import utc
from quotaplan.store.plans import StoredPlan, find_plan, list_plans
from quotaplan.store.policy import Actor, Resource, can_read, sees_plan
from quotaplan.store.scenarios import Scenario, head, list_scenarios


@dataclass(frozen=True)
class Change:
    seq: int
    at: datetime
    actor: str
    kind: str
    reason: str | None


@dataclass(frozen=True)
class Worker:
    """Someone who changed the scenario: how many events, the latest when."""

    actor: str
    events: int
    last: datetime


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    status: str
    parent: str | None
    fork_seq: int | None
    head: int
    created_at: datetime
    created_by: str
    readable: bool                      # may the actor read the whole scenario (its overview)?
    last_change: Change | None = None   # the scenario's own latest event (shown only when readable)
    workers: tuple[Worker, ...] = ()
    own: tuple[tuple[str, str], ...] = ()  # (label, address) of what the actor may open in it


@dataclass(frozen=True)
class PlanInfo:
    name: str
    created_at: datetime
    created_by: str
    roles: tuple[str, ...]
    scenarios: list[ScenarioInfo] = field(default_factory=list)


def _roles(actor: Actor, plan: str) -> tuple[str, ...]:
    found = []
    for g in actor.grants:
        if g.role == "admin":
            found.append("admin")
        elif g.plan == plan:
            found.append(g.role + (f" of {g.node}" if g.node else "")
                         + (f" (seller {g.seller})" if g.seller and g.role == "seller" else ""))
    return tuple(dict.fromkeys(found)) or (("set-up account",) if actor.bootstrap else ())


def _last_change(conn: Connection, scenario: Scenario) -> Change | None:
    row = conn.execute(select(t.events.c.seq, t.events.c.at, t.events.c.actor, t.events.c.kind,
                              t.events.c.reason)
                       .where(t.events.c.scenario_id == scenario.id)
                       .order_by(t.events.c.seq.desc()).limit(1)).first()
    return None if row is None else Change(row.seq, utc(row.at), row.actor, row.kind, row.reason)


def _workers(conn: Connection, scenario: Scenario) -> tuple[Worker, ...]:
    rows = conn.execute(select(t.events.c.actor, func.count().label("n"),
                               func.max(t.events.c.at).label("last"))
                        .where(t.events.c.scenario_id == scenario.id)
                        .group_by(t.events.c.actor)).all()
    workers = [Worker(r.actor, int(r.n), utc(r.last)) for r in rows]
    return tuple(sorted(workers, key=lambda w: (-w.last.timestamp(), w.actor)))


def _own(actor: Actor, plan: str, scenario: str) -> tuple[tuple[str, str], ...]:
    base = f"/plans/{plan}/{scenario}"
    links = []
    for g in actor.grants:
        if g.plan == plan and g.role == "seller" and g.seller:
            links.append((f"Your quota ({g.seller})", f"{base}/sellers/{g.seller}"))
        if g.plan == plan and g.role == "manager" and g.node:
            links.append((f"Your team ({g.node})", f"{base}/nodes/{g.node}"))
    return tuple(links)


def _scenario_info(conn: Connection, actor: Actor, plan: str, scenario: Scenario,
                   names: dict[int, str]) -> ScenarioInfo:
    readable = can_read(actor, Resource("scenario", plan, status=scenario.status))
    row = conn.execute(select(t.scenarios.c.created_at, t.scenarios.c.created_by)
                       .where(t.scenarios.c.id == scenario.id)).one()
    return ScenarioInfo(
        name=scenario.name, status=scenario.status,
        parent=names.get(scenario.parent_id) if scenario.parent_id is not None else None,
        fork_seq=scenario.fork_seq, head=head(conn, scenario), created_at=utc(row.created_at),
        created_by=row.created_by, readable=readable,
        last_change=_last_change(conn, scenario) if readable else None,
        workers=_workers(conn, scenario) if readable else (),
        own=() if readable else _own(actor, plan, scenario.name))


def _plan_info(conn: Connection, actor: Actor, stored: StoredPlan) -> PlanInfo:
    scenarios = list_scenarios(conn, stored.name)
    names = {s.id: s.name for s in scenarios}
    return PlanInfo(stored.name, stored.created_at, stored.created_by, _roles(actor, stored.name),
                    [_scenario_info(conn, actor, stored.name, s, names) for s in scenarios])


def plans_for(conn: Connection, actor: Actor) -> list[PlanInfo]:
    """Every plan the actor has a role on (every plan for an admin), with its scenarios."""
    return [_plan_info(conn, actor, p) for p in list_plans(conn) if sees_plan(actor, p.name)]


def plan_for(conn: Connection, actor: Actor, plan: str) -> PlanInfo:
    """One plan; NotFound when it does not exist or the actor has no role on it (the same answer)."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    return _plan_info(conn, actor, find_plan(conn, plan))
