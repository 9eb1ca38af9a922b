"""The web's fixtures: one store with a team (every role) over the demo plan, and clients acting as each.

The plan FY27 is the demo plan: GLOBAL → RG1 (North America, led by M02) → … → TR01 (seller S01);
S02 also sits under RG1, S30 under RG2 (EMEA).
FY28 is a second plan that only ``oli`` has a role on. Users (all with the password ``PASSWORD``):
ada admin · pia and ben planners of FY27 · max manager of RG1 (his own seat M02) · sam seller S01 ·
vic viewer of FY27 · oli planner of FY28 only · zed no role at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import Store, open_store, upgrade
from quotaplan.web import create_app
from quotaplan.web.throttle import LoginThrottle
from quotaplan.workspace import Workspace
from web.webteam import PASSWORD, SANDBOX, SECRET, TEAM


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
