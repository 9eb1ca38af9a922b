"""The store's set-up commands as the edges call them: schema upgrade, users, roles and tokens.

Each call is one transaction on the store at ``url``, acting as ``as_user`` (see ``access.py``) and
asking the policy first. The command line only parses and prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from quotaplan.store import plans, users
from quotaplan.store.access import current_actor, require
from quotaplan.store.db import open_store, upgrade
from quotaplan.store.policy import Actor, Grant, Resource, sees_plan


def db_upgrade(url: str) -> tuple[str | None, str]:
    """(revision before, revision after) of bringing the database to the current schema."""
    return upgrade(url)


@contextmanager
def _acting(url: str, as_user: str | None, *, write: bool = True) -> Iterator[tuple[Connection, Actor]]:
    store = open_store(url)
    try:
        with store.write() if write else store.read() as conn:
            yield conn, current_actor(conn, as_user)
    finally:
        store.close()


def add_user(url: str, name: str, password: str, *, email: str | None,
             as_user: str | None) -> tuple[users.User, bool]:
    """Add a user (the first one is the store's admin); needs an admin once users exist."""
    with _acting(url, as_user) as (conn, actor):
        require(actor, "manage_users", Resource("store"), "the store's users")
        return users.add_user(conn, name, password, email=email, actor=actor.name)


def list_users(url: str, *, as_user: str | None) -> list[tuple[users.User, list[Grant]]]:
    with _acting(url, as_user, write=False) as (conn, actor):
        require(actor, "list_users", Resource("store"), "the store's users")
        return users.list_users(conn)


def disable_user(url: str, name: str, *, as_user: str | None) -> users.User:
    with _acting(url, as_user) as (conn, actor):
        require(actor, "manage_users", Resource("store"), "the store's users")
        return users.disable_user(conn, name)


def grant(url: str, name: str, role: str, *, plan: str | None, node: str | None, seller: str | None,
          as_user: str | None) -> tuple[Grant, bool]:
    """Grant a role: admin needs an admin; a plan role needs an admin or a planner of that plan."""
    users.check_grant(role, plan, node, seller)
    with _acting(url, as_user) as (conn, actor):
        if role == "admin":
            require(actor, "grant_admin", Resource("store"), "the store")
        else:
            require(actor, "grant", Resource("plan", plan), str(plan))
        return users.grant(conn, name, role, plan=plan, node=node, seller=seller, actor=actor.name)


def create_token(url: str, name: str, *, as_user: str | None) -> str:
    """A new API token for ``name`` (themself or an admin), returned once."""
    with _acting(url, as_user) as (conn, actor):
        require(actor, "create_token", Resource("user", user=name), name)
        return users.create_token(conn, name)


def list_plans(url: str, *, as_user: str | None) -> list[plans.StoredPlan]:
    """The plans the actor has a role on (every plan for an admin)."""
    with _acting(url, as_user, write=False) as (conn, actor):
        return [p for p in plans.list_plans(conn) if sees_plan(actor, p.name)]
