"""`quotaplan simulate`: the summary, simulation.csv / simulation.json, the HTML section, exit
codes, and outputs that never replace what a user owns."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from tests.core.test_simulate import CLOSED_FORM
from tests.test_outsafe import run, snapshot


@pytest.fixture
def plan(plan_dir: Callable[[dict[str, str]], Path]) -> Path:
    return plan_dir(CLOSED_FORM)


def test_simulate_prints_the_share_the_flags_and_the_back_test(
    capsys: pytest.CaptureFixture[str], plan: Path,
) -> None:
    code, output = run(capsys, "simulate", str(plan), "--runs", "300")
    assert code == 0, output
    assert "Share of sellers at quota: 67 % (p10 67 %, p90 67 %)" in output
    assert "within the healthy band of 60 %–70 %" in output
    assert "1 of 3 quotas have P(at quota) below 0.3" in output
    assert re.search(r"│ s2\s+│\s+264\.00 │\s+0\.0 %", output), output
    assert "Back-test accuracy: not available: bookings.csv: no bookings dated before 2024-01-01" in output
    assert "Company attainment: no top-down number at the root" in output


def test_simulate_writes_the_csv_and_json(capsys: pytest.CaptureFixture[str], plan: Path,
                                          tmp_path: Path) -> None:
    out = tmp_path / "sim"
    code, output = run(capsys, "simulate", str(plan), "--runs", "200", "--seed", "5", "--out", str(out))
    assert code == 0, output
    text = (out / "simulation.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == ("seller_id,p_at_quota,attainment_p10,attainment_p50,attainment_p90,"
                                    "expected_shortfall,final_quota,flagged")
    assert "s2,0.000000,0.916667,0.916667,0.916667,22.00,264.00,true" in text
    summary = json.loads((out / "simulation.json").read_text(encoding="utf-8"))
    assert (summary["runs"], summary["seed"]) == (200, 5)
    assert summary["share_at_quota"] == {"mean": 0.666667, "p10": 0.666667, "p90": 0.666667}
    assert summary["company_attainment"] is None
    assert summary["backtest"]["accounts"] == 3
    assert summary["backtest"]["accuracy"]["available"] is False


def test_a_plan_without_a_year_of_history_is_a_plan_error_naming_bookings(
    capsys: pytest.CaptureFixture[str], plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    short = plan_dir(CLOSED_FORM | {"bookings.csv": "account_id,date,amount\na1,2025-06-01,10\n"})
    code, output = run(capsys, "simulate", str(short))
    assert code == 1
    assert "bookings.csv: no bookings dated before 2025-01-01" in output
    assert "Traceback" not in output


def test_simulate_refuses_a_folder_it_did_not_write(capsys: pytest.CaptureFixture[str], plan: Path,
                                                    tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(mine)
    for extra in ([], ["--force"]):
        code, output = run(capsys, "simulate", str(plan), "--runs", "50", "--out", str(mine), *extra)
        assert code == 2, output
        assert snapshot(mine) == before


def test_simulate_replaces_its_own_output_only_with_force(
    capsys: pytest.CaptureFixture[str], plan: Path, tmp_path: Path,
) -> None:
    out = tmp_path / "sim"
    assert run(capsys, "simulate", str(plan), "--runs", "50", "--out", str(out))[0] == 0
    code, output = run(capsys, "simulate", str(plan), "--runs", "50", "--out", str(out))
    assert code == 2, output
    assert "--force" in output
    assert run(capsys, "simulate", str(plan), "--runs", "60", "--out", str(out), "--force")[0] == 0
    assert json.loads((out / "simulation.json").read_text(encoding="utf-8"))["runs"] == 60


def test_simulate_never_writes_into_the_plan(capsys: pytest.CaptureFixture[str], plan: Path) -> None:
    before = snapshot(plan)
    code, _ = run(capsys, "simulate", str(plan), "--out", str(plan / "sim"))
    assert code == 2
    assert snapshot(plan) == before


def test_html_shows_the_same_figures_as_the_csv(capsys: pytest.CaptureFixture[str], plan: Path,
                                                tmp_path: Path) -> None:
    page, out = tmp_path / "report.html", tmp_path / "sim"
    code, output = run(capsys, "simulate", str(plan), "--runs", "100", "--out", str(out),
                       "--html", str(page))
    assert code == 0, output
    html = page.read_text(encoding="utf-8")
    assert '<h2 id="simulation">' in html
    table = pl.read_csv(out / "simulation.csv")
    section = html[html.index('id="simulation-sellers"'):]
    section = section[:section.index("</table>")]
    rows = {re.search(r"\((s\d)\)", tr).group(1): tr  # type: ignore[union-attr]
            for tr in section.split("<tr")[2:]}
    assert sorted(rows) == ["s1", "s2", "s3"]
    for row in table.iter_rows(named=True):
        cells = re.findall(r">([^<>]*)</td>", rows[row["seller_id"]])
        assert cells[2:] == [f"{row['p_at_quota'] * 100:.1f} %",
                             *(f"{row[f'attainment_p{q}'] * 100:.0f} %" for q in (10, 50, 90)),
                             f"{row['expected_shortfall']:,.2f}"], cells
    # Bob's quota (P = 0) is flagged; one histogram bar per possible share of three sellers.
    assert section.count("⚑ below 30 %") == 1
    histogram = html[html.index('class="chart chart-simulation"'):]
    histogram = histogram[:histogram.index("</svg>")]
    assert histogram.count('class="mark"') == 4
    assert "healthy band 60 %–70 %" in histogram
    assert "100 of 100 runs" in histogram  # every run: 2 of 3 at quota


def test_runs_that_would_not_fit_in_memory_are_a_usage_error(
    capsys: pytest.CaptureFixture[str], plan: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import quotaplan.simulation

    monkeypatch.setattr(quotaplan.simulation, "MAX_CELLS", 3 * 1000)
    code, output = run(capsys, "simulate", str(plan), "--runs", "1001")
    assert code == 2
    assert "use --runs 1,000 or fewer" in output
    assert run(capsys, "simulate", str(plan), "--runs", "1000")[0] == 0


def test_a_plan_without_quota_carriers_simulates_nothing_and_says_so(
    capsys: pytest.CaptureFixture[str], plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    managers_only = plan_dir(CLOSED_FORM | {"sellers.csv": "seller_id,name,territory_id\nm,Meg,R\n",
                                            "adjustments.csv": "seller_id,rate,reason\n"})
    code, output = run(capsys, "simulate", str(managers_only), "--runs", "20")
    assert code == 0, output
    assert "on 3 accounts and 0 books" in output
    assert "no carrier has a quota above 0" in output
    assert "0 of 0 quotas have P(at quota) below 0.3." in output
