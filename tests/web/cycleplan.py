"""A plan of its own for the tests that publish (a plan has at most one published scenario): the demo
plan loaded under a new name, the FY27 team's roles granted on it, and its baseline taken through
the review (pia submits, ben approves and publishes)."""

from __future__ import annotations

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import open_store
from quotaplan.workspace import Workspace
from web.webteam import TEAM


def published_plan(url: str, plan: str, *, publish: bool = True) -> str:
    """Load ``plan`` (the demo plan), grant the FY27 team's roles on it, publish its baseline."""
    store = open_store(url)
    try:
        with Workspace(url, as_user="ada", store=store) as ada:
            ada.load(demo_plan_path(), plan)
        with store.write() as conn:
            for name, grants in TEAM.items():
                for role, on, node, seller in grants:
                    if on == "FY27":
                        users.grant(conn, name, role, plan=plan, node=node, seller=seller, actor="ada")
        if publish:
            Workspace(url, as_user="pia", store=store).transition(plan, "baseline", "submit", reason=None)
            ben = Workspace(url, as_user="ben", store=store)
            ben.transition(plan, "baseline", "approve", reason="checked")
            ben.transition(plan, "baseline", "publish", reason=None)
    finally:
        store.close()
    return plan
