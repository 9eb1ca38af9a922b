"""The API's lists: sellers (filtered, sorted, paged), accounts (searched, paged), nodes, exports;
each row asked of the policy, amounts as decimal strings under the output files' column names."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from typing import Any

import polars as pl
from starlette.testclient import TestClient

from quotaplan.interop.salesforce_export import HEADER
from web.webteam import bearer

BASE = "/api/v1/plans/FY27/scenarios/baseline"
DECIMAL_2 = r"^-?[0-9]+\.[0-9]{2}$"


def _get(client: TestClient, token: str, path: str, **params: Any) -> Any:
    r = client.get(BASE + path, headers=bearer(token), params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_sellers_list_is_the_gap_table_paged_and_sorted(client: TestClient,
                                                            tokens: dict[str, str]) -> None:
    first = _get(client, tokens["vic"], "/sellers", sort="final_quota", desc="true", per_page=5)
    rows = first["sellers"]
    assert isinstance(rows, list)
    assert len(rows) == 5
    assert first["paging"] == {"page": 1, "per_page": 5, "total": first["paging"]["total"],
                               "pages": -(-first["paging"]["total"] // 5)}
    quotas = [Decimal(r["final_quota"]) for r in rows]
    assert quotas == sorted(quotas, reverse=True)
    assert all(pl.Series([r["final_quota"], r["book_target"]]).str.contains(DECIMAL_2).all() for r in rows)
    assert {"seller_id", "final_quota", "book_target", "coverage", "risk", "top3_share",
            "accounts_for_80pct"} <= set(rows[0])
    assert isinstance(rows[0]["accounts_for_80pct"], int)  # a count stays a number
    second = _get(client, tokens["vic"], "/sellers", sort="final_quota", desc="true", per_page=5, page=2)
    assert not {r["seller_id"] for r in rows} & {r["seller_id"] for r in second["sellers"]}
    high = _get(client, tokens["vic"], "/sellers", risk="high", per_page=500)["sellers"]
    assert high
    assert {r["risk"] for r in high} == {"high"}
    found = _get(client, tokens["vic"], "/sellers", q="s01")["sellers"]
    assert [r["seller_id"] for r in found] == ["S01"]


def test_a_manager_lists_their_subtree_and_a_seller_only_themself(client: TestClient,
                                                                 tokens: dict[str, str]) -> None:
    every = {r["seller_id"] for r in _get(client, tokens["pia"], "/sellers", per_page=500)["sellers"]}
    rg1 = {r["seller_id"] for r in _get(client, tokens["pia"], "/sellers", node="RG1",
                                        per_page=500)["sellers"]}
    mine = {r["seller_id"] for r in _get(client, tokens["max"], "/sellers", per_page=500)["sellers"]}
    assert "S30" in every - rg1
    assert mine == rg1
    assert {r["seller_id"] for r in _get(client, tokens["sam"], "/sellers")["sellers"]} == {"S01"}
    outside = client.get(BASE + "/sellers", params={"node": "RG2"}, headers=bearer(tokens["max"]))
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "not_found"


def test_accounts_are_searched_and_limited_to_what_the_caller_may_read(client: TestClient,
                                                                      tokens: dict[str, str]) -> None:
    page = _get(client, tokens["vic"], "/accounts", per_page=10)
    rows = page["accounts"]
    assert len(rows) == 10
    targets = [Decimal(r["target"]) for r in rows]
    assert targets == sorted(targets, reverse=True)
    assert {"account_id", "account_name", "territory_id", "seller_id", "target", "abc_class"} <= set(rows[0])
    assert _get(client, tokens["vic"], "/accounts", q="a0001")["accounts"][0]["account_name"] \
        == "Pioneer Energy plc"
    by_name = _get(client, tokens["vic"], "/accounts", q="pioneer energy", per_page=500)["accounts"]
    assert "A0001" in {r["account_id"] for r in by_name}
    own = _get(client, tokens["sam"], "/accounts", per_page=500)
    assert own["paging"]["total"] > 0
    assert {r["seller_id"] for r in own["accounts"]} == {"S01"}
    assert client.get(BASE + "/accounts", params={"seller": "S02"},
                      headers=bearer(tokens["sam"])).json()["accounts"] == []
    bad = client.get(BASE + "/accounts", params={"sort": "nope"}, headers=bearer(tokens["vic"]))
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "sort"


def test_nodes_are_the_rollup_of_what_may_be_read(client: TestClient, tokens: dict[str, str]) -> None:
    every = _get(client, tokens["vic"], "/nodes")["nodes"]
    root = next(n for n in every if n["territory_id"] == "GLOBAL")
    assert Decimal(root["topdown"]) == Decimal("38340000.00")
    mine = {n["territory_id"] for n in _get(client, tokens["max"], "/nodes")["nodes"]}
    assert {"RG1", "DI01"} <= mine
    assert not mine & {"GLOBAL", "RG2", "RG3"}


def test_exports_download_what_the_engine_computed(client: TestClient, tokens: dict[str, str]) -> None:
    listed = _get(client, tokens["vic"], "/exports")
    assert [e["name"] for e in listed["exports"]] == ["folder", "outputs", "xlsx", "salesforce"]
    outputs = client.get(BASE + "/exports/outputs", headers=bearer(tokens["vic"]))
    assert outputs.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(outputs.content)).namelist()
    assert {"quotas.csv", "gap.csv", "rollup.csv", "summary.json", "account_targets.csv"} <= set(names)
    quotas = pl.read_csv(zipfile.ZipFile(io.BytesIO(outputs.content)).read("quotas.csv"),
                         schema_overrides={"final_quota": pl.String})
    s01 = _get(client, tokens["vic"], "/sellers/S01")
    assert quotas.filter(pl.col("seller_id") == "S01").get_column("final_quota")[0] \
        == s01["figures"]["final_quota"]
    folder = client.get(BASE + "/exports/folder", headers=bearer(tokens["vic"]))
    assert "plan.toml" in zipfile.ZipFile(io.BytesIO(folder.content)).namelist()
    xlsx = client.get(BASE + "/exports/xlsx", headers=bearer(tokens["vic"]))
    assert xlsx.content[:2] == b"PK"
    sf = client.get(BASE + "/exports/salesforce", params={"forecast_type": "0DbXX0000000001"},
                    headers=bearer(tokens["vic"]))
    assert sf.status_code == 200, sf.text
    assert sf.text.splitlines()[0] == ",".join(HEADER)
    assert len(sf.text.splitlines()) > 1
    missing = client.get(BASE + "/exports/salesforce", headers=bearer(tokens["vic"]))
    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "forecast_type")
    assert client.get(BASE + "/exports/outputs", headers=bearer(tokens["max"])).status_code == 404


def test_a_change_to_a_figure_is_one_event_checked_by_the_policy(client: TestClient,
                                                                 tokens: dict[str, str]) -> None:
    events = "/api/v1/plans/FY27/scenarios/sandbox/events"
    override = {"kind": "target.override", "payload": {"account_id": "A0001", "target": "123456.78"},
                "reason": "signed a bigger contract"}
    for who, status in (("vic", 403), ("sam", 404), ("zed", 404)):
        r = client.post(events, headers=bearer(tokens[who]), json=override)
        assert r.status_code == status, (who, r.text)
    r = client.post(events, headers=bearer(tokens["pia"]), json=override)
    assert r.status_code == 201, r.text
    assert (r.json()["kind"], r.json()["actor"]) == ("target.override", "pia")
    found = client.get("/api/v1/plans/FY27/scenarios/sandbox/accounts", params={"q": "A0001"},
                       headers=bearer(tokens["pia"])).json()["accounts"]
    assert found[0]["target"] == "123456.78"
    assert client.post(events, headers=bearer(tokens["pia"]),
                       json={**override, "kind": "scenario.publish"}).json()["error"]["field"] == "kind"
    bad = client.post(events, headers=bearer(tokens["pia"]),
                      json={**override, "payload": {"account_id": "A0001", "target": "lots"}})
    assert bad.status_code == 422, bad.text
    moved = client.post(events, headers=bearer(tokens["pia"]), json={
        "kind": "account.move", "payload": {"account_id": "A0001", "territory_id": "TR02"},
        "reason": "re-territoried", "based_on": r.json()["seq"] - 1})
    assert moved.status_code == 409, moved.text  # A0001 was overridden since that seq
    assert "pia" in moved.json()["error"]["message"]


def test_the_openapi_document_describes_every_resource(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    scenario = "/plans/{plan}/scenarios/{scenario}"
    for path, method in [
        (f"{scenario}/sellers", "get"), (f"{scenario}/accounts", "get"), (f"{scenario}/nodes", "get"),
        (f"{scenario}/events", "get"), (f"{scenario}/events", "post"), (f"{scenario}/whatif", "post"),
        (f"{scenario}/exports", "get"), (f"{scenario}/exports/{{name}}", "get"),
        ("/plans/{plan}/changes", "get"), ("/plans/{plan}/changes", "post"),
        ("/plans/{plan}/changes/{change_id}/{decision}", "post"), ("/plans/{plan}/versions", "get"),
        ("/plans/{plan}/versions/{number}", "get"), ("/plans/{plan}/versions/{number}/tables/{name}", "get"),
        ("/plans/{plan}/versions/{number}/letters/{seller_id}", "get"),
    ]:
        assert method in paths.get(path, {}), (method, path)
        assert "404" in paths[path][method]["responses"], (method, path)  # every route may answer 404


def test_paths_read_at_once_are_the_policys_paths(client: TestClient, tokens: dict[str, str]) -> None:
    from quotaplan.web.api_lists import _paths
    from quotaplan.workspace.access import territory_path

    opened = client.app.state.bench.workspace.acting_as("pia").open("FY27", "baseline")  # type: ignore[attr-defined]
    ids = opened.plan.territories.get_column("territory_id").to_list()
    assert _paths(opened, [*ids, "NOPE"]) == {t: territory_path(opened.plan, t) for t in [*ids, "NOPE"]}
    assert _paths(opened, ["TR01"])["TR01"][:2] == ("GLOBAL", "RG1")


def test_a_download_is_named_in_ascii_whatever_the_plans_name() -> None:
    from quotaplan.web.api_rows import attachment

    header = attachment('Plän "FY27"/EMEA-v1-quotas.csv')["content-disposition"]
    assert header == 'attachment; filename="Pl_n__FY27__EMEA-v1-quotas.csv"'
    header.encode("latin-1")  # what an HTTP header may hold


def test_a_payload_is_flat_text_or_whole_numbers(client: TestClient, tokens: dict[str, str]) -> None:
    """A float (never exact) or a nested value in a payload is 422 naming it, for every route that
    takes one (they once reached the engine and failed there)."""
    for route, extra in (("events", {"reason": "r"}), ("whatif", {})):
        for value in (1.5, {"a": 1}, [1]):
            body = {"kind": "seller.add", "payload": {"seller_id": "SX", "territory_id": value}, **extra}
            r = client.post(f"/api/v1/plans/FY27/scenarios/sandbox/{route}", headers=bearer(tokens["pia"]),
                            json=body)
            assert r.status_code == 422, (route, value, r.text)
            assert r.json()["error"]["field"].startswith("payload.territory_id"), r.json()
