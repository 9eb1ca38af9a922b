"""The report's view: computed once from a build, shared by the terminal and the HTML report.

Figures come from the hand-built result of ``test_report_terminal`` (worked out in its docstring).
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from markupsafe import escape

from quotaplan.build import BuildResult
from quotaplan.plan import Plan
from quotaplan.report.chartviews import charts_view
from quotaplan.report.html import render_html
from quotaplan.report.views import report_view
from test_report_terminal import PLAN_FILES, make_result, render_text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def result(load_plan: Callable[[dict[str, str]], Plan]) -> BuildResult:
    return make_result(load_plan(PLAN_FILES))


def test_the_view_holds_the_worked_figures(result: BuildResult) -> None:
    view = report_view(result)
    assert [s.seller_id for s in view.sellers] == ["S1", "S2", "S3", "S4"]
    assert [s.seller_id for s in view.at_risk(5)] == ["S1", "S2"]
    assert [s.seller_id for s in view.at_risk(1)] == ["S1"]
    ana = view.sellers[0]
    assert (ana.label, ana.gap, ana.risk, ana.risk_rank) == ("Ana Ruiz (S1)", 250_000_00, "high", 0)
    assert [(c.key, c.value, c.unit, c.tone) for c in view.cards] == [
        ("strategic_gap", "450,000.00", "EUR", "bad"), ("quota_gap", "430,000.00", "EUR", "bad"),
        ("high_risk", "1", "of 4", "bad")]
    assert not {c.key for c in view.cards} & {f.key for f in view.small_figures}
    assert dict(view.risks) == {"high": 1, "medium": 1, "low": 1, "none": 1}
    # Numbered nodes, largest strategic gap first (World 450k, North America 200k), then the rest.
    assert [n.territory_id for n in view.numbered] == ["W", "NA"]
    assert [n.territory_id for n in view.table_nodes[:2]] == ["W", "NA"]
    assert len(view.table_nodes) == len(view.nodes)
    assert [n.pushed for n in view.numbered] == [False, True]


def test_both_reports_say_what_the_view_says(result: BuildResult) -> None:
    view = report_view(result)
    text = " ".join(render_text(result).split())
    page = render_html(result)
    for row in view.at_risk(5):
        assert row.remedy in text
        assert escape(row.remedy[:1].upper() + row.remedy[1:]) in page
    for card in view.cards[:2]:
        assert card.value in text
        assert f'<div class="big">{card.value}<span class="unit">{card.unit}</span>' in page
    charts = charts_view(result, view)
    assert [g.label for g in charts.bridge.groups] == ["World", "North America"]
    assert len(charts.scatter.points) == 3  # S4's zero quota is not plotted
    assert [c.seller_id for c in charts.pareto.cells] == ["S1", "S2", "S3", "S4"]


def test_the_views_know_nothing_of_rich_or_html() -> None:
    code = ("import sys, quotaplan.report.views, quotaplan.report.chartviews, "
            "quotaplan.report.simviews; "
            "print(sorted(m for m in ('rich', 'jinja2', 'markupsafe') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_template_ships_with_the_package() -> None:
    package = ROOT / "src" / "quotaplan"
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = settings["tool"]["setuptools"]["package-data"]["quotaplan"]
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    templates = {path for path in (package / "report" / "templates").rglob("*") if path.is_file()}
    assert len(templates) >= 10
    assert templates <= shipped, sorted(str(p) for p in templates - shipped)
