"""Importers: the real Maven CRM and Superstore data sets, and small sources written inline."""

from __future__ import annotations

import textwrap
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import polars as pl
import pytest

from conftest import shared_data
from quotaplan.errors import UsageError
from quotaplan.importers import (
    IMPORTERS,
    ImportReport,
    import_maven_crm,
    import_salesforce,
    import_superstore,
)
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan


def read_ok(folder: Path) -> Plan:
    plan, problems = read_plan(folder)
    errors = [p.render() for p in problems if p.severity == "error"]
    assert plan is not None, errors
    assert errors == []
    return plan


def write_source(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return folder


def derivation(report: ImportReport, what: str) -> tuple[str, int | None]:
    found = [d for d in report.derivations if d.what == what]
    assert found, f"no derivation {what!r} in {[d.what for d in report.derivations]}"
    return found[0].how, found[0].count


def cents(plan_amounts: pl.Series) -> int:
    return int(plan_amounts.sum())


# --- Maven CRM ---------------------------------------------------------------------------------

@pytest.mark.realdata
def test_maven_crm_becomes_a_valid_plan(tmp_path: Path) -> None:
    report = import_maven_crm(shared_data("maven_crm"), tmp_path / "maven")
    plan = read_ok(tmp_path / "maven")
    # 35 agents on their own leaves, 6 managers on their teams, 3 offices under one root.
    levels = plan.territories.group_by("level").len().sort("level")
    assert dict(levels.iter_rows()) == {"Company": 1, "Regional office": 3, "Team": 6, "Agent": 35}
    leaves = plan.territories.filter(pl.col("level") == "Agent").select("territory_id")
    agents = plan.sellers.join(leaves, on="territory_id", how="semi")
    assert agents.height == 35
    assert agents.get_column("territory_id").n_unique() == 35
    assert plan.sellers.height == 41
    assert plan.accounts.height == 85
    # Won deals only: 4,238 of them, $10,005,534 in all.
    assert plan.bookings.height == 4238
    assert cents(plan.bookings.get_column("amount")) == 10_005_534_00
    assert plan.settings.plan.fiscal_year_start == date(2018, 1, 1)
    # All won deals closed in 2017, so the base year is all of them: 10,005,534 × 1.1.
    assert plan.settings.targets.topdown == Decimal("11006087.40")
    written = pl.read_csv(tmp_path / "maven" / "bookings.csv", infer_schema=False)
    products = set(written.get_column("product").unique())
    assert "GTXPro" not in products
    assert "GTX Pro" in products
    assert "technolgy" not in set(plan.accounts.get_column("industry").unique())
    assert report.counts == {"territories": 45, "sellers": 41, "accounts": 85, "bookings": 4238}
    assert derivation(report, "owner ties")[1] == 0
    assert derivation(report, "agents without accounts")[1] == 16


@pytest.mark.realdata
def test_maven_crm_owner_is_the_agent_with_most_won_value(tmp_path: Path) -> None:
    source = shared_data("maven_crm")
    import_maven_crm(source, tmp_path / "maven")
    plan = read_ok(tmp_path / "maven")
    won = (pl.read_csv(source / "sales_pipeline.csv", infer_schema=False)
           .filter(pl.col("deal_stage") == "Won")
           .group_by("account", "sales_agent")
           .agg(pl.col("close_value").cast(pl.Int64).sum().alias("value")))
    best = won.group_by("account").agg(pl.col("value").max().alias("best"))
    owners = plan.accounts.join(plan.sellers, on="territory_id").select(
        pl.col("account_id").alias("account"), pl.col("name_right").alias("sales_agent"))
    owned = owners.join(won, on=["account", "sales_agent"]).join(best, on="account")
    assert owned.height == 85
    assert (owned.get_column("value") == owned.get_column("best")).all()


def maven_source(folder: Path, pipeline: str) -> Path:
    return write_source(folder, {
        "sales_teams.csv": """
            sales_agent,manager,regional_office
            Ann Lee,Max Moe,East
            Bob Ray,Max Moe,East
            Cid Fox,Nia Orr,West
        """,
        "accounts.csv": """
            account,sector,year_established,revenue,employees,office_location,subsidiary_of
            Acme,technolgy,1990,1500.00,4000,United States,
            Beta,retail,2001,250.5,300,Kenya,
            Gamma,medical,2010,12.25,40,United States,
        """,
        "products.csv": """
            product,series,sales_price
            GTX Pro,GTX,4821
            MG Special,MG,55
        """,
        "sales_pipeline.csv": pipeline,
    })


def test_owner_ties_go_to_more_won_deals_then_the_name(tmp_path: Path) -> None:
    # Acme: Ann 300 in two deals, Bob 300 in one → Ann (more deals).
    # Beta: Bob 100 and Cid 100, one deal each → Bob (name order).
    # Gamma: no win; Cid has two open deals, Ann one → Cid.
    source = maven_source(tmp_path / "src", """
        opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
        O1,Ann Lee,GTXPro,Acme,Won,2016-12-01,2017-03-01,100
        O2,Ann Lee,MG Special,Acme,Won,2016-12-01,2017-06-30,200
        O3,Bob Ray,GTX Pro,Acme,Won,2016-12-01,2017-05-02,300
        O4,Bob Ray,MG Special,Beta,Won,2017-01-01,2017-09-15,100
        O5,Cid Fox,MG Special,Beta,Won,2017-01-01,2017-11-30,100
        O6,Cid Fox,GTX Pro,Gamma,Engaging,2017-01-01,,
        O7,Cid Fox,GTX Pro,Gamma,Lost,2017-01-01,2017-04-01,0
        O8,Ann Lee,GTX Pro,Gamma,Prospecting,,,
        O9,Ann Lee,GTX Pro,,Engaging,2017-02-01,,
    """)
    report = import_maven_crm(source, tmp_path / "plan")
    plan = read_ok(tmp_path / "plan")
    owner = dict(plan.accounts.select("account_id", "territory_id").iter_rows())
    assert owner == {"Acme": "agent-ann-lee", "Beta": "agent-bob-ray", "Gamma": "agent-cid-fox"}
    assert derivation(report, "owner ties")[1] == 2
    assert derivation(report, "owner without a win")[1] == 1
    assert derivation(report, "product names")[1] == 1  # GTXPro → GTX Pro
    assert plan.bookings.height == 5
    assert cents(plan.bookings.get_column("amount")) == 800_00
    assert plan.settings.plan.fiscal_year_start == date(2018, 1, 1)
    assert plan.settings.targets.topdown == Decimal("880.00")
    segments = dict(plan.accounts.select("account_id", "segment").iter_rows())
    assert segments == {"Acme": "Enterprise", "Beta": "Mid-Market", "Gamma": "SMB"}
    revenue = dict(plan.accounts.select("account_id", "annual_revenue").iter_rows())
    assert revenue["Beta"] == 250_500_000 * 10**6  # millionths of currency units
    assert dict(plan.accounts.select("account_id", "industry").iter_rows())["Acme"] == "technology"


def test_a_given_fiscal_year_start_is_used(tmp_path: Path) -> None:
    source = maven_source(tmp_path / "src", """
        opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
        O1,Ann Lee,GTX Pro,Acme,Won,2016-12-01,2017-03-01,100
        O2,Ann Lee,GTX Pro,Acme,Won,2016-12-01,2017-08-01,50
    """)
    import_maven_crm(source, tmp_path / "plan", fiscal_year_start=date(2017, 7, 1))
    plan = read_ok(tmp_path / "plan")
    assert plan.settings.plan.fiscal_year_start == date(2017, 7, 1)
    assert plan.settings.targets.topdown == Decimal("110.00")  # 2016-07-01 … 2017-06-30: 100


def test_maven_missing_or_malformed_sources_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a folder"):
        import_maven_crm(tmp_path / "nowhere", tmp_path / "plan")
    source = maven_source(tmp_path / "src", """
        opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
        O1,Ann Lee,GTX Pro,Acme,Won,2016-12-01,2017-03-01,1.000.00
    """)
    with pytest.raises(UsageError, match=r"sales_pipeline\.csv:2: close_value '1\.000\.00'"):
        import_maven_crm(source, tmp_path / "plan")
    (source / "sales_teams.csv").write_text("agent,boss\nAnn,Max\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"sales_teams\.csv lacks column\(s\) sales_agent"):
        import_maven_crm(source, tmp_path / "plan")
    (source / "products.csv").unlink()
    (source / "sales_teams.csv").write_text("sales_agent,manager,regional_office\n",
                                            encoding="utf-8")
    with pytest.raises(UsageError, match=r"products\.csv is missing; expected the product list"):
        import_maven_crm(source, tmp_path / "plan")
    assert not (tmp_path / "plan").exists()


def test_a_failed_import_leaves_the_old_plan(tmp_path: Path) -> None:
    good = maven_source(tmp_path / "good", """
        opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
        O1,Ann Lee,GTX Pro,Acme,Won,2016-12-01,2017-03-01,100
    """)
    out = tmp_path / "plan"
    import_maven_crm(good, out)
    before = (out / "bookings.csv").read_bytes()
    bad = maven_source(tmp_path / "bad", """
        opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value
        O1,Ann Lee,GTX Pro,Acme,Won,2016-12-01,March 1st,100
    """)
    with pytest.raises(UsageError, match=r":2: close_date 'March 1st' is not an ISO date"):
        import_maven_crm(bad, out)
    assert (out / "bookings.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "good", "plan"]


# --- Superstore --------------------------------------------------------------------------------

@pytest.mark.realdata
def test_superstore_becomes_a_valid_plan(tmp_path: Path) -> None:
    report = import_superstore(shared_data("superstore"), tmp_path / "store")
    plan = read_ok(tmp_path / "store")
    assert plan.accounts.height == 793
    assert plan.bookings.height == 9994
    # $2,297,200.86 as floats; each line rounded to the cent moves it by at most half a cent.
    total = Decimal(cents(plan.bookings.get_column("amount"))) / 100
    assert abs(total - Decimal("2297200.86")) <= Decimal("0.005") * 9994
    assert plan.settings.plan.fiscal_year_start == date(2018, 1, 1)
    leaves = plan.territories.filter(pl.col("level") == "Region segment")
    assert leaves.height == 12
    assert plan.sellers.height == 12
    assert plan.sellers.get_column("name").str.starts_with("Synthetic seller").all()
    assert plan.sellers.join(leaves, on="territory_id", how="semi").height == 12
    how, count = derivation(report, "sellers")
    assert "SYNTHETIC" in how
    assert count == 12
    assert report.counts["accounts"] == 793


@pytest.mark.realdata
def test_superstore_sales_round_half_away_from_zero(tmp_path: Path) -> None:
    source = shared_data("superstore", "superstore.csv")
    import_superstore(source, tmp_path / "store")
    raw = pl.read_csv(source, infer_schema=False).select("Sales")
    written = pl.read_csv(tmp_path / "store" / "bookings.csv", infer_schema=False)
    assert written.height == raw.height
    expected = [str(Decimal(v).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
                for v in raw.get_column("Sales").to_list()]
    # The lines keep the source's order within a day, so compare as sorted multisets.
    assert sorted(written.get_column("amount").to_list()) == sorted(expected)
    halves = [v for v in raw.get_column("Sales").to_list() if v.split(".")[-1][2:3] == "5"]
    assert halves  # the data has half-cent cases, so the rounding rule matters


def test_superstore_places_customers_by_main_state(tmp_path: Path) -> None:
    source = write_source(tmp_path / "src", {"superstore.csv": """
        "Order ID","Order Date","Customer ID","Customer Name","Segment","State","Region","Sales"
        "O-1",2016-03-01,"C-1","Ann Lee","Consumer","Texas","Central",100.005
        "O-2",2017-05-01,"C-1","Ann Lee","Consumer","New York","East",40
        "O-3",2017-06-01,"C-1","Ann Lee","Consumer","New York","East",40
        "O-4",2017-12-30,"C-2","Bo Diaz","Corporate","Ohio","East",-2.345
    """})
    report = import_superstore(source, tmp_path / "plan")
    plan = read_ok(tmp_path / "plan")
    # C-1: Texas 100.01 beats New York 80.00.
    placed = dict(plan.accounts.select("account_id", "territory_id").iter_rows())
    assert placed == {"C-1": "central-consumer", "C-2": "east-corporate"}
    amounts = sorted(plan.bookings.get_column("amount").to_list())
    assert amounts == [-235, 4000, 4000, 10001]  # half a cent rounds away from zero
    assert plan.settings.plan.fiscal_year_start == date(2018, 1, 1)
    # 2017 lines: 40 + 40 − 2.35 = 77.65; × 1.1 = 85.415 → 85.42 (half away from zero).
    assert plan.settings.targets.topdown == Decimal("85.42")
    assert derivation(report, "customers buying in several states")[1] == 1


def test_superstore_missing_or_malformed_sources_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"superstore\.csv is missing; expected Superstore"):
        import_superstore(tmp_path, tmp_path / "plan")
    source = write_source(tmp_path / "a", {"superstore.csv": """
        "Order Date","Customer ID","Customer Name","Segment","State","Sales"
        2017-01-01,"C-1","Ann","Consumer","Texas",10
    """})
    with pytest.raises(UsageError, match=r"lacks column\(s\) Region"):
        import_superstore(source, tmp_path / "plan")
    source = write_source(tmp_path / "b", {"superstore.csv": """
        "Order Date","Customer ID","Customer Name","Segment","State","Region","Sales"
        2017-01-01,"C-1","Ann","Consumer","Texas","Central",10
        2017-01-02,"C-1","Ann","Consumer","Texas","Central","1,234.50"
    """})
    with pytest.raises(UsageError, match=r"superstore\.csv:3: Sales '1,234\.50' is not an amount"):
        import_superstore(source, tmp_path / "plan")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "superstore.csv").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(UsageError, match=r"superstore\.csv:1 is not UTF-8 text"):
        import_superstore(tmp_path / "c", tmp_path / "plan")
    assert not (tmp_path / "plan").exists()


def test_the_registry_names_every_importer() -> None:
    assert sorted(IMPORTERS) == ["maven_crm", "salesforce", "superstore", "xlsx"]
    assert IMPORTERS["maven_crm"] is import_maven_crm
    assert IMPORTERS["salesforce"] is import_salesforce
    assert IMPORTERS["superstore"] is import_superstore


def test_a_source_with_nul_bytes_is_not_a_readable_csv(tmp_path: Path) -> None:
    (tmp_path / "superstore.csv").write_bytes(b'"Order Date"\n\x00\n')
    with pytest.raises(UsageError, match="not a readable CSV file"):
        import_superstore(tmp_path, tmp_path / "plan")


def test_imported_free_text_cannot_run_as_a_spreadsheet_formula(tmp_path: Path) -> None:
    from quotaplan.importers import text_cells

    accounts = pl.DataFrame({"account_id": ["=A1"], "name": ["=HYPERLINK(\"x\")"],
                             "territory_id": ["T"]})
    cells = text_cells(accounts)
    # The id keeps its text (other files refer to it); the name is neutralised.
    assert cells.get_column("account_id").to_list() == ["=A1"]
    assert cells.get_column("name").str.starts_with("'=HYPERLINK").all()
