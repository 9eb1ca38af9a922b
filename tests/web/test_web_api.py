"""The API: bearer tokens, one error shape for every error, the OpenAPI document, the figures."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.build import build
from quotaplan.demo import demo_plan_path
from quotaplan.errors import Conflict, Forbidden, NotFound, PlanInvalid, Refused, StoreError, UsageError
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem
from quotaplan.store import users
from quotaplan.store.db import Store
from quotaplan.web.errors import from_exception
from web.webteam import PASSWORD, SANDBOX, bearer

SCENARIO = "/api/v1/plans/FY27/scenarios/baseline"


def _shape(body: object) -> dict[str, object]:
    """The one error shape: {"error": {"code", "message", "field"}} and nothing else."""
    assert isinstance(body, dict)
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "field"}
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["field"] is None or isinstance(error["field"], str)
    return error


def test_a_token_is_a_user(client: TestClient, tokens: dict[str, str]) -> None:
    r = client.get("/api/v1/plans", headers=bearer(tokens["pia"]))
    assert r.status_code == 200
    assert [p["roles"] for p in r.json()["plans"]] == [["planner"]]


@pytest.mark.parametrize("header", ["Bearer qp_not-a-real-token", "Bearer ", "Basic cGlhOnNlY3JldA==",
                                    "qp_token-without-scheme"])
def test_a_bad_authorization_header_is_401_whatever_the_cookie(client: TestClient, header: str) -> None:
    assert client.post("/api/v1/session", json={"username": "pia", "password": PASSWORD}).status_code == 200
    assert client.get("/api/v1/plans").status_code == 200  # the session alone works …
    r = client.get("/api/v1/plans", headers={"Authorization": header})
    assert r.status_code == 401  # … but a bad token is never excused by a good cookie
    assert r.headers["www-authenticate"] == "Bearer"
    assert _shape(r.json())["code"] == "unauthorized"


def test_no_credentials_is_401(client: TestClient) -> None:
    r = client.get("/api/v1/plans")
    assert r.status_code == 401
    assert "Bearer" in _shape(r.json())["message"]  # type: ignore[operator]


def test_a_disabled_users_token_and_session_stop_working(client: TestClient, team_store: Store) -> None:
    with team_store.write() as conn:
        users.add_user(conn, "gus", PASSWORD, actor="ada")
        token = users.create_token(conn, "gus")
    assert client.get("/api/v1/plans", headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/session", json={"username": "gus", "password": PASSWORD}).status_code == 200
    assert client.get("/api/v1/plans").status_code == 200
    with team_store.write() as conn:
        users.disable_user(conn, "gus")
    assert client.get("/api/v1/plans", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/plans").status_code == 401  # the session, looked up again, is refused
    assert client.post("/api/v1/session", json={"username": "gus", "password": PASSWORD}).status_code == 401


def test_tokens_and_passwords_are_not_kept_as_text(team_store: Store, tokens: dict[str, str]) -> None:
    from sqlalchemy import select

    from quotaplan.store import schema as t
    with team_store.read() as conn:
        hashes = list(conn.scalars(select(t.tokens.c.token_hash)))
        passwords = list(conn.scalars(select(t.users.c.password_hash)))
    assert tokens["pia"] not in hashes
    assert all(h.startswith("$argon2id$") for h in passwords)
    assert PASSWORD not in passwords


@pytest.fixture
def crashing(make_app: Callable[..., FastAPI]) -> Iterator[TestClient]:
    """An app with one route that fails as a bug would."""
    app = make_app()

    def boom() -> None:
        raise RuntimeError("a bug, with a secret detail")
    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_every_error_has_the_one_shape(client: TestClient, tokens: dict[str, str],
                                       crashing: TestClient) -> None:
    pia, vic, ada = bearer(tokens["pia"]), bearer(tokens["vic"]), bearer(tokens["ada"])
    adjust = f"/api/v1/plans/FY27/scenarios/{SANDBOX}/sellers/S05/adjustments"
    head = client.get(f"/api/v1/plans/FY27/scenarios/{SANDBOX}", headers=pia).json()["seq"]
    assert client.post(adjust, headers=pia, json={"amount": "100.00", "reason": "first"}).status_code == 201
    cases = [
        (client.get("/api/v1/plans/" + "x" * 300 + "/scenarios", headers=ada), 400, "bad_request", None),
        (client.get("/api/v1/plans"), 401, "unauthorized", None),
        (client.post(adjust, headers=vic, json={"rate": "0.01", "reason": "r"}), 403, "forbidden", None),
        (client.get("/api/v1/plans/NOPE/scenarios", headers=pia), 404, "not_found", None),
        (client.get("/api/v1/nothing/here", headers=pia), 404, "not_found", None),
        (client.put("/api/v1/plans", headers=pia), 405, "method_not_allowed", None),
        (client.post(adjust, headers=pia, json={"amount": "5.00", "reason": "late", "based_on": head}),
         409, "conflict", None),
        (client.post(adjust, headers=pia, json={"rate": "0.01"}), 422, "invalid", "reason"),
        (client.post(adjust, headers=pia, json={"rate": "lots", "reason": "r"}), 422, "invalid", "rate"),
        (client.post(adjust, headers=pia, json={"rate": "0.1", "amount": "1.00", "reason": "r"}),
         422, "invalid", None),
        (client.post("/api/v1/session", json={"username": "pia"}), 422, "invalid", "password"),
        (client.post("/api/v1/session", content=b"{not json", headers={"content-type": "application/json"}),
         422, "invalid", None),
        (crashing.get("/boom", headers={"accept": "application/json"}), 500, "internal", None),
    ]
    for response, status, code, field in cases:
        assert response.status_code == status, response.text
        error = _shape(response.json())
        assert error["code"] == code, error
        if field is not None:
            assert error["field"] == field, error
    conflict = cases[6][0].json()["error"]["message"]
    assert "pia" in conflict
    assert "seller S05" in conflict
    assert "secret detail" not in cases[-1][0].text  # a bug's details stay in the server's log


def test_a_page_error_is_a_page(crashing: TestClient) -> None:
    r = crashing.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"].startswith("text/html")
    assert "Something went wrong on our side" in r.text
    assert "secret detail" not in r.text


def test_the_openapi_document_describes_the_api(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/plans", "/plans/{plan}/scenarios", "/session", "/plans/{plan}/scenarios/{scenario}",
                 "/plans/{plan}/scenarios/{scenario}/sellers/{seller_id}",
                 "/plans/{plan}/scenarios/{scenario}/sellers/{seller_id}/adjustments"):
        assert path in doc["paths"], path
    assert set(doc["components"]["schemas"]["ErrorBody"]["properties"]) == {"error"}
    assert client.get("/api/v1/docs").status_code == 404  # no interactive docs from a CDN


def test_the_figures_are_the_engines(client: TestClient, tokens: dict[str, str]) -> None:
    """The scenario's API figures equal a build of the plan folder with the same change applied."""
    plan, _ = read_plan(demo_plan_path())
    expected = build(plan).summary
    found = client.get("/api/v1/plans/FY28/scenarios/baseline", headers=bearer(tokens["oli"])).json()
    assert found["seq"] == 0
    assert found["summary"]["topdown"] == f"{Decimal(expected['topdown']) / 100:.2f}"
    assert found["summary"]["street_quota"] == f"{Decimal(expected['street_quota']) / 100:.2f}"
    assert found["summary"]["attainment_factor"] == pytest.approx(expected["attainment_factor"])
    seller = client.get("/api/v1/plans/FY28/scenarios/baseline/sellers/S05",
                        headers=bearer(tokens["oli"])).json()
    periods = [Decimal(p["quota"]) for p in seller["periods"]]
    assert sum(periods) == Decimal(seller["figures"]["final_quota"])  # the periods sum to the quota
    assert seller["risk"] in ("high", "medium", "low")


def test_whatif_gives_the_figures_and_saves_nothing(client: TestClient, tokens: dict[str, str]) -> None:
    head = f"/api/v1/plans/FY27/scenarios/{SANDBOX}"
    before = client.get(head, headers=bearer(tokens["pia"])).json()
    body = {"kind": "adjustment.add", "payload": {"seller_id": "S22", "amount": "-70000.00"}}
    r = client.post(head + "/whatif", headers=bearer(tokens["pia"]), json=body)
    assert r.status_code == 200, r.text
    found = r.json()
    assert found["seq"] == before["seq"]
    assert [c["seller_id"] for c in found["sellers"]] == ["S22"]
    change = found["sellers"][0]
    assert Decimal(change["final_quota_before"]) - Decimal(change["final_quota_after"]) == Decimal("70000.00")
    assert change["risk_after"] != change["risk_before"]
    assert Decimal(found["summary"]["street_quota"]) == Decimal(before["summary"]["street_quota"]) \
        - Decimal("70000.00")
    assert client.get(head, headers=bearer(tokens["pia"])).json()["seq"] == before["seq"]  # nothing saved
    assert client.post(head + "/whatif", headers=bearer(tokens["vic"]), json=body).status_code == 403
    assert client.post(head + "/whatif", headers=bearer(tokens["sam"]), json=body).status_code == 404
    bad = client.post(head + "/whatif", headers=bearer(tokens["pia"]),
                      json={"kind": "scenario.publish", "payload": {}})
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "kind"


@pytest.mark.parametrize(("exc", "status", "code"), [
    (UsageError("--x is wrong"), 400, "bad_request"),
    (Forbidden("vic", "change S01", "a viewer reads"), 403, "forbidden"),
    (NotFound("seller", "S99"), 404, "not_found"),
    (Conflict("baseline", 3, [(4, "2027-01-01 10:00:00 UTC", "ben", "adjustment.add", "seller S01")]),
     409, "conflict"),
    (Refused("scenario 'baseline' is published"), 409, "refused"),
    (PlanInvalid([Problem("adjustments.csv", 4, "rate", "not a number")]), 422, "invalid"),
    (StoreError("the database cannot be reached"), 503, "unavailable"),
    (RuntimeError("secret detail"), 500, "internal"),
])
def test_each_program_error_has_its_status(exc: Exception, status: int, code: str) -> None:
    error = from_exception(exc)
    assert (error.status, error.code) == (status, code)
    assert _shape(error.body())["code"] == code
    if status == 422:
        assert error.field == "rate"
        assert "adjustments.csv:4 (rate)" in error.message
    if status == 500:
        assert "secret detail" not in error.message
