"""Output formats (two-decimal amounts, ratios, empty cells, neutralised text) and atomic writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quotaplan import outputs
from quotaplan.build import BuildResult, build
from quotaplan.cli import app
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.demo import demo_plan_path
from quotaplan.errors import UsageError
from quotaplan.money import format_cents
from quotaplan.outputs import (
    PUBLISHED_FILES,
    _risky,
    published_tables,
    summary_json,
    to_output_frame,
    write_outputs,
    write_table,
)
from quotaplan.outsafe import MARKER
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan

PLAN = {
    "plan.toml": """
        [plan]
        name = "Out"
        fiscal_year_start = 2026-01-01
        [targets]
        topdown = 100
    """,
    "territories.csv": "territory_id,parent_id\nR,\nL,R\n",
    "sellers.csv": "seller_id,territory_id\ns1,L\n",
    "accounts.csv": "account_id,territory_id\na1,L\n",
}


def test_amounts_ratios_counts_dates_and_text_are_written_per_spec(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "seller_id": ["=cmd", "s2", "-x"],
            "final_quota": [123456, -5, None],
            "coverage": [0.9, 1 / 3, None],
            "accounts_to_add": [3, 0, None],
            "period_start": [date(2026, 1, 1)] * 3,
            "pushed": [True, False, None],
        }
    )
    path = tmp_path / "t.csv"
    write_table(frame, path, ("seller_id", "final_quota", "coverage"))
    assert path.read_text().splitlines() == [
        "seller_id,final_quota,coverage,accounts_to_add,period_start,pushed",
        "'=cmd,1234.56,0.900000,3,2026-01-01,true",
        "s2,-0.05,0.333333,0,2026-01-01,false",
        "'-x,,,,2026-01-01,",
    ]


@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), min_size=1, max_size=50))
def test_amounts_are_written_exactly(cents: list[int]) -> None:
    frame = pl.DataFrame({"amount": cents})
    written = to_output_frame(frame).write_csv(float_precision=6).splitlines()[1:]
    assert written == [format_cents(c) for c in cents]


def test_summary_amounts_are_strings_with_two_decimals_and_absent_is_null() -> None:
    data = json.loads(summary_json({"topdown": 5_000_000_00, "quota_gap": None,
                                    "attainment_factor": 0.95, "sellers_by_risk": {"high": 2}}))
    assert data == {"topdown": "5000000.00", "quota_gap": None, "attainment_factor": 0.95,
                    "sellers_by_risk": {"high": 2}}


@pytest.fixture
def result(load_plan: Callable[[dict[str, str]], Plan]) -> BuildResult:
    plan = load_plan(PLAN)
    frame = pl.DataFrame({"seller_id": ["s1"], "final_quota": [100]})
    return BuildResult(plan=plan, hierarchy=build_hierarchy(plan), account_targets=frame,
                       quotas=frame, quota_periods=frame, gap=frame, rollup=frame,
                       summary={"topdown": 100})


def test_a_failed_write_leaves_the_old_folder_as_it_was(
    result: BuildResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "builds" / "out"
    write_outputs(result, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(_: Any) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "summary_json", broken)
    with pytest.raises(RuntimeError):
        write_outputs(result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no staging left behind


def test_a_successful_write_replaces_an_earlier_build(result: BuildResult, tmp_path: Path) -> None:
    out = tmp_path / "builds" / "out"
    write_outputs(result, out)
    (out / "stale.csv").write_text("old")
    write_outputs(result, out)
    names = sorted(p.name for p in out.iterdir())
    assert "stale.csv" not in names
    assert {"account_targets.csv", "quotas.csv", "summary.json", MARKER} <= set(names)
    assert (out / "quotas.csv").read_text().splitlines()[1].startswith("s1,")
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_a_folder_quotaplan_did_not_write_is_never_replaced(
    result: BuildResult, tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "keep.txt").write_text("the user's")
    with pytest.raises(UsageError, match="quotaplan did not write"):
        write_outputs(result, out, force=True)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        write_outputs(result, a_file)
    assert a_file.read_text() == "x"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6),
                          st.sampled_from(["=", "+", "-", "@", ">", ",", ".", "A", "?"]).flatmap(
                              lambda c: st.text(max_size=4).map(lambda t: c + t))),
                max_size=30))
def test_formula_text_is_found_as_a_pattern_would(cells: list[str | None]) -> None:
    frame = pl.DataFrame({"s": pl.Series(cells, dtype=pl.String)})
    found = frame.select(_risky(pl.col("s"))).to_series().to_list()
    expected = [None if c is None else c[:1] in ("=", "+", "-", "@") for c in cells]
    assert found == expected


def test_published_tables_are_exactly_the_bytes_build_writes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ran = CliRunner().invoke(app, ["build", str(demo_plan_path()), "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    plan, _ = read_plan(demo_plan_path())
    assert plan is not None
    tables = published_tables(build(plan))
    assert tuple(tables) == PUBLISHED_FILES
    assert tables == {name: (out / name).read_bytes() for name in PUBLISHED_FILES}
    assert all(len(data) > 100 for data in tables.values())
