"""The HTML report in a real headless Chromium: offline, charts drawn, table sortable, no errors.

Needs the ``playwright`` Python package and a Chromium binary (``chromium`` on the PATH, or the
path in ``QUOTAPLAN_CHROMIUM``); no browser download. Without them these tests skip, unless
``QUOTAPLAN_REQUIRE_BROWSER=1`` makes them fail.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest

from quotaplan.build import BuildResult
from quotaplan.plan import Plan
from quotaplan.report.html import render_html
from test_report_terminal import PLAN_FILES, make_result

pytestmark = pytest.mark.browser

REQUIRE_BROWSER = os.environ.get("QUOTAPLAN_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> NoReturn:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (QUOTAPLAN_REQUIRE_BROWSER=1 requires the browser tests)")
    pytest.skip(reason)


@dataclass
class Visit:
    """One page load: the page and everything it tried or complained about."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install playwright)")
    executable = os.environ.get("QUOTAPLAN_CHROMIUM") or shutil.which("chromium") or \
        shutil.which("chromium-browser")
    if not executable:
        _unavailable("no Chromium binary: install chromium or set QUOTAPLAN_CHROMIUM")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visit(browser: Any, tmp_path: Path) -> Iterator[Callable[[str], Visit]]:
    """``visit(html)`` → the report opened from a file, with every non-file request blocked."""
    contexts: list[Any] = []

    def open_page(html: str) -> Visit:
        path = tmp_path / "report.html"
        path.write_text(html, encoding="utf-8")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(r: Any) -> None:
            if r.request.url.startswith("file://"):
                r.continue_()
            else:
                seen.blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        def dialog(d: Any) -> None:
            seen.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)
        page.goto(path.as_uri(), wait_until="load")
        return seen

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def result(load_plan: Callable[[dict[str, str]], Plan]) -> BuildResult:
    return make_result(load_plan(PLAN_FILES))


def chart_box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not rendered"
    return dict(box)


def count(page: Any, selector: str) -> int:
    return int(page.locator(selector).count())


def seller_order(page: Any) -> list[str]:
    return list(page.eval_on_selector_all(
        "#sellers-table tbody tr", "rows => rows.map(r => r.dataset.seller)"))


def test_report_renders_offline_with_every_chart(visit: Callable[[str], Visit],
                                                 result: BuildResult, tmp_path: Path) -> None:
    seen = visit(render_html(result))
    page = seen.page
    for selector in ("svg.chart-bridge", "svg.chart-risk", "svg.chart-scatter",
                     "svg.chart-capacity", "svg.pareto"):
        box = chart_box(page, selector)
        assert box["width"] > 100, selector
        assert box["height"] > 50, selector
    assert count(page, "svg.chart-bridge .mark") == 6
    assert count(page, "svg.chart-risk rect.mark") == 4
    assert count(page, "svg.chart-scatter circle.mark") == 3
    assert count(page, "svg.pareto") == 4
    assert count(page, "svg.pareto polyline.mark") == 4
    assert count(page, "svg.chart-capacity rect.mark") == 8
    # every drawn mark has a size on screen
    sizes = page.eval_on_selector_all(
        "svg .mark", "els => els.map(e => { const b = e.getBBox(); return b.width + b.height; })")
    assert sizes
    assert all(s > 0 for s in sizes)
    # the headline is the first thing on the page, in big type
    big = page.locator('[data-figure="strategic_gap"] .big')
    assert "450,000.00" in big.inner_text()
    assert float(big.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
    assert chart_box(page, '[data-figure="strategic_gap"]')["y"] < 200
    # names are text, never markup or script
    assert "Ben <script>alert(1)</script>" in page.locator(
        '#sellers-table tr[data-seller="S2"] td').first.inner_text()
    assert seen.dialogs == []
    assert seen.blocked == []
    assert seen.errors == []
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_hovering_a_point_names_the_seller(visit: Callable[[str], Visit],
                                           result: BuildResult) -> None:
    page = visit(render_html(result)).page
    titles = page.eval_on_selector_all(
        "svg.chart-scatter circle.mark title", "ts => ts.map(t => t.textContent)")
    assert sorted(t.split(" — ")[0] for t in titles) == [
        "Ana Ruiz (S1)", "Ben <script>alert(1)</script> (S2)", "S3"]


def test_clicking_headers_sorts_the_seller_table(visit: Callable[[str], Visit],
                                                 result: BuildResult) -> None:
    seen = visit(render_html(result))
    page = seen.page
    assert seller_order(page) == ["S1", "S2", "S3", "S4"]
    gap = page.locator("#sellers-table th", has_text=re.compile(r"^Gap$")).locator("button")
    gap.click()  # gaps: S3 −100,000; S2 20,000; S4 50,000; S1 250,000
    assert seller_order(page) == ["S3", "S2", "S4", "S1"]
    gap.click()
    assert seller_order(page) == ["S1", "S4", "S2", "S3"]
    coverage_head = page.locator("#sellers-table th", has_text=re.compile(r"^Coverage$"))
    coverage = coverage_head.locator("button")
    coverage.click()
    coverage.click()  # descending; S4 has no coverage and stays last either way
    assert seller_order(page) == ["S3", "S2", "S1", "S4"]
    assert coverage_head.get_attribute("aria-sort") == "descending"
    node = page.locator("#nodes-table th", has_text="Depth").locator("button")
    node.click()
    depths = page.eval_on_selector_all("#nodes-table tbody tr td:nth-child(2)",
                                       "tds => tds.map(t => Number(t.dataset.v))")
    assert depths == sorted(depths)
    assert seen.errors == []


def test_demo_plan_report_in_the_browser(visit: Callable[[str], Visit], tmp_path: Path) -> None:
    from quotaplan.build import build
    from quotaplan.demo import demo_plan_path
    from quotaplan.planfolder.read import read_plan

    plan, _ = read_plan(demo_plan_path())
    assert plan is not None
    built = build(plan)
    seen = visit(render_html(built))
    page = seen.page
    for selector in ("svg.chart-bridge", "svg.chart-risk", "svg.chart-scatter",
                     "svg.chart-capacity", "svg.pareto"):
        assert chart_box(page, selector)["width"] > 100, selector
    assert count(page, "#sellers-table tbody tr") == built.gap.height
    assert count(page, "svg.chart-risk rect.mark") == 4
    assert seen.blocked == []
    assert seen.errors == []
    page.screenshot(path=str(tmp_path / "demo.png"), full_page=True)


def test_the_growth_ask_leads_the_page_when_targets_split_the_number(
        visit: Callable[[str], Visit], load_plan: Callable[[dict[str, str]], Plan]) -> None:
    from quotaplan.build import build
    from test_growth_ask import FILES

    seen = visit(render_html(build(load_plan(FILES))))
    banner = seen.page.locator('[data-figure="growth_ask"]')
    assert chart_box(seen.page, '[data-figure="growth_ask"]')["y"] < 150
    assert (chart_box(seen.page, '[data-figure="growth_ask"]')["y"]
            < chart_box(seen.page, '[data-figure="strategic_gap"]')["y"])
    big = banner.locator(".big")
    assert big.inner_text() == "+138.1 %"
    assert float(big.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 36
    # Two bars on one scale: last year's 420.00 against the number's 1,000.00.
    widths = banner.locator(".bar").evaluate_all("els => els.map(e => e.offsetWidth)")
    assert widths[0] / widths[1] == pytest.approx(0.42, abs=0.01)
    assert seen.errors == []
