"""Submit, approve, reject and publish from the web: offered only to who may take the step, refused
with 403 for approving one's own submission, 409 when the status does not allow it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.workspace import Workspace
from web.webteam import bearer, csrf_of, sign_in

SCENARIO = "/api/v1/plans/FY28/scenarios/review"


@pytest.fixture(scope="module")
def review(team_url: str) -> str:
    """A fork of FY28 to take through the cycle (oli plans FY28; ada, the admin, reviews)."""
    with Workspace(team_url, as_user="oli") as oli:
        oli.fork("FY28", "baseline", "review")
    with Workspace(team_url, as_user="ben") as ben:
        ben.fork("FY27", "baseline", "review27")
    return "review"


def _status(client: TestClient, tokens: dict[str, str]) -> str:
    found = client.get("/api/v1/plans/FY28/scenarios", headers=bearer(tokens["ada"])).json()["scenarios"]
    return str(next(s["status"] for s in found if s["name"] == "review"))


def test_the_cycle(review: str, make_app: Callable[..., FastAPI], tokens: dict[str, str]) -> None:
    oli = TestClient(make_app())
    assert sign_in(oli, "oli").status_code == 303
    page = oli.get("/plans/FY28/review")
    assert ">Submit for review</button>" in page.text
    assert ">Approve</button>" not in page.text  # not offered in a draft
    r = oli.post("/plans/FY28/review/workflow", data={"csrf_token": csrf_of(page.text), "step": "submit"},
                 follow_redirects=False)
    assert r.status_code == 303
    assert "Submitted for review." in oli.get(r.headers["location"]).text
    assert _status(oli, tokens) == "in_review"
    # oli submitted it: approving is not offered to him, and refused with 403 when asked anyway
    assert ">Approve</button>" not in oli.get("/plans/FY28/review").text
    own = oli.post(SCENARIO + "/approve", headers=bearer(tokens["oli"]), json={})
    assert own.status_code == 403
    assert "nobody approves their own" in own.json()["error"]["message"]
    # the admin reviews: a rejection needs a reason; then approve and publish
    no_reason = oli.post(SCENARIO + "/reject", headers=bearer(tokens["ada"]), json={})
    assert no_reason.status_code == 400
    approved = oli.post(SCENARIO + "/approve", headers=bearer(tokens["ada"]), json={"reason": "checked"})
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    again = oli.post(SCENARIO + "/approve", headers=bearer(tokens["ada"]), json={})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "refused"
    published = oli.post(SCENARIO + "/publish", headers=bearer(tokens["ada"]), json={})
    assert published.status_code == 200
    assert published.json() == {"seq": published.json()["seq"], "status": "published", "version": 1}
    assert _status(oli, tokens) == "published"
    shown = oli.get("/plans/FY28/review").text
    assert "No step of the review is yours to take now." in shown
    oli.close()


@pytest.mark.parametrize(("who", "status"), [("vic", 403), ("sam", 404), ("oli", 404), ("zed", 404)])
def test_who_may_not_submit(review: str, client: TestClient, tokens: dict[str, str], who: str,
                            status: int) -> None:
    r = client.post("/api/v1/plans/FY27/scenarios/review27/submit", headers=bearer(tokens[who]), json={})
    assert r.status_code == status
    assert r.json()["error"]["code"] == {403: "forbidden", 404: "not_found"}[status]


def test_an_unknown_step_is_404(review: str, client: TestClient, tokens: dict[str, str]) -> None:
    r = client.post("/api/v1/plans/FY27/scenarios/review27/launch", headers=bearer(tokens["pia"]), json={})
    assert r.status_code == 404
