"""The benchmark's floor (bench/floor.py): it writes SPEC's files and conserves the numbers.

Not timed: speed is measured by ``bench/run.py``, never by tests.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest

from quotaplan.schemas import OUTPUTS, WRITTEN_EXTRAS

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


floor = load("floor")
run = load("run")

# Root G has 1,000.00; region R1 has its own 600.01. R1's accounts A1-A3 share 600.01 by prior
# bookings 100/200/300 (600.01 = 100.00 + 200.00 + 300.01: the last cent goes to the largest
# remainder, A3). G's remainder is 1,000.00 − 600.01 − A4's bottom-up 100.00 = 299.99, split by
# equal weights over A5 and A7: 150.00 and 149.99 (the tie goes to the lower id). A6 is inactive.
SMALL_PLAN = {
    "plan.toml": """
        [plan]
        name = "Floor check"
        fiscal_year_start = 2026-01-01

        [targets]
        topdown = 1000

        [quotas]
        over_assignment = { 2 = 0.10 }

        [seniority]
        factors = { senior = 1.1 }
    """,
    "territories.csv": """
        territory_id,name,parent_id
        G,Global,
        R1,North,G
        R2,South,G
        T1,North 1,R1
        T2,North 2,R1
        T3,South 1,R2
    """,
    "topdown.csv": """
        territory_id,amount
        R1,600.01
    """,
    "sellers.csv": """
        seller_id,name,territory_id,seniority
        M1,Boss,G,
        S1,Ann,T1,senior
        S2,Bob,T2,
        S3,Cy,T3,
    """,
    "accounts.csv": """
        account_id,territory_id,bottom_up_target,status
        A1,T1,,
        A2,T1,,
        A3,T2,,
        A4,T3,100,
        A5,T3,,
        A6,T3,,inactive
        A7,T3,,
    """,
    "bookings.csv": """
        account_id,date,amount
        A1,2025-03-01,100
        A1,2024-12-31,999
        A2,2025-06-01,200
        A3,2025-12-31,300
        A3,2026-01-01,500
        A5,2025-05-05,50
        A6,2025-05-05,1000
        A7,2025-02-02,80
        A7,2025-02-03,-30
    """,
}


def read(folder: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(folder / name, infer_schema=False)


def column(frame: pl.DataFrame, key: str, value: str) -> dict[str, str | None]:
    """Map ``key`` column → ``value`` column."""
    return dict(zip(frame.get_column(key).to_list(), frame.get_column(value).to_list(),
                    strict=True))


def to_cents(frame: pl.DataFrame, name: str) -> pl.Series:
    return frame.get_column(name).str.replace(".", "", literal=True).cast(pl.Int64)


@pytest.fixture
def small_out(plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path) -> Path:
    out = tmp_path / "out"
    floor.run(plan_dir(SMALL_PLAN), out)
    return out


def test_floor_splits_each_number_by_largest_remainder(small_out: Path) -> None:
    targets = read(small_out, "account_targets.csv")
    assert column(targets, "account_id", "calculated_target") == {
        "A1": "100.00", "A2": "200.00", "A3": "300.01", "A4": "100.00", "A5": "150.00",
        "A7": "149.99",
    }
    assert column(targets, "account_id", "seller_id")["A4"] == "S3"
    assert to_cents(targets, "target").sum() == 100_000


def test_floor_quotas_pad_below_the_anchor_and_apply_seniority(small_out: Path) -> None:
    quotas = read(small_out, "quotas.csv")
    # S1: book 300.00 × 1.10 (depth 2, below R1) × 1.1 (senior) = 363.00.
    # S3: book 399.99 × 1.10 (depth 2; depth 1 below G pads 0) = 439.989 → 439.99.
    assert column(quotas, "seller_id", "book_target") == {
        "S1": "300.00", "S2": "300.01", "S3": "399.99"}
    assert column(quotas, "seller_id", "final_quota") == {
        "S1": "363.00", "S2": "330.01", "S3": "439.99"}
    periods = read(small_out, "quota_periods.csv")
    sums = (periods.with_columns(cents=to_cents(periods, "quota"))
            .group_by("seller_id").agg(pl.col("cents").sum(), pl.len()))
    assert dict(zip(sums["seller_id"], sums["cents"], strict=True)) == {
        "S1": 36_300, "S2": 33_001, "S3": 43_999}
    assert set(sums["len"]) == {4}
    s1 = periods.filter(pl.col("seller_id") == "S1")
    assert s1["period_start"].to_list() == ["2026-01-01", "2026-04-01", "2026-07-01", "2026-10-01"]
    assert s1["period_end"].to_list()[0] == "2026-03-31"
    assert s1["quota"].to_list() == ["90.75"] * 4


def test_floor_gap_rollup_and_summary(small_out: Path) -> None:
    gap = read(small_out, "gap.csv").row(0, named=True)
    # S1: gap 363.00 − 300.00; coverage 300/363; median of 100 and 200 is 150 → 1 account to add.
    assert (gap["seller_id"], gap["gap"], gap["coverage"], gap["risk"]) == (
        "S1", "63.00", "0.826446", "high")
    assert (gap["top1_share"], gap["accounts_for_80pct"], gap["accounts_to_add"]) == (
        "0.666667", "2", "1")
    assert (gap["pipeline_needed"], gap["quota_at_target_coverage"]) == ("189.00", "300.00")
    rollup = read(small_out, "rollup.csv")
    assert column(rollup, "territory_id", "calculated_target_sum") == {
        "G": "1000.00", "R1": "600.01", "R2": "399.99", "T1": "300.00", "T2": "300.01",
        "T3": "399.99"}
    assert column(rollup, "territory_id", "manager_id")["G"] == "M1"
    summary = json.loads((small_out / "summary.json").read_text(encoding="utf-8"))
    assert summary["topdown"] == "1000.00"
    assert summary["account_target_sum"] == "1000.00"
    assert summary["street_quota"] == "1133.00"
    assert summary["quota_gap"] == "-133.00"
    assert summary["sellers_by_risk"] == {"high": 1, "medium": 2, "low": 0, "none": 0}


def test_floor_on_a_generated_plan_writes_the_contract_and_conserves_the_number(
    tmp_path: Path,
) -> None:
    from quotaplan.generate import GenerateOptions, generate_plan, write_generated

    plan = tmp_path / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=3000, sellers=30, seed=3)), plan)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(BENCH / "floor.py"), str(plan), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for name, columns in OUTPUTS.items():
        assert tuple(read(out, name).columns[: len(columns)]) == columns, name
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert set(summary) >= {"topdown", "account_target_sum", "street_quota", "attainment_factor",
                            "sellers_by_risk", "strategic_gap", "quota_gap", "uncovered_target",
                            "productive_capacity", "headcount_to_close"}
    targets = read(out, "account_targets.csv")
    topdown_cents = int(summary["topdown"].replace(".", ""))
    # Calculated targets conserve the root's number exactly (final targets carry overrides).
    assert to_cents(targets, "calculated_target").sum() == topdown_cents
    numbered = read(plan, "topdown.csv")
    rollup = read(out, "rollup.csv").join(numbered, on="territory_id")
    assert rollup.height == numbered.height
    assert rollup["calculated_target_sum"].to_list() == rollup["amount"].to_list()


def test_floor_writes_the_engines_figures_on_a_generated_plan(tmp_path: Path) -> None:
    """The floor is only a fair yardstick if it does the same work: same rows, same figures."""
    from quotaplan.build import build
    from quotaplan.generate import GenerateOptions, generate_plan, write_generated
    from quotaplan.outputs import write_outputs
    from quotaplan.planfolder.read import read_plan

    folder = tmp_path / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=4000, sellers=40, seed=11)), folder)
    plan, _ = read_plan(folder)
    assert plan is not None
    write_outputs(build(plan), tmp_path / "engine")
    floor.run(folder, tmp_path / "floor")
    for name, columns in OUTPUTS.items():
        engine = read(tmp_path / "engine", name).select(columns)
        mine = read(tmp_path / "floor", name).select(columns)
        if name == "quotas.csv":
            # The floor rounds the manual lines' money once; the engine rounds each line.
            apart = (to_cents(engine, "manual_adjustment")
                     - to_cents(mine, "manual_adjustment")).abs()
            assert apart.max() in (0, 1, None)
            engine, mine = engine.drop("manual_adjustment"), mine.drop("manual_adjustment")
        assert engine.equals(mine), name
    # The large file is written whole by both, its extra columns included.
    engine = read(tmp_path / "engine", "account_targets.csv")
    assert engine.columns == [*OUTPUTS["account_targets.csv"], *WRITTEN_EXTRAS["account_targets.csv"]]
    assert engine.equals(read(tmp_path / "floor", "account_targets.csv"))
    engine_summary = json.loads((tmp_path / "engine" / "summary.json").read_text("utf-8"))
    floor_summary = json.loads((tmp_path / "floor" / "summary.json").read_text("utf-8"))
    assert {k: engine_summary[k] for k in floor_summary} == floor_summary


def test_growth_exponent_is_the_log_log_slope() -> None:
    # Ten times the accounts in ten times the time: linear, exponent 1.
    assert run.exponent([(100_000, 1.0), (1_000_000, 10.0)]) == pytest.approx(1.0)
    assert run.exponent([(100_000, 1.0), (300_000, 2.0), (1_000_000, 12.0)]) == pytest.approx(
        1.0792, abs=1e-4)
    assert run.exponent([(100_000, 1.0)]) is None


def test_floor_usage_error_without_two_arguments() -> None:
    assert floor.main(["only-one"]) == 2


def test_run_says_how_to_get_gnu_time_when_it_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(run, "TIME", tmp_path / "no-time-here")
    assert run.main(["--sizes", "1000", "--work", str(tmp_path / "work")]) == 2
    message = capsys.readouterr().err
    assert "apt-get install time" in message
    assert not (tmp_path / "work" / "plan-1000").exists()


def test_run_counts_the_accounts_of_an_existing_plan(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    assert run.count_accounts(plan_dir(SMALL_PLAN)) == 7
