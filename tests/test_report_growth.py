"""How the reports present the growth ask and remedies a book cannot absorb (terminal and HTML)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rich.console import Console

from quotaplan.build import BuildResult, build
from quotaplan.plan import Plan
from quotaplan.report.growth import ask_pct, growth_lead
from quotaplan.report.html import render_html
from quotaplan.report.terminal import render_terminal
from test_growth_ask import FILES

LoadPlan = Callable[[dict[str, str]], Plan]

SPLIT_NOTE = ("Here account targets are a split of the top-down number, so the strategic gap is 0 "
              "by construction; the stretch is against history.")


def text_of(result: BuildResult) -> str:
    console = Console(record=True, width=240, color_system=None, force_terminal=False)
    for item in render_terminal(result):
        console.print(item)
    return console.export_text()


def with_toml(targets: str, **files: str) -> dict[str, str]:
    toml = f"""
        [plan]
        name = "Small plan"
        fiscal_year_start = 2026-01-01
        [targets]
        {targets}
    """
    return {**FILES, "plan.toml": toml, **files}


@pytest.mark.parametrize(("ask", "shown"), [
    (0.4, "+40.0 %"), (0.0, "+0.0 %"), (-0.05, "−5.0 %"), (2.380952, "+238.1 %"), (None, "—"),
])
def test_ask_as_a_percentage(ask: float | None, shown: str) -> None:
    assert ask_pct(ask) == shown


def test_terminal_leads_with_the_growth_ask(load_plan: LoadPlan) -> None:
    # 1,000.00 against 420.00 of bookings: +138.1 %.
    lines = text_of(build(load_plan(FILES))).splitlines()
    assert lines[1] == ("Growth ask: +138.1 % over last year's bookings (prior 420 → top-down 1k "
                        "USD)")
    assert lines[2] == "Top-down 1,000.00 USD against last year's bookings of 420.00 USD."
    assert lines[3] == SPLIT_NOTE
    text = "\n".join(lines)
    assert text.index("Growth ask") < text.index("Strategic gap")
    assert "Largest growth asks by node" in text


def test_terminal_keeps_the_strategic_gap_first_with_growth_targets(load_plan: LoadPlan) -> None:
    text = text_of(build(load_plan(with_toml('method = "growth"\ntopdown = 1000'))))
    assert "over last year's bookings (prior" not in text
    assert SPLIT_NOTE not in text
    assert "Largest strategic gaps by node" in text
    # The growth ask is still a figure of the headline, after the gaps.
    figures = [ln.split()[0:2] for ln in text.splitlines()]
    assert figures.index(["Strategic", "gap"]) < figures.index(["Growth", "ask"])


@pytest.mark.parametrize(("targets", "extra", "said"), [
    ('method = "blend"\ntopdown = 1000\nblend_alpha = 0.25', {},
     "75 % of every account target is a split of the top-down number (the blend's top-down "
     "part), so that part of the strategic gap is 0 by construction"),
    ('method = "even"\ntopdown = 1000\nbase_window_months = 6', {},
     "Growth ask: +488.2 % over the bookings of the 6 months before the plan year"),
    ('method = "even"\ntopdown = 1000', {"bookings.csv": "account_id,date,amount\na3,2025-05-01,-20\n"},
     "Growth ask: — (last year's bookings sum to -20.00 USD, so there is no history to grow from)"),
    ('method = "even"\ntopdown = 1000', {"overrides.csv": "account_id,target,reason\na1,250,cut\n"},
     "(Here it is 50.00 USD: overrides and bottom-up inputs change the final targets.)"),
])
def test_terminal_wording(load_plan: LoadPlan, targets: str, extra: dict[str, str],
                          said: str) -> None:
    assert said in " ".join(text_of(build(load_plan(with_toml(targets, **extra)))).split())


def test_six_month_window_counts_only_its_bookings(load_plan: LoadPlan) -> None:
    # From 2025-07-01: a1's 50.00 (Dec 31) and a5's 120.00 (Jul 1); nothing else.
    result = build(load_plan(with_toml('method = "even"\ntopdown = 1000\nbase_window_months = 6')))
    assert result.summary["prior_bookings"] == 17_000
    assert growth_lead(result).ask == pytest.approx(1000 / 170 - 1)


def test_html_opens_with_the_growth_ask(load_plan: LoadPlan) -> None:
    html = render_html(build(load_plan(FILES)))
    banner = html.index('class="card growth-lead"')
    assert banner < html.index('data-figure="strategic_gap"')
    section = html[banner:html.index("</section>", banner)]
    assert "+138.1 %" in section
    assert "over last year&#39;s bookings" in section
    assert "420.00 USD" in section
    assert "1,000.00 USD" in section
    assert SPLIT_NOTE.replace("'", "&#39;") in section
    assert "0 by construction, since the targets are a split of the top-down number" in html
    assert "Growth ask and strategic gaps by node" in html
    # Per node and per seller.
    assert '<th class="num" data-type="num"><button type="button">Growth ask</button></th>' in html
    assert html.count("+500.0 %") >= 1  # East: 600.00 over 100.00


def test_html_without_a_split_has_no_banner(load_plan: LoadPlan) -> None:
    html = render_html(build(load_plan(with_toml('method = "growth"\ntopdown = 1000'))))
    assert "growth-lead" not in html.split("</style>", 1)[1]
    assert "Strategic gaps by node" in html


# Ben's book holds one account of 200,000.00; his quota of 500,000.00 would need 2 more.
OVER_BOOK = {
    "plan.toml": """
        [plan]
        name = "Over the book"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 1_000_000
        [quotas]
        basis = "even"
    """,
    "territories.csv": "territory_id,name,parent_id\nW,World,\nE,East,W\nX,West,W\n",
    "sellers.csv": "seller_id,name,territory_id\nS1,Ana,E\nS2,Ben,X\n",
    "accounts.csv": "account_id,territory_id\nA1,E\nA2,E\nA3,E\nA4,E\nB1,X\n",
}


def test_a_remedy_beyond_the_book_is_said_so(load_plan: LoadPlan) -> None:
    result = build(load_plan(OVER_BOOK))
    row = result.gap.filter(result.gap["seller_id"] == "S2").row(0, named=True)
    assert (row["accounts_to_add"], row["accounts"], row["accounts_to_add_exceeds_book"]) == (
        2, 1, True)
    text = " ".join(text_of(result).split())
    assert "2 (book holds 1)" in text
    assert ("the gap is 2 accounts at the book's median target, more than the book's 1 account: "
            "move accounts from other sellers (see `quotaplan optimize --goal fix-coverage`)") in text
    html = render_html(result)
    assert '<td class="num over-book" data-v="2"' in html
    assert "2 (book holds 1)</td>" in html
    assert "<code>quotaplan optimize --goal fix-coverage</code>" in html
