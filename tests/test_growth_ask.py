"""The growth ask: prior bookings and growth ask per carrier (gap.csv), per node (rollup.csv) and
at the root (summary.json), on a small plan computed by hand."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from quotaplan.build import BuildResult, build
from quotaplan.outputs import write_outputs
from quotaplan.plan import Plan

LoadPlan = Callable[[dict[str, str]], Plan]

# Plan year from 2026-01-01: the base window is 2025-01-01 … 2025-12-31.
# World R (numbered 1,000.00) → A (numbered 600.00) → L1 (s1), L2 (s2);
# R → L3 (no carrier: uncovered), L4 (s4), L5 (s5, no history).
FILES = {
    "plan.toml": """
        [plan]
        name = "Small plan"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 1000
    """,
    "territories.csv": """
        territory_id,name,parent_id
        R,World,
        A,East,R
        L1,East 1,A
        L2,East 2,A
        L3,West,R
        L4,South,R
        L5,North,R
    """,
    "topdown.csv": """
        territory_id,amount
        A,600
    """,
    "sellers.csv": """
        seller_id,territory_id
        s1,L1
        s2,L2
        s4,L4
        s5,L5
    """,
    "accounts.csv": """
        account_id,territory_id,status
        a1,L1,active
        a2,L1,inactive
        a3,L2,active
        a4,L3,active
        a5,L4,active
        a6,L5,active
    """,
    # a1: the window's first and last days count, the days around it do not → 150.00.
    # a2 is inactive: not in any book, its bookings count nowhere.
    # a3: a refund larger than the sale → −50.00, kept as it is.
    # a4 sits on the uncovered leaf L3: its 200.00 count in R's sum.
    "bookings.csv": """
        account_id,date,amount
        a1,2024-12-31,999
        a1,2025-01-01,100
        a1,2025-12-31,50
        a1,2026-01-01,777
        a2,2025-06-01,500
        a3,2025-03-01,-80
        a3,2025-04-01,30
        a4,2025-05-01,200
        a5,2025-07-01,120
    """,
}


@pytest.fixture
def result(load_plan: LoadPlan) -> BuildResult:
    return build(load_plan(FILES))


def _ask(amount: int, prior: int) -> float:
    return float(Fraction(amount, prior) - 1)


# Targets (even): A's 600.00 over a1 and a3 → 300.00 each; R's 400.00 left over a4, a5, a6 →
# 133.34 (a4, the first id takes the cent), 133.33, 133.33. Quotas = book targets.
CARRIERS = [
    # seller, prior_bookings, growth_ask (None: empty), why
    ("s1", 15_000, _ask(30_000, 15_000), "window's first and last day; inactive a2 left out"),
    ("s2", -5_000, None, "negative total kept as it is; no ratio"),
    ("s4", 12_000, _ask(13_333, 12_000), "133.33 over 120.00"),
    ("s5", 0, None, "no bookings: prior 0, no ratio"),
]

NODES = [
    # node, prior_bookings, growth_ask, why
    ("R", 42_000, _ask(100_000, 42_000), "uncovered L3 counts; −50.00 of L2 counts as it is"),
    ("A", 10_000, _ask(60_000, 10_000), "nested numbered node: its own number over its subtree"),
    ("L1", 15_000, None, "no number of its own"),
    ("L2", -5_000, None, "negative sum kept"),
    ("L3", 20_000, None, "uncovered leaf: its bookings are there"),
    ("L5", 0, None, "no history"),
]


@pytest.mark.parametrize(("seller", "prior", "ask", "why"), CARRIERS,
                         ids=[c[0] for c in CARRIERS])
def test_growth_ask_per_carrier(result: BuildResult, seller: str, prior: int,
                                ask: float | None, why: str) -> None:
    row = result.gap.filter(result.gap["seller_id"] == seller).row(0, named=True)
    assert (row["prior_bookings"], row["growth_ask"]) == (prior, ask), why


@pytest.mark.parametrize(("node", "prior", "ask", "why"), NODES, ids=[n[0] for n in NODES])
def test_growth_ask_per_node(result: BuildResult, node: str, prior: int, ask: float | None,
                             why: str) -> None:
    row = result.rollup.filter(result.rollup["territory_id"] == node).row(0, named=True)
    assert (row["prior_bookings"], row["growth_ask"]) == (prior, ask), why


def test_targets_are_the_split_the_cases_assume(result: BuildResult) -> None:
    quotas = dict(result.gap.select("seller_id", "final_quota").iter_rows())
    assert quotas == {"s1": 30_000, "s2": 30_000, "s4": 13_333, "s5": 13_333}
    assert result.summary["strategic_gap"] == 0  # a split of the number: 0 by construction


def test_summary_and_written_files(result: BuildResult, tmp_path: Path) -> None:
    assert result.summary["prior_bookings"] == 42_000
    assert result.summary["growth_ask"] == _ask(100_000, 42_000)
    write_outputs(result, tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["prior_bookings"] == "420.00"
    assert summary["growth_ask"] == pytest.approx(1000 / 420 - 1, abs=1e-12)
    with (tmp_path / "out" / "gap.csv").open(encoding="utf-8") as f:
        gap = {r["seller_id"]: r for r in csv.DictReader(f)}
    assert (gap["s1"]["prior_bookings"], gap["s1"]["growth_ask"]) == ("150.00", "1.000000")
    assert (gap["s2"]["prior_bookings"], gap["s2"]["growth_ask"]) == ("-50.00", "")
    assert (gap["s4"]["growth_ask"], gap["s5"]["growth_ask"]) == ("0.111083", "")
    with (tmp_path / "out" / "rollup.csv").open(encoding="utf-8") as f:
        nodes = {r["territory_id"]: r for r in csv.DictReader(f)}
    assert (nodes["A"]["prior_bookings"], nodes["A"]["growth_ask"]) == ("100.00", "5.000000")
    assert (nodes["L3"]["prior_bookings"], nodes["L3"]["growth_ask"]) == ("200.00", "")


def test_a_root_with_no_positive_history_has_no_ratio(load_plan: LoadPlan) -> None:
    files = dict(FILES, **{"bookings.csv": """
        account_id,date,amount
        a1,2025-02-01,10
        a3,2025-03-01,-30
    """})
    summary = build(load_plan(files)).summary
    assert (summary["prior_bookings"], summary["growth_ask"]) == (-2_000, None)


def test_remedy_larger_than_the_book_is_flagged(load_plan: LoadPlan) -> None:
    # s1's book: three accounts of 10.00 each (median 10.00) against a quota of 100.00 → 7 more
    # accounts, more than the 3 the book holds; s2: 1 account of 50.00, quota 80.00 → 1 more.
    files = {
        "plan.toml": """
            [plan]
            name = "Remedies"
            fiscal_year_start = 2026-01-01
            [targets]
            method = "growth"
            [quotas]
            basis = "assigned"
        """,
        "territories.csv": """
            territory_id,parent_id
            R,
            L1,R
            L2,R
            L3,R
        """,
        "sellers.csv": """
            seller_id,territory_id
            s1,L1
            s2,L2
            s3,L3
        """,
        "assigned_quotas.csv": """
            seller_id,quota
            s1,100
            s2,80
            s3,10
        """,
        "accounts.csv": """
            account_id,territory_id
            a1,L1
            a2,L1
            a3,L1
            b1,L2
        """,
        "bookings.csv": """
            account_id,date,amount
            a1,2025-05-01,10
            a2,2025-05-01,10
            a3,2025-05-01,10
            b1,2025-05-01,50
        """,
    }
    gap = build(load_plan(files)).gap
    rows = {r["seller_id"]: r for r in gap.iter_rows(named=True)}
    assert (rows["s1"]["accounts_to_add"], rows["s1"]["accounts_to_add_exceeds_book"]) == (7, True)
    assert (rows["s2"]["accounts_to_add"], rows["s2"]["accounts_to_add_exceeds_book"]) == (1, False)
    # s3's leaf holds no account: no number to add, so no flag either.
    assert (rows["s3"]["accounts_to_add"], rows["s3"]["accounts_to_add_exceeds_book"]) == (None,
                                                                                          None)


# --- explain ----------------------------------------------------------------------------------

def test_explain_shows_the_book_against_history(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from conftest import write_plan
    from quotaplan.cli import app

    folder = write_plan(tmp_path / "plan", FILES)
    out = CliRunner().invoke(app, ["explain", str(folder), "s1"], terminal_width=200).output
    text = " ".join(out.split())
    assert ("Growth ask: +100.0 % — final quota 300.00 USD against 150.00 USD booked by the "
            "book's accounts from 2025-01-01 to 2025-12-31 (the base window)") in text
    out = CliRunner().invoke(app, ["explain", str(folder), "s2"], terminal_width=200).output
    assert ("Growth ask: — the book's bookings from 2025-01-01 to 2025-12-31 sum to -50.00 USD: "
            "no history to grow from") in " ".join(out.split())


def test_explanation_carries_the_same_figures_as_gap_csv(result: BuildResult) -> None:
    from quotaplan.core.explain import explain_seller

    for seller, prior, ask, _ in CARRIERS:
        row = result.plan.sellers.filter(result.plan.sellers["seller_id"] == seller).row(
            0, named=True)
        e = explain_seller(result.ledgers[seller], result.account_targets, row)
        assert (e.prior_bookings, e.growth_ask) == (prior, ask)
