"""The access policy as a table: for every role and action, allowed and refused cases, with 404 vs 403.

The plan FY27 has the tree ROOT → WEST → {W1, W2} and ROOT → EAST → E1. Seller S1 carries W1, S2
carries W2, S3 carries E1; M1 manages WEST (their own seat, seller id M1).
"""

from __future__ import annotations

import pytest

from quotaplan.store.policy import ACTIONS, ROLES, Actor, Decision, Grant, Resource, decide

ADMIN = Actor("ada", (Grant("admin"),))
PLANNER = Actor("pia", (Grant("planner", "FY27"),))
MANAGER = Actor("max", (Grant("manager", "FY27", node="WEST", seller="M1"),))
SELLER = Actor("sam", (Grant("seller", "FY27", seller="S1"),))
VIEWER = Actor("vic", (Grant("viewer", "FY27"),))
NOBODY = Actor("zed")
OTHER_PLAN = Actor("oli", (Grant("planner", "FY28"),))
ACTORS = {"admin": ADMIN, "planner": PLANNER, "manager": MANAGER, "seller": SELLER, "viewer": VIEWER,
          "nobody": NOBODY, "other_plan": OTHER_PLAN}


def carrier(seller: str, leaf: str, status: str = "draft") -> Resource:
    parent = "WEST" if leaf.startswith("W") else "EAST"
    return Resource("seller", "FY27", path=("ROOT", parent, leaf), seller=seller, status=status)


PLAN = Resource("plan", "FY27")
S1_DRAFT, S2_DRAFT, S3_DRAFT = carrier("S1", "W1"), carrier("S2", "W2"), carrier("S3", "E1")
S2_PUBLISHED = carrier("S2", "W2", "published")
MANAGER_OWN = Resource("seller", "FY27", path=("ROOT", "WEST"), seller="M1", status="draft")
WEST_NODE = Resource("territory", "FY27", path=("ROOT", "WEST"))
SUBMITTED_BY_BEN = Resource("scenario", "FY27", status="in_review", submitted_by="ben")
SUBMITTED_BY_PIA = Resource("scenario", "FY27", status="in_review", submitted_by="pia")
REQUEST_BY_PIA = Resource("change", "FY27", status="published", submitted_by="pia")
REQUEST_BY_MAX = Resource("change", "FY27", path=("ROOT", "WEST", "W2"), status="published",
                          submitted_by="max")
STORE = Resource("store")
USER_SAM = Resource("user", user="sam")
USER_ADA = Resource("user", user="ada")

A, F, N = "allow", "forbidden", "not_found"
# (actor, action, resource, expected): expected is allow, or how a refusal is shown.
TABLE = [
    # admin: everything, users included — except approving their own submission.
    ("admin", "read", PLAN, A), ("admin", "change", S3_DRAFT, A), ("admin", "grant_admin", STORE, A),
    ("admin", "manage_users", STORE, A), ("admin", "approve", SUBMITTED_BY_BEN, A),
    ("admin", "create_token", USER_SAM, A), ("admin", "load", STORE, A), ("admin", "list_users", STORE, A),
    (Actor("ada", (Grant("admin"),)), "approve", Resource("scenario", "FY27", submitted_by="ada"), F),
    # planner: every figure of their plan, the workflow, in-year changes, grants on the plan.
    ("planner", "read", PLAN, A), ("planner", "change", S1_DRAFT, A), ("planner", "submit", PLAN, A),
    ("planner", "approve", SUBMITTED_BY_BEN, A), ("planner", "reject", SUBMITTED_BY_BEN, A),
    ("planner", "publish", PLAN, A), ("planner", "approve_change", REQUEST_BY_MAX, A),
    ("planner", "grant", PLAN, A), ("planner", "request_change", S2_PUBLISHED, A),
    ("planner", "propose", S1_DRAFT, A), ("planner", "load", STORE, A), ("planner", "list_users", STORE, A),
    ("planner", "approve", SUBMITTED_BY_PIA, F), ("planner", "approve_change", REQUEST_BY_PIA, F),
    ("planner", "grant_admin", STORE, F), ("planner", "manage_users", STORE, F),
    ("planner", "create_token", USER_SAM, F),
    ("other_plan", "read", PLAN, N), ("other_plan", "change", S1_DRAFT, N),
    ("other_plan", "grant", PLAN, N),
    # manager of WEST: reads the subtree, proposes for its carriers in a draft, requests in-year changes.
    ("manager", "read", S2_DRAFT, A), ("manager", "read", WEST_NODE, A), ("manager", "read", MANAGER_OWN, A),
    ("manager", "propose", S2_DRAFT, A), ("manager", "request_change", S2_PUBLISHED, A),
    ("manager", "read", S3_DRAFT, N), ("manager", "read", PLAN, N), ("manager", "propose", S3_DRAFT, N),
    ("manager", "propose", MANAGER_OWN, F), ("manager", "propose", S2_PUBLISHED, F),
    ("manager", "request_change", S2_DRAFT, F), ("manager", "change", S2_DRAFT, F),
    ("manager", "submit", WEST_NODE, F), ("manager", "approve_change", REQUEST_BY_MAX, F),
    ("manager", "grant", WEST_NODE, F),
    # seller: their own quota and nothing else, never a change.
    ("seller", "read", S1_DRAFT, A), ("seller", "read", S2_DRAFT, N), ("seller", "read", PLAN, N),
    ("seller", "propose", S1_DRAFT, F), ("seller", "change", S1_DRAFT, F),
    ("seller", "request_change", carrier("S1", "W1", "published"), F), ("seller", "submit", S1_DRAFT, F),
    ("seller", "create_token", USER_SAM, A), ("seller", "create_token", USER_ADA, N),
    # viewer: reads the whole plan, changes nothing.
    ("viewer", "read", PLAN, A), ("viewer", "read", S3_DRAFT, A), ("viewer", "change", S3_DRAFT, F),
    ("viewer", "approve", SUBMITTED_BY_BEN, F), ("viewer", "reject", SUBMITTED_BY_BEN, F),
    ("viewer", "publish", PLAN, F), ("viewer", "grant", PLAN, F),
    ("viewer", "load", STORE, F), ("viewer", "list_users", STORE, F),
    # no role at all, or disabled.
    ("nobody", "read", PLAN, N), ("nobody", "change", S1_DRAFT, N),
    (Actor("pia", PLANNER.grants, active=False), "read", PLAN, N),
    (Actor("ada", ADMIN.grants, active=False), "manage_users", STORE, N),
    # the local account of a store that has no users yet sets it up.
    (Actor("root", bootstrap=True), "manage_users", STORE, A),
    (Actor("root", bootstrap=True), "grant", PLAN, A),
]


def _id(case: tuple[object, ...]) -> str:
    who, action, resource, expected = case
    name = who if isinstance(who, str) else f"{who.name}{'-disabled' if not who.active else ''}"  # type: ignore[attr-defined]
    return f"{name}-{action}-{resource.kind}-{expected}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", TABLE, ids=[_id(c) for c in TABLE])
def test_policy_table(case: tuple[str | Actor, str, Resource, str]) -> None:
    who, action, resource, expected = case
    actor = ACTORS[who] if isinstance(who, str) else who
    decision = decide(actor, action, resource)
    shown = "allow" if decision.allowed else decision.denial
    assert shown == expected, decision.reason
    assert decision.reason  # every decision says why


def test_every_role_and_every_action_has_an_allowed_and_a_refused_case() -> None:
    roles_seen: dict[str, set[str]] = {}
    actions_seen: dict[str, set[str]] = {}
    for who, action, _resource, expected in TABLE:
        actor = ACTORS[who] if isinstance(who, str) else who
        for grant in actor.grants:
            roles_seen.setdefault(grant.role, set()).add((expected == A and "allow") or "refuse")
        actions_seen.setdefault(action, set()).add((expected == A and "allow") or "refuse")
    assert {r: s for r, s in roles_seen.items() if s != {"allow", "refuse"}} == {}
    assert set(roles_seen) == set(ROLES)
    assert {a: s for a, s in actions_seen.items() if s != {"allow", "refuse"}} == {}
    assert set(actions_seen) == ACTIONS


@pytest.mark.parametrize(("actor", "action", "resource", "words"), [
    (MANAGER, "propose", MANAGER_OWN, "a manager never changes their own quota (M1)"),
    (MANAGER, "propose", S3_DRAFT, "outside node WEST"),
    (MANAGER, "propose", S2_PUBLISHED, "only in a draft"),
    (PLANNER, "approve", SUBMITTED_BY_PIA, "nobody approves their own submission"),
    (PLANNER, "approve_change", REQUEST_BY_PIA, "nobody approves their own request"),
    (VIEWER, "change", S1_DRAFT, "viewer on plan FY27: that role may not change"),
    (PLANNER, "grant_admin", STORE, "only an admin may grant admin"),
    (PLANNER, "read", PLAN, "planner on plan FY27 may read it"),
])
def test_decisions_say_which_rule_decided(actor: Actor, action: str, resource: Resource, words: str) -> None:
    assert words in decide(actor, action, resource).reason


def test_an_unknown_action_is_a_bug_not_a_silent_deny() -> None:
    with pytest.raises(ValueError, match="unknown action 'delete'"):
        decide(ADMIN, "delete", PLAN)


def test_a_decision_knows_whether_to_reveal_existence() -> None:
    hidden = decide(SELLER, "read", S2_DRAFT)
    shown = decide(SELLER, "change", S1_DRAFT)
    assert (hidden.allowed, hidden.not_found) == (False, True)
    assert (shown.allowed, shown.not_found) == (False, False)
    assert decide(VIEWER, "read", PLAN) == Decision(True, "viewer on plan FY27 may read it")
