"""Synthetic plans: seeded, realistic in shape, valid, and the embedded demo made by the generator."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.targets import compute_targets
from quotaplan.demo import demo_plan_path
from quotaplan.errors import UsageError
from quotaplan.generate import (
    DEMO_OPTIONS,
    GenerateOptions,
    add_months,
    generate_plan,
    write_generated,
)
from quotaplan.outsafe import MARKER
from quotaplan.planfolder.read import read_plan
from quotaplan.settings import parse_settings

SMALL = GenerateOptions(accounts=3000, sellers=60, seed=11)


@pytest.fixture(scope="module")
def small() -> dict[str, pl.DataFrame | str]:
    return generate_plan(SMALL)


def table(files: dict[str, pl.DataFrame | str], name: str) -> pl.DataFrame:
    frame = files[name]
    assert isinstance(frame, pl.DataFrame)
    return frame


def errors_of(folder: Path) -> list[str]:
    plan, problems = read_plan(folder)
    errors = [p.render() for p in problems if p.severity == "error"]
    assert plan is not None or errors
    return errors


def test_same_options_give_the_same_plan_and_another_seed_another(
    small: dict[str, pl.DataFrame | str],
) -> None:
    again = generate_plan(SMALL)
    assert again.keys() == small.keys()
    for name, content in small.items():
        if isinstance(content, str):
            assert again[name] == content
        else:
            assert table(again, name).equals(content), name
    other = generate_plan(GenerateOptions(accounts=3000, sellers=60, seed=12))
    assert not table(other, "bookings.csv").equals(table(small, "bookings.csv"))


def test_hierarchy_has_the_levels_asked_for_and_one_carrier_per_covered_leaf(
    small: dict[str, pl.DataFrame | str],
) -> None:
    territories = table(small, "territories.csv")
    sellers = table(small, "sellers.csv")
    levels = territories.get_column("level").unique(maintain_order=True).to_list()
    assert levels == ["Global", "Region", "Area", "District", "Territory"]
    roots = territories.filter(pl.col("parent_id").is_null())
    assert roots.height == 1
    # Parents always sit one level up.
    parent_level = territories.join(
        territories.select(pl.col("territory_id").alias("parent_id"),
                           pl.col("level").alias("parent_level")), on="parent_id")
    order = {name: i for i, name in enumerate(levels)}
    assert all(order[c] == order[p] + 1 for c, p in
               parent_level.select("level", "parent_level").iter_rows())
    leaves = territories.filter(pl.col("level") == "Territory")
    carriers = sellers.join(leaves, on="territory_id", how="semi")
    assert carriers.height == SMALL.sellers
    assert carriers.get_column("territory_id").n_unique() == SMALL.sellers
    vacant = leaves.height - SMALL.sellers
    assert 1 <= vacant <= 0.1 * SMALL.sellers
    inner = territories.filter(pl.col("level") != "Territory")
    managers = sellers.join(inner, on="territory_id", how="semi")
    assert managers.get_column("territory_id").sort().to_list() == \
        inner.get_column("territory_id").sort().to_list()


@pytest.mark.parametrize("levels", [1, 2, 6])
def test_any_depth_gives_a_valid_plan(tmp_path: Path, levels: int) -> None:
    options = GenerateOptions(accounts=400, sellers=12, seed=3, levels=levels)
    files = generate_plan(options)
    depth_names = table(files, "territories.csv").get_column("level").unique().len()
    assert depth_names == levels + 1
    write_generated(files, tmp_path / "plan")
    assert errors_of(tmp_path / "plan") == []


def test_carriers_include_vacant_seats_leavers_and_ramping_hires(
    small: dict[str, pl.DataFrame | str],
) -> None:
    start = SMALL.fiscal_year_start
    year_end = add_months(start, 12)
    sellers = table(small, "sellers.csv").filter(pl.col("seller_id").str.starts_with("S"))
    tbh = sellers.filter(pl.col("status") == "tbh")
    assert tbh.height >= 1
    assert tbh.get_column("hire_date").is_between(start, year_end, closed="left").all()
    leaving = sellers.filter(pl.col("status") == "leaving")
    assert leaving.height >= 2
    assert leaving.get_column("end_date").is_between(start, year_end, closed="left").all()
    assert sellers.filter(pl.col("status") != "leaving").get_column("end_date").null_count() == \
        sellers.height - leaving.height
    recent = sellers.filter(pl.col("hire_date").is_between(add_months(start, -8), start,
                                                           closed="left"))
    assert recent.height >= 3
    ote = sellers.get_column("ote").cast(pl.Float64)
    assert ote.min() >= 150_000  # type: ignore[operator]
    assert ote.max() <= 300_000  # type: ignore[operator]
    settings, problems = parse_settings(str(small["plan.toml"]))
    assert settings is not None, problems
    assert set(sellers.get_column("seniority").unique()) <= set(settings.seniority.factors)


def test_bookings_count_seasonality_and_heavy_tail(small: dict[str, pl.DataFrame | str]) -> None:
    bookings = table(small, "bookings.csv")
    assert bookings.height == SMALL.accounts * 10
    start = SMALL.fiscal_year_start
    assert bookings.get_column("date").min() >= add_months(start, -36)  # type: ignore[operator]
    assert bookings.get_column("date").max() < start  # type: ignore[operator]
    amounts = bookings.with_columns(pl.col("amount").cast(pl.Float64),
                                    q=(pl.col("date").dt.month() - 1) // 3)
    by_quarter = amounts.group_by("q").agg(pl.col("amount").sum()).sort("q")
    shares = (by_quarter.get_column("amount") / by_quarter.get_column("amount").sum()).to_list()
    # Q4 is the biggest quarter, about a third of the year (quarters are 20/23/23/34 %).
    assert shares[3] == max(shares)
    assert 0.28 <= shares[3] <= 0.40
    refunds = amounts.filter(pl.col("amount") < 0).height
    assert 0.005 * bookings.height <= refunds <= 0.03 * bookings.height
    per_account = amounts.group_by("account_id").agg(pl.col("amount").sum()).sort(
        "amount", descending=True)
    top = float(per_account.head(SMALL.accounts // 10).get_column("amount").sum())
    assert top / float(per_account.get_column("amount").sum()) >= 0.45


def test_the_root_number_is_last_year_plus_15_to_25_percent(
    small: dict[str, pl.DataFrame | str],
) -> None:
    settings, _ = parse_settings(str(small["plan.toml"]))
    assert settings is not None
    assert settings.targets.topdown is not None
    start = SMALL.fiscal_year_start
    last = table(small, "bookings.csv").filter(pl.col("date") >= add_months(start, -12))
    base = Decimal(str(last.get_column("amount").sum()))
    assert Decimal("1.149") <= settings.targets.topdown / base <= Decimal("1.251")
    numbered = table(small, "topdown.csv")
    assert 1 <= numbered.height <= 2
    regions = table(small, "territories.csv").filter(pl.col("level") == "Region")
    assert numbered.join(regions, on="territory_id", how="semi").height == numbered.height


def test_inputs_overrides_and_adjustments_are_a_handful(small: dict[str, pl.DataFrame | str]) -> None:
    accounts = table(small, "accounts.csv")
    inputs = accounts.filter(pl.col("bottom_up_target").is_not_null())
    assert 5 <= inputs.height <= 40
    assert inputs.filter(pl.col("bottom_up_target") == 0).height >= 1
    assert set(accounts.get_column("segment").unique()) == {"Enterprise", "Mid-Market", "SMB"}
    assert set(accounts.get_column("grade").unique()) == {"A", "B", "C"}
    overrides = table(small, "overrides.csv")
    assert overrides.height >= 4
    assert overrides.get_column("reason").null_count() == 0
    adjustments = table(small, "adjustments.csv")
    assert adjustments.height >= 2
    one_of = adjustments.select(pl.col("amount").is_null() ^ pl.col("rate").is_null())
    assert one_of.to_series().all()


def test_written_plan_reads_without_errors(tmp_path: Path, small: dict[str, pl.DataFrame | str]) -> None:
    write_generated(small, tmp_path / "plan")
    assert errors_of(tmp_path / "plan") == []
    text = (tmp_path / "plan" / "bookings.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "account_id,date,amount,product"
    assert '"' not in text
    assert all(re.fullmatch(r"A\d+,\d{4}-\d\d-\d\d,-?\d+\.\d\d,[A-Za-z ]+", line)
               for line in lines[1:200])


@pytest.mark.parametrize(
    ("start", "years"), [(date(2026, 2, 15), 1), (date(2025, 7, 1), 5)]
)
def test_odd_fiscal_years_and_history_lengths(tmp_path: Path, start: date, years: int) -> None:
    options = GenerateOptions(accounts=500, sellers=15, seed=5, fiscal_year_start=start,
                              history_years=years, bookings_per_account=4)
    files = generate_plan(options)
    bookings = table(files, "bookings.csv")
    assert bookings.height == 2000
    assert bookings.get_column("date").min() >= add_months(start, -12 * years)  # type: ignore[operator]
    write_generated(files, tmp_path / "plan")
    assert errors_of(tmp_path / "plan") == []


def test_write_replaces_its_own_plan_with_force_but_never_another_folder(tmp_path: Path) -> None:
    files = generate_plan(GenerateOptions(accounts=50, sellers=3, bookings_per_account=2))
    out = tmp_path / "plan"
    write_generated(files, out, command="generate")
    (out / "notes.txt").write_text("old", encoding="utf-8")
    with pytest.raises(UsageError, match="--force"):
        write_generated(files, out, command="generate")
    assert (out / "notes.txt").exists()
    write_generated(files, out, command="generate", force=True)
    assert not (out / "notes.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["plan"]  # no temporary folder left
    with pytest.raises(UsageError, match="quotaplan generate"):
        write_generated(files, out, command="import", force=True)
    other = tmp_path / "photos"
    other.mkdir()
    (other / "cat.jpg").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="did not write"):
        write_generated(files, other, command="generate", force=True)
    assert (other / "cat.jpg").exists()


@pytest.mark.parametrize(
    "options",
    [GenerateOptions(accounts=0), GenerateOptions(sellers=0), GenerateOptions(levels=0),
     GenerateOptions(levels=9), GenerateOptions(history_years=0),
     GenerateOptions(bookings_per_account=-1), GenerateOptions(name='say "hi"')],
)
def test_bad_options_are_usage_errors(options: GenerateOptions) -> None:
    with pytest.raises(UsageError):
        generate_plan(options)


def test_add_months_clamps_the_day() -> None:
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 1), -12) == date(2026, 1, 1)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


def test_demo_plan_is_the_generator_output_and_small(tmp_path: Path) -> None:
    demo = demo_plan_path()
    out = tmp_path / "demo"
    write_generated(generate_plan(DEMO_OPTIONS), out)
    written = sorted(p.name for p in out.iterdir() if p.name != MARKER)
    committed = sorted(p.name for p in demo.iterdir() if p.suffix in (".csv", ".toml"))
    assert written == committed
    for name in written:
        assert (out / name).read_bytes() == (demo / name).read_bytes(), (
            f"{name} differs from the generator's output; run "
            "quotaplan.generate.regenerate_demo() after changing the generator")
    assert sum((demo / name).stat().st_size for name in committed) < 1.5 * 1024 * 1024
    assert errors_of(demo) == []
    assert DEMO_OPTIONS.accounts == 2000
    assert DEMO_OPTIONS.sellers == 40


@pytest.mark.parametrize(
    "options",
    [GenerateOptions(accounts=1, sellers=1), GenerateOptions(accounts=5, sellers=30),
     GenerateOptions(accounts=100, sellers=10, bookings_per_account=0),
     GenerateOptions(accounts=50, sellers=10, levels=7),
     GenerateOptions(accounts=20, sellers=1, levels=2, seed=4)],
)
def test_tiny_plans_still_compute_targets(tmp_path: Path, options: GenerateOptions) -> None:
    # Numbers are put only where accounts can take them, so no node is left with a number
    # and nobody to spread it over.
    write_generated(generate_plan(options), tmp_path / "plan")
    plan, problems = read_plan(tmp_path / "plan")
    assert plan is not None, [p.render() for p in problems]
    computed = compute_targets(plan, build_hierarchy(plan))
    assert [p.render() for p in computed.problems if p.severity == "error"] == []


def test_demo_has_a_real_strategic_gap_under_a_numbered_region() -> None:
    plan, _ = read_plan(demo_plan_path())
    assert plan is not None
    hierarchy = build_hierarchy(plan)
    targets = compute_targets(plan, hierarchy).accounts
    under = targets.join(hierarchy.closure, on="territory_id").group_by("ancestor_id").agg(
        pl.col("target").sum())
    numbered = plan.topdown.join(under, left_on="territory_id", right_on="ancestor_id")
    gaps = numbered.select("territory_id", gap=(pl.col("amount") - pl.col("target"))
                           / pl.col("amount"))
    # Override cuts on the declining region's largest accounts leave its number unsupported.
    assert gaps.get_column("gap").max() >= 0.02  # type: ignore[operator]
