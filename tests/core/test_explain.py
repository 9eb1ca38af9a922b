"""One seller's quota explained: the data, and how it reads in the terminal."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from rich.console import Console

from quotaplan.build import build
from quotaplan.core.explain import (
    Explanation,
    Feasibility,
    explain_node,
    explain_seller,
    managed_node,
    ramp_start,
)
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.quotas import compute_quotas
from quotaplan.money import format_cents_grouped, round_half_away, to_cents
from quotaplan.plan import Plan
from quotaplan.report.explain import (
    TOP_ACCOUNTS,
    feasibility_sentence,
    ramp_start_sentence,
    render_explanation,
    render_node_explanation,
)
from quotaplan.settings import Settings, parse_settings

LoadPlan = Callable[[dict[str, str]], Plan]

TOML = """
[plan]
name = "Explain"
fiscal_year_start = 2026-01-01
[targets]
method = "growth"
[quotas]
adjustment_mode = "additive"
[ramp]
cutoff = "day:15"
[seniority]
factors = { senior = 1.1 }
[seasonality]
weights = [0.2, 0.2, 0.2, 0.4]
"""


def book_rows(territory: str, targets: list[str]) -> list[dict[str, Any]]:
    return [
        {"account_id": f"{territory}-{i:02d}", "territory_id": territory,
         "target": to_cents(Decimal(t)), "name": f"Account [{i}]", "segment": None,
         "industry": None, "grade": None, "abc_class": "A" if i < 2 else "C"}
        for i, t in enumerate(targets)
    ]


def explained(load_plan: LoadPlan, targets: list[str], seller_row: str = "s1,L1,senior,"
              "2026-03-01,90000") -> tuple[Explanation, pl.DataFrame]:
    rows = book_rows("L1", targets)
    plan = load_plan({
        "plan.toml": TOML,
        "territories.csv": "territory_id,parent_id\nW,\nL1,W\n",
        "sellers.csv": "seller_id,territory_id,seniority,hire_date,ote\n" + seller_row + "\n",
        "accounts.csv": "account_id,territory_id\n" + "\n".join(
            f"{r['account_id']},L1" for r in rows),
        "adjustments.csv": "seller_id,rate,reason\ns1,-0.02,shared patch\n",
    })
    hierarchy = build_hierarchy(plan)
    frame = pl.DataFrame(rows, schema={
        "account_id": pl.String, "territory_id": pl.String, "target": pl.Int64,
        "name": pl.String, "segment": pl.String, "industry": pl.String, "grade": pl.String,
        "abc_class": pl.String})
    result = compute_quotas(plan, hierarchy, frame)
    seller = hierarchy.carriers.row(0, named=True)
    return explain_seller(result.ledgers["s1"], frame, seller), frame


def rendered(e: Explanation) -> str:
    console = Console(record=True, width=200, color_system=None)
    console.print(*render_explanation(e, "EUR"))
    return console.export_text()


def test_book_is_sorted_with_shares(load_plan: LoadPlan) -> None:
    e, _ = explained(load_plan, ["100", "500", "400", "0", "100"])
    assert [r.account_id for r in e.book] == ["L1-01", "L1-02", "L1-00", "L1-04", "L1-03"]
    assert [r.target for r in e.book] == [50000, 40000, 10000, 10000, 0]
    assert [r.share for r in e.book] == pytest.approx([5 / 11, 4 / 11, 1 / 11, 1 / 11, 0])
    assert [r.cumulative_share for r in e.book] == pytest.approx(
        [5 / 11, 9 / 11, 10 / 11, 1.0, 1.0])
    assert [r.abc_class for r in e.book] == ["A", "C", "A", "C", "C"]  # carried through
    assert (e.book_target, e.accounts) == (110000, 5)


def test_a_zero_book_has_no_shares(load_plan: LoadPlan) -> None:
    e, _ = explained(load_plan, ["0", "0"])
    assert [r.share for r in e.book] == [None, None]
    assert [r.cumulative_share for r in e.book] == [None, None]


def test_explanation_reads_in_the_order_the_quota_was_made(load_plan: LoadPlan) -> None:
    # Book 1,000; additive: 1,000 × (1 + 0.1 − 0.02) = 1,080.00; weights .2/.2/.2/.4; start
    # March 1 under day:15 → Q1 carries one month of three: 1,080 × 0.2 / 3 = 72.00.
    e, _ = explained(load_plan, ["600", "400"])
    text = rendered(e)
    order = ["Quota of s1", "Base quota", "Over-assignment", "Seniority", "Strategic focus",
             "Manual rate", "Full-year quota", "Ramp", "2026-01-01 – 2026-03-31",
             "2026-10-01 – 2026-12-31", "Final quota", "The book"]
    positions = [text.index(label) for label in order]
    assert positions == sorted(positions)
    assert "1,080.00" in text
    assert "shared patch" in text
    assert "72.00" in text
    assert "432.00" in text
    assert "936.00" in text  # final: 72 + 216 + 216 + 432
    assert "OTE 90,000.00" in text
    assert "Amounts in EUR" in text
    assert "level 'senior': factor 1.1" in text
    assert "Account [0]" in text  # brackets are shown, not read as markup


def test_long_books_show_the_top_accounts_and_a_line_for_the_rest(load_plan: LoadPlan) -> None:
    targets = [str(1000 + i) for i in range(TOP_ACCOUNTS + 5)]
    e, _ = explained(load_plan, targets)
    text = rendered(e)
    assert "… and 5 more account(s)" in text
    # The five smallest targets: 1,000 + 1,001 + … + 1,004 = 5,010.00.
    assert "5,010.00" in text
    assert "L1-29" in text
    assert "L1-04" not in text


def test_an_empty_book_says_so(load_plan: LoadPlan) -> None:
    e, frame = explained(load_plan, ["10"])
    empty = explain_seller(e.ledger, frame.clear(), e.seller)
    assert empty.book == ()
    assert "The book is empty" in rendered(empty)


# --- the first ramp month, and why ---------------------------------------------------------------


def ramp_settings(cutoff: str, year_start: str = "2026-01-01") -> Settings:
    settings, problems = parse_settings(
        f'[plan]\nname = "Ramp"\nfiscal_year_start = {year_start}\n[ramp]\ncutoff = "{cutoff}"\n')
    assert settings is not None, problems
    return settings


@pytest.mark.parametrize(("cutoff", "hire", "status", "sentence"), [
    ("day:15", "2026-07-16", "active",
     "First ramp month: August 2026 (hired July 16, after the cut-off day 15)"),
    ("day:15", "2026-07-15", "active",
     "First ramp month: July 2026 (hired July 15, on or before the cut-off day 15)"),
    ("day:31", "2026-02-28", "active",
     "First ramp month: February 2026 (hired February 28, on or before the cut-off day 28 "
     "(the last day of February, shorter than day:31))"),
    ("month_end", "2026-07-01", "active",
     "First ramp month: August 2026 (hired July 1; cut-off month_end: a hire ramps from the "
     "month after the hire month)"),
    ("month_end", "2026-12-31", "active",
     "First ramp month: January 2027 (hired December 31, 2026; cut-off month_end: a hire ramps "
     "from the month after the hire month); after the plan year: they carry 0 this year and "
     "the book is reported as uncovered"),
    ("prorate", "2026-07-16", "active",
     "First ramp month: July 2026 (hired July 16; cut-off prorate: the hire month is the first, "
     "July counting 16 of its 31 days)"),
    ("day:15", "2025-10-10", "active",
     "First ramp month: October 2025 (hired October 10, on or before the cut-off day 15); before "
     "the plan year, so 3 month(s) of tenure are behind them when it starts"),
    ("month_end", "2025-12-20", "active",
     "First ramp month: January 2026 (hired December 20, 2025; cut-off month_end: a hire ramps "
     "from the month after the hire month)"),
    ("day:15", None, "active",
     "First ramp month: none (no hire date: fully ramped from the first day of the year)"),
    ("day:15", "2026-03-20", "tbh",
     "First ramp month: April 2026 (planned start March 20, after the cut-off day 15)"),
    ("day:15", None, "tbh",
     "First ramp month: none (no planned start: fully ramped from the first day of the year)"),
])
def test_the_first_ramp_month_sentence(cutoff: str, hire: str | None, status: str,
                                       sentence: str) -> None:
    seller = {"hire_date": date.fromisoformat(hire) if hire else None, "status": status}
    assert ramp_start_sentence(ramp_start(seller, ramp_settings(cutoff))) == sentence


def test_the_first_ramp_month_agrees_with_the_ramp_factors(load_plan: LoadPlan) -> None:
    # Hired March 1 under day:15 → March ramps; the quarter Q1 carries one month of three.
    e, frame = explained(load_plan, ["600", "400"])
    full = explain_seller(e.ledger, frame, e.seller, settings=ramp_settings("day:15"))
    assert full.ramp_start is not None
    assert full.ramp_start.first_month == date(2026, 3, 1)
    assert [p.ramp_factor for p in e.ledger.periods][:1] == [Fraction(1, 3)]
    assert "First ramp month: March 2026 (hired March 1, on or before the cut-off day 15)" in (
        rendered(full))


# --- coverage, gap and risk; names beside ids ------------------------------------------------------


def test_a_carrier_explanation_states_the_gap_figures(load_plan: LoadPlan) -> None:
    e, frame = explained(load_plan, ["600", "400"])
    gap = pl.DataFrame({"seller_id": ["s0", "s1"], "final_quota": [1, 93_600],
                        "book_target": [1, 100_000], "gap": [0, -6_400],
                        "coverage": [1.0, 100_000 / 93_600], "risk": ["low", "low"]})
    full = explain_seller(e.ledger, frame, e.seller, gap=gap)
    assert full.feasibility == Feasibility(93_600, 100_000, -6_400, 100_000 / 93_600, "low")
    assert feasibility_sentence(full.feasibility) == (
        "Coverage 1.068376 (106.8 %: book 1,000.00 ÷ quota 936.00) · gap -64.00 (quota − book) "
        "· risk low")


def test_a_zero_quota_has_no_coverage() -> None:
    assert feasibility_sentence(Feasibility(0, 5_000, -5_000, None, None)) == (
        "Coverage: none (quota 0) · gap -50.00 (quota − book) · risk: none")


def test_account_names_are_shown_beside_the_ids(load_plan: LoadPlan) -> None:
    e, frame = explained(load_plan, ["600", "400"])
    names = pl.DataFrame({"account_id": ["L1-00", "L1-01"], "name": ["Acme Corp", "Bolt Ltd"]})
    full = explain_seller(e.ledger, frame.drop("name"), e.seller, account_names=names)
    assert [(r.account_id, r.name) for r in full.book] == [("L1-00", "Acme Corp"),
                                                           ("L1-01", "Bolt Ltd")]
    assert re.search(r"L1-00\s+│\s+Acme Corp", rendered(full))


# --- a manager's rolled-up quota -------------------------------------------------------------------

# R (hedge 7 %, manager mr) → A (hedge 3 %, ma) → L1 (s1), L2 (s2); R → B (mb) → L3 (s3), L4 (no
# carrier); R → L5 (s5 starts after the year). 1,000.01 split evenly over 7 accounts: odd cents, so
# A's and B's roll-ups are not whole cents and R's sum is of exact values.
MANAGED = {
    "plan.toml": """
        [plan]
        name = "Managers"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 1000.01
        [quotas]
        hedge = { 0 = 0.07, 1 = 0.03 }
    """,
    "territories.csv": "territory_id,name,parent_id\nR,World,\nA,East,R\nB,West,R\n"
                       "L1,East 1,A\nL2,East 2,A\nL3,West 1,B\nL4,West 2,B\nL5,South,R\n",
    "sellers.csv": "seller_id,name,territory_id,hire_date\nmr,Rae,R,\nma,Abe,A,\nmb,Bea,B,\n"
                   "s1,Cy,L1,\ns2,Di,L2,\ns3,Ed,L3,\ns5,Flo,L5,2027-02-01\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L1\na3,L2\na4,L3\na5,L4\na6,L5\n"
                    "a7,L2\n",
}


@pytest.mark.parametrize(("manager", "node", "children"), [
    ("mr", "R", ["A", "B", "L5"]),
    ("ma", "A", ["L1", "L2"]),
    ("mb", "B", ["L3", "L4"]),
])
def test_a_managers_children_roll_up_to_rollup_csv(load_plan: LoadPlan, manager: str, node: str,
                                                   children: list[str]) -> None:
    result = build(load_plan(MANAGED))
    assert managed_node(result.hierarchy, manager) == node
    n = explain_node(result.plan, result.rollup, result.quotas, node)
    written = dict(result.rollup.select("territory_id", "manager_quota").iter_rows())
    finals = dict(result.quotas.select("territory_id", "final_quota").iter_rows())
    assert [c.territory_id for c in n.children] == children
    for c in n.children:
        # A leaf counts its carrier's final quota (0 when uncovered), a node its roll-up.
        assert c.cents == (written[c.territory_id] if c.kind == "node"
                           else finals.get(c.territory_id, 0))
    hedge = {"R": Fraction(7, 100), "A": Fraction(3, 100), "B": Fraction(3, 100)}[node]
    assert n.hedge == Decimal(hedge.numerator) / Decimal(hedge.denominator)
    assert n.children_sum == sum(c.figure for c in n.children)
    assert round_half_away(n.children_sum * (1 - hedge)) == n.manager_quota == written[node]


def test_a_manager_explanation_reads_child_sum_hedge_result(load_plan: LoadPlan) -> None:
    result = build(load_plan(MANAGED))
    n = explain_node(result.plan, result.rollup, result.quotas, "R")
    console = Console(record=True, width=200, color_system=None)
    console.print(*render_node_explanation(n, "USD"))
    text = console.export_text()
    order = ["Rolled-up quota of mr — Rae", "Manages territory R — World", "A — East",
             "B — West", "L5 — South", "Sum of the 3 children", "Hedge at depth 0",
             "Rolled-up quota (manager_quota)", "Top-down number", "Strategic gap", "Quota gap",
             "Attainment factor"]
    positions = [text.index(label) for label in order]
    assert positions == sorted(positions)
    assert "carrier starts after the plan year, 0 (uncovered, target 142.86)" in text
    assert format_cents_grouped(n.manager_quota) in text
    assert "7 % held back" in text
    assert "×0.93" in text
    assert "1,000.01" in text  # the top-down number


def test_an_unnumbered_node_says_its_figures_are_roll_ups(load_plan: LoadPlan) -> None:
    result = build(load_plan(MANAGED))
    n = explain_node(result.plan, result.rollup, result.quotas, "B")
    assert n.figures["topdown"] is None
    console = Console(record=True, width=200, color_system=None)
    console.print(*render_node_explanation(n, "USD"))
    text = console.export_text()
    assert "No top-down number at this node" in text
    assert "leaf: no carrier, 0 (uncovered, target 142.86)" in text
    assert "Strategic gap" not in text


def test_only_non_leaf_nodes_are_explained_as_roll_ups(load_plan: LoadPlan) -> None:
    result = build(load_plan(MANAGED))
    assert managed_node(result.hierarchy, "s1") is None
    with pytest.raises(KeyError):
        explain_node(result.plan, result.rollup, result.quotas, "L1")
