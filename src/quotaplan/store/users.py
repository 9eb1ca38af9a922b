"""Users of the store, their roles per plan, and API tokens.

Passwords are kept as Argon2id hashes (argon2-cffi's defaults), never as text. An API token is 32
random bytes shown once when created; the store keeps only its SHA-256 (a token is random and long,
so a fast hash is enough and lets a request find its user by one indexed lookup). The first user
added to a store is its admin. Everything here runs inside the caller's transaction; who may call
what is :mod:`quotaplan.store.policy`'s to decide.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from quotaplan.errors import NotFound, UsageError
from quotaplan.store import schema as t
from quotaplan.store.clock import utc, utc_now
from quotaplan.store.names import MAX_EMAIL, check_name, check_text
from quotaplan.store.plans import find_plan
from quotaplan.store.policy import ROLES, Actor, Grant

MIN_PASSWORD = 8
TOKEN_PREFIX = "qp_"
_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str | None
    active: bool
    created_at: datetime


def _user(row: object) -> User:
    m = row._mapping  # type: ignore[attr-defined]
    return User(m["id"], m["name"], m["email"], bool(m["active"]), utc(m["created_at"]))


def user_count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(t.users)) or 0)


def find_user(conn: Connection, name: str) -> User:
    check_name("the user name", name)
    row = conn.execute(select(t.users).where(t.users.c.name == name)).first()
    if row is None:
        raise NotFound("user", name, "`quotaplan user list` lists the users")
    return _user(row)


def add_user(conn: Connection, name: str, password: str, *, email: str | None = None,
             actor: str) -> tuple[User, bool]:
    """Add an active user; returns (user, is_admin): the store's first user is made its admin."""
    check_name("the user name", name)
    if email is not None:
        check_name("--email", email, MAX_EMAIL)
    if not name.strip() or name != name.strip():
        raise UsageError(f"user name {name!r}: give a name without leading or trailing spaces")
    check_text("the password", password)
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the password for {name} is shorter than {MIN_PASSWORD} characters")
    if conn.execute(select(t.users.c.id).where(t.users.c.name == name)).first() is not None:
        raise UsageError(f"user {name!r} exists already")
    first = user_count(conn) == 0
    now = utc_now()
    user_id = conn.execute(insert(t.users).values(
        name=name, email=email, password_hash=_hasher.hash(password), active=True,
        created_at=now)).inserted_primary_key[0]  # type: ignore[index]
    if first:
        conn.execute(insert(t.grants).values(user_id=user_id, plan_id=None, role="admin", node=None,
                                             seller=None, granted_at=now, granted_by=actor))
    return User(user_id, name, email, True, now), first


def list_users(conn: Connection) -> list[tuple[User, list[Grant]]]:
    users = [_user(r) for r in conn.execute(select(t.users).order_by(t.users.c.name))]
    return [(u, grants_of(conn, u.id)) for u in users]


def disable_user(conn: Connection, name: str) -> User:
    """Disable a user (their history stays; they can no longer sign in or act). Revokes their tokens."""
    user = find_user(conn, name)
    conn.execute(update(t.users).where(t.users.c.id == user.id).values(active=False))
    conn.execute(update(t.tokens).where(t.tokens.c.user_id == user.id).values(revoked=True))
    return User(user.id, user.name, user.email, False, user.created_at)


def grants_of(conn: Connection, user_id: int) -> list[Grant]:
    rows = conn.execute(select(t.grants.c.role, t.plans.c.name.label("plan"), t.grants.c.node,
                               t.grants.c.seller)
                        .select_from(t.grants.outerjoin(t.plans, t.plans.c.id == t.grants.c.plan_id))
                        .where(t.grants.c.user_id == user_id).order_by(t.grants.c.id))
    return [Grant(r.role, r.plan, r.node, r.seller) for r in rows]


def check_grant(role: str, plan: str | None, node: str | None, seller: str | None) -> None:
    """A role's options must make sense together (usage errors otherwise)."""
    if role not in ROLES:
        raise UsageError(f"role {role!r} is not one of {', '.join(ROLES)}")
    for option, value in (("--plan", plan), ("--node", node), ("--seller", seller)):
        if value is not None:
            check_name(option, value)
    if role == "admin":
        if plan is not None or node is not None or seller is not None:
            raise UsageError("admin is granted on the whole store: leave out --plan, --node and --seller")
        return
    if plan is None:
        raise UsageError(f"the role {role} is granted on one plan: pass --plan PLAN")
    if role == "manager" and node is None:
        raise UsageError("a manager is granted on a node: pass --node TERRITORY_ID "
                         "(and --seller SELLER_ID for their own seat, whose quota they never change)")
    if role != "manager" and node is not None:
        raise UsageError(f"--node is for the manager role, not {role}")
    if role == "seller" and seller is None:
        raise UsageError("a seller reads their own quota: pass --seller SELLER_ID")
    if role in ("planner", "viewer") and seller is not None:
        raise UsageError(f"--seller is for the seller and manager roles, not {role}")


def grant(conn: Connection, name: str, role: str, *, plan: str | None = None, node: str | None = None,
          seller: str | None = None, actor: str) -> tuple[Grant, bool]:
    """Grant ``role`` to user ``name``; returns (grant, added): False when they had it already."""
    check_grant(role, plan, node, seller)
    user = find_user(conn, name)
    plan_id = find_plan(conn, plan).id if plan is not None else None
    wanted = Grant(role, plan, node, seller)
    if wanted in grants_of(conn, user.id):
        return wanted, False
    conn.execute(insert(t.grants).values(user_id=user.id, plan_id=plan_id, role=role, node=node,
                                         seller=seller, granted_at=utc_now(), granted_by=actor))
    return wanted, True


def actor_for(conn: Connection, name: str) -> Actor:
    """The policy's view of user ``name`` (NotFound when there is no such user)."""
    user = find_user(conn, name)
    return Actor(user.name, tuple(grants_of(conn, user.id)), active=user.active)


def verify_password(conn: Connection, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs and they are active; None otherwise (never says which)."""
    try:
        check_name("the user name", name)
        check_text("the password", password)
    except UsageError:
        return None
    row = conn.execute(select(t.users).where(t.users.c.name == name)).first()
    if row is None:
        _hasher.hash(password)  # the same work as a real check: timing does not reveal who exists
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(t.users).where(t.users.c.id == row.id)
                     .values(password_hash=_hasher.hash(password)))
    user = _user(row)
    return user if user.active else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(conn: Connection, name: str) -> str:
    """A new API token for user ``name``: returned once, stored only as its hash."""
    user = find_user(conn, name)
    if not user.active:
        raise UsageError(f"user {name} is disabled: a disabled user gets no token")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(t.tokens).values(user_id=user.id, token_hash=_digest(token), created_at=utc_now(),
                                         revoked=False))
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    """The active user a token belongs to; None for an unknown, revoked or disabled one."""
    row = conn.execute(select(t.users).join(t.tokens, t.tokens.c.user_id == t.users.c.id)
                       .where(t.tokens.c.token_hash == _digest(token), t.tokens.c.revoked.is_(False))
                       ).first()
    if row is None:
        return None
    user = _user(row)
    return user if user.active else None
