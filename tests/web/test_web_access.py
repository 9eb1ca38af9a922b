"""404 for what a role may not read, 403 for what it may not do: every page and API route through the
store's policy, as a table per role (the refusals included), over the API with bearer tokens and over
the pages with a signed-in session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from web.webteam import SANDBOX, TEAM, bearer, sign_in

ROLES = tuple(TEAM)  # ada admin, pia/ben planners, max manager of RG1, sam seller S01, vic viewer,
#                      oli planner of another plan, zed no role
READERS = {
    # what: who may read it (everyone else gets 404)
    "plan": {"ada", "pia", "ben", "max", "sam", "vic"},
    "scenario": {"ada", "pia", "ben", "vic"},
    "S01": {"ada", "pia", "ben", "vic", "max", "sam"},   # in RG1; sam's own
    "S02": {"ada", "pia", "ben", "vic", "max"},          # in RG1
    "S30": {"ada", "pia", "ben", "vic"},                 # in EMEA: outside max's subtree
    "M02": {"ada", "pia", "ben", "vic", "max"},          # max's own seat
    "RG1": {"ada", "pia", "ben", "vic", "max"},          # max's node
    "DI01": {"ada", "pia", "ben", "vic", "max"},         # under it
    "RG2": {"ada", "pia", "ben", "vic"},                 # beside it
    # lists: answered to who may read at least one row (filtered to those rows), 404 to the others
    "sellers": {"ada", "pia", "ben", "vic", "max", "sam"},
    "accounts": {"ada", "pia", "ben", "vic", "max", "sam"},
    "nodes": {"ada", "pia", "ben", "vic", "max"},
    "events": {"ada", "pia", "ben", "vic"},
    "changes": {"ada", "pia", "ben", "max", "sam", "vic"},
    # every carrier's figures: whole-plan readers only
    "exports": {"ada", "pia", "ben", "vic"},
    "export": {"ada", "pia", "ben", "vic"},
    "versions": {"ada", "pia", "ben", "vic"},
}
API = {
    **{n: f"/api/v1/plans/FY27/scenarios/baseline/nodes/{n}" for n in ("RG1", "DI01", "RG2")},
    "plan": "/api/v1/plans/FY27/scenarios",
    "scenario": "/api/v1/plans/FY27/scenarios/baseline",
    **{s: f"/api/v1/plans/FY27/scenarios/baseline/sellers/{s}" for s in ("S01", "S02", "S30", "M02")},
    **{k: f"/api/v1/plans/FY27/scenarios/baseline/{k}" for k in ("sellers", "accounts", "nodes", "events",
                                                                  "exports")},
    "export": "/api/v1/plans/FY27/scenarios/baseline/exports/outputs",
    "changes": "/api/v1/plans/FY27/changes",
    "versions": "/api/v1/plans/FY27/versions",
}
PAGES = {
    "scenario": "/plans/FY27",
    **{s: f"/plans/FY27/baseline/sellers/{s}" for s in ("S01", "S02", "S30", "M02")},
    **{n: f"/plans/FY27/baseline/nodes/{n}" for n in ("RG1", "DI01", "RG2")},
}
READ_CASES = [(who, what, 200 if who in readers else 404)
              for what, readers in READERS.items() for who in ROLES]


@pytest.mark.parametrize(("who", "what", "status"), READ_CASES)
def test_api_reads(client: TestClient, tokens: dict[str, str], who: str, what: str, status: int) -> None:
    r = client.get(API[what], headers=bearer(tokens[who]))
    assert r.status_code == status, r.text
    if status == 404:
        assert r.json()["error"]["code"] == "not_found"


@pytest.fixture(scope="module")
def signed_in(team_url: str, make_app_module: Callable[..., FastAPI]) -> Iterator[dict[str, TestClient]]:
    """One client per user, signed in through the login form."""
    clients = {}
    for who in ROLES:
        c = TestClient(make_app_module())
        c.__enter__()
        assert sign_in(c, who).status_code == 303
        clients[who] = c
    yield clients
    for c in clients.values():
        c.__exit__(None, None, None)


@pytest.mark.parametrize(("who", "what", "status"), [c for c in READ_CASES if c[1] in PAGES])
def test_pages(signed_in: dict[str, TestClient], who: str, what: str, status: int) -> None:
    r = signed_in[who].get(PAGES[what], follow_redirects=False)
    assert r.status_code == status
    if status == 404:
        assert "<h1" in r.text
        assert "Not found" in r.text


def test_a_hidden_seller_answers_exactly_as_one_that_does_not_exist(tokens: dict[str, str],
                                                                     client: TestClient) -> None:
    hidden = client.get(API["S02"], headers=bearer(tokens["sam"])).json()
    missing = client.get(API["S02"].replace("S02", "S99"), headers=bearer(tokens["sam"])).json()
    assert hidden["error"]["message"].replace("S02", "S99") == missing["error"]["message"]


def test_the_plans_list_shows_only_plans_with_a_role(client: TestClient, tokens: dict[str, str]) -> None:
    def names(who: str) -> list[str]:
        return [p["name"] for p in client.get("/api/v1/plans", headers=bearer(tokens[who])).json()["plans"]]

    listed = {who: names(who) for who in ROLES}
    assert listed["ada"] == ["FY27", "FY28"]
    assert listed["oli"] == ["FY28"]
    assert listed["zed"] == []
    assert all(listed[who] == ["FY27"] for who in ("pia", "ben", "max", "sam", "vic"))


def test_who_changed_what_is_shown_only_to_who_may_read_the_scenario(client: TestClient,
                                                                     tokens: dict[str, str]) -> None:
    def baseline(who: str) -> dict[str, object]:
        found = client.get(API["plan"], headers=bearer(tokens[who])).json()["scenarios"]
        return next(s for s in found if s["name"] == "baseline")

    assert baseline("vic")["last_change"]["actor"] == "pia"  # type: ignore[index]
    assert baseline("sam")["last_change"] is None
    assert baseline("sam")["workers"] == []


ADJUST = "/api/v1/plans/FY27/scenarios/" + SANDBOX + "/sellers/{}/adjustments"
ACTIONS = [
    # (who, seller, expected): planners and the admin change; a manager proposes for their subtree,
    # never their own quota; a viewer and a seller read, never change; outsiders see nothing.
    ("ada", "S30", 201), ("pia", "S02", 201), ("ben", "S30", 201), ("max", "S02", 201),
    ("max", "M02", 403), ("max", "S30", 404), ("vic", "S02", 403), ("sam", "S01", 403),
    ("sam", "S02", 404), ("oli", "S02", 404), ("zed", "S02", 404),
]


@pytest.mark.parametrize(("who", "seller", "status"), ACTIONS)
def test_adjusting_a_quota(client: TestClient, tokens: dict[str, str], who: str, seller: str,
                           status: int) -> None:
    head = "/api/v1/plans/FY27/scenarios/" + SANDBOX
    before = client.get(head, headers=bearer(tokens["pia"])).json()["seq"]
    r = client.post(ADJUST.format(seller), headers=bearer(tokens[who]),
                    json={"rate": "0.01", "reason": f"test by {who}"})
    assert r.status_code == status, r.text
    after = client.get(head, headers=bearer(tokens["pia"])).json()["seq"]
    if status == 201:
        assert r.json()["seq"] == after == before + 1
        assert r.json()["actor"] == who
        assert r.json()["payload"] == {"seller_id": seller, "rate": "0.01"}
    else:
        assert after == before  # nothing appended
        assert r.json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]
    if status == 403:
        assert who in r.json()["error"]["message"]  # says who may not, and why
