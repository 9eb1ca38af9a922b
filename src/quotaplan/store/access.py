"""Who is acting, and enforcing the policy's decision: what every edge (command line, web, API) calls.

The command line trusts the local account, as ``psql`` does with peer authentication: the actor is
``--as USER`` or the OS user's name, and while the store has no users at all, the OS user may set it
up. A refusal becomes NotFound (the actor may not even read the resource: its existence is not
revealed) or Forbidden (they may read it, not act on it), carrying the policy's reason.
"""

from __future__ import annotations

import getpass

from sqlalchemy.engine import Connection

from quotaplan.errors import Forbidden, NotFound
from quotaplan.store.policy import Actor, Decision, Resource, decide
from quotaplan.store.users import actor_for, user_count


def os_user() -> str:
    return getpass.getuser()


def current_actor(conn: Connection, as_user: str | None) -> Actor:
    """The actor of a command: ``--as USER``, else the OS user (the set-up account while no user exists)."""
    if user_count(conn) == 0:
        if as_user is not None:
            raise NotFound("user", as_user, "the store has no users yet: add the first (its admin) with "
                           "`quotaplan user add NAME --password-file FILE`")
        return Actor(os_user(), bootstrap=True)
    name = as_user if as_user is not None else os_user()
    try:
        actor = actor_for(conn, name)
    except NotFound:
        hint = ("pass --as USER, one of `quotaplan user list`" if as_user is None
                else "`quotaplan user list` lists the users")
        raise NotFound("user", name, hint) from None
    if not actor.active:
        raise Forbidden(name, "act", f"user {name} is disabled")
    return actor


def require(actor: Actor, action: str, resource: Resource, name: str) -> Decision:
    """The policy's allow, or NotFound / Forbidden naming ``name`` (what the resource is called)."""
    decision = decide(actor, action, resource)
    if decision.allowed:
        return decision
    if decision.not_found:
        raise NotFound(resource.kind, name)
    raise Forbidden(actor.name, action.replace("_", " ") + f" ({name})", decision.reason)
