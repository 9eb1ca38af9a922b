"""Who may do what: one decision for (actor, action, resource), asked by every command, page and route.

Rules, in order (a deny found earlier beats any allow later):

1. a disabled user may do nothing, and sees nothing;
2. nobody approves their own submission or in-year change request, whatever their roles;
3. the local account of a store that has no users yet may do everything (to set it up);
4. ``admin`` may do everything, users included;
5. the roles granted on the resource's plan (SPEC "Users, roles and access"):
   ``planner`` reads and changes every figure, submits, approves, publishes, approves in-year changes
   and grants roles on the plan; ``viewer`` reads the whole plan; ``manager`` of a node reads the
   node's subtree, proposes adjustments in a draft and requests in-year changes there, never on
   their own quota; ``seller`` reads their own quota, periods, book, ledger and letter.

A refusal says why and how it must be shown: ``not_found`` when the actor may not even read the
resource (its existence is not revealed: HTTP 404), ``forbidden`` when they may read it but not act
on it (HTTP 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ROLES = ("admin", "planner", "manager", "seller", "viewer")

ACTIONS = frozenset({
    "read",            # see the resource
    "change",          # change a figure in a draft (setting, top-down, override, adjustment, move, …)
    "propose",         # propose an adjustment for a carrier in a draft (managers)
    "request_change",  # file an in-year change request on a published scenario
    "submit", "approve", "reject", "publish",   # the scenario workflow
    "approve_change",  # approve or reject an in-year change request
    "grant",           # grant a plan role (not admin)
    "grant_admin",     # grant the admin role
    "load",            # load a new plan into the store
    "manage_users",    # add or disable users
    "list_users",      # see the users and their roles
    "create_token",    # create an API token for a user
})
_STORE_WIDE = frozenset({"grant_admin", "load", "manage_users", "list_users", "create_token"})
_PLANNER = frozenset(ACTIONS - _STORE_WIDE)


@dataclass(frozen=True)
class Grant:
    """A role of a user: on one plan (None: the whole store, for admin), with a manager's node and a
    seller's (or manager's own) seller id."""

    role: str
    plan: str | None = None
    node: str | None = None
    seller: str | None = None


@dataclass(frozen=True)
class Actor:
    name: str
    grants: tuple[Grant, ...] = ()
    active: bool = True
    bootstrap: bool = False  # the local account of a store with no users yet


@dataclass(frozen=True)
class Resource:
    """What an action is on.

    kind: store | user | plan | scenario | seller | territory | account | change.
    ``path`` is the territory ids from the root down to where the resource sits (empty for the whole
    plan); ``seller`` the seller whose quota it is; ``status`` the scenario's; ``submitted_by`` who
    submitted the scenario or requested the change; ``user`` the user a token or account is for.
    """

    kind: str
    plan: str | None = None
    path: tuple[str, ...] = ()
    seller: str | None = None
    status: str | None = None
    submitted_by: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    denial: Literal["not_found", "forbidden"] | None = None

    @property
    def not_found(self) -> bool:
        return self.denial == "not_found"


def _allow(reason: str) -> Decision:
    return Decision(True, reason)


def _plan_grants(actor: Actor, plan: str | None) -> list[Grant]:
    return [g for g in actor.grants if plan is not None and g.plan == plan]


def _reads(grant: Grant, resource: Resource) -> bool:
    if grant.role in ("planner", "viewer"):
        return True
    if grant.role == "manager":
        return grant.node is not None and grant.node in resource.path
    if grant.role == "seller":
        return resource.seller is not None and resource.seller == grant.seller
    return False


def _acts(grant: Grant, action: str, resource: Resource) -> bool:
    if grant.role == "planner":
        return action in _PLANNER
    if grant.role == "manager" and action in ("propose", "request_change"):
        in_subtree = grant.node is not None and grant.node in resource.path
        own = resource.seller is not None and resource.seller == grant.seller
        if action == "propose":  # an adjustment: always for one carrier
            return in_subtree and resource.seller is not None and not own and resource.status == "draft"
        return in_subtree and not own and resource.status == "published"
    return False


def _describe(grant: Grant) -> str:
    where = f" of node {grant.node}" if grant.node else ""
    who = f" (seller {grant.seller})" if grant.seller else ""
    return f"{grant.role}{where}{who} on plan {grant.plan}"


def sees_plan(actor: Actor, plan: str) -> bool:
    """Whether the plan's name may be shown to the actor (in a list of plans): any role on it will do."""
    if not actor.active:
        return False
    return actor.bootstrap or any(g.role == "admin" or g.plan == plan for g in actor.grants)


def can_read(actor: Actor, resource: Resource) -> bool:
    return decide(actor, "read", resource).allowed


def decide(actor: Actor, action: str, resource: Resource) -> Decision:
    """Allow (with the rule that allowed it) or deny (with why, and whether to say 404 or 403)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if not actor.active:
        return Decision(False, f"user {actor.name} is disabled", "not_found")
    readable = _readable(actor, resource)
    denial: Literal["not_found", "forbidden"] = "forbidden" if readable else "not_found"
    if (action in ("approve", "approve_change") and resource.submitted_by is not None
            and resource.submitted_by == actor.name):
        what = "submission" if action == "approve" else "request"
        return Decision(False, f"nobody approves their own {what}: another reviewer must", denial)
    if actor.bootstrap:
        return _allow("the store has no users yet: the local account sets it up")
    if any(g.role == "admin" for g in actor.grants):
        return _allow("admin may do everything")
    if action == "read":
        if readable:
            return _allow(f"{_describe(_first(actor, resource))} may read it")
        return Decision(False, f"{actor.name} has no role that may read this", "not_found")
    if action in _STORE_WIDE:
        return _store_wide(actor, action, resource, denial)
    for grant in _plan_grants(actor, resource.plan):
        if _acts(grant, action, resource):
            return _allow(f"{_describe(grant)} may {action.replace('_', ' ')}")
    return Decision(False, _why_not(actor, action, resource), denial)


def _readable(actor: Actor, resource: Resource) -> bool:
    if actor.bootstrap or any(g.role == "admin" for g in actor.grants):
        return True
    if resource.kind == "user":
        return resource.user == actor.name or any(g.role == "planner" for g in actor.grants)
    if resource.kind == "store":
        return True
    return any(_reads(g, resource) for g in _plan_grants(actor, resource.plan))


def _first(actor: Actor, resource: Resource) -> Grant:
    if resource.kind == "user":
        return next((g for g in actor.grants if g.role == "planner"), Grant("themself"))
    if resource.kind == "store":
        return Grant("any user")
    return next(g for g in _plan_grants(actor, resource.plan) if _reads(g, resource))


def _store_wide(actor: Actor, action: str, resource: Resource,
                denial: Literal["not_found", "forbidden"]) -> Decision:
    """Actions on the store rather than on one plan's figures."""
    verb = action.replace("_", " ")
    if action == "create_token":
        if resource.user is not None and resource.user == actor.name:
            return _allow("a user may create their own token")
        return Decision(False, "only the user themself or an admin may create their token", denial)
    if action in ("load", "list_users"):
        planner = next((g for g in actor.grants if g.role == "planner"), None)
        if planner is not None:
            return _allow(f"{_describe(planner)} may {verb}")
        return Decision(False, f"only an admin or a planner may {verb}", denial)
    return Decision(False, f"only an admin may {verb}", denial)


def _why_not(actor: Actor, action: str, resource: Resource) -> str:
    verb = action.replace("_", " ")
    grants = _plan_grants(actor, resource.plan)
    if not grants:
        return f"{actor.name} has no role on plan {resource.plan} that may {verb}"
    for g in grants:
        if g.role == "manager" and action in ("propose", "request_change"):
            if resource.seller is not None and resource.seller == g.seller:
                return f"a manager never changes their own quota ({g.seller})"
            if g.node not in resource.path:
                return f"{resource.kind} is outside node {g.node}, the subtree {actor.name} manages"
            state = "a draft" if action == "propose" else "a published scenario"
            return f"a manager may {verb} only in {state}"
    roles = ", ".join(sorted({_describe(g) for g in grants}))
    return f"{actor.name} is {roles}: that role may not {verb}"
