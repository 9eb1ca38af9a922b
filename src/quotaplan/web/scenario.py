"""Opening a stored scenario for a request, with the policy asked before anything is shown.

One :class:`~quotaplan.workspace.Workspace` per app holds the cache of opened states (keyed by plan,
scenario and seq); each request acts through a view of it as its own user. Building is serialised by
a lock (the workspace's pipelines keep their last build's tables).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import polars as pl
from fastapi import Request

from quotaplan.errors import NotFound
from quotaplan.store.access import require
from quotaplan.store.policy import Actor, Resource, sees_plan
from quotaplan.store.scenarios import find_scenario
from quotaplan.workspace import Opened, Workspace
from quotaplan.workspace.access import territory_path


@dataclass
class Workbench:
    """What the app shares between requests: the workspace and the lock around building."""

    workspace: Workspace
    lock: threading.Lock

    def as_actor(self, actor: Actor) -> Workspace:
        return self.workspace.acting_as(actor.name)


def _bench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.bench
    return bench


def check_scenario(request: Request, actor: Actor, plan: str, scenario: str) -> None:
    """The whole scenario (its overview, every carrier) may be read by the actor, or 404."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    with _bench(request).workspace.store.read() as conn:
        found = find_scenario(conn, plan, scenario)
    require(actor, "read", Resource("scenario", plan, status=found.status), scenario)


def open_scenario(request: Request, actor: Actor, plan: str, scenario: str) -> Opened:
    """The scenario's head, computed (from the cache when it was opened before)."""
    bench = _bench(request)
    with bench.lock:
        return bench.as_actor(actor).open(plan, scenario)


def seller_resource(opened: Opened, seller_id: str) -> Resource:
    """A carrier as the policy sees it: where it sits in the tree, whose quota, in what status."""
    sellers = opened.plan.sellers.filter(pl.col("seller_id") == seller_id)
    if sellers.is_empty():
        raise NotFound("seller", seller_id)
    territory = sellers.get_column("territory_id")[0]
    return Resource("seller", opened.plan_name, territory_path(opened.plan, territory), seller=seller_id,
                    status=opened.scenario.status)


def open_seller(request: Request, actor: Actor, plan: str, scenario: str, seller_id: str) -> Opened:
    """The scenario opened for one carrier's figures: 404 unless the actor may read that carrier."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    opened = open_scenario(request, actor, plan, scenario)
    try:
        resource = seller_resource(opened, seller_id)
    except NotFound:
        raise NotFound("seller", seller_id) from None
    require(actor, "read", resource, seller_id)
    return opened


def open_node(request: Request, actor: Actor, plan: str, scenario: str,
              territory_id: str) -> tuple[Opened, tuple[str, ...]]:
    """The scenario opened for one node's figures (and the node's path from the root): 404 unless the
    actor may read that node (a manager: a node of their subtree)."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    opened = open_scenario(request, actor, plan, scenario)
    path = territory_path(opened.plan, territory_id)
    if not path or path[-1] != territory_id:
        raise NotFound("territory", territory_id)
    require(actor, "read", Resource("territory", plan, path, status=opened.scenario.status), territory_id)
    return opened, path
