"""In-year change requests and versions through the API, on a plan whose baseline is published:
who may file, read and decide a request (404 / 403 per role), approving publishes the next version,
and a version's tables come back byte for byte as published."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from starlette.testclient import TestClient

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import open_store, upgrade
from quotaplan.web import create_app
from quotaplan.workspace import Workspace
from web.webteam import PASSWORD, SECRET, bearer

TEAM = {"pia": ("planner", None, None), "ben": ("planner", None, None), "max": ("manager", "RG1", "M02"),
        "sam": ("seller", None, "S01"), "vic": ("viewer", None, None)}
CHANGES = "/api/v1/plans/P/changes"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Plan P (the demo plan), its baseline published by pia and approved by ben; a token per user
    (ada is the admin, zed has no role)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cycle') / 'quotaplan.db'}"
    upgrade(url)
    store = open_store(url)
    tokens = {}
    with store.write() as conn:
        for name in ("ada", *TEAM, "zed"):
            users.add_user(conn, name, PASSWORD, actor="ada")
    Workspace(url, as_user="ada", store=store).load(demo_plan_path(), "P")
    with store.write() as conn:
        for name, (role, node, seller) in TEAM.items():
            users.grant(conn, name, role, plan="P", node=node, seller=seller, actor="ada")
        for name in ("ada", *TEAM, "zed"):
            tokens[name] = users.create_token(conn, name)
    Workspace(url, as_user="pia", store=store).transition("P", "baseline", "submit", reason=None)
    Workspace(url, as_user="ben", store=store).transition("P", "baseline", "approve", reason=None)
    Workspace(url, as_user="pia", store=store).transition("P", "baseline", "publish", reason=None)
    with TestClient(create_app(url, secret=SECRET, store=store)) as client:
        yield client, tokens
    store.close()


def _request(client: TestClient, token: str, seller: str, amount: str = "-12000.00") -> Any:
    return client.post(CHANGES, headers=bearer(token), json={
        "kind": "adjustment.add", "payload": {"seller_id": seller, "amount": amount},
        "effective": "2027-07-01", "reason": "territory shrank"})


def test_who_may_file_a_request(published: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = published
    cases = [("max", "S02", 201), ("pia", "S30", 201), ("max", "S30", 404), ("max", "M02", 403),
             ("vic", "S02", 403), ("sam", "S01", 403), ("sam", "S02", 404), ("zed", "S02", 404)]
    for who, seller, status in cases:
        r = _request(client, tokens[who], seller)
        assert r.status_code == status, (who, seller, r.text)
        if status == 201:
            body = r.json()
            assert (body["status"], body["requested_by"], body["effective"]) == ("requested", who,
                                                                                 "2027-07-01")


def test_requests_are_listed_to_who_may_read_them(published: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = published
    _request(client, tokens["max"], "S01", "-1000.00")

    def listed(who: str) -> set[str]:
        r = client.get(CHANGES, headers=bearer(tokens[who]))
        assert r.status_code == 200, r.text
        assert r.json()["scenario"] == "baseline"
        return {c["payload"]["seller_id"] for c in r.json()["changes"]}

    assert {"S01", "S02", "S30"} <= listed("vic")
    assert "S30" not in listed("max")  # outside his subtree
    assert listed("sam") == {"S01"}  # a request on his own quota only
    assert client.get(CHANGES, headers=bearer(tokens["zed"])).status_code == 404


def test_deciding_a_request(published: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = published
    by_pia = _request(client, tokens["pia"], "S05", "-30000.00").json()["id"]
    by_max = _request(client, tokens["max"], "S03", "-5000.00").json()["id"]
    own = client.post(f"{CHANGES}/{by_pia}/approve", headers=bearer(tokens["pia"]), json={})
    assert own.status_code == 403
    assert "nobody approves their own" in own.json()["error"]["message"]
    for who, status in (("vic", 403), ("max", 403), ("sam", 404), ("zed", 404)):
        r = client.post(f"{CHANGES}/{by_pia}/approve", headers=bearer(tokens[who]), json={})
        assert r.status_code == status, (who, r.text)
    assert client.post(f"{CHANGES}/99999/approve", headers=bearer(tokens["ben"]), json={}).status_code == 404
    no_reason = client.post(f"{CHANGES}/{by_max}/reject", headers=bearer(tokens["ben"]), json={})
    assert (no_reason.status_code, no_reason.json()["error"]["field"]) == (422, "reason")

    before = client.get("/api/v1/plans/P/versions", headers=bearer(tokens["vic"])).json()["versions"]
    approved = client.post(f"{CHANGES}/{by_pia}/approve", headers=bearer(tokens["ben"]), json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["version"] == len(before) + 1
    again = client.post(f"{CHANGES}/{by_pia}/approve", headers=bearer(tokens["ben"]), json={})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "refused")
    rejected = client.post(f"{CHANGES}/{by_max}/reject", headers=bearer(tokens["ben"]),
                           json={"reason": "not this quarter"})
    assert (rejected.status_code, rejected.json()["status"], rejected.json()["version"]) == (200, "rejected",
                                                                                             None)
    listed = client.get(CHANGES, headers=bearer(tokens["vic"])).json()["changes"]
    statuses = {c["id"]: c["status"] for c in listed}
    assert (statuses[by_pia], statuses[by_max]) == ("approved", "rejected")


def test_versions_and_their_tables(published: tuple[TestClient, dict[str, str]], tmp_path: Path) -> None:
    client, tokens = published
    listed = client.get("/api/v1/plans/P/versions", headers=bearer(tokens["vic"])).json()["versions"]
    assert listed[0]["number"] == 1
    assert listed[0]["approved_by"] == "pia"
    one = client.get("/api/v1/plans/P/versions/1", headers=bearer(tokens["vic"])).json()
    assert set(one["tables"]) == {"quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv", "summary.json",
                                  "account_targets.csv"}
    table = client.get("/api/v1/plans/P/versions/1/tables/quota_periods.csv", headers=bearer(tokens["vic"]))
    assert table.status_code == 200
    with Workspace(client.app.state.bench.workspace.url, as_user="vic") as ws:
        _version, stored = ws.version_tables("P", 1)
    assert table.content == stored["quota_periods.csv"]  # byte for byte
    periods = pl.read_csv(table.content, schema_overrides={"quota": pl.String})
    assert sum(Decimal(q) for q in periods.get_column("quota")) > 0
    for who, status in (("max", 404), ("sam", 404), ("zed", 404), ("pia", 200)):
        assert client.get("/api/v1/plans/P/versions/1", headers=bearer(tokens[who])).status_code == status
    missing = client.get("/api/v1/plans/P/versions/1/tables/secrets.txt", headers=bearer(tokens["vic"]))
    assert missing.status_code == 404
    assert client.get("/api/v1/plans/P/versions/99", headers=bearer(tokens["vic"])).status_code == 404


def test_a_request_outside_the_plan_year_names_the_field(
        published: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = published
    r = client.post(CHANGES, headers=bearer(tokens["pia"]), json={
        "kind": "adjustment.add", "payload": {"seller_id": "S02", "amount": "-1.00"},
        "effective": "2031-02-01", "reason": "too late"})
    assert r.status_code == 422
    assert r.json()["error"]["field"] == "effective"
    assert "2027-01-01 to 2027-12-31" in r.json()["error"]["message"]
    unknown = client.post(CHANGES, headers=bearer(tokens["pia"]), json={
        "kind": "adjustment.add", "payload": {"seller_id": "S99", "amount": "-1.00"},
        "effective": "2027-03-01", "reason": "nobody"})
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["error"]["field"] == "seller_id"
    assert "no seller 'S99'" in unknown.json()["error"]["message"]


def test_a_sellers_letter_is_theirs_and_their_managers(published: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = published
    letter = "/api/v1/plans/P/versions/1/letters/{}"
    cases = [("sam", "S01", 200), ("sam", "S02", 404), ("max", "S02", 200), ("max", "S30", 404),
             ("vic", "S30", 200), ("zed", "S01", 404), ("pia", "S99", 404)]
    for who, seller, status in cases:
        r = client.get(letter.format(seller), headers=bearer(tokens[who]))
        assert r.status_code == status, (who, seller, r.text[:200])
        if status == 200:
            assert r.content.startswith(b"%PDF")
        else:
            assert r.json()["error"]["code"] == "not_found"
    page = client.get(letter.format("S01"), params={"format": "html"}, headers=bearer(tokens["sam"]))
    assert page.headers["content-type"].startswith("text/html")
    assert "version 1" in page.text
