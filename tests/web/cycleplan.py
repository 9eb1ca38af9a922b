"""A plan of its own for the tests that publish (a plan has at most one published scenario): the demo
plan loaded under a new name, with a team of its own (so that the shared team's lists of plans stay
as they are), and its baseline taken through the review (cara submits, bert approves and publishes).

The cycle team mirrors FY27's: cara and bert planners, mila manager of RG1 (her own seat M02), seth
seller S01, vera viewer; ada (the store's admin) sees everything, oli and zed nothing."""

from __future__ import annotations

from quotaplan.demo import demo_plan_path
from quotaplan.errors import NotFound
from quotaplan.store import users
from quotaplan.store.db import open_store
from quotaplan.workspace import Workspace
from web.webteam import PASSWORD

CYCLE_TEAM = {
    "cara": ("planner", None, None),
    "bert": ("planner", None, None),
    "mila": ("manager", "RG1", "M02"),
    "seth": ("seller", None, "S01"),
    "vera": ("viewer", None, None),
}


def published_plan(url: str, plan: str, *, publish: bool = True) -> str:
    """Load ``plan`` (the demo plan), grant the cycle team's roles on it, publish its baseline."""
    store = open_store(url)
    try:
        with Workspace(url, as_user="ada", store=store) as ada:
            ada.load(demo_plan_path(), plan)
        with store.write() as conn:
            for name, (role, node, seller) in CYCLE_TEAM.items():
                try:
                    users.find_user(conn, name)
                except NotFound:
                    users.add_user(conn, name, PASSWORD, actor="ada")
                users.grant(conn, name, role, plan=plan, node=node, seller=seller, actor="ada")
        if publish:
            Workspace(url, as_user="cara", store=store).transition(plan, "baseline", "submit", reason=None)
            bert = Workspace(url, as_user="bert", store=store)
            bert.transition(plan, "baseline", "approve", reason="checked")
            bert.transition(plan, "baseline", "publish", reason=None)
    finally:
        store.close()
    return plan
