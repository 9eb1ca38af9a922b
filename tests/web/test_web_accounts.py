"""The accounts page: search and paging, who sees which accounts, overriding a target and moving an
account in a draft (effect shown first), and an in-year move request on a published scenario with
the relief shown before it is requested."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.core.inyear import remaining_shares, spread
from quotaplan.core.ledger import quota_rules
from quotaplan.money import format_cents_grouped
from quotaplan.web.accounts import paths
from quotaplan.workspace import Workspace
from quotaplan.workspace.access import territory_path
from web.cycleplan import published_plan
from web.webteam import csrf_of, sign_in

ACCOUNTS = "/plans/FY27/{scenario}/accounts"


def _as(make_app: Callable[..., FastAPI], name: str) -> TestClient:
    client = TestClient(make_app())
    assert sign_in(client, name).status_code == 303
    return client


@pytest.fixture(scope="module")
def drafts(team_url: str) -> str:
    with Workspace(team_url, as_user="ben") as ben:
        ben.fork("FY27", "baseline", "accounts")
    return "accounts"


def _rows(html: str) -> list[str]:
    return re.findall(r'<span class="meta">(A\d{4})</span>', html)


@pytest.mark.parametrize(("who", "status"), [("pia", 200), ("vic", 200), ("max", 200), ("ada", 200),
                                             ("sam", 404), ("oli", 404), ("zed", 404)])
def test_who_may_read_the_accounts(make_app: Callable[..., FastAPI], who: str, status: int) -> None:
    with _as(make_app, who) as client:
        assert client.get(ACCOUNTS.format(scenario="baseline")).status_code == status


def test_search_and_pages(make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "vic") as client:
        first = client.get(ACCOUNTS.format(scenario="baseline")).text
        assert "Page 1 of 40" in first  # 1,985 accounts, 50 a page
        assert len(_rows(first)) == 50
        last = client.get(ACCOUNTS.format(scenario="baseline") + "?page=40").text
        assert len(_rows(last)) == 1985 - 39 * 50
        found = client.get(ACCOUNTS.format(scenario="baseline") + "?q=a0297").text
        assert _rows(found) == ["A0297"]
        assert "Budget freeze" in found  # its override's reason
        by_territory = client.get(ACCOUNTS.format(scenario="baseline") + "?q=TR37").text
        assert _rows(by_territory)
        assert "TR37" in by_territory
        none = client.get(ACCOUNTS.format(scenario="baseline") + "?q=no+such+account").text
        assert "No account matches" in none
        # a viewer reads, but is offered no change
        one = client.get(ACCOUNTS.format(scenario="accounts") + "?account=A0001").text
        assert "Save the change" not in one


def test_a_manager_sees_only_the_accounts_of_his_subtree(make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "max") as client:
        mine = client.get(ACCOUNTS.format(scenario="baseline") + "?q=TR37").text  # TR37 is in EMEA
        assert _rows(mine) == []
        assert client.get(ACCOUNTS.format(scenario="baseline") + "?account=A0001").status_code == 404


def test_override_in_a_draft_shows_the_effect_then_saves(drafts: str,
                                                         make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "pia") as client:
        address = ACCOUNTS.format(scenario=drafts)
        shown = client.get(address + "?account=A0001")
        assert "Save the change" in shown.text
        form = {"csrf_token": csrf_of(shown.text), "action": "override", "target": "500000.00",
                "reason": "Signed a three-year deal"}
        preview = client.post(f"{address}/A0001/preview", data=form)
        assert preview.status_code == 200
        assert "Nothing is saved until you save it" in preview.text
        assert "500,000.00" in preview.text
        assert "S35: final quota" in preview.text or "final quota" in preview.text
        # nothing saved by the preview
        assert "500,000.00" not in client.get(address + "?account=A0001").text.split('id="effect"')[0]
        no_reason = client.post(f"{address}/A0001/save", data={**form, "reason": ""})
        assert no_reason.status_code == 422
        saved = client.post(f"{address}/A0001/save", data=form, follow_redirects=False)
        assert saved.status_code == 303
        after = client.get(saved.headers["location"]).text
        assert "Saved as change" in after
        assert "Signed a three-year deal" in after
        assert "500,000.00" in after


def test_move_in_a_draft_shows_both_carriers(drafts: str, make_app: Callable[..., FastAPI]) -> None:
    with _as(make_app, "pia") as client:
        address = ACCOUNTS.format(scenario=drafts)
        shown = client.get(address + "?account=A0002")
        preview = client.post(f"{address}/A0002/preview", data={
            "csrf_token": csrf_of(shown.text), "action": "move", "territory_id": "TR01", "reason": "x"})
        assert preview.status_code == 200
        assert preview.text.count(": final quota") == 2  # the losing and the gaining carrier
        assert preview.text.count(": risk") == 2
        wrong = client.post(f"{address}/A0002/preview", data={
            "csrf_token": csrf_of(shown.text), "action": "move", "territory_id": "RG1", "reason": "x"})
        assert "not a leaf" in wrong.text


def test_who_may_change_an_account(drafts: str, make_app: Callable[..., FastAPI]) -> None:
    form = {"action": "override", "target": "1.00", "reason": "no"}
    for who, status in (("vic", 403), ("sam", 404), ("max", 404), ("zed", 404)):
        with _as(make_app, who) as client:
            token = csrf_of(client.get("/plans").text)
            r = client.post(ACCOUNTS.format(scenario=drafts) + "/A0001/save",
                            data={**form, "csrf_token": token}, follow_redirects=False)
            assert r.status_code == status, who
    with _as(make_app, "pia") as client:  # a form without the CSRF token is refused
        r = client.post(ACCOUNTS.format(scenario=drafts) + "/A0001/save", data=form)
        assert r.status_code == 403


@pytest.fixture(scope="module")
def published(team_url: str) -> str:
    return published_plan(team_url, "ACC")


def test_an_in_year_move_shows_the_relief_before_it_is_requested(
        published: str, make_app: Callable[..., FastAPI], team_url: str) -> None:
    address = f"/plans/{published}/baseline/accounts"
    with _as(make_app, "cara") as client:
        shown = client.get(address + "?account=A0001")
        assert "Request the change" in shown.text
        assert "override the target" not in shown.text  # an override is a draft's change
        form = {"csrf_token": csrf_of(shown.text), "action": "move", "territory_id": "TR01",
                "effective": "2027-07-01", "reason": "Account consolidated"}
        preview = client.post(f"{address}/A0001/preview", data=form)
        assert preview.status_code == 200
        relief = re.search(r"Relief: ([0-9,.]+)", preview.text)
        assert relief is not None
        # SPEC's rule, computed here from the plan's periods and weights: target × remaining share
        with Workspace(team_url, as_user="cara") as cara:
            opened = cara.open(published, "baseline")
        target = int(opened.result.account_targets.filter(account_id="A0001").get_column("target")[0])
        rules = quota_rules(opened.plan.settings)
        moved = sum(spread(target, remaining_shares(rules, date(2027, 7, 1)), rules.periods))
        assert 0 < moved < target
        assert relief.group(1) == format_cents_grouped(moved)
        no_date = client.post(f"{address}/A0001/preview", data={**form, "effective": ""})
        assert "not a date" in no_date.text
        requested = client.post(f"{address}/A0001/save", data=form, follow_redirects=False)
        assert requested.status_code == 303
        assert "Requested as in-year change" in client.get(requested.headers["location"]).text
    with Workspace(team_url, as_user="cara") as cara:
        found = [c for c in cara.changes(published) if c.payload.get("account_id") == "A0001"]
    assert found
    assert found[-1].status == "requested"
    assert found[-1].requested_by == "cara"


def test_paths_in_one_pass_are_the_paths_one_by_one(team_url: str) -> None:
    with Workspace(team_url, as_user="pia") as pia:
        opened = pia.open("FY27", "baseline")
    found = paths(opened)
    ids = opened.plan.territories.get_column("territory_id").to_list()
    assert set(found) == set(ids)
    assert all(found[t] == territory_path(opened.plan, t) for t in ids)
    assert max(len(p) for p in found.values()) >= 3
