"""One seller's quota explained: the data, and how it reads in the terminal."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from rich.console import Console

from quotaplan.core.explain import Explanation, explain_seller
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.quotas import compute_quotas
from quotaplan.money import to_cents
from quotaplan.plan import Plan
from quotaplan.report.explain import TOP_ACCOUNTS, render_explanation

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
