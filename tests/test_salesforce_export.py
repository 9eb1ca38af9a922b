"""``quotaplan export salesforce``: ForecastingQuota rows that sum to the cent per user, managers
included, monthly and quarterly; the round trip from a Salesforce export keeps Salesforce's ids."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import shared_data
from quotaplan.cli import app
from quotaplan.importers import import_maven_crm, import_salesforce
from quotaplan.interop.salesforce_export import HEADER, ExportOptions, Quotas, forecasting_quotas
from salesforce_fixture import SalesforceExport, long_id, write_export

FORECAST_TYPE = "0Db5g000000AbCd"  # a 15-character id: written as its 18-character form
ROLES = "Account Executive,Regional Manager,Area Vice President"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def export_rows(source: Path, out: Path, *extra: str) -> pl.DataFrame:
    code, output = run("export", "salesforce", str(source), "--forecast-type", FORECAST_TYPE,
                       "--out", str(out), *extra)
    assert code == 0, output
    assert out.read_text(encoding="utf-8").splitlines()[0] == ",".join(HEADER)
    return pl.read_csv(out, infer_schema=False)


def cents(text: str) -> int:
    assert re.fullmatch(r"-?[0-9]+\.[0-9]{2}", text), text
    return int(Decimal(text) * 100)


def per_user(rows: pl.DataFrame) -> dict[str, int]:
    sums: dict[str, int] = defaultdict(int)
    for owner, amount in rows.select("QuotaOwnerId", "QuotaAmount").iter_rows():
        sums[owner] += cents(amount)
    return dict(sums)


def expected_totals(outputs: Path) -> dict[str, int]:
    """final_quota per carrier and manager_quota per manager, from the build's own files."""
    quotas = pl.read_csv(outputs / "quotas.csv", infer_schema=False)
    rollup = pl.read_csv(outputs / "rollup.csv", infer_schema=False).filter(
        pl.col("manager_id").is_not_null())
    totals = {s: cents(q) for s, q in quotas.select("seller_id", "final_quota").iter_rows()}
    totals.update({m: cents(q) for m, q in rollup.select("manager_id", "manager_quota").iter_rows()})
    return totals


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[SalesforceExport, Path, Path]:
    base = tmp_path_factory.mktemp("roundtrip")
    export = write_export(base / "export")
    import_salesforce(export.folder, base / "plan", roles=ROLES, ote_field="OTE__c")
    code, output = run("build", str(base / "plan"), "--out", str(base / "outputs"))
    assert code == 0, output
    return export, base / "plan", base / "outputs"


@pytest.mark.parametrize("period", ["quarter", "month"])
def test_round_trip_keeps_salesforce_ids_and_sums_to_the_cent(
        round_trip: tuple[SalesforceExport, Path, Path], tmp_path: Path, period: str) -> None:
    export, plan, outputs = round_trip
    rows = export_rows(plan, tmp_path / "quotas.csv", "--period", period)
    users = pl.read_csv(export.folder / "User.csv", infer_schema=False).get_column("ID")
    territories = pl.read_csv(export.folder / "Territory2.csv", infer_schema=False).get_column("Id")
    user_ids = {long_id(u[:15]) for u in users}
    owners = set(rows.get_column("QuotaOwnerId"))
    salesforce_owners = {o for o in owners if not o.startswith("tbh-")}
    assert salesforce_owners <= user_ids
    assert set(export.carriers.values()) | set(export.managers.values()) == salesforce_owners
    assert set(rows.get_column("Territory2Id")) <= {long_id(t[:15]) for t in territories}
    assert set(rows.get_column("ForecastingTypeId")) == {long_id(FORECAST_TYPE)}
    assert set(rows.get_column("CurrencyIsoCode")) == {"USD"}
    assert per_user(rows) == expected_totals(outputs)
    periods = 12 if period == "month" else 4
    assert rows.group_by("QuotaOwnerId").len().get_column("len").to_list() == [periods] * len(owners)
    starts = sorted(set(rows.get_column("StartDate")))
    assert starts[0] == "2027-01-01"
    assert len(starts) == periods
    assert all(re.fullmatch(r"[0-9]{4}-[0-9]{2}-01", s) for s in starts)


def test_a_quarter_plan_written_monthly_splits_each_quarter_evenly(
        round_trip: tuple[SalesforceExport, Path, Path], tmp_path: Path) -> None:
    _, _, outputs = round_trip
    months = export_rows(outputs, tmp_path / "m.csv", "--period", "month")
    periods = pl.read_csv(outputs / "quota_periods.csv", infer_schema=False)
    by_month = {(o, s): cents(a) for o, s, a in
                months.select("QuotaOwnerId", "StartDate", "QuotaAmount").iter_rows()}
    for seller, start, quota in periods.select("seller_id", "period_start", "quota").iter_rows():
        first = date.fromisoformat(start)
        parts = [by_month[(seller, date(first.year, first.month + k, 1).isoformat())]
                 for k in range(3)]
        assert sum(parts) == cents(quota)
        assert max(parts) - min(parts) <= 1
        assert parts == sorted(parts, reverse=True)  # the leftover cents go to the first months


def test_a_month_plan_written_quarterly_sums_its_months(
        round_trip: tuple[SalesforceExport, Path, Path], tmp_path: Path) -> None:
    _, plan, _ = round_trip
    monthly = tmp_path / "monthly"
    monthly.mkdir()
    for file in plan.iterdir():
        if not file.name.startswith("."):
            (monthly / file.name).write_bytes(file.read_bytes())
    toml = (monthly / "plan.toml").read_text()
    (monthly / "plan.toml").write_text(toml.replace('period = "quarter"', 'period = "month"'))
    months = export_rows(monthly, tmp_path / "m.csv")
    quarters = export_rows(monthly, tmp_path / "q.csv", "--period", "quarter")
    assert len(set(months.get_column("StartDate"))) == 12
    by_quarter: dict[tuple[str, str], int] = defaultdict(int)
    for owner, start, amount in months.select("QuotaOwnerId", "StartDate", "QuotaAmount").iter_rows():
        day = date.fromisoformat(start)
        by_quarter[(owner, date(day.year, 1 + 3 * ((day.month - 1) // 3), 1).isoformat())] += cents(amount)
    got = {(o, s): cents(a) for o, s, a in
           quarters.select("QuotaOwnerId", "StartDate", "QuotaAmount").iter_rows()}
    # Carriers' quarters are their months' sums exactly; managers' follow their team's months.
    parents = set(pl.read_csv(monthly / "territories.csv", infer_schema=False)
                  .get_column("parent_id").drop_nulls())
    carriers = set(quarters.filter(~pl.col("Territory2Id").is_in(parents)).get_column("QuotaOwnerId"))
    assert len(carriers) == 11
    for key, amount in got.items():
        if key[0] in carriers:
            assert amount == by_quarter[key]
    assert per_user(quarters) == per_user(months)


def test_plan_and_build_outputs_give_the_same_rows(round_trip: tuple[SalesforceExport, Path, Path],
                                                   tmp_path: Path) -> None:
    _, plan, outputs = round_trip
    from_plan = export_rows(plan, tmp_path / "a.csv", "--currency", "usd", "--product-family",
                            "Software")
    from_outputs = export_rows(outputs, tmp_path / "b.csv", "--currency", "USD",
                               "--product-family", "Software")
    assert from_plan.equals(from_outputs)
    assert set(from_plan.get_column("ProductFamily")) == {"Software"}


def test_managers_follow_their_teams_phasing(round_trip: tuple[SalesforceExport, Path, Path],
                                             tmp_path: Path) -> None:
    export, plan, outputs = round_trip
    rows = export_rows(plan, tmp_path / "q.csv")
    territories = pl.read_csv(plan / "territories.csv", infer_schema=False)
    parent = dict(territories.select("territory_id", "parent_id").iter_rows())
    carriers = pl.read_csv(outputs / "quotas.csv", infer_schema=False)
    amounts = {(o, s): cents(a) for o, s, a in
               rows.select("QuotaOwnerId", "StartDate", "QuotaAmount").iter_rows()}
    starts = sorted(set(rows.get_column("StartDate")))
    for node, manager in export.managers.items():
        team = [s for s, t in carriers.select("seller_id", "territory_id").iter_rows()
                if _beneath(t, node, parent)]
        weights = [sum(amounts[(s, p)] for s in team) for p in starts]
        mine = [amounts[(manager, p)] for p in starts]
        total = sum(mine)
        for w, m in zip(weights, mine, strict=True):
            assert abs(Decimal(m) - Decimal(total) * w / sum(weights)) < 1


def _beneath(territory: str, node: str, parent: dict[str, str | None]) -> bool:
    up: str | None = parent.get(territory)
    while up is not None:
        if up == node:
            return True
        up = parent.get(up)
    return False


@pytest.mark.realdata
@pytest.mark.parametrize("period", ["quarter", "month"])
def test_maven_crm_plan_exports_to_the_cent(tmp_path: Path, period: str) -> None:
    import_maven_crm(shared_data("maven_crm"), tmp_path / "plan")
    code, output = run("build", str(tmp_path / "plan"), "--out", str(tmp_path / "outputs"))
    assert code == 0, output
    code, output = run("export", "salesforce", str(tmp_path / "plan"), "--forecast-type",
                       FORECAST_TYPE, "--out", str(tmp_path / "q.csv"), "--period", period)
    assert code == 0, output
    assert "not Salesforce user ids" in output  # MavenTech's ids are names, said so
    rows = pl.read_csv(tmp_path / "q.csv", infer_schema=False)
    totals = expected_totals(tmp_path / "outputs")
    assert per_user(rows) == totals
    assert len(totals) == 35 + 6  # agents and managers
    assert rows.height == len(totals) * (12 if period == "month" else 4)


# --- the split rules, as properties --------------------------------------------------------------

def quotas_of(carriers: list[tuple[str, list[int]]], manager_total: int, kind: str) -> Quotas:
    """Carriers on leaves L0…, under one managed node N; periods from 2027-01-01."""
    span = 3 if kind == "quarter" else 1
    rows = []
    for seller, parts in carriers:
        for i, quota in enumerate(parts):
            start = date(2027, 1 + span * i, 1)
            end = date(2027, span * (i + 1), 28)
            rows.append((seller, start, end, quota))
    periods = pl.DataFrame(rows, schema={"seller_id": pl.String, "period_start": pl.Date,
                                         "period_end": pl.Date, "quota": pl.Int64}, orient="row")
    periods = periods.with_columns(period_end=pl.col("period_start").dt.offset_by(f"{span}mo")
                                   .dt.offset_by("-1d"))
    quotas = pl.DataFrame({"seller_id": [s for s, _ in carriers],
                           "territory_id": [f"L{i}" for i in range(len(carriers))],
                           "final_quota": [sum(p) for _, p in carriers]})
    nodes = pl.DataFrame({"territory_id": ["N", *quotas.get_column("territory_id")],
                          "parent_id": [None] + ["N"] * len(carriers),
                          "manager_id": ["M"] + [None] * len(carriers),
                          "manager_quota": [manager_total] + [None] * len(carriers)},
                         schema={"territory_id": pl.String, "parent_id": pl.String,
                                 "manager_id": pl.String, "manager_quota": pl.Int64})
    return Quotas(quotas, periods, nodes, "EUR")


amounts = st.integers(min_value=0, max_value=10**13)


@given(st.lists(st.lists(amounts, min_size=4, max_size=4), min_size=1, max_size=5),
       st.integers(min_value=0, max_value=10**14))
def test_monthly_rows_sum_to_every_users_quota(parts: list[list[int]], manager_total: int) -> None:
    carriers = [(f"S{i}", p) for i, p in enumerate(parts)]
    rows = forecasting_quotas(quotas_of(carriers, manager_total, "quarter"),
                              ExportOptions(long_id(FORECAST_TYPE), "month"))
    sums = per_user(rows)
    assert sums == {**{s: sum(p) for s, p in carriers}, "M": manager_total}
    assert all(cents(a) >= 0 for a in rows.get_column("QuotaAmount"))
    assert rows.height == 12 * (len(carriers) + 1)
    assert set(rows.get_column("CurrencyIsoCode")) == {"EUR"}


@given(st.lists(st.lists(amounts, min_size=12, max_size=12), min_size=1, max_size=4),
       st.integers(min_value=0, max_value=10**14))
def test_quarterly_rows_of_a_month_plan_sum_to_every_users_quota(parts: list[list[int]],
                                                                 manager_total: int) -> None:
    carriers = [(f"S{i}", p) for i, p in enumerate(parts)]
    rows = forecasting_quotas(quotas_of(carriers, manager_total, "month"),
                              ExportOptions(long_id(FORECAST_TYPE), "quarter"))
    assert per_user(rows) == {**{s: sum(p) for s, p in carriers}, "M": manager_total}
    for seller, p in carriers:
        mine = rows.filter(pl.col("QuotaOwnerId") == seller).sort("StartDate")
        assert [cents(a) for a in mine.get_column("QuotaAmount")] == [
            sum(p[3 * q:3 * q + 3]) for q in range(4)]


def test_a_quarter_of_cents_splits_evenly_earliest_first() -> None:
    rows = forecasting_quotas(quotas_of([("S", [100_00, 2, -100_00, 0])], 0, "quarter"),
                              ExportOptions(long_id(FORECAST_TYPE), "month"))
    mine = rows.filter(pl.col("QuotaOwnerId") == "S").get_column("QuotaAmount").to_list()
    assert mine == ["33.34", "33.33", "33.33", "0.01", "0.01", "0.00",
                    "-33.34", "-33.33", "-33.33", "0.00", "0.00", "0.00"]
    manager = rows.filter(pl.col("QuotaOwnerId") == "M").get_column("QuotaAmount").to_list()
    assert manager == ["0.00"] * 12


# --- the command line ----------------------------------------------------------------------------

def test_usage_errors_exit_2(round_trip: tuple[SalesforceExport, Path, Path], tmp_path: Path) -> None:
    outputs = round_trip[2]
    out = str(tmp_path / "q.csv")
    for args in (["--forecast-type", "Opportunity Revenue"], ["--period", "week"],
                 ["--currency", "dollars"]):
        options = {"--forecast-type": FORECAST_TYPE, **dict(zip(args[::2], args[1::2], strict=True))}
        code, output = run("export", "salesforce", str(outputs), "--out", out,
                           *[x for kv in options.items() for x in kv])
        assert code == 2, (args, output)
    code, _ = run("export", "salesforce", str(tmp_path / "nowhere"), "--forecast-type",
                  FORECAST_TYPE, "--out", out)
    assert code == 2
    code, output = run("export", "salesforce", str(tmp_path), "--forecast-type", FORECAST_TYPE,
                       "--out", out)
    assert code == 2
    assert "neither a plan folder" in output
    assert not (tmp_path / "q.csv").exists()


def test_a_foreign_file_is_never_overwritten(round_trip: tuple[SalesforceExport, Path, Path],
                                             tmp_path: Path) -> None:
    _, plan, outputs = round_trip
    target = tmp_path / "quotas.csv"
    target.write_bytes(b"Id,Name\r\n001,Keep me\r\n")
    code, output = run("export", "salesforce", str(outputs), "--forecast-type", FORECAST_TYPE,
                       "--out", str(target))
    assert code == 2
    assert "quotaplan did not write it" in output
    assert target.read_bytes() == b"Id,Name\r\n001,Keep me\r\n"
    # A plan's own input is never a target, even with --force.
    before = (plan / "sellers.csv").read_bytes()
    code, _ = run("export", "salesforce", str(plan), "--forecast-type", FORECAST_TYPE,
                  "--out", str(plan / "sellers.csv"), "--force")
    assert code == 2
    assert (plan / "sellers.csv").read_bytes() == before
    # Its own earlier export is replaced without --force; a foreign file with --force.
    export_rows(outputs, tmp_path / "mine.csv")
    export_rows(outputs, tmp_path / "mine.csv", "--period", "month")
    export_rows(outputs, target, "--force")


def test_inconsistent_build_outputs_are_named(round_trip: tuple[SalesforceExport, Path, Path],
                                              tmp_path: Path) -> None:
    _, _, outputs = round_trip
    copy = tmp_path / "outputs"
    copy.mkdir()
    for file in ("quotas.csv", "quota_periods.csv", "rollup.csv"):
        (copy / file).write_bytes((outputs / file).read_bytes())
    lines = (copy / "quota_periods.csv").read_text().splitlines()
    cells = lines[4].split(",")
    cells[3] = str(Decimal(cells[3]) + 1)
    lines[4] = ",".join(cells)
    (copy / "quota_periods.csv").write_text("\n".join(lines) + "\n")
    code, output = run("export", "salesforce", str(copy), "--forecast-type", FORECAST_TYPE,
                       "--out", str(tmp_path / "q.csv"))
    assert code == 1
    seller = cells[0]
    first = next(i + 1 for i, line in enumerate(lines) if line.startswith(seller + ","))
    assert f"quota_periods.csv:{first} (quota)" in output
    assert not (tmp_path / "q.csv").exists()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(["quotas.csv", "quota_periods.csv", "rollup.csv"]),
       line=st.integers(0, 30), column=st.integers(0, 12),
       cell=st.one_of(st.sampled_from(["", "-1", "1e5", "2027-02-30", "x", '"', "\n"]),
                      st.text(max_size=8)))
def test_no_cell_of_the_outputs_makes_a_traceback(
        round_trip: tuple[SalesforceExport, Path, Path], tmp_path_factory: pytest.TempPathFactory,
        file: str, line: int, column: int, cell: str) -> None:
    outputs = round_trip[2]
    copy = tmp_path_factory.mktemp("outputs")
    for name in ("quotas.csv", "quota_periods.csv", "rollup.csv"):
        (copy / name).write_bytes((outputs / name).read_bytes())
    rows = (copy / file).read_text().splitlines()
    cells = rows[min(line, len(rows) - 1)].split(",")
    cells[min(column, len(cells) - 1)] = cell
    rows[min(line, len(rows) - 1)] = ",".join(cells)
    (copy / file).write_text("\n".join(rows) + "\n")
    code, output = run("export", "salesforce", str(copy), "--forecast-type", FORECAST_TYPE,
                       "--out", str(copy / "q.csv"))
    assert code in (0, 1, 2), output
