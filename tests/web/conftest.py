"""The web's fixtures: one store with a team (every role) over the demo plan, and clients acting as each.

The plan FY27 is the demo plan: GLOBAL → RG1 (North America, led by M02) → … → TR01 (seller S01);
S02 also sits under RG1, S30 under RG2 (EMEA).
FY28 is a second plan that only ``oli`` has a role on. Users (all with the password ``PASSWORD``):
ada admin · pia and ben planners of FY27 · max manager of RG1 (his own seat M02) · sam seller S01 ·
vic viewer of FY27 · oli planner of FY28 only · zed no role at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import Store, open_store, upgrade
from quotaplan.web import create_app
from quotaplan.web.throttle import LoginThrottle
from quotaplan.workspace import Workspace

PASSWORD = "a long enough password"
SECRET = b"0123456789abcdef0123456789abcdef"
SANDBOX = "sandbox"  # the scenario tests that change figures write to
TEAM = {
    "ada": [],  # the first user: the store's admin
    "pia": [("planner", "FY27", None, None)],
    "ben": [("planner", "FY27", None, None)],
    "max": [("manager", "FY27", "RG1", "M02")],
    "sam": [("seller", "FY27", None, "S01")],
    "vic": [("viewer", "FY27", None, None)],
    "oli": [("planner", "FY28", None, None)],
    "zed": [],
}


@pytest.fixture(scope="session")
def team_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store with FY27 (baseline, a fork with a change, a sandbox fork), FY28, and the team."""
    url = f"sqlite:///{tmp_path_factory.mktemp('web') / 'quotaplan.db'}"
    upgrade(url)
    store = open_store(url)
    try:
        with store.write() as conn:
            for name in TEAM:
                users.add_user(conn, name, PASSWORD, actor="ada")
        with Workspace(url, as_user="ada", store=store) as ada:
            ada.load(demo_plan_path(), "FY27")
            ada.load(demo_plan_path(), "FY28")
        with store.write() as conn:
            for name, grants in TEAM.items():
                for role, plan, node, seller in grants:
                    users.grant(conn, name, role, plan=plan, node=node, seller=seller, actor="ada")
        Workspace(url, as_user="pia", store=store).change(
            "FY27", "baseline", "adjustment.add", {"seller_id": "S01", "rate": "0.05"},
            reason="Stretch for the new logo push")
        ben = Workspace(url, as_user="ben", store=store)
        ben.fork("FY27", "baseline", "stretch")
        ben.change("FY27", "stretch", "topdown.set", {"territory_id": "RG1", "amount": "30000000.00"},
                   reason="Board asked for a stretch case")
        ben.fork("FY27", "baseline", SANDBOX)
    finally:
        store.close()
    return url


@pytest.fixture(scope="session")
def team_store(team_url: str) -> Iterator[Store]:
    store = open_store(team_url)
    yield store
    store.close()


@pytest.fixture
def make_app(team_url: str, team_store: Store) -> Callable[..., FastAPI]:
    def make(throttle: LoginThrottle | None = None) -> FastAPI:
        return create_app(team_url, secret=SECRET, throttle=throttle, store=team_store)
    return make


@pytest.fixture(scope="module")
def make_app_module(team_url: str, team_store: Store) -> Callable[..., FastAPI]:
    def make(throttle: LoginThrottle | None = None) -> FastAPI:
        return create_app(team_url, secret=SECRET, throttle=throttle, store=team_store)
    return make


@pytest.fixture
def client(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    with TestClient(make_app()) as c:
        yield c


@pytest.fixture(scope="session")
def tokens(team_url: str, team_store: Store) -> dict[str, str]:
    """An API token per user."""
    with team_store.write() as conn:
        return {name: users.create_token(conn, name) for name in TEAM}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_url: str = "/plans") -> Any:
    """Sign in through the form, as a browser does: get the page (and its token), post it."""
    page = client.get("/login")
    return client.post("/login", data={"username": name, "password": password, "next": next_url,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)
