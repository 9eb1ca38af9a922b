"""The workflow page: the steps offered only to who may take them; in-year change requests with
approve / reject for reviewers and never for the requester; approving publishes the next version;
the published versions listed, each version's tables downloadable exactly as stored."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.store.versions import content_hash
from quotaplan.workspace import Workspace
from web.cycleplan import published_plan
from web.webteam import csrf_of, sign_in

PLAN = "WFL"
PAGE = f"/plans/{PLAN}/baseline/workflow"


def _as(make_app: Callable[..., FastAPI], name: str) -> TestClient:
    client = TestClient(make_app())
    assert sign_in(client, name).status_code == 303
    return client


@pytest.fixture(scope="module")
def plan(team_url: str) -> str:
    published_plan(team_url, PLAN)
    with Workspace(team_url, as_user="mila") as manager:  # a manager requests in his subtree (RG1)
        manager.request_change(PLAN, "baseline", "account.move",
                               {"account_id": "A0002", "territory_id": "TR01"}, effective="2027-07-01",
                               reason="Consolidated with a North American parent")
    with Workspace(team_url, as_user="cara") as cara:
        cara.request_change(PLAN, "baseline", "topdown.set", {"territory_id": "RG2", "amount": "13000000.00"},
                           effective="2027-04-01", reason="EMEA raised")
    return PLAN


@pytest.mark.parametrize(("who", "status"), [("cara", 200), ("bert", 200), ("vera", 200), ("ada", 200),
                                             ("mila", 404), ("seth", 404), ("oli", 404), ("zed", 404)])
def test_who_sees_the_workflow_page(plan: str, make_app: Callable[..., FastAPI], who: str,
                                    status: int) -> None:
    with _as(make_app, who) as client:
        assert client.get(PAGE).status_code == status


def _decide_buttons(html: str) -> list[str]:
    return re.findall(r'action="/plans/WFL/baseline/workflow/changes/(\d+)"', html)


def test_requests_are_decided_by_reviewers_never_by_the_requester(
        plan: str, make_app: Callable[..., FastAPI], team_url: str) -> None:
    with Workspace(team_url, as_user="cara") as cara:
        by_kind = {c.kind: c.id for c in cara.changes(plan)}
    move, topdown = by_kind["account.move"], by_kind["topdown.set"]
    with _as(make_app, "cara") as cara:
        page = cara.get(PAGE).text
        assert "Version" in page
        assert "account A0002 moves to territory TR01" in page
        assert _decide_buttons(page) == [str(move)]  # not her own top-down request
        assert "Your request: another reviewer decides it." in page
        own = cara.post(f"{PAGE}/changes/{topdown}",
                        data={"csrf_token": csrf_of(page), "decision": "approve"})
        assert own.status_code == 403
        assert "nobody approves their own" in own.text
    with _as(make_app, "vera") as vera:  # a viewer reads the requests, decides none
        page = vera.get(PAGE).text
        assert _decide_buttons(page) == []
        assert vera.post(f"{PAGE}/changes/{move}", data={"csrf_token": csrf_of(page), "decision": "approve"}
                        ).status_code == 403
    with _as(make_app, "bert") as bert:
        page = bert.get(PAGE).text
        assert sorted(_decide_buttons(page)) == sorted([str(move), str(topdown)])
        approved = bert.post(f"{PAGE}/changes/{move}", follow_redirects=False,
                            data={"csrf_token": csrf_of(page), "decision": "approve", "reason": "ok"})
        assert approved.status_code == 303
        after = bert.get(approved.headers["location"]).text
        assert "approved: published as version 2" in after
        rejected = bert.post(f"{PAGE}/changes/{topdown}", follow_redirects=False,
                            data={"csrf_token": csrf_of(after), "decision": "reject", "reason": "not now"})
        assert rejected.status_code == 303
        final = bert.get(rejected.headers["location"]).text
        assert _decide_buttons(final) == []
        assert "not now" in final
    with Workspace(team_url, as_user="bert") as workspace:
        assert [v.number for v in workspace.versions(plan)] == [1, 2]


def test_version_tables_download_as_stored(plan: str, make_app: Callable[..., FastAPI],
                                           team_url: str) -> None:
    with Workspace(team_url, as_user="cara") as cara:
        version, tables = cara.version_tables(plan, 1)
    with _as(make_app, "vera") as vera:
        page = vera.get(PAGE).text
        assert version.content_sha256[:16] in page
        answer = vera.get(f"/plans/{plan}/versions/1")
        assert answer.status_code == 200
        assert answer.headers["content-disposition"] == f'attachment; filename="{plan}-v1.zip"'
        with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
            got = {name: archive.read(name) for name in archive.namelist() if name != "VERSION.txt"}
            manifest = archive.read("VERSION.txt").decode()
        assert got == tables
        assert content_hash(got) == version.content_sha256
        assert hashlib.sha256(got["quotas.csv"]).hexdigest()  # a real table, not empty
        assert f"sha256 {version.content_sha256}" in manifest
        assert vera.get(f"/plans/{plan}/versions/99").status_code == 404
    for who in ("seth", "mila", "oli", "zed"):
        with _as(make_app, who) as client:
            assert client.get(f"/plans/{plan}/versions/1").status_code == 404, who


def test_steps_are_offered_only_to_who_may(team_url: str, make_app: Callable[..., FastAPI]) -> None:
    published_plan(team_url, "WF2", publish=False)
    address = "/plans/WF2/baseline/workflow"
    with _as(make_app, "vera") as vera:
        assert "<button" not in vera.get(address).text.split('id="steps"')[1].split("</section>")[0]
    with _as(make_app, "cara") as cara:
        page = cara.get(address).text
        assert ">Submit for review</button>" in page
        assert cara.post(address, data={"csrf_token": csrf_of(page), "step": "submit"},
                        follow_redirects=False).status_code == 303
        page = cara.get(address).text
        assert ">Approve</button>" not in page
        assert "You submitted it: another reviewer approves it." in page
    with _as(make_app, "bert") as bert:
        assert ">Approve</button>" in bert.get(address).text


def test_a_planner_forks_a_scenario(team_url: str, make_app: Callable[..., FastAPI]) -> None:
    published_plan(team_url, "WF3", publish=False)
    address = "/plans/WF3/baseline"
    with _as(make_app, "vera") as vera:
        page = vera.get(address + "/workflow").text
        assert "Fork the scenario" not in page
        refused = vera.post(address + "/fork", data={"csrf_token": csrf_of(page), "name": "mine"})
        assert refused.status_code == 403
    with _as(make_app, "seth") as seth:
        token = csrf_of(seth.get("/plans").text)
        assert seth.post(address + "/fork", data={"csrf_token": token, "name": "mine"}).status_code == 404
    with _as(make_app, "cara") as cara:
        page = cara.get(address + "/workflow").text
        assert "Fork the scenario" in page
        assert cara.post(address + "/fork", data={"csrf_token": csrf_of(page), "name": ""}).status_code == 422
        made = cara.post(address + "/fork", data={"csrf_token": csrf_of(page), "name": "variant"},
                        follow_redirects=False)
        assert made.status_code == 303
        assert made.headers["location"] == "/plans/WF3/variant"
        assert cara.get("/plans/WF3/variant").status_code == 200
        again = cara.post(address + "/fork", data={"csrf_token": csrf_of(page), "name": "variant"})
        assert again.status_code in (400, 409)
        assert "variant" in again.text
