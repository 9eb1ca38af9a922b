"""What a change is, for the policy: the action it takes and the resource it touches.

A change to a figure is the action ``change`` on what it names (a seller, an account, a
territory, or the plan for a setting); an adjustment is also what a manager may ``propose`` for a
carrier of their subtree, so a refused ``change`` of an adjustment is asked again as ``propose``.
The resource carries the territory path from the root to where it sits (a manager's subtree is
decided on it) and the scenario's status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from quotaplan.plan import Plan
from quotaplan.store.policy import Actor, Resource, decide
from quotaplan.store.scenarios import Scenario
from quotaplan.workspace.events import ADJUSTMENT_KINDS


def territory_path(plan: Plan, territory: str | None) -> tuple[str, ...]:
    """The territory ids from the root down to ``territory`` (empty when unknown)."""
    if territory is None:
        return ()
    parents = dict(zip(plan.territories.get_column("territory_id").to_list(),
                       plan.territories.get_column("parent_id").to_list(), strict=True))
    path: list[str] = []
    current: str | None = territory
    while current is not None and current in parents and current not in path:
        path.append(current)
        current = parents[current]
    return tuple(reversed(path))


def _territory_of(plan: Plan, table: str, key: str, ref: object) -> str | None:
    frame: pl.DataFrame = getattr(plan, table)
    found = frame.filter(pl.col(key) == ref).get_column("territory_id")
    return None if found.is_empty() else str(found[0])


def resource_of(actor: Actor, kind: str, payload: Mapping[str, Any], plan: Plan, plan_name: str,
                scenario: Scenario) -> tuple[str, Resource, str]:
    """(action, resource, its name) for the policy's decision on a change of ``kind``."""
    inner = payload.get("change") if kind == "change.request" else None
    if isinstance(inner, Mapping):
        _, resource, name = resource_of(actor, str(inner.get("kind")), inner.get("payload", {}),
                                        plan, plan_name, scenario)
        return "request_change", resource, name
    status = scenario.status
    if "seller_id" in payload:
        seller = str(payload["seller_id"])
        where = _territory_of(plan, "sellers", "seller_id", seller) or payload.get("territory_id")
        resource = Resource("seller", plan_name, territory_path(plan, where), seller=seller,
                            status=status)
        name = f"seller {seller}"
    elif "account_id" in payload:
        account = str(payload["account_id"])
        where = _territory_of(plan, "accounts", "account_id", account)
        resource = Resource("account", plan_name, territory_path(plan, where), status=status)
        name = f"account {account}"
    elif "territory_id" in payload:
        territory = str(payload["territory_id"])
        resource = Resource("territory", plan_name, territory_path(plan, territory), status=status)
        name = f"territory {territory}"
    else:
        resource = Resource("plan", plan_name, status=status)
        name = f"plan {plan_name}"
    if kind in ADJUSTMENT_KINDS and not decide(actor, "change", resource).allowed:
        return "propose", resource, name
    return "change", resource, name
