"""A scenario's history and two scenarios compared: pages, the events API, the CSV download."""

from __future__ import annotations

import csv
import io

import pytest
from starlette.testclient import TestClient

from quotaplan.workspace.compare import CARRIER_COLUMNS
from web.webteam import bearer, sign_in

EVENTS = "/api/v1/plans/FY27/scenarios/stretch/events"


def test_the_events_api_filters(client: TestClient, tokens: dict[str, str]) -> None:
    everything = client.get(EVENTS, headers=bearer(tokens["vic"])).json()["events"]
    kinds = [e["kind"] for e in everything]
    assert "topdown.set" in kinds
    assert "adjustment.add" in kinds  # the baseline's change before the fork is in the lineage
    assert [e["seq"] for e in everything] == sorted((e["seq"] for e in everything), reverse=True)
    by_node = client.get(EVENTS, params={"node": "RG1"}, headers=bearer(tokens["vic"])).json()["events"]
    assert [(e["kind"], e["actor"], e["reason"]) for e in by_node] == [
        ("topdown.set", "ben", "Board asked for a stretch case")]
    by_seller = client.get(EVENTS, params={"seller": "S01", "who": "pia"}, headers=bearer(tokens["vic"]))
    assert [e["payload"] for e in by_seller.json()["events"]] == [{"seller_id": "S01", "rate": "0.05"}]
    wrong = client.get(EVENTS, params={"kind": "nonsense"}, headers=bearer(tokens["vic"]))
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "kind"


@pytest.mark.parametrize(("who", "status"), [("vic", 200), ("max", 404), ("sam", 404), ("oli", 404)])
def test_the_history_is_for_who_reads_the_scenario(client: TestClient, tokens: dict[str, str], who: str,
                                                  status: int) -> None:
    assert client.get(EVENTS, headers=bearer(tokens[who])).status_code == status
    sign_in(client, who)
    assert client.get("/plans/FY27/stretch/history").status_code == status


def test_the_history_page(client: TestClient) -> None:
    sign_in(client, "pia")
    page = client.get("/plans/FY27/stretch/history", params={"kind": "topdown.set"}).text
    assert "Board asked for a stretch case" in page
    assert "Stretch for the new logo push" not in page  # filtered out
    assert "territory_id=RG1" in page


def test_compare_two_scenarios(client: TestClient) -> None:
    sign_in(client, "pia")
    page = client.get("/plans/FY27/compare/baseline/stretch")
    assert page.status_code == 200
    assert "stretch compared with baseline" in page.text
    assert "Changes only in stretch (1)" in page.text
    assert "Board asked for a stretch case" in page.text
    assert "Changes only in baseline (0)" in page.text
    download = client.get("/plans/FY27/compare/baseline/stretch", params={"format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert tuple(rows[0]) == CARRIER_COLUMNS
    sign_in(client, "max")
    assert client.get("/plans/FY27/compare/baseline/stretch").status_code == 404
