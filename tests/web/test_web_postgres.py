"""The workbench over PostgreSQL: the same app on a team's database (the rest of the web's tests use
SQLite; the store itself is tested on both)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import open_store, upgrade
from quotaplan.web import create_app
from quotaplan.workspace import Workspace
from throwaway_postgres import PostgresServer
from web.webteam import PASSWORD, SECRET, bearer, sign_in

pytestmark = pytest.mark.postgres


def test_the_workbench_on_postgresql(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database()
    upgrade(url)
    store = open_store(url)
    try:
        with store.write() as conn:
            users.add_user(conn, "ada", PASSWORD, actor="ada")
            users.add_user(conn, "sam", PASSWORD, actor="ada")
        Workspace(url, as_user="ada", store=store).load(demo_plan_path(), "FY27")
        with store.write() as conn:
            users.grant(conn, "sam", "seller", plan="FY27", seller="S01", actor="ada")
            token = users.create_token(conn, "sam")
        with TestClient(create_app(url, secret=SECRET, store=store)) as client:
            listed = client.get("/api/v1/plans", headers=bearer(token)).json()["plans"]
            assert [p["name"] for p in listed] == ["FY27"]
            own = "/api/v1/plans/FY27/scenarios/baseline/sellers/S01"
            assert client.get(own, headers=bearer(token)).status_code == 200
            assert client.get(own.replace("S01", "S02"), headers=bearer(token)).status_code == 404
            assert sign_in(client, "ada").status_code == 303
            page = client.get("/plans/FY27")
            assert page.status_code == 200
            assert "Demo FY2027 Global" in page.text
    finally:
        store.close()
