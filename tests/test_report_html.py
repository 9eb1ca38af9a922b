"""The HTML report as text: one self-contained document, escaped data, the right marks and figures.

Figures come from the hand-built result of ``test_report_terminal`` (worked out in its docstring).
How the page renders in a real browser is tested in ``test_report_browser``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.plan import Plan
from quotaplan.report import charts
from quotaplan.report.html import PARETO_POINTS, PARETO_SELLERS, render_html
from test_report_terminal import PLAN_FILES, K, make_result, render_text


@pytest.fixture
def result(load_plan: Callable[[dict[str, str]], Plan]) -> BuildResult:
    return make_result(load_plan(PLAN_FILES))


@pytest.fixture
def page(result: BuildResult) -> str:
    return render_html(result)


def svg(page: str, css_class: str) -> list[str]:
    """Every ``<svg>`` element of the given class (SVGs are never nested here)."""
    return re.findall(rf'<svg class="chart {css_class}".*?</svg>', page, flags=re.S)


def marks(fragment: str, tag: str) -> int:
    return len(re.findall(rf'<{tag} class="mark', fragment))


def test_one_complete_document(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert page.count("<html") == 1
    assert page.count("<body>") == 1
    assert '<meta charset="utf-8">' in page


def test_nothing_refers_outside_the_file(page: str) -> None:
    assert not re.search(r"https?:|ftp:|data:|file:", page)  # no URL, not even an SVG namespace
    assert "//" not in re.sub(r"<script>.*?</script>", "", page, flags=re.S)
    assert not re.search(r"\b(src|action|xlink:href)\s*=", page)
    assert set(re.findall(r'href="([^"]*)"', page)) == {"#charts", "#sellers", "#nodes"}
    assert "url(" not in page
    assert "@import" not in page
    assert "<link" not in page
    assert "<img" not in page
    # the page forbids any fetch, should one ever slip in
    assert "default-src 'none'" in page


def test_data_text_is_escaped_and_otherwise_untouched(page: str) -> None:
    assert page.count("<script>") == 1  # only the sorting script
    assert "<script>alert(1)" not in page
    assert "Ben &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>North-West</b>" not in page
    assert "&lt;b&gt;North-West&lt;/b&gt;" in page
    assert "FY2027 &lt;Test&gt; &amp; Co" in page
    # spreadsheet neutralisation is for exports a spreadsheet opens, not for this page
    assert 'data-v="=Dee Park">=Dee Park <span' in page


def test_headline_shows_gaps_and_high_risk_count_at_the_top(page: str) -> None:
    strategic = page.index('data-figure="strategic_gap"')
    quota = page.index('data-figure="quota_gap"')
    high = page.index('data-figure="high_risk"')
    assert strategic < quota < high < page.index("<svg")
    card = page[strategic:quota]
    assert "450,000.00" in card
    assert "EUR" in card
    assert "15.0 % of the top-down number" in card  # 450,000 / 3,000,000
    assert "430,000.00" in page[quota:high]
    high_card = page[high:page.index("</div></div>", high)]
    assert '<div class="big">1<span class="unit">of 4</span>' in high_card
    assert "1 more at medium risk" in page


def test_riskiest_sellers_and_what_to_do_come_before_the_charts(page: str) -> None:
    todo = page[page.index("Riskiest sellers and what to do"):page.index("<svg")]
    assert todo.index("Ana Ruiz") < todo.index("Ben &lt;script")
    assert "coverage 80.0 %" in todo
    assert "Add 1 account at the book&#39;s median target, or build 750,000.00 EUR of pipeline" in todo
    assert "S3" not in todo  # covered


def test_bridge_has_three_bars_per_numbered_node_and_labels_the_gaps(page: str) -> None:
    (bridge,) = svg(page, "chart-bridge")
    assert marks(bridge, "rect") == 6  # World and North America: top-down, accounts, quotas
    assert "strategic gap +450k" in bridge
    assert "quota gap +430k" in bridge
    assert "strategic gap +200k" in bridge
    assert "quota gap -70k" in bridge
    assert "⚠ quotas above accounts" in bridge
    assert "Europe" not in bridge  # no number of its own
    assert ">EUR<" in bridge  # the axis unit


def test_risk_bars_count_sellers_per_band(page: str) -> None:
    (risk,) = svg(page, "chart-risk")
    assert marks(risk, "rect") == 4
    for band in ("High risk: 1 seller ", "Medium risk: 1 seller ", "Low risk: 1 seller ",
                 "No quota risk: 1 seller "):
        assert band in risk


def test_scatter_has_one_point_per_seller_with_a_quota(page: str) -> None:
    (scatter,) = svg(page, "chart-scatter")
    assert marks(scatter, "circle") == 3  # S4 has a zero quota: no coverage to plot
    assert "<title>Ana Ruiz (S1) — North-East: quota 1,250,000.00 EUR" in scatter
    assert "coverage 80.0 %, high risk" in scatter
    assert "target coverage 100 %" in scatter
    assert "high risk below 90 %" in scatter
    assert "1 seller with a zero quota not plotted" in page


def test_pareto_curves_of_the_riskiest_books(page: str) -> None:
    curves = re.findall(r'<div class="pareto-cell" data-seller="([^"]+)">.*?</svg>', page,
                        flags=re.S)
    assert curves == ["S1", "S2", "S3", "S4"]
    first = re.search(r'data-seller="S1">.*?<polyline class="mark" points="([^"]+)"', page,
                      flags=re.S)
    assert first is not None
    ys = [float(p.split(",")[1]) for p in first.group(1).split()]
    shares = [(ys[0] - y) / (ys[0] - ys[-1]) for y in ys]
    # S1's book: 600k, 300k, 100k of 1,000k → cumulative 60 %, 90 %, 100 %
    assert shares == pytest.approx([0.0, 0.6, 0.9, 1.0], abs=0.01)
    assert "80 % from 2 of 3 accounts · top one 60 %" in page


def test_capacity_rows_for_top_levels_and_numbered_nodes(page: str) -> None:
    (capacity,) = svg(page, "chart-capacity")
    # World and North America: top-down, accounts, capacity; Europe has no top-down bar.
    assert marks(capacity, "rect") == 8
    assert "World: productive capacity 2,056,000.00 EUR" in capacity
    assert capacity.count("+1 hires") == 2


def test_seller_table_lists_everyone_riskiest_first_with_sort_keys(page: str) -> None:
    table = page[page.index('id="sellers-table"'):]
    table = table[: table.index("</table>")]
    assert re.findall(r'<tr class="risk-(\w+)" data-seller="(\w+)"', table) == [
        ("high", "S1"), ("medium", "S2"), ("low", "S3"), ("none", "S4")]
    assert table.count('<th class="num" data-type="num"><button') >= 10
    # sort keys are raw cents and ratios; an absent value has an empty key (sorted last)
    assert f'data-v="{250_000 * K}">250,000.00</td>' in table
    assert 'data-v="0.8">80.0 %</td>' in table
    assert 'data-v="">—</td>' in table


def test_node_table_numbered_nodes_first_largest_gap_first(page: str) -> None:
    table = page[page.index('id="nodes-table"'):]
    order = re.findall(r'<tr data-node="(\w+)"', table)
    assert order[:2] == ["W", "NA"]
    assert sorted(order) == sorted(["W", "NA", "EU", "EU1", "EU2", "EU3", "NE", "NW"])
    assert "quotas above accounts" in table[table.index('data-node="NA"'):]


def test_plan_without_numbers_says_so(result: BuildResult) -> None:
    rollup = result.rollup.with_columns(
        pl.lit(None, dtype=pl.Int64).alias(c) for c in
        ("topdown", "strategic_gap", "quota_gap", "headcount_to_close"))
    summary = result.summary | {"topdown": None, "strategic_gap": None, "quota_gap": None,
                                "attainment_factor": None, "headcount_to_close": None}
    bare = BuildResult(**{**result.__dict__, "rollup": rollup, "summary": summary})
    page = render_html(bare)
    (bridge,) = svg(page, "chart-bridge")
    assert marks(bridge, "rect") == 2  # the root's accounts and quotas
    assert "No node has a top-down number" in page
    assert "no top-down number at the root" in page


def test_large_plan_samples_curves_and_plots_every_seller(result: BuildResult) -> None:
    sellers, per_book = 600, 400
    ids = [f"X{i:04d}" for i in range(sellers)]
    accounts = pl.DataFrame({"account_id": [f"A{i:07d}" for i in range(sellers * per_book)]})
    accounts = accounts.with_columns(
        pl.Series("seller_id", [s for s in ids for _ in range(per_book)]),
        pl.Series("territory_id", ["T"] * (sellers * per_book)),
        (pl.int_range(pl.len()) % per_book * 100 + 100).cast(pl.Int64).alias("target"),
    )
    gap = pl.DataFrame({
        "seller_id": ids,
        "final_quota": [1_000_000 + i for i in range(sellers)],
        "book_target": [900_000] * sellers,
        "coverage": [900_000 / (1_000_000 + i) for i in range(sellers)],
        "risk": ["medium"] * sellers,
    })
    big = BuildResult(**{**result.__dict__, "gap": gap, "quotas": gap.select("seller_id"),
                         "account_targets": accounts})
    page = render_html(big)
    (scatter,) = svg(page, "chart-scatter")
    assert marks(scatter, "circle") == sellers
    curves = re.findall(r'<polyline class="mark" points="([^"]+)"', page)
    assert len(curves) == PARETO_SELLERS
    assert all(len(c.split()) <= PARETO_POINTS + 11 for c in curves)
    assert page.count("<tr class=\"risk-medium\"") == sellers


@given(st.floats(-1e12, 1e12), st.floats(0, 1e12))
def test_nice_ticks_cover_the_range_in_steps(low: float, span: float) -> None:
    high = low + span
    ticks = charts.nice_ticks(low, high, 5)
    assert ticks[0] <= low + 1e-9 * max(1.0, abs(low))
    assert ticks[-1] >= high - 1e-9 * max(1.0, abs(high))
    assert ticks == sorted(ticks)
    assert 2 <= len(ticks) <= 12


def test_count_ticks_are_whole_numbers() -> None:
    assert charts.nice_ticks(0, 1, 4, min_step=1) == [0, 1]
    assert all(float(t).is_integer() for t in charts.nice_ticks(0, 7, 4, min_step=1))


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (45_000, "45k"), (-70_000, "-70k"), (1_234_567, "1.23M"),
     (2_570_000, "2.57M"), (150_000_000, "150M"), (3e9, "3B"), (0.25, "0.25")],
)
def test_compact_labels(value: float, text: str) -> None:
    assert charts.compact(value) == text


def test_demo_plan_report_matches_its_build() -> None:
    from quotaplan.build import build
    from quotaplan.demo import demo_plan_path
    from quotaplan.planfolder.read import read_plan

    plan, _ = read_plan(demo_plan_path())
    assert plan is not None
    built = build(plan)
    page = render_html(built)
    gap = built.gap
    plotted = gap.filter(pl.col("coverage").is_not_null() & (pl.col("final_quota") > 0)).height
    (scatter,) = svg(page, "chart-scatter")
    assert marks(scatter, "circle") == plotted
    assert len(svg(page, "pareto")) == min(PARETO_SELLERS, gap.height)
    assert len(re.findall(r'<tr class="risk-\w+" data-seller=', page)) == gap.height
    strategic = built.summary["strategic_gap"]
    card = page[page.index('data-figure="strategic_gap"'):page.index('data-figure="quota_gap"')]
    assert format_cents_grouped(strategic) in card
    assert not re.search(r"https?:", page)


def test_quota_to_ote_outside_the_band_is_marked(result: BuildResult) -> None:
    quotas = result.quotas.with_columns(
        pl.when(pl.col("seller_id") == "S2").then(6.5).otherwise(pl.col("quota_to_ote"))
        .alias("quota_to_ote"))
    page = render_html(BuildResult(**{**result.__dict__, "quotas": quotas}))
    row = re.search(r'<tr class="risk-medium" data-seller="S2">.*?</tr>', page, flags=re.S)
    assert row is not None
    assert 'class="num pos" title="outside the healthy band 4–6" data-v="6.5">6.50<' in row[0]
    ana = re.search(r'<tr class="risk-high" data-seller="S1">.*?</tr>', page, flags=re.S)
    assert ana is not None
    assert '<td class="num" data-v="5.0">5.00</td></tr>' in ana[0]  # 1,250,000 ÷ 250,000


def test_plan_without_carriers_still_renders(result: BuildResult) -> None:
    empty = BuildResult(**{**result.__dict__, "gap": result.gap.clear(),
                           "quotas": result.quotas.clear(),
                           "summary": result.summary | {"sellers_by_risk": None}})
    page = render_html(empty)
    assert "No seller with a quota to plot" in page
    assert "No quota carriers." in page
    assert "All sellers (0)" in page
    assert "No quota carriers: nothing to assess." in render_text(empty)
