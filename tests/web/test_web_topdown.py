"""A node's top-down number from its page: the effect before saving, saved as one event with its
reason; offered and allowed only to who may change it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.workspace import Workspace
from web.webteam import csrf_of, sign_in

NODE = "/plans/FY27/{scenario}/nodes/RG2"


def _as(make_app: Callable[..., FastAPI], name: str) -> TestClient:
    client = TestClient(make_app())
    assert sign_in(client, name).status_code == 303
    return client


def _topdowns(workspace: Workspace, scenario: str) -> list[tuple[object, ...]]:
    return [(e.payload, e.reason, e.actor) for e in workspace.log("FY27", scenario)
            if e.kind == "topdown.set"]


@pytest.fixture(scope="module")
def draft(team_url: str) -> str:
    with Workspace(team_url, as_user="ben") as ben:
        ben.fork("FY27", "baseline", "numbers")
    return "numbers"


def test_a_planner_sets_the_number_after_seeing_its_effect(draft: str, make_app: Callable[..., FastAPI],
                                                          team_url: str) -> None:
    address = NODE.format(scenario=draft)
    with _as(make_app, "pia") as client:
        shown = client.get(address)
        assert "the top-down number" in shown.text
        form = {"csrf_token": csrf_of(shown.text), "amount": "12345678.90", "reason": "Board's EMEA number"}
        preview = client.post(address + "/topdown/preview", data=form)
        assert preview.status_code == 200
        assert "Nothing is saved until you save it" in preview.text
        assert "12,345,678.90" in preview.text
        with Workspace(team_url, as_user="pia") as pia:
            assert _topdowns(pia, draft) == []  # the preview saved nothing
        promised = re.search(r'Quota gap \(USD\)</th><td class="num">[^<]*</td><td class="num[^"]*">'
                             r"<strong>([^<]+)</strong>", preview.text)
        assert promised is not None
        bad = client.post(address + "/topdown/preview", data={**form, "amount": "lots"})
        assert bad.status_code == 200
        assert 'role="alert"' in bad.text
        no_reason = client.post(address + "/topdown", data={**form, "reason": " "})
        assert no_reason.status_code == 422
        saved = client.post(address + "/topdown", data=form, follow_redirects=False)
        assert saved.status_code == 303
        after = client.get(saved.headers["location"]).text
        assert "Saved as change" in after
        # the figure the preview promised is the one saved
        card = re.search(r'Quota gap</div><div class="big">([^<]+)</div>', after)
        assert card is not None
        assert card.group(1) == promised.group(1)
    with Workspace(team_url, as_user="pia") as pia:
        events = _topdowns(pia, draft)
    assert events == [
        ({"territory_id": "RG2", "amount": "12345678.90"}, "Board's EMEA number", "pia")]


@pytest.mark.parametrize(("who", "offered", "status"), [("vic", False, 403), ("max", False, 404),
                                                        ("sam", False, 404), ("ben", True, 303)])
def test_who_may_set_the_number(draft: str, make_app: Callable[..., FastAPI], who: str, offered: bool,
                                status: int) -> None:
    with _as(make_app, who) as client:
        page = client.get(NODE.format(scenario=draft))
        assert ("Save the number" in page.text) is offered
        token = csrf_of(client.get("/plans").text)
        r = client.post(NODE.format(scenario=draft) + "/topdown", follow_redirects=False,
                        data={"csrf_token": token, "amount": "1.00", "reason": "why not"})
        assert r.status_code == status


def test_a_manager_sees_his_node_without_the_form(make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "max") as client:
        page = client.get("/plans/FY27/baseline/nodes/RG1")
        assert page.status_code == 200
        assert "Save the number" not in page.text
