"""Quotas: bases, over-assignment, adjustments, phasing — with SPEC's worked checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction as F
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.ledger import (
    CarrierInputs,
    ManualLine,
    QuotaRules,
    carrier_ledger,
    ledger_row,
    quota_rules,
    round_together,
)
from quotaplan.core.quotas import QuotasResult, compute_quotas
from quotaplan.core.ramp import period_months, plan_periods
from quotaplan.money import to_cents
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan_files

LoadPlan = Callable[[dict[str, str]], Plan]

HEAD = """
[plan]
name = "Quotas"
fiscal_year_start = 2026-01-01
"""

#: One root with one leaf: the simplest plan that has a carrier.
ONE_LEAF = "territory_id,parent_id\nW,\nL1,W\n"


def acct(account_id: str, territory: str, target: str, **cols: str) -> dict[str, Any]:
    """An account target row: ``target`` in currency units."""
    return {"account_id": account_id, "territory_id": territory,
            "target": to_cents(Decimal(target)), **cols}


def targets_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    cols = ("segment", "industry", "grade")
    return pl.DataFrame(
        [{c: r.get(c) for c in ("account_id", "territory_id", "target", *cols)} for r in rows],
        schema={"account_id": pl.String, "territory_id": pl.String, "target": pl.Int64,
                "segment": pl.String, "industry": pl.String, "grade": pl.String},
        orient="row",
    )


def plan_files(toml: str, territories: str, sellers: str, rows: list[dict[str, Any]],
               period: str = "quarter", **extra: str) -> dict[str, str]:
    accounts = "account_id,territory_id\n" + "\n".join(
        f"{r['account_id']},{r['territory_id']}" for r in rows
    )
    # Targets come ready-made here; `growth` is the method that needs no top-down number.
    growth = '[targets]\nmethod = "growth"\n'
    toml = toml.replace("[targets]\n", growth) if "[targets]" in toml else growth + toml
    head = HEAD + f'period = "{period}"\n'
    return {"plan.toml": head + toml, "territories.csv": territories, "sellers.csv": sellers,
            "accounts.csv": accounts, **extra}


def run(load_plan: LoadPlan, toml: str, territories: str, sellers: str,
        rows: list[dict[str, Any]], period: str = "quarter", **extra: str) -> QuotasResult:
    plan = load_plan(plan_files(toml, territories, sellers, rows, period, **extra))
    return compute_quotas(plan, build_hierarchy(plan), targets_frame(rows))


def quota(result: QuotasResult, seller: str, column: str) -> Any:
    return result.quotas.filter(pl.col("seller_id") == seller).get_column(column).item()


def periods_of(result: QuotasResult, seller: str) -> list[int]:
    return result.periods.filter(pl.col("seller_id") == seller).sort("period_start") \
        .get_column("quota").to_list()


# --- SPEC's worked checks ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("mode", "book", "full_year", "manual"),
    [
        # base × (1 + 0.10 − 0.02)
        ("additive", "1000", "1080.00", "80.00"),
        # base × 1.10 × 0.98
        ("multiplicative", "100000", "107800.00", "7800.00"),
        # the same rates the other way round
        ("additive", "100000", "108000.00", "8000.00"),
        ("multiplicative", "1000", "1078.00", "78.00"),
    ],
)
def test_two_manual_rates(load_plan: LoadPlan, mode: str, book: str, full_year: str,
                          manual: str) -> None:
    result = run(
        load_plan, f'[quotas]\nadjustment_mode = "{mode}"\n', ONE_LEAF,
        "seller_id,territory_id\ns1,L1\n", [acct("a1", "L1", book)],
        **{"adjustments.csv": "seller_id,rate,reason\ns1,0.10,growth market\ns1,-0.02,"
                              "smaller patch\n"},
    )
    assert quota(result, "s1", "base_quota") == to_cents(Decimal(book))
    assert quota(result, "s1", "full_year_quota") == to_cents(Decimal(full_year))
    assert quota(result, "s1", "final_quota") == to_cents(Decimal(full_year))
    assert quota(result, "s1", "manual_adjustment") == to_cents(Decimal(manual))
    assert quota(result, "s1", "ramp_factor") == 1.0
    steps = [line.step for line in result.ledgers["s1"].lines]
    assert steps.count("manual_rate") == 2


def test_phasing_worked_check(load_plan: LoadPlan) -> None:
    """Year from Jan 1, 100,000, weights .2/.2/.2/.4, day:15, start March 1, no profile."""
    result = run(
        load_plan,
        '[ramp]\ncutoff = "day:15"\n[seasonality]\nweights = [0.2, 0.2, 0.2, 0.4]\n',
        ONE_LEAF, "seller_id,territory_id,hire_date\ns1,L1,2026-03-01\n",
        [acct("a1", "L1", "100000")],
    )
    assert periods_of(result, "s1") == [666667, 2000000, 2000000, 4000000]
    assert quota(result, "s1", "full_year_quota") == 10000000
    assert quota(result, "s1", "final_quota") == 8666667
    assert quota(result, "s1", "ramp_factor") == pytest.approx(0.8666667)
    ramp = result.ledgers["s1"].line("ramp")
    assert ramp.factor == F(13, 15)  # (0.2·1/3 + 0.2 + 0.2 + 0.4) / 1


# --- Bases and over-assignment -----------------------------------------------------------------

#: W (root, depth 0) → E and N (depth 1) → E1, E2 and N1, N2 (leaves, depth 2).
TREE = "territory_id,parent_id\nW,\nE,W\nN,W\nE1,E\nE2,E\nN1,N\nN2,N\n"
TREE_SELLERS = "seller_id,territory_id\ns1,E1\ns2,E2\ns3,N1\ns4,N2\n"
TREE_BOOKS = [acct("a1", "E1", "100"), acct("a2", "E2", "300"), acct("a3", "N1", "50"),
              acct("a4", "N2", "150")]
PADDING = "over_assignment = { 1 = 0.05, 2 = 0.10 }\n"


@pytest.mark.parametrize(
    ("basis", "expected"),
    [
        # the book itself, padded below the nearest numbered node: W for E1/E2 (× 1.05 × 1.10
        # = × 1.155), N for N1/N2 (× 1.10)
        ("targets", {"s1": "115.50", "s2": "346.50", "s3": "55.00", "s4": "165.00"}),
        # W's 1,000 less N's 400 = 600 over E1:E2 = 1:3 → 150 / 450, padded × 1.155;
        # N's 400 over N1:N2 = 1:3 → 100 / 300, padded below N (depth 1) only: × 1.10
        ("topdown", {"s1": "173.25", "s2": "519.75", "s3": "110.00", "s4": "330.00"}),
        # 600 / 2 = 300 × 1.155; 400 / 2 = 200 × 1.10
        ("even", {"s1": "346.50", "s2": "346.50", "s3": "220.00", "s4": "220.00"}),
    ],
)
def test_bases_and_padding(load_plan: LoadPlan, basis: str, expected: dict[str, str]) -> None:
    result = run(
        load_plan, f'[targets]\ntopdown = 1000\n[quotas]\nbasis = "{basis}"\n{PADDING}',
        TREE, TREE_SELLERS, TREE_BOOKS, **{"topdown.csv": "territory_id,amount\nN,400\n"},
    )
    assert result.problems == []
    for seller, amount in expected.items():
        assert quota(result, seller, "base_quota") == to_cents(Decimal(amount)), seller
        assert quota(result, seller, "final_quota") == to_cents(Decimal(amount)), seller


def test_assigned_quotas_are_taken_as_given(load_plan: LoadPlan) -> None:
    result = run(
        load_plan, f'[quotas]\nbasis = "assigned"\n{PADDING}', TREE, TREE_SELLERS, TREE_BOOKS,
        **{"assigned_quotas.csv": "seller_id,quota,reason\ns1,1000,last year\ns2,2000,\n"
                                  "s3,3000,\ns4,4000,\n"},
    )
    assert result.quotas.sort("seller_id").get_column("base_quota").to_list() == [
        100000, 200000, 300000, 400000]
    assert "last year" in result.ledgers["s1"].line("base").reason
    assert result.ledgers["s1"].line("over_assignment").factor == 1


def test_a_carrier_without_an_assigned_quota_is_an_error(load_plan: LoadPlan) -> None:
    # Reading the plan catches this; a plan edited in memory afterwards (a what-if) may not.
    plan = load_plan(plan_files('[quotas]\nbasis = "assigned"\n', TREE, TREE_SELLERS,
                                TREE_BOOKS, **{"assigned_quotas.csv": "seller_id,quota\ns1,1000\n"
                                                                      "s2,1\ns3,1\ns4,1\n"}))
    plan = plan.with_tables(assigned_quotas=plan.assigned_quotas.head(1))
    result = compute_quotas(plan, build_hierarchy(plan), targets_frame(TREE_BOOKS))
    [problem] = result.problems
    assert problem.severity == "error"
    assert problem.file == "assigned_quotas.csv"
    assert "s2, s3, s4" in problem.message
    assert quota(result, "s2", "final_quota") == 0


def test_even_split_gives_leftover_cents_by_ascending_territory(load_plan: LoadPlan) -> None:
    result = run(
        load_plan, '[targets]\ntopdown = 100\n[quotas]\nbasis = "even"\n',
        "territory_id,parent_id\nW,\nL1,W\nL2,W\nL3,W\n",
        "seller_id,territory_id\nz,L1\ny,L2\nx,L3\n",
        [acct("a1", "L1", "5"), acct("a2", "L2", "5"), acct("a3", "L3", "5")],
    )
    assert quota(result, "z", "base_quota") == 3334
    assert quota(result, "y", "base_quota") == 3333
    assert quota(result, "x", "base_quota") == 3333


def test_topdown_over_all_zero_books_falls_back_to_equal(load_plan: LoadPlan) -> None:
    result = run(
        load_plan, '[targets]\ntopdown = 90\n[quotas]\nbasis = "topdown"\n',
        "territory_id,parent_id\nW,\nL1,W\nL2,W\nL3,W\n",
        "seller_id,territory_id\ns1,L1\ns2,L2\ns3,L3\n",
        [acct("a1", "L1", "0"), acct("a2", "L2", "0")],
    )
    assert result.quotas.get_column("base_quota").to_list() == [3000, 3000, 3000]
    assert "every book is 0" in result.ledgers["s1"].line("base").reason


def test_deeper_numbers_above_the_node_leave_zero_with_a_warning(load_plan: LoadPlan) -> None:
    result = run(
        load_plan, '[targets]\ntopdown = 1000\n[quotas]\nbasis = "topdown"\n', TREE,
        TREE_SELLERS, TREE_BOOKS, **{"topdown.csv": "territory_id,amount\nN,1200\n"},
    )
    assert quota(result, "s1", "base_quota") == 0
    assert quota(result, "s3", "base_quota") == 30000  # N's 1,200 over 1:3
    [problem] = result.problems
    assert problem.severity == "warning"
    assert "beneath W" in problem.message


def test_topdown_without_any_number_is_an_error(load_plan: LoadPlan) -> None:
    result = run(load_plan, '[quotas]\nbasis = "topdown"\n', ONE_LEAF,
                 "seller_id,territory_id\ns1,L1\n", [acct("a1", "L1", "10")])
    [problem] = result.problems
    assert (problem.severity, problem.column) == ("error", "quotas.basis")
    assert quota(result, "s1", "final_quota") == 0


# --- Adjustments -------------------------------------------------------------------------------

SENIORITY = "[seniority]\nfactors = { junior = 0.9, senior = 1.1 }\n"


def test_seniority_factor_and_empty_level(load_plan: LoadPlan) -> None:
    result = run(
        load_plan, SENIORITY, "territory_id,parent_id\nW,\nL1,W\nL2,W\n",
        "seller_id,territory_id,seniority\ns1,L1,senior\ns2,L2,\n",
        [acct("a1", "L1", "1000"), acct("a2", "L2", "1000")],
    )
    assert quota(result, "s1", "seniority_factor") == pytest.approx(1.1)
    assert quota(result, "s1", "full_year_quota") == 110000
    assert quota(result, "s2", "seniority_factor") == 1.0
    assert quota(result, "s2", "full_year_quota") == 100000


def test_unknown_seniority_level_is_an_error(load_plan: LoadPlan) -> None:
    # Reading the plan catches this; settings changed in memory afterwards may not.
    plan = load_plan(plan_files(SENIORITY, ONE_LEAF,
                                "seller_id,territory_id,seniority\ns1,L1,junior\n",
                                [acct("a1", "L1", "10")]))
    sellers = plan.sellers.with_columns(pl.lit("principal").alias("seniority"))
    plan = plan.with_tables(sellers=sellers)
    result = compute_quotas(plan, build_hierarchy(plan), targets_frame([acct("a1", "L1", "10")]))
    [problem] = result.problems
    assert (problem.file, problem.line, problem.column) == ("sellers.csv", 2, "seniority")


def test_seniority_column_is_ignored_without_factors(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", ONE_LEAF, "seller_id,territory_id,seniority\ns1,L1,principal\n",
                 [acct("a1", "L1", "10")])
    assert result.problems == []
    assert quota(result, "s1", "seniority_factor") == 1.0


STRATEGIC_BOOK = [acct("a1", "L1", "600", segment="Enterprise", grade="A"),
                  acct("a2", "L1", "400", segment="SMB", grade="B")]


@pytest.mark.parametrize(
    ("rules", "factor"),
    [
        ('match = { segment = "Enterprise" }\nfactor = 1.05\n', F(1030, 1000)),  # (630 + 400)/1000
        ('match = { grade = ["A", "B"] }\nfactor = 0.9\n', F(9, 10)),
        ('match = { segment = "Enterprise", grade = "B" }\nfactor = 2\n', F(1)),  # both must hold
        ('match = { industry = "Retail" }\nfactor = 2\n', F(1)),  # nothing matches
    ],
)
def test_strategic_factor(load_plan: LoadPlan, rules: str, factor: F) -> None:
    result = run(load_plan, f"[[strategic_focus]]\n{rules}", ONE_LEAF,
                 "seller_id,territory_id\ns1,L1\n", STRATEGIC_BOOK)
    assert result.ledgers["s1"].line("strategic").factor == factor
    assert quota(result, "s1", "full_year_quota") == round(100000 * factor)


def test_several_matching_rules_multiply(load_plan: LoadPlan) -> None:
    rules = ('[[strategic_focus]]\nmatch = { segment = "Enterprise" }\nfactor = 1.05\n'
             'reason = "Enterprise push"\n'
             '[[strategic_focus]]\nmatch = { accounts = ["a1"] }\nfactor = 1.2\n')
    result = run(load_plan, rules, ONE_LEAF, "seller_id,territory_id\ns1,L1\n", STRATEGIC_BOOK)
    # a1: 600 × 1.05 × 1.2 = 756; a2: 400 → 1,156 / 1,000
    line = result.ledgers["s1"].line("strategic")
    assert line.factor == F(1156, 1000)
    assert "Enterprise push" in line.reason
    assert quota(result, "s1", "full_year_quota") == 115600


def test_empty_book_has_strategic_factor_one(load_plan: LoadPlan) -> None:
    rules = '[[strategic_focus]]\nmatch = { segment = "Enterprise" }\nfactor = 1.5\n'
    result = run(load_plan, rules, "territory_id,parent_id\nW,\nL1,W\nL2,W\n",
                 "seller_id,territory_id\ns1,L1\ns2,L2\n", STRATEGIC_BOOK)
    assert quota(result, "s2", "strategic_factor") == 1.0
    assert quota(result, "s2", "book_target") == 0


COMBINED = (SENIORITY + '[[strategic_focus]]\nmatch = { segment = "Enterprise" }\n'
            'factor = 1.05\n')


@pytest.mark.parametrize(
    ("mode", "full_year"),
    [
        # 1,000 × 1.1 × 1.03 × 1.1 = 1,246.30, then + 50
        ("multiplicative", 124630 + 5000),
        # 1,000 × (1 + 0.1 + 0.03 + 0.1) = 1,230.00, then + 50
        ("additive", 123000 + 5000),
    ],
)
def test_rates_combine_by_mode_and_amounts_come_last(
    load_plan: LoadPlan, mode: str, full_year: int
) -> None:
    result = run(
        load_plan, COMBINED + f'[quotas]\nadjustment_mode = "{mode}"\n', ONE_LEAF,
        "seller_id,territory_id,seniority\ns1,L1,senior\n", STRATEGIC_BOOK,
        **{"adjustments.csv": "seller_id,amount,rate,reason,author\ns1,50,,territory gift,ana\n"
                              "s1,,0.10,new logos,ana\n"},
    )
    ledger = result.ledgers["s1"]
    assert [line.step for line in ledger.lines] == [
        "base", "over_assignment", "seniority", "strategic", "manual_rate", "manual_amount",
        "full_year", "ramp", "final"]
    assert quota(result, "s1", "full_year_quota") == full_year
    assert ledger.line("manual_amount").amount == 5000
    assert "territory gift" in ledger.line("manual_amount").reason
    # The changes add up to the written full-year quota, to the cent.
    changes = sum(line.amount or 0 for line in ledger.lines[:6])
    assert changes == ledger.line("full_year").amount == full_year


# --- Ramp, status and phasing ------------------------------------------------------------------

def test_leaving_seller_carries_quota_up_to_the_end_month(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", ONE_LEAF,
                 "seller_id,territory_id,status,end_date\ns1,L1,leaving,2026-06-15\n",
                 [acct("a1", "L1", "100000")])
    assert periods_of(result, "s1") == [2500000, 2500000, 0, 0]
    assert quota(result, "s1", "final_quota") == 5000000
    assert quota(result, "s1", "ramp_factor") == 0.5


def test_vacant_seat_starts_on_its_planned_start_with_the_default_profile(
    load_plan: LoadPlan,
) -> None:
    toml = '[ramp]\ncutoff = "month_end"\nprofiles = { std = [0, 0.5] }\ndefault_profile = "std"\n'
    result = run(load_plan, toml, ONE_LEAF,
                 "seller_id,territory_id,status,hire_date\ntbh1,L1,tbh,2026-09-10\n",
                 [acct("a1", "L1", "120000")])
    # First ramp month October (factor 0), November 0.5, December 1 → Q4 = 30,000 × 1.5/3.
    assert periods_of(result, "tbh1") == [0, 0, 0, 1500000]
    assert "planned start 2026-09-10" in result.ledgers["tbh1"].line("ramp").reason


def test_monthly_periods_and_seasonality(load_plan: LoadPlan) -> None:
    weights = ", ".join(["0.05"] * 8 + ["0.15"] * 4)
    result = run(load_plan, f'[seasonality]\nweights = [{weights}]\n', ONE_LEAF,
                 "seller_id,territory_id\ns1,L1\n", [acct("a1", "L1", "1200")],
                 period="month")
    assert periods_of(result, "s1") == [6000] * 8 + [18000] * 4


def test_every_carrier_gets_every_period(load_plan: LoadPlan) -> None:
    result = run(load_plan, '[targets]\ntopdown = 1000\n', TREE,
                 "seller_id,territory_id,hire_date\ns1,E1,2027-02-01\ns2,E2,\ns3,N1,\ns4,N2,\n",
                 TREE_BOOKS)
    assert result.periods.height == 16
    assert periods_of(result, "s1") == [0, 0, 0, 0]
    assert result.periods.schema["period_end"] == pl.Date
    assert result.periods.filter(pl.col("seller_id") == "s2").get_column("period_end") \
        .to_list()[0] == date(2026, 3, 31)


def test_unknown_ramp_profile_is_an_error(load_plan: LoadPlan) -> None:
    plan = load_plan(plan_files("", ONE_LEAF,
                                "seller_id,territory_id,hire_date\ns1,L1,2026-05-01\n",
                                [acct("a1", "L1", "10")]))
    plan = plan.with_tables(sellers=plan.sellers.with_columns(
        pl.lit("fast").alias("ramp_profile")))
    result = compute_quotas(plan, build_hierarchy(plan), targets_frame([acct("a1", "L1", "10")]))
    [problem] = result.problems
    assert (problem.column, problem.code) == ("ramp_profile", "unknown-profile")


def test_quota_to_ote(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", "territory_id,parent_id\nW,\nL1,W\nL2,W\n",
                 "seller_id,territory_id,ote\ns1,L1,100000\ns2,L2,\n",
                 [acct("a1", "L1", "500000"), acct("a2", "L2", "1")])
    assert quota(result, "s1", "quota_to_ote") == 5.0
    assert quota(result, "s2", "quota_to_ote") is None
    assert result.quotas.columns[:11] == [
        "seller_id", "territory_id", "book_target", "base_quota", "seniority_factor",
        "strategic_factor", "manual_adjustment", "full_year_quota", "ramp_factor", "final_quota",
        "quota_to_ote"]


def test_zero_full_year_leaves_ramp_factor_empty(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", ONE_LEAF, "seller_id,territory_id\ns1,L1\n",
                 [acct("a1", "L1", "0")])
    assert quota(result, "s1", "ramp_factor") is None
    assert periods_of(result, "s1") == [0, 0, 0, 0]


# --- What-if and rounding ----------------------------------------------------------------------

def test_what_if_on_one_carrier_is_fast(load_plan: LoadPlan) -> None:
    result = run(load_plan, '[ramp]\nprofiles = { std = [0, 0.5] }\ndefault_profile = "std"\n',
                 ONE_LEAF, "seller_id,territory_id,hire_date\ns1,L1,2026-02-20\n",
                 [acct("a1", "L1", "100000")])
    plan_rules = quota_rules(load_plan(plan_files("", ONE_LEAF, "seller_id,territory_id\ns1,L1\n",
                                                  [acct("a1", "L1", "1")])).settings)
    inputs = replace(result.inputs["s1"],
                     manual=(ManualLine(None, Decimal("0.25"), None, "what if"),))
    started = time.perf_counter()
    ledger = carrier_ledger(inputs, plan_rules)
    assert time.perf_counter() - started < 0.1
    assert ledger.full_year_quota == F(12500000)
    # month_end: ramps from March (0), April 0.5, then 1 → Q2 2.5/3, Q3 and Q4 full:
    # 125,000 × (0 + 2.5/3 + 1 + 1) / 4 = 88,541.666… → 88,541.67
    assert result.ledgers["s1"].final_quota == 7083333
    assert ledger.final_quota == 8854167


@pytest.mark.parametrize(
    ("exacts", "expected"),
    [
        ([F(1, 2), F(1, 2), F(1, 2), F(1, 2)], [1, 1, 0, 0]),  # ties to the earlier period
        ([F(10, 3), F(10, 3), F(10, 3)], [4, 3, 3]),
        ([F(0), F(7, 4), F(0), F(5, 4)], [0, 2, 0, 1]),  # nothing goes to an empty period
        ([F(-3, 2), F(-3, 2)], [-2, -1]),
    ],
)
def test_round_together(exacts: list[F], expected: list[int]) -> None:
    from quotaplan.money import round_half_away

    total = round_half_away(sum(exacts, F(0)))
    assert round_together(exacts, total) == expected
    assert sum(expected) == total


# --- Properties --------------------------------------------------------------------------------

FACTORS = st.sampled_from([F(0), F(1, 4), F(1, 3), F(1, 2), F(2, 3), F(1), F(16, 31)])


@given(
    base=st.integers(min_value=0, max_value=10**13),
    raw_weights=st.lists(st.integers(min_value=0, max_value=1000), min_size=4, max_size=4)
    .filter(lambda w: sum(w) > 0),
    months=st.lists(FACTORS, min_size=12, max_size=12),
    rate=st.decimals(min_value=Decimal("-0.5"), max_value=Decimal(2), places=3),
)
def test_periods_sum_to_final_and_are_never_negative(
    base: int, raw_weights: list[int], months: list[F], rate: Decimal
) -> None:
    total = sum(raw_weights)
    rules = QuotaRules("multiplicative", tuple(plan_periods(date(2026, 1, 1), "quarter")),
                       tuple(period_months("quarter")), tuple(F(w, total) for w in raw_weights))
    inputs = CarrierInputs(
        seller_id="s", territory_id="L", book_target=base, base=base, base_reason="",
        padding=((1, Decimal("0.05")),), padding_reason="", seniority_factor=Decimal(1),
        seniority_reason="", strategic_factor=F(1), strategic_reason="",
        manual=(ManualLine(1, rate, None, "r"),), months=tuple(months), ramp_reason="",
    )
    ledger = carrier_ledger(inputs, rules)
    quotas = [p.quota for p in ledger.periods]
    assert sum(quotas) == ledger.final_quota
    assert all(q >= 0 for q in quotas)
    assert all(abs(p.quota - p.exact) < 1 for p in ledger.periods)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    basis=st.sampled_from(["topdown", "even"]),
    number=st.integers(min_value=0, max_value=10**9),
    books=st.lists(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=4),
                   min_size=1, max_size=4),
    oa=st.fixed_dictionaries({1: st.sampled_from(["0", "0.05", "0.1", "0.125"]),
                              2: st.sampled_from(["0", "0.033", "0.1", "0.25"])}),
)
def test_carriers_under_a_number_sum_to_it_padded(
    basis: str, number: int, books: list[list[int]], oa: dict[int, str]
) -> None:
    territories = ["territory_id,parent_id", "W,"]
    sellers = ["seller_id,territory_id"]
    accounts = ["account_id,territory_id"]
    rows: list[dict[str, Any]] = []
    for i, leaves in enumerate(books):
        territories.append(f"R{i},W")
        for j, cents in enumerate(leaves):
            leaf = f"R{i}L{j}"
            territories.append(f"{leaf},R{i}")
            sellers.append(f"s{i}_{j},{leaf}")
            accounts.append(f"a{i}_{j},{leaf}")
            rows.append({"account_id": f"a{i}_{j}", "territory_id": leaf, "target": cents})
    padding = ", ".join(f"{d} = {r}" for d, r in oa.items())
    toml = (f'{HEAD}[targets]\ntopdown = {number}\n[quotas]\nbasis = "{basis}"\n'
            f"over_assignment = {{ {padding} }}\n")
    files = {"plan.toml": toml, "territories.csv": "\n".join(territories) + "\n",
             "sellers.csv": "\n".join(sellers) + "\n", "accounts.csv": "\n".join(accounts) + "\n"}
    plan, problems = read_plan_files({k: v.encode() for k, v in files.items()})
    assert plan is not None, problems
    result = compute_quotas(plan, build_hierarchy(plan), targets_frame(rows))
    carriers = result.quotas.height
    padded = F(number * 100) * (1 + F(Decimal(oa[1]))) * (1 + F(Decimal(oa[2])))
    assert abs(sum(result.quotas.get_column("base_quota").to_list()) - padded) <= F(carriers, 2)
    assert abs(sum(result.quotas.get_column("final_quota").to_list()) - padded) <= F(carriers, 2)
    assert result.quotas.get_column("final_quota").min() >= 0  # type: ignore[operator]


def test_vacant_seat_without_a_planned_start_carries_the_year_with_a_warning(
    load_plan: LoadPlan,
) -> None:
    result = run(load_plan, "", ONE_LEAF, "seller_id,territory_id,status\ntbh1,L1,tbh\n",
                 [acct("a1", "L1", "400")])
    [problem] = result.problems
    assert (problem.severity, problem.line, problem.column) == ("warning", 2, "hire_date")
    assert periods_of(result, "tbh1") == [10000] * 4


def test_a_negative_full_year_is_kept_and_flagged(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", ONE_LEAF, "seller_id,territory_id\ns1,L1\n",
                 [acct("a1", "L1", "100")],
                 **{"adjustments.csv": "seller_id,amount,reason\ns1,-150,clawback\n"})
    assert quota(result, "s1", "full_year_quota") == -5000
    assert periods_of(result, "s1") == [-1250] * 4
    assert [p.code for p in result.problems] == ["negative-quota"]


def test_a_plan_without_carriers_gives_empty_tables(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", ONE_LEAF, "seller_id,territory_id\nm1,W\n",
                 [acct("a1", "L1", "100")])
    assert result.quotas.height == 0
    assert result.periods.height == 0
    assert result.quotas.schema["final_quota"] == pl.Int64


def test_every_row_and_period_equals_the_carriers_ledger(load_plan: LoadPlan) -> None:
    """The table figures come from integer arithmetic, the ledgers from fractions: they agree."""
    result = run(
        load_plan,
        '[quotas]\nover_assignment = { 1 = 0.03, 2 = 0.05 }\n'
        '[ramp]\ncutoff = "day:15"\nprofiles = { std = [0, 0.25, 0.5] }\ndefault_profile = "std"\n'
        '[seniority]\nfactors = { junior = 0.9, senior = 1.15 }\n'
        '[[strategic_focus]]\nmatch = { segment = "Enterprise" }\nfactor = 1.07\n'
        '[seasonality]\nweights = [0.15, 0.25, 0.27, 0.33]\n',
        "territory_id,parent_id\nW,\nR,W\nL1,R\nL2,R\nL3,W\n",
        "seller_id,territory_id,hire_date,seniority\ns1,L1,2026-03-16,junior\n"
        "s2,L2,2019-05-02,senior\ns3,L3,2025-12-01,\n",
        [acct("a1", "L1", "1234.57", segment="Enterprise"), acct("a2", "L1", "999.99"),
         acct("a3", "L2", "7777.77", segment="Enterprise"), acct("a4", "L3", "3333.33")],
        **{"adjustments.csv": "seller_id,amount,rate,reason\ns1,,0.125,push\ns3,-100.01,,move\n"
                              "s3,,-0.03,relief\n"},
    )
    assert result.quotas.height == 3
    for row in result.quotas.iter_rows(named=True):
        seller = row["seller_id"]
        ledger = result.ledgers[seller]
        expected = ledger_row(ledger, result.inputs[seller])
        assert {k: row[k] for k in expected} == expected
        assert periods_of(result, seller) == [p.quota for p in ledger.periods]
    # s2 was hired in 2019: the profile ended long before the year, but the reason says when.
    assert quota(result, "s2", "ramp_factor") == 1.0
    assert "hired 2019-05-02" in result.ledgers["s2"].line("ramp").reason
    assert result.inputs["s2"].months == (F(1),) * 12


# --- quotas that grow beyond exact amounts -----------------------------------------------------

BIG_BOOKS = [acct("a1", "E1", "999999999999996.99"), acct("a2", "E2", "1"),
             acct("a3", "N1", "1"), acct("a4", "N2", "1")]


def test_a_quota_beyond_15_digits_is_an_error_naming_the_seller(load_plan: LoadPlan) -> None:
    result = run(load_plan, "[quotas]\nover_assignment = { 1 = 9, 2 = 9 }\n", TREE, TREE_SELLERS,
                 BIG_BOOKS)
    assert [(p.file, p.line, p.code) for p in result.problems] == [
        ("sellers.csv", 2, "out-of-range")]
    assert "seller s1's quota grows to more than 15 digits" in result.problems[0].message
    assert result.quotas.height == 0


def test_quotas_that_roll_up_beyond_15_digits_are_an_error(load_plan: LoadPlan) -> None:
    books = [acct(a, t, "600000000000000") for a, t in (("a1", "E1"), ("a2", "E2"))] + [
        acct("a3", "N1", "1"), acct("a4", "N2", "1")]
    result = run(load_plan, "", TREE, TREE_SELLERS, books)
    assert [(p.file, p.column, p.code) for p in result.problems] == [
        ("plan.toml", "quotas.hedge", "out-of-range")]


def test_quotas_up_to_15_digits_are_computed_exactly(load_plan: LoadPlan) -> None:
    result = run(load_plan, "", TREE, TREE_SELLERS, BIG_BOOKS)
    assert result.problems == []
    assert quota(result, "s1", "final_quota") == 99_999_999_999_999_699


def test_the_quota_tables_are_the_output_files_columns_with_their_types() -> None:
    # The columns come from quotas.csv's and quota_periods.csv's declarations (schemas.OUTPUTS
    # and OUTPUT_EXTRAS); the types are what the tables have always held.
    from quotaplan.core.quotas import PERIODS_SCHEMA, QUOTAS_SCHEMA
    from quotaplan.schemas import OUTPUT_EXTRAS, OUTPUTS

    assert tuple(QUOTAS_SCHEMA) == OUTPUTS["quotas.csv"] + OUTPUT_EXTRAS["quotas.csv"]
    assert dict(QUOTAS_SCHEMA) == {
        "seller_id": pl.String(), "territory_id": pl.String(), "book_target": pl.Int64(),
        "base_quota": pl.Int64(), "seniority_factor": pl.Float64(),
        "strategic_factor": pl.Float64(), "manual_adjustment": pl.Int64(),
        "full_year_quota": pl.Int64(), "ramp_factor": pl.Float64(), "final_quota": pl.Int64(),
        "quota_to_ote": pl.Float64(), "ote": pl.Int64(), "depth": pl.Int64(),
        "anchor_id": pl.String(), "status": pl.String(), "starts_after_year": pl.Boolean(),
    }
    assert dict(PERIODS_SCHEMA) == {"seller_id": pl.String(), "period_start": pl.Date(),
                              "period_end": pl.Date(), "quota": pl.Int64()}
