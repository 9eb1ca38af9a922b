"""The simulation's terminal summary, its HTML section and its two charts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rich.console import Console
from tests.core.test_simulate import CLOSED_FORM

from quotaplan.build import build
from quotaplan.core.simulate import SimulationResult
from quotaplan.plan import Plan
from quotaplan.report import charts
from quotaplan.report.charts import Bin, Rule
from quotaplan.report.html import _simulation_section
from quotaplan.report.simulation import render_simulation
from quotaplan.report.simviews import share_bins


def fabricated(sellers: int, runs: int = 1000, seed: int = 0) -> SimulationResult:
    """Sellers s00…, P(at quota) spread evenly over 0–1, each run's share drawn around 0.5."""
    rng = np.random.default_rng(seed)
    p = np.linspace(0.0, 1.0, sellers)
    carriers = pl.DataFrame({
        "seller_id": [f"s{i:02d}" for i in range(sellers)],
        "final_quota": [100_000_00] * sellers,
        "p_at_quota": p,
        "attainment_p10": p * 0.8,
        "attainment_p50": p,
        "attainment_p90": p * 1.2,
        "expected_shortfall": [1_000_00] * sellers,
    })
    share = np.clip(rng.normal(0.5, 0.1, runs), 0, 1)
    summary: dict[str, Any] = {
        "runs": runs, "seed": seed, "carriers": sellers, "carriers_with_quota": sellers,
        "share_at_quota": {"mean": float(share.mean()), "p10": 0.4, "p90": 0.6},
        "company_attainment": {"p10": 0.9, "p50": 1.0, "p90": 1.1},
        "backtest": {"year_start": "2025-01-01", "year_end": "2026-01-01", "accounts": 10,
                     "carriers": 3, "accuracy": {"available": False, "reason": "no history"}},
    }
    return SimulationResult(carriers=carriers, share_at_quota=share, company=None, summary=summary)


def test_terminal_lists_the_flagged_quotas_and_counts_the_rest() -> None:
    console = Console(width=160, record=True)
    for item in render_simulation(fabricated(100)):
        console.print(item)
    text = console.export_text()
    assert "30 of 100 quotas have P(at quota) below 0.3:" in text
    assert "below the healthy band of 60 %–70 %" in text
    assert "… and 15 more in simulation.csv (--out)" in text
    assert "Back-test accuracy: not available: no history" in text


def test_many_sellers_share_bins_of_five_points_coloured_by_the_band() -> None:
    shares = np.array([0.0, 0.12, 0.61, 0.65, 0.99, 1.0])
    bins = share_bins(shares, 100)
    assert len(bins) == 20
    assert sum(b.count for b in bins) == 6
    assert [b.count for b in bins if b.count] == [1, 1, 1, 1, 2]  # 0 %, 10 %, 60 %, 65 %, 95 %+
    assert bins[12].color == bins[13].color == "#3f9c6d"  # 60–70 %: the healthy band
    assert bins[2].color == "#d64545"
    assert bins[19].color == "#e8a33d"


def test_histogram_bars_stay_inside_the_domain() -> None:
    bins = [Bin(-0.25, 0.25, 3, "#000", "none"), Bin(0.25, 0.75, 5, "#000", "some"),
            Bin(0.75, 1.25, 1, "#000", "all")]
    svg = charts.histogram_chart(bins, title="t", x_label="x", y_label="runs",
                                 band=(0.6, 0.7, "healthy"), marker=Rule(0.5, "mean", "#111"),
                                 domain=(0.0, 1.0))
    xs = [float(x) for x in re.findall(r'class="mark" x="([0-9.]+)"', svg)]
    widths = [float(w) for w in re.findall(r'class="mark" x="[0-9.]+" y="[0-9.]+" width="([0-9.]+)"', svg)]
    assert len(xs) == 3
    assert min(xs) >= 60.0  # the plot's left edge
    assert max(x + w for x, w in zip(xs, widths, strict=True)) <= 780 - 20.0
    assert 'class="band"' in svg
    assert ">healthy</text>" in svg


def test_section_charts_at_most_thirty_sellers_and_tables_them_all(
    load_plan: Callable[[dict[str, str]], Plan],
) -> None:
    result = build(load_plan(CLOSED_FORM))
    html = _simulation_section(result, fabricated(45))
    chart = html[html.index("chart-probability"):]
    chart = chart[:chart.index("</svg>")]
    assert chart.count('class="mark"') == 30
    # P below 0.3 among the 30 lowest: 0, 1/44 … 13/44
    assert len(re.findall(r'class="mark"[^>]*fill="#d64545"', chart)) == 14
    table = html[html.index('id="simulation-sellers"'):]
    assert table.count("<tr") == 46
    assert table.count("⚑ below 30 %") == 14
