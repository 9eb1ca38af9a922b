"""Adjusting a quota from the seller's page: the effect before saving (nothing stored), then one event;
refusals in words, and only for those the policy lets change or propose."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from web.webteam import SANDBOX, bearer, csrf_of, sign_in

PAGE = f"/plans/FY27/{SANDBOX}/sellers/S22"
HEAD = f"/api/v1/plans/FY27/scenarios/{SANDBOX}"


def _as(make_app: Callable[..., FastAPI], who: str) -> TestClient:
    c = TestClient(make_app())
    assert sign_in(c, who).status_code == 303
    return c


def _seq(c: TestClient, tokens: dict[str, str]) -> int:
    return int(c.get(HEAD, headers=bearer(tokens["pia"])).json()["seq"])


def test_the_effect_is_shown_before_saving_and_nothing_is_stored(make_app: Callable[..., FastAPI],
                                                                 tokens: dict[str, str]) -> None:
    c = _as(make_app, "pia")
    page = c.get(PAGE)
    assert "Adjust this quota" in page.text
    before = _seq(c, tokens)
    seller = c.get(f"{HEAD}/sellers/S22", headers=bearer(tokens["pia"])).json()
    figures = seller["figures"]
    assert seller["risk"] == "high"
    lowered = f"{-float(figures['final_quota']) * 0.3:.2f}"
    r = c.post(PAGE + "/preview", headers={"HX-Request": "true"},
               data={"csrf_token": csrf_of(page.text), "how": "amount", "value": lowered, "reason": "r"})
    assert r.status_code == 200
    assert "<html" not in r.text  # htmx gets the effect alone
    assert 'data-risk-after="low"' in r.text  # 30 % less quota: the book covers it
    assert "Nothing is saved until you save it" in r.text
    assert _seq(c, tokens) == before
    plain = c.post(PAGE + "/preview", data={"csrf_token": csrf_of(page.text), "how": "amount",
                                           "value": lowered, "reason": "r"})
    assert plain.status_code == 200
    assert "<html" in plain.text  # without JavaScript: the whole page with the effect
    assert 'data-risk-after="low"' in plain.text
    assert f'value="{lowered}"' in plain.text  # the form keeps what was typed


def test_saving_appends_one_event_and_shows_it(make_app: Callable[..., FastAPI],
                                               tokens: dict[str, str]) -> None:
    c = _as(make_app, "pia")
    page = c.get(PAGE)
    before = _seq(c, tokens)
    r = c.post(PAGE + "/adjust", data={"csrf_token": csrf_of(page.text), "how": "rate", "value": "0.02",
                                      "reason": "Bigger territory after the realignment"},
               follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == f"{PAGE}?saved={before + 1}#changes"
    assert _seq(c, tokens) == before + 1
    shown = c.get(r.headers["location"]).text
    assert f"Saved as change {before + 1}" in shown
    assert "Bigger territory after the realignment" in shown


@pytest.mark.parametrize(("data", "status", "words"), [
    ({"how": "rate", "value": "0.02", "reason": "  "}, 422, "say why the quota changes"),
    ({"how": "rate", "value": "", "reason": "r"}, 400, "give the rate"),
    ({"how": "rate", "value": "lots", "reason": "r"}, 422, "lots"),
    ({"how": "share", "value": "1", "reason": "r"}, 400, "rate or by an amount"),
])
def test_a_refused_adjustment_says_why_and_stores_nothing(make_app: Callable[..., FastAPI],
                                                         tokens: dict[str, str], data: dict[str, str],
                                                         status: int, words: str) -> None:
    c = _as(make_app, "pia")
    page = c.get(PAGE)
    before = _seq(c, tokens)
    r = c.post(PAGE + "/adjust", data={"csrf_token": csrf_of(page.text), **data})
    assert r.status_code == status
    assert _seq(c, tokens) == before
    assert words in r.text.lower()
    assert 'role="alert"' in r.text


def test_a_stale_page_is_a_conflict_naming_who(make_app: Callable[..., FastAPI]) -> None:
    pia, ben = _as(make_app, "pia"), _as(make_app, "ben")
    stale = pia.get(PAGE).text
    fresh = ben.get(PAGE).text
    assert ben.post(PAGE + "/adjust", data={"csrf_token": csrf_of(fresh), "how": "rate", "value": "0.01",
                                            "reason": "ben first"}, follow_redirects=False).status_code == 303
    seq = stale.split('name="based_on" value="')[1].split('"')[0]
    r = pia.post(PAGE + "/adjust", data={"csrf_token": csrf_of(stale), "how": "rate", "value": "0.01",
                                         "reason": "pia later", "based_on": seq})
    assert r.status_code == 409
    assert "ben" in r.text


@pytest.mark.parametrize(("who", "seller", "form", "status"), [
    ("vic", "S22", False, 403), ("sam", "S01", False, 403), ("sam", "S22", False, 404),
    ("max", "S22", True, 200), ("max", "M02", False, 403), ("max", "S30", False, 404),
])
def test_only_who_may_change_gets_the_form_and_the_effect(make_app: Callable[..., FastAPI], who: str,
                                                          seller: str, form: bool, status: int) -> None:
    c = _as(make_app, who)
    page = c.get(f"/plans/FY27/{SANDBOX}/sellers/{seller}")
    assert page.status_code == (404 if status == 404 else 200)
    assert ("Adjust this quota" in page.text) is form
    token = csrf_of(c.get("/plans").text)
    r = c.post(f"/plans/FY27/{SANDBOX}/sellers/{seller}/preview", headers={"HX-Request": "true"},
               data={"csrf_token": token, "how": "rate", "value": "0.01", "reason": "r"})
    assert r.status_code == status


def test_the_seller_page_names_the_change_behind_each_line_of_the_quota(
        make_app: Callable[..., FastAPI], tokens: dict[str, str]) -> None:
    import re

    c = _as(make_app, "pia")
    page = c.get(PAGE)
    before = _seq(c, tokens)
    c.post(PAGE + "/adjust", data={"csrf_token": csrf_of(page.text), "how": "amount",
                                   "value": "-1234.00", "reason": "Lost the Acme renewal"},
           follow_redirects=False)
    shown = c.get(PAGE).text
    origins = shown[shown.index('id="origins"'):]
    origins = origins[:origins.index("</section>")]
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", origins, re.S)
    steps = dict(rows)
    assert "as loaded" in steps["Seniority"]
    manual = [cells for step, cells in rows if step == "Manual adjustments"]
    assert any(f">{before + 1}<" in cells and "Lost the Acme renewal" in cells and "-1,234.00" in cells
               for cells in manual)
