"""Who is asking: a bearer API token, else the session cookie; then the policy decides what they may.

A request with an ``Authorization`` header is judged by it alone (an unknown, revoked or disabled
user's token is 401, whatever cookie comes with it). Pages send a visitor without a session to the
login page; the API answers 401. Signing in checks the password (Argon2, :mod:`quotaplan.store.users`)
behind the login throttle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fastapi import Request

from quotaplan.errors import NotFound
from quotaplan.store.access import require
from quotaplan.store.db import Store
from quotaplan.store.policy import Actor, Decision, Resource
from quotaplan.store.users import actor_for, user_for_token, verify_password
from quotaplan.web.errors import WebError
from quotaplan.web.security import Session
from quotaplan.web.throttle import LoginThrottle


@dataclass(frozen=True)
class Who:
    actor: Actor
    via: Literal["session", "token"]


class LoginRequired(Exception):
    """A page asked for without a session: the visitor is sent to the login page."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _active(store: Store, name: str) -> Actor | None:
    with store.read() as conn:
        try:
            actor = actor_for(conn, name)
        except NotFound:
            return None
    return actor if actor.active else None


def identify(request: Request) -> Who | None:
    """The user behind the request (None: nobody signed in); a bad bearer token is 401."""
    cached: Who | None = getattr(request.state, "who", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization")
    store = _store(request)
    who: Who | None = None
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise WebError(401, "the Authorization header must be `Bearer TOKEN` (a token from "
                                "`quotaplan token create NAME`)", headers={"www-authenticate": "Bearer"})
        with store.read() as conn:
            user = user_for_token(conn, token.strip())
        actor = _active(store, user.name) if user is not None else None
        if actor is None:
            raise WebError(401, "this API token is unknown or revoked, or its user is disabled",
                           headers={"www-authenticate": "Bearer"})
        who = Who(actor, "token")
    else:
        session: Session | None = getattr(request.state, "session", None)
        if session is not None and session.user is not None:
            actor = _active(store, session.user)
            who = Who(actor, "session") if actor is not None else None
    request.state.who = who
    return who


def api_actor(request: Request) -> Actor:
    """A dependency of the API: the actor, or 401."""
    who = identify(request)
    if who is None:
        raise WebError(401, "sign in first: send `Authorization: Bearer TOKEN`, or POST username and "
                            "password to /api/v1/session", headers={"www-authenticate": "Bearer"})
    return who.actor


def page_actor(request: Request) -> Actor:
    """A dependency of the pages: the actor, or off to the login page."""
    who = identify(request)
    if who is None:
        raise LoginRequired()
    return who.actor


def allow(actor: Actor, action: str, resource: Resource, name: str) -> Decision:
    """The policy's decision enforced: NotFound (404) or Forbidden (403) when refused."""
    return require(actor, action, resource, name)


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def sign_in(request: Request, username: str, password: str) -> str:
    """The user name when the password is right; 429 while throttled; 401 otherwise (never says which
    of the name and the password was wrong)."""
    throttle: LoginThrottle = request.app.state.throttle
    address = client_address(request)
    wait = throttle.wait(username, address)
    if wait.seconds > 0:
        seconds = max(1, round(wait.seconds + 0.499))
        what = "locked after too many failed sign-ins" if wait.locked else "slowed after failed sign-ins"
        raise WebError(429, f"sign-in for this account or from this address is {what}: try again in "
                            f"{seconds} s", field="username", headers={"retry-after": str(seconds)})
    store = _store(request)
    with store.write() as conn:
        user = verify_password(conn, username, password)
    if user is None:
        throttle.failed(username, address)
        raise WebError(401, "the user name or the password is not right", field="password")
    throttle.succeeded(username)
    return user.name
