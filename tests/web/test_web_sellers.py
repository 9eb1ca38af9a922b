"""The sellers page: every carrier the actor may see, filtered, sorted and paged by its address."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from web.webteam import sign_in

PAGE = "/plans/FY27/baseline/sellers"


@pytest.fixture(scope="module")
def as_user(make_app_module: Callable[..., FastAPI]) -> Iterator[Callable[[str], TestClient]]:
    clients: dict[str, TestClient] = {}

    def get(who: str) -> TestClient:
        if who not in clients:
            clients[who] = TestClient(make_app_module())
            assert sign_in(clients[who], who).status_code == 303
        return clients[who]
    yield get
    for c in clients.values():
        c.close()


def seller_ids(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return re.findall(r'<span class="meta">(S\d\d|M\d\d)</span></th>', body)


def test_every_carrier_riskiest_first(as_user: Callable[[str], TestClient]) -> None:
    html = as_user("vic").get(PAGE).text
    assert "40 sellers carry a quota" in html
    first = seller_ids(html)
    assert len(first) == 40  # one page of at most 50
    coverage = [float(c) for c in re.findall(r'<td class="num">(\d+) %</td>\s*<td><span class="badge',
                                              html)]
    assert coverage == sorted(coverage)
    assert 'aria-sort="ascending"' in html


def test_filters_and_sorting(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("pia")
    high = c.get(PAGE, params={"risk": "high"}).text
    assert "17 match the filters" in high
    assert high.count("High risk</span>") == 17
    by_quota = seller_ids(c.get(PAGE, params={"risk": "high", "sort": "final_quota", "desc": 1}).text)
    quotas = seller_ids(c.get(PAGE, params={"risk": "high", "sort": "final_quota", "desc": 0}).text)
    assert by_quota == list(reversed(quotas))
    assert seller_ids(c.get(PAGE, params={"q": "s22"}).text) == ["S22"]
    emea = seller_ids(c.get(PAGE, params={"node": "RG2"}).text)
    assert sorted(emea) == [f"S{n}" for n in range(30, 37)]
    none = c.get(PAGE, params={"q": "nobody by that name"}).text
    assert "No seller matches these filters" in none


def test_paging(as_user: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch) -> None:
    from quotaplan.web import sellers
    monkeypatch.setattr(sellers, "PAGE_SIZE", 15)
    c = as_user("pia")
    pages = [seller_ids(c.get(PAGE, params={"page": n}).text) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [15, 15, 10]
    assert len({s for p in pages for s in p}) == 40
    assert "Page 2 of 3" in c.get(PAGE, params={"page": 2}).text
    assert seller_ids(c.get(PAGE, params={"page": 99}).text) == pages[2]  # past the end: the last page


@pytest.mark.parametrize(("who", "status", "count"), [
    ("ada", 200, 40), ("vic", 200, 40), ("max", 200, 29), ("sam", 200, 1), ("oli", 404, 0), ("zed", 404, 0),
])
def test_each_role_sees_the_carriers_it_may_read(as_user: Callable[[str], TestClient], who: str,
                                                 status: int, count: int) -> None:
    r = as_user(who).get(PAGE)
    assert r.status_code == status
    if status == 200:
        assert len(seller_ids(r.text)) == count
    if who == "max":
        assert "S30" not in seller_ids(r.text)  # EMEA is outside his node
