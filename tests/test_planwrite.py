"""The plan writer (:mod:`quotaplan.planfolder.write`): a plan written as a folder reads back to an
equal plan, builds to the same outputs, and never replaces a folder it did not write."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import shared_data
from quotaplan.build import build
from quotaplan.errors import UsageError
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.importers import maven_crm_plan
from quotaplan.outputs import output_tables
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.planfolder.write import scaled_text, settings_toml, write_plan
from quotaplan.schemas import INPUTS
from quotaplan.settings import parse_settings


def read_back(plan: Plan, folder: Path) -> Plan:
    write_plan(plan, folder, command="export")
    again, problems = read_plan(folder)
    assert again is not None, [p.render() for p in problems]
    return again


def assert_equal_plans(plan: Plan, again: Plan) -> None:
    assert again.settings == plan.settings
    for table in INPUTS:
        ours, theirs = getattr(plan, table).drop("line"), getattr(again, table).drop("line")
        assert theirs.columns == ours.columns, table
        assert theirs.schema == ours.schema, table
        assert theirs.equals(ours), table


options = st.builds(
    GenerateOptions,
    accounts=st.integers(1, 60),
    sellers=st.integers(1, 8),
    seed=st.integers(0, 10_000),
    fiscal_year_start=st.dates(date(2020, 1, 1), date(2030, 12, 1)).map(lambda d: d.replace(day=1)),
    levels=st.integers(1, 4),
    history_years=st.integers(1, 3),
    bookings_per_account=st.floats(0, 4),
)


@settings(max_examples=15)
@given(options)
def test_a_generated_plan_reads_back_equal(opts: GenerateOptions) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        write_generated(generate_plan(opts), Path(tmp) / "generated", command="generate")
        plan, problems = read_plan(Path(tmp) / "generated")
        assert plan is not None, [p.render() for p in problems]
        assert_equal_plans(plan, read_back(plan, Path(tmp) / "written"))


EDGE_TOML = """
[plan]
name = "Edge \\"plan\\", FY2026"
fiscal_year_start = 2026-02-01
currency = "EUR"
period = "month"

[targets]
method = "bucketed"
weight = "potential"
base_window_months = 18
missing_weight = "zero"
topdown = 1234567.89
growth = 0.1250
growth_by_segment = { SMB = -0.05, "Mid Market" = 0.333 }
trend = true
trend_band = [-0.25, 0.75]
blend_alpha = 0.3
bucket_by = "tier"
within_bucket = "weighted"
buckets = { A = 0.6, B = 0.4 }

[quotas]
over_assignment = { 0 = 0.01, 2 = 0.125 }
hedge = { 1 = 0.05 }
adjustment_mode = "additive"

[ramp]
cutoff = "day:15"
profiles = { fast = [0.5, 1.0], slow = [0, 0.25, 0.5, 0.75] }
default_profile = "slow"

[seniority]
factors = { junior = 0.9, senior = 1.15 }

[[strategic_focus]]
match = { segment = "SMB", grade = ["A", "B"] }
factor = 1.1
reason = "Grow SMB"

[[strategic_focus]]
match = { accounts = ["007", "a,b"] }
factor = 0.95

[seasonality]
weights = [0.05, 0.05, 0.1, 0.05, 0.05, 0.1, 0.05, 0.1, 0.1, 0.1, 0.1, 0.15]

[risk]
high_below = 0.8
medium_below = 0.95

[capacity]
quota_to_ote = [3.5, 6]
expected_attainment = 0.75
high_value_target = 50000.5
attrition = 0.1
pipeline_coverage = 2.5
"""

EDGE_FILES = {
    "plan.toml": EDGE_TOML,
    "territories.csv": '''
        territory_id,name,parent_id,level
        ROOT,"World, all",,Company
        T1,"North ""A""",ROOT,Territory
        T2,South,ROOT,Territory
    ''',
    "sellers.csv": '''
        seller_id,name,territory_id,role,hire_date,end_date,ote,seniority,ramp_profile,status
        M1,Boss,ROOT,manager,2020-01-01,,300000,senior,,active
        S1,"Doe, Jane",T1,AE,2025-11-03,,150000.5,junior,fast,active
        S2,,T2,AE,,2026-09-30,,,,tbh
    ''',
    "accounts.csv": '''
        account_id,name,territory_id,segment,grade,annual_revenue,bottom_up_target,status,tier,potential
        007,"Bond, James",T1,SMB,A,1234.567891,,active,A,10.5
        "a,b","He said ""hi""",T1,Mid Market,B,,0,active,B,3
        A3,Third,T2,SMB,C,5,2000.10,inactive,A,
        A4,Fourth,T2,Enterprise,A,0.000001,,active,B,7
    ''',
    "bookings.csv": '''
        account_id,date,amount,product
        007,2025-03-31,1000.10,X
        "a,b",2025-06-30,-250.55,Y
        A3,2025-12-01,0.01,
        A4,2025-02-01,99999999.99,Z
    ''',
    "adjustments.csv": '''
        seller_id,amount,rate,reason,author
        S1,-500.25,,"Leave, Q2",ops
        S2,,0.05,Carry-over,
    ''',
}


def test_a_plan_with_every_kind_of_setting_and_cell_reads_back_equal(
    load_plan: Callable[[dict[str, str]], Plan], tmp_path: Path
) -> None:
    plan = load_plan(EDGE_FILES)
    assert plan.overrides.height == 0  # an empty optional table stays empty
    again = read_back(plan, tmp_path / "written")
    assert_equal_plans(plan, again)
    assert not (tmp_path / "written" / "overrides.csv").exists()
    written = (tmp_path / "written" / "plan.toml").read_text(encoding="utf-8")
    assert "topdown = 1234567.89" in written
    assert "pipeline_coverage = 2.5" in written
    assert "[risk]" in written and "name =" in written  # noqa: PT018
    assert "base_window_months = 18" in written


def test_defaults_are_left_out_of_plan_toml(
    load_plan: Callable[[dict[str, str]], Plan], tmp_path: Path
) -> None:
    plan = load_plan({
        "plan.toml": '[plan]\nname = "Small"\nfiscal_year_start = 2026-01-01\n'
                     '[targets]\nmethod = "growth"\ngrowth = 0.05\n',
        "territories.csv": "territory_id,parent_id\nROOT,\nT1,ROOT\n",
        "sellers.csv": "seller_id,territory_id\nS1,T1\n",
        "accounts.csv": "account_id,territory_id\nA1,T1\n",
    })
    again = read_back(plan, tmp_path / "out")
    assert_equal_plans(plan, again)
    text = (tmp_path / "out" / "plan.toml").read_text(encoding="utf-8")
    body = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert body == ["[plan]", 'name = "Small"', "fiscal_year_start = 2026-01-01",
                    "[targets]", 'method = "growth"', "growth = 0.05"]


def test_writing_then_building_gives_the_same_outputs_byte_for_byte(tmp_path: Path) -> None:
    write_generated(generate_plan(GenerateOptions(accounts=300, sellers=12, seed=5)),
                    tmp_path / "plan", command="generate")
    plan, _ = read_plan(tmp_path / "plan")
    assert plan is not None
    again = read_back(plan, tmp_path / "written")
    ours, theirs = output_tables(build(plan)), output_tables(build(again))
    assert sorted(ours) == sorted(theirs)
    assert ours
    for name, frame in ours.items():
        assert theirs[name].write_csv() == frame.write_csv(), name


def test_a_folder_the_writer_did_not_write_is_refused_and_left_intact(
    load_plan: Callable[[dict[str, str]], Plan], tmp_path: Path
) -> None:
    plan = load_plan(EDGE_FILES)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_bytes(b"my notes\n")
    with pytest.raises(UsageError):
        write_plan(plan, mine, command="export")
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert (mine / "notes.txt").read_bytes() == b"my notes\n"
    write_plan(plan, tmp_path / "out", command="export")
    write_plan(plan, tmp_path / "out", command="export", force=True)  # its own: replaced
    assert (tmp_path / "out" / "plan.toml").is_file()


@pytest.mark.parametrize(("units", "scale", "trim", "text"), [
    (-1, 2, False, "-0.01"), (123456, 2, False, "1234.56"), (0, 2, False, "0.00"),
    (12_500_000, 6, True, "12.5"), (100_000_000, 6, True, "100"), (1, 6, True, "0.000001"),
    (-7_000_000, 6, True, "-7"), (None, 2, False, None),
])
def test_scaled_units_are_written_exactly(units: int | None, scale: int, trim: bool,
                                          text: str | None) -> None:
    frame = pl.DataFrame({"v": [units]}, schema={"v": pl.Int64})
    assert frame.select(scaled_text(pl.col("v"), scale, trim=trim)).item() == text
    if text is not None:
        assert Decimal(text) * 10**scale == units


@pytest.mark.realdata
def test_an_imported_plan_builds_as_its_written_folder_does(tmp_path: Path) -> None:
    imported = maven_crm_plan(shared_data("maven_crm"))
    report = imported.write(tmp_path / "plan")
    assert report.out == tmp_path / "plan"
    again, _ = read_plan(tmp_path / "plan")
    assert again is not None
    ours, theirs = output_tables(build(imported.plan)), output_tables(build(again))
    assert ours
    for name, frame in ours.items():
        assert theirs[name].write_csv() == frame.write_csv(), name
    written = pl.read_csv(tmp_path / "plan" / "bookings.csv", infer_schema=False)
    assert "product" in written.columns  # kept through the plan for the folder


def test_shown_settings_are_written_at_their_default_in_their_place() -> None:
    settings, _ = parse_settings('[plan]\nname = "P"\nfiscal_year_start = 2026-01-01\n'
                                 '[targets]\ntopdown = 5\n')
    assert settings is not None
    text = settings_toml(settings, shown=("plan.period", "targets.method"), note="# note\n")
    assert text == ('# note\n[plan]\nname = "P"\nfiscal_year_start = 2026-01-01\n'
                    'period = "quarter"\n\n[targets]\nmethod = "weighted"\ntopdown = 5.0\n')
