"""The workbench in a real headless Chromium, served by ``quotaplan serve`` (a real Uvicorn) on a free
local port: sign in through the form with the keyboard, see the plans, open a scenario; then SPEC's
whole cycle (fork, change an account with its effect shown first, compare, submit; another planner
approves and publishes; an in-year move with its relief shown first, approved as version 2; a manager
sees only their subtree; a seller only their own quota and letter). With ``QUOTAPLAN_SCREENSHOTS=DIR``
the cycle's pages are saved there as PNG. Every request
that does not go to 127.0.0.1 is blocked and recorded (there must be none), and the page must log no
error (a Content-Security-Policy violation is one).

Needs the ``playwright`` package and Debian's Chromium (no browser download); without them these tests
skip, unless ``QUOTAPLAN_REQUIRE_BROWSER=1`` makes them fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any, NoReturn
from urllib.parse import urlparse

import pytest

from quotaplan.workspace import Workspace
from web.webteam import PASSWORD, free_port

pytestmark = pytest.mark.browser

REQUIRE_BROWSER = os.environ.get("QUOTAPLAN_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _unavailable(reason: str) -> NoReturn:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (QUOTAPLAN_REQUIRE_BROWSER=1 requires the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(team_url: str) -> Iterator[str]:
    """``quotaplan serve`` on a free port of 127.0.0.1, until the module's tests are done; the store
    gets a scenario of its own (``browser``, forked from the baseline) for the tests that change it."""
    with Workspace(team_url, as_user="ben") as ben:
        ben.fork("FY27", "baseline", "browser")
    port = free_port()
    env = {**os.environ, "QUOTAPLAN_SECRET": "a secret for the browser tests"}
    process = subprocess.Popen([sys.executable, "-m", "quotaplan", "serve", "--db", team_url,
                                "--port", str(port)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/login", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"quotaplan serve did not answer on {base}: {output}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


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


class Tab:
    """A browser tab that may reach 127.0.0.1 only; what else it tried and every error it logged."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _route(self, route: Any) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    opened = Tab(browser)
    yield opened
    opened.context.close()


def test_sign_in_with_the_keyboard_and_see_the_plans(server: str, tab: Tab) -> None:
    page = tab.page
    page.goto(server + "/plans")
    assert urlparse(page.url).path == "/login"  # not signed in: sent to the login form
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored htmx loaded under the CSP
    assert page.evaluate("document.activeElement.id") == "username"  # the form is ready to type in
    # a wrong password first: the form says so, and keeps the user name
    page.fill("#username", "pia")
    page.fill("#password", "not her password")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "not right" in page.locator("[role=alert]").inner_text()
    assert page.input_value("#username") == "pia"
    assert [e for e in tab.errors if "401" not in e] == []  # the refused form answers 401, nothing else
    tab.errors.clear()
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server + "/plans")
    assert page.locator("h1").inner_text() == "Plans and scenarios"
    page.keyboard.press("Tab")  # the first stop is the skip link; Enter jumps to the content
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    table = page.locator("section.plan table").inner_text()
    assert "FY27" in page.locator("section.plan h2").inner_text()
    for text in ("baseline", "stretch", "Draft", "Top-down number set", "ben"):
        assert text in table
    cookies = {c["name"]: c for c in tab.context.cookies()}
    session = cookies["quotaplan_session"]
    assert session["httpOnly"]
    assert session["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # the session cookie is out of scripts' reach
    # the overview of a scenario, reached by following its link
    page.get_by_role("link", name="stretch").click()
    page.wait_for_url(server + "/plans/FY27/stretch")
    assert page.locator("h1").inner_text() == "Demo FY2027 Global"
    assert page.locator("[data-figure=quota_gap] .big").inner_text().endswith("USD")
    box = page.locator("svg.chart-bridge").bounding_box()
    assert box is not None
    assert box["width"] > 600
    assert tab.blocked == []
    assert tab.errors == []


def test_a_seller_sees_their_own_quota_and_not_another(server: str, tab: Tab) -> None:
    page = tab.page
    page.goto(server + "/login")
    page.fill("#username", "sam")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/plans")
    page.get_by_role("link", name="Your quota (S01)").first.click()
    page.wait_for_url(server + "/plans/FY27/baseline/sellers/S01")
    assert "Can this book carry this quota?" in page.locator("main").inner_text()
    answer = page.goto(server + "/plans/FY27/baseline/sellers/S02")
    assert answer is not None
    assert answer.status == 404
    answer = page.goto(server + "/plans/FY27")
    assert answer is not None
    assert answer.status == 404
    assert tab.blocked == []
    assert [e for e in tab.errors if "404" not in e] == []


def test_a_planner_adjusts_a_high_risk_seller_and_sees_the_risk_change(server: str, tab: Tab) -> None:
    page = tab.page
    page.goto(server + "/login")
    page.fill("#username", "ben")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/plans")
    page.goto(server + "/plans/FY27/browser")
    riskiest = page.locator("ol.riskiest li").first
    assert "High risk" in riskiest.inner_text()
    riskiest.locator("a").click()
    page.wait_for_load_state()
    assert "High risk" in page.locator(".verdict").inner_text()
    quota = page.locator(".card .big").first.inner_text()
    lowered = -round(float(quota.replace(",", "")) * 0.3, 2)
    page.check("input[value=amount]")
    page.fill("#adj-value", f"{lowered:.2f}")
    page.fill("#adj-reason", "Two accounts left the territory")
    url = page.url
    page.get_by_role("button", name="Show the effect").click()  # htmx: the effect, in place
    page.wait_for_selector("table.effect")
    assert page.url == url  # the page stayed where it was: only the effect came in
    assert page.locator("[data-risk-after]").get_attribute("data-risk-after") == "low"
    page.get_by_role("button", name="Save the adjustment").click()
    page.wait_for_load_state()
    assert "saved=" in page.url
    assert "Low risk" in page.locator(".verdict").inner_text()
    assert "Two accounts left the territory" in page.locator("#changes").inner_text()
    assert tab.blocked == []
    assert tab.errors == []


SHOTS = os.environ.get("QUOTAPLAN_SCREENSHOTS")  # a folder: the cycle's pages are saved there as PNG


def _shoot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _sign_in(tab: Tab, server: str, name: str) -> Any:
    page = tab.page
    page.goto(server + "/login")
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/plans")
    return page


@pytest.fixture(scope="module")
def cycle_plan(server: str, team_url: str) -> str:
    """A plan of its own (CYC, the demo plan, the FY27 team's roles) for the whole cycle."""
    from web.cycleplan import published_plan

    return published_plan(team_url, "CYC", publish=False)


def test_the_planning_cycle(server: str, browser: Any, cycle_plan: str) -> None:
    """cara forks, changes an account (effect first), compares and submits; bert approves and
    publishes; cara requests an in-year move (relief first), bert approves it: version 2."""
    base = f"{server}/plans/{cycle_plan}"
    cara = Tab(browser)
    try:
        page = _sign_in(cara, server, "cara")
        page.goto(f"{base}/baseline/workflow")
        page.fill("#fork-name", "stretch")
        page.get_by_role("button", name="Fork the scenario").click()
        page.wait_for_url(f"{base}/stretch")
        page.get_by_role("link", name="Accounts").click()
        page.wait_for_url(f"{base}/stretch/accounts")
        page.fill("#a-q", "A0001")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
        page.locator("table.accounts tbody th a").first.click()
        page.wait_for_load_state()
        page.fill("#acc-target", "3000000.00")
        page.fill("#acc-reason", "Signed a three-year expansion")
        page.get_by_role("button", name="Show the effect").click()
        page.wait_for_selector("table.effect")
        assert "3,000,000.00" in page.locator("table.effect").inner_text()
        _shoot(page, "accounts-effect")
        page.get_by_role("button", name="Save the change").click()
        page.wait_for_load_state()
        assert "Saved as change" in page.locator("[role=status]").inner_text()
        page.goto(f"{base}/stretch")
        page.get_by_role("link", name="Compare with baseline").click()
        page.wait_for_load_state()
        assert "/compare/stretch/baseline" in page.url
        assert "S35" in page.locator("main").inner_text()  # the seller whose book changed
        page.goto(f"{base}/stretch/nodes/RG2")
        page.fill("#td-amount", "13000000.00")
        page.fill("#td-reason", "Board's EMEA number")
        page.get_by_role("button", name="Show the effect").click()
        page.wait_for_selector("table.effect")
        _shoot(page, "node-topdown-effect")
        page.goto(f"{base}/stretch/workflow")
        page.get_by_role("button", name="Submit for review").click()
        page.wait_for_load_state()
        page.goto(f"{base}/stretch/workflow")
        assert page.get_by_role("button", name="Approve").count() == 0  # not her own submission
        assert cara.blocked == []
        assert cara.errors == []
    finally:
        cara.context.close()
    bert = Tab(browser)
    try:
        page = _sign_in(bert, server, "bert")
        page.goto(f"{base}/stretch/workflow")
        page.get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        page.goto(f"{base}/stretch/workflow")
        page.get_by_role("button", name="Publish").click()
        page.wait_for_load_state()
        page.goto(f"{base}/stretch/workflow")
        assert "start of the year" in page.locator("table.versions").inner_text()
        assert bert.blocked == []
        assert bert.errors == []
    finally:
        bert.context.close()
    cara = Tab(browser)
    try:
        page = _sign_in(cara, server, "cara")
        page.goto(f"{base}/stretch/accounts?account=A0002")
        page.select_option("#acc-territory", "TR01")
        page.fill("#acc-effective", "2027-07-01")
        page.fill("#acc-reason", "Consolidated with a North American parent")
        page.get_by_role("button", name="Show the relief").click()
        page.wait_for_selector("table.relief")
        assert "Relief:" in page.locator("table.relief caption").inner_text()
        _shoot(page, "accounts-relief")
        page.get_by_role("button", name="Request the change").click()
        page.wait_for_load_state()
        assert "Requested as in-year change" in page.locator("[role=status]").inner_text()
    finally:
        cara.context.close()
    bert = Tab(browser)
    try:
        page = _sign_in(bert, server, "bert")
        page.goto(f"{base}/stretch/workflow")
        _shoot(page, "workflow-request")
        page.locator("#changes").get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
        assert "published as version 2" in page.locator("[role=status]").inner_text()
        _shoot(page, "workflow-versions")
        answer = page.request.get(f"{base}/versions/2")
        assert answer.status == 200
        assert answer.body()[:2] == b"PK"
        page.goto(f"{base}/stretch/exports")
        _shoot(page, "exports")
        assert bert.blocked == []
        assert bert.errors == []
    finally:
        bert.context.close()


def test_a_manager_sees_only_their_subtree(server: str, tab: Tab, cycle_plan: str) -> None:
    page = _sign_in(tab, server, "mila")
    base = f"{server}/plans/{cycle_plan}/baseline"
    answer = page.goto(f"{base}/nodes/RG1")
    assert answer is not None
    assert answer.status == 200
    assert "North America" in page.locator("h1").inner_text()
    for hidden in (f"{base}/nodes/RG2", f"{base}/nodes/GLOBAL", base, f"{base}/sellers/S30"):
        answer = page.goto(hidden)
        assert answer is not None
        assert answer.status == 404, hidden
    page.goto(f"{base}/accounts")
    _shoot(page, "accounts-manager")
    shown = page.locator("table.accounts tbody").inner_text()
    assert "TR37" not in shown  # an EMEA territory
    assert tab.blocked == []


def test_a_seller_sees_only_their_own_quota_and_letter(server: str, tab: Tab, team_url: str) -> None:
    from web.cycleplan import published_plan

    plan = published_plan(team_url, "CYS")  # its baseline published: version 1, with letters
    page = _sign_in(tab, server, "seth")
    base = f"{server}/plans/{plan}"
    page.goto(f"{base}/baseline/sellers/S01")
    assert "Can this book carry this quota?" in page.locator("main").inner_text()
    href = page.locator("a[href$='/letters/S01.pdf']").get_attribute("href")
    assert href == f"/plans/{plan}/letters/S01.pdf"
    answer = page.request.get(server + href)
    assert answer.status == 200
    assert answer.body().startswith(b"%PDF")
    _shoot(page, "seller-letter")
    for other in (f"{base}/baseline/sellers/S02", f"{base}/letters/S02.pdf", f"{base}/baseline",
                  f"{base}/baseline/accounts", f"{base}/baseline/exports"):
        answer = page.goto(other)
        assert answer is not None
        assert answer.status == 404, other
    assert tab.blocked == []
