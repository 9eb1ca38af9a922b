"""Account targets: each method on small plans worked by hand, then the invariants as properties."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.core import history_match as match_module
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.targets import TargetsResult, base_window, compute_targets
from quotaplan.plan import Plan
from quotaplan.planfolder.checks import run_checks
from quotaplan.planfolder.read import empty_table
from quotaplan.problems import Problem
from quotaplan.schemas import INPUTS
from quotaplan.settings import settings_from_dict

LoadPlan = Callable[[dict[str, str]], Plan]

# root ── east, west (two leaves); plan year from 2026-01-01, base window = calendar 2025.
TERRITORIES = """
territory_id,parent_id
root,
east,root
west,root
"""
SELLERS = """
seller_id,territory_id
s1,east
"""
PLAN = """
[plan]
name = "Targets"
fiscal_year_start = 2026-01-01
"""


def plan_files(toml: str, accounts: str, **files: str) -> dict[str, str]:
    """A plan's files given its [targets] lines, accounts.csv and any other CSV by table name."""
    texts = {
        "plan.toml": textwrap.dedent(PLAN) + "\n[targets]\n" + textwrap.dedent(toml),
        "territories.csv": files.pop("territories", TERRITORIES),
        "sellers.csv": SELLERS,
        "accounts.csv": accounts,
    }
    return texts | {f"{name}.csv": text for name, text in files.items()}


def targets(load_plan: LoadPlan, toml: str, accounts: str, **files: str) -> TargetsResult:
    """Compute a plan given its [targets] lines, accounts.csv and any other CSV by table name."""
    plan = load_plan(plan_files(toml, accounts, **files))
    return compute_targets(plan, build_hierarchy(plan))


def column(result: TargetsResult, name: str = "calculated_target") -> dict[str, Any]:
    return dict(zip(result.accounts["account_id"], result.accounts[name], strict=True))


def codes(problems: list[Problem], severity: str | None = None) -> list[str]:
    return [p.code for p in problems if severity is None or p.severity == severity]


# --- the base window ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "first"),
    [
        (date(2026, 2, 1), 12, date(2025, 2, 1)),
        (date(2026, 1, 1), 6, date(2025, 7, 1)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),  # no February 31st: its last day
        (date(2026, 1, 15), 24, date(2024, 1, 15)),
    ],
)
def test_base_window_runs_up_to_the_day_before_the_plan_start(
    start: date, months: int, first: date
) -> None:
    assert base_window(start, months) == (first, start)


# --- even -----------------------------------------------------------------------------------


def test_even_split_gives_the_extra_cent_to_the_smallest_id_as_text(load_plan: LoadPlan) -> None:
    # 1,000.00 over three accounts: 333.33 each and 1 cent left, which goes to "a10" ("a10" < "a9").
    result = targets(load_plan, 'method = "even"\ntopdown = 1000', """
        account_id,territory_id
        a9,east
        a10,east
        a11,west
    """)
    assert column(result) == {"a10": 33334, "a11": 33333, "a9": 33333}
    assert dict(result.accounts.schema) == SCHEMA
    assert result.accounts["account_id"].to_list() == ["a10", "a11", "a9"]  # sorted as text
    assert column(result, "target") == column(result)
    assert result.accounts["method"].to_list() == ["even"] * 3
    assert result.problems == []


def test_inactive_accounts_get_no_target(load_plan: LoadPlan) -> None:
    result = targets(load_plan, 'method = "even"\ntopdown = 100', """
        account_id,territory_id,status
        a1,east,active
        a2,east,inactive
        a3,west,
    """)
    assert column(result) == {"a1": 5000, "a3": 5000}


def test_bottom_up_zero_is_kept_and_empty_shares(load_plan: LoadPlan) -> None:
    # a1 says "no potential" (0) and a4 has its own 100.00: both kept; 1,000 − 100 = 900 over a2, a3.
    result = targets(load_plan, 'method = "even"\ntopdown = 1000', """
        account_id,territory_id,bottom_up_target
        a1,east,0
        a2,east,
        a3,west,
        a4,west,100
    """)
    assert column(result) == {"a1": 0, "a2": 45000, "a3": 45000, "a4": 10000}
    assert column(result, "bottom_up") == {"a1": True, "a2": False, "a3": False, "a4": True}


def test_overrides_replace_the_final_target_only(load_plan: LoadPlan) -> None:
    result = targets(
        load_plan, 'method = "even"\ntopdown = 1000', """
        account_id,territory_id,target,override_reason
        a1,east,5,extra columns of a CRM export
        a2,west,6,do not collide with ours
        """,
        overrides="""
        account_id,target,reason
        a2,999.99,Signed renewal
        """,
    )
    assert column(result) == {"a1": 50000, "a2": 50000}
    assert column(result, "target") == {"a1": 50000, "a2": 99999}  # not re-spread to a1
    assert column(result, "override_reason") == {"a1": None, "a2": "Signed renewal"}


NESTED = """
territory_id,parent_id
root,
east,root
east_a,east
east_b,east
west,root
"""


def test_nested_numbers_take_their_share_off_the_node_above(load_plan: LoadPlan) -> None:
    # root 1,000 − east's 600 − w2's input 100 = 300 for w1; east 600 − east_a's 200 = 400 for e_b;
    # east_a's 200 for e_a. Σ = 300 + 100 + 400 + 200 = 1,000.
    result = targets(
        load_plan, 'method = "even"\ntopdown = 1000', """
        account_id,territory_id,bottom_up_target
        e_a,east_a,
        e_b,east_b,
        w1,west,
        w2,west,100
        """,
        territories=NESTED,
        topdown="""
        territory_id,amount
        east,600
        east_a,200
        """,
    )
    assert column(result) == {"e_a": 20000, "e_b": 40000, "w1": 30000, "w2": 10000}
    assert column(result, "anchor_id") == {"e_a": "east_a", "e_b": "east", "w1": "root",
                                           "w2": "root"}
    assert result.problems == []


def test_number_below_the_inputs_is_one_warning_and_the_others_get_zero(
    load_plan: LoadPlan, problems_of: Callable[[dict[str, str]], list[Problem]]
) -> None:
    files = plan_files('method = "even"\ntopdown = 1000', """
        account_id,territory_id,bottom_up_target
        e1,east,150
        e2,east,
        w1,west,
        """,
        topdown="""
        territory_id,amount
        east,100
        """,
    )
    result = compute_targets(plan := load_plan(files), build_hierarchy(plan))
    # east: 100 − 150 = −50 → e2 gets 0; root: 1,000 − 100 = 900 → w1.
    assert column(result) == {"e1": 15000, "e2": 0, "w1": 90000}
    # The shortfall is reported once, when the plan is read, on east's topdown.csv line.
    assert result.problems == []
    [short] = [p for p in problems_of(files) if p.code.startswith(("bottom-up", "topdown"))]
    assert (short.severity, short.code, short.file, short.line, short.column) == (
        "warning", "bottom-up-above", "topdown.csv", 2, "amount")
    assert "beneath 'east'" in short.message
    assert "(150.00)" in short.message
    assert "number 100.00" in short.message


def test_root_number_from_plan_toml_is_named_by_its_key(
    load_plan: LoadPlan, problems_of: Callable[[dict[str, str]], list[Problem]]
) -> None:
    files = plan_files('method = "even"\ntopdown = 10', """
        account_id,territory_id,bottom_up_target
        a1,east,20
        a2,west,
    """)
    result = compute_targets(plan := load_plan(files), build_hierarchy(plan))
    assert column(result) == {"a1": 2000, "a2": 0}
    assert result.problems == []
    [short] = [p for p in problems_of(files) if p.code == "bottom-up-above"]
    # On the key's line (the file is written stripped: topdown is its seventh line).
    assert (short.file, short.line, short.column, short.severity, short.code) == (
        "plan.toml", 7, "targets.topdown", "warning", "bottom-up-above")
    assert "beneath 'root'" in short.message
    assert "above its top-down number 10.00" in short.message


def test_a_number_with_nobody_to_take_it_is_an_error(load_plan: LoadPlan) -> None:
    result = targets(
        load_plan, 'method = "even"\ntopdown = 1000', """
        account_id,territory_id,bottom_up_target
        e1,east,100
        w1,west,
        """,
        topdown="""
        territory_id,amount
        east,300
        """,
    )
    assert codes(result.problems) == ["nothing-to-split"]
    assert "territory east" in result.problems[0].message


SCHEMA = {
    "account_id": pl.String, "territory_id": pl.String, "segment": pl.String,
    "industry": pl.String, "grade": pl.String, "anchor_id": pl.String, "method": pl.String,
    "base_bookings": pl.Int64, "calculated_target": pl.Int64, "target": pl.Int64,
    "override_reason": pl.String, "bottom_up": pl.Boolean,
}


@pytest.mark.parametrize("method", ["even", "weighted", "bucketed", "growth", "blend"])
def test_no_eligible_account_gives_an_empty_table_with_its_columns(method: str) -> None:
    section: dict[str, Any] = {"method": method, "weight": "employees", "trend": True}
    if method == "bucketed":
        section |= {"bucket_by": "grade", "buckets": {"A": Decimal(1)}}
    plan = memory_plan(section, {"account_id": ["a1"], "territory_id": ["l1"],
                                 "status": ["inactive"]}, {"root": 100})
    result = compute_targets(plan, build_hierarchy(plan))
    assert result.accounts.height == 0
    assert dict(result.accounts.schema) == SCHEMA
    # A number with no account to take it is an error, except for growth, which does not split it.
    assert codes(result.problems) == ([] if method == "growth" else ["nothing-to-split"])


# --- weighted -------------------------------------------------------------------------------


def test_weighted_by_a_numeric_column_after_the_inputs(load_plan: LoadPlan) -> None:
    # 1,000 − a4's 100 = 900 over revenues 1 : 2 : 3 → 150, 300, 450.
    result = targets(load_plan, 'method = "weighted"\nweight = "annual_revenue"\ntopdown = 1000', """
        account_id,territory_id,annual_revenue,bottom_up_target
        a1,east,1.5,
        a2,east,3,
        a3,west,4.5,
        a4,west,,100
    """)
    assert column(result) == {"a1": 15000, "a2": 30000, "a3": 45000, "a4": 10000}
    assert result.problems == []


def test_weighted_remainders_go_to_the_largest_fractions(load_plan: LoadPlan) -> None:
    # 0.10 by 1 : 1 : 2 → 2.5, 2.5, 5 cents: the half cents tie, so a1 (smaller id) takes the cent.
    result = targets(load_plan, 'method = "weighted"\nweight = "employees"\ntopdown = 0.10', """
        account_id,territory_id,employees
        a2,east,1
        a1,east,1
        a3,west,2
    """)
    assert column(result) == {"a1": 3, "a2": 2, "a3": 5}


def test_weighted_by_prior_bookings_reads_the_base_window(load_plan: LoadPlan) -> None:
    # Bookings in 2025 only: a1 300 (the 2024 one is before the window), a2 100 (the 2026 one is
    # the plan year), a3 −50 (a refund: counts 0, with a warning). 1,000 by 300 : 100 : 0.
    result = targets(
        load_plan, "topdown = 1000", """
        account_id,territory_id
        a1,east
        a2,east
        a3,west
        """,
        bookings="""
        account_id,date,amount
        a1,2025-03-01,300
        a1,2024-12-31,1000
        a2,2025-12-31,100
        a2,2026-01-01,500
        a3,2025-06-01,-50
        """,
    )
    assert column(result) == {"a1": 75000, "a2": 25000, "a3": 0}
    assert column(result, "base_bookings") == {"a1": 30000, "a2": 10000, "a3": -5000}
    [negative] = result.problems
    assert (negative.code, negative.severity, negative.file, negative.line) == (
        "negative-base", "warning", "accounts.csv", 4)
    assert "2025-01-01 to 2025-12-31" in negative.message


def test_weighted_by_an_extra_column_parses_it_exactly(load_plan: LoadPlan) -> None:
    result = targets(load_plan, 'method = "weighted"\nweight = "potential"\ntopdown = 100', """
        account_id,territory_id,potential
        a1,east,0.000003
        a2,west,0.000001
    """)
    assert column(result) == {"a1": 7500, "a2": 2500}


def test_an_empty_weight_is_an_error_unless_it_counts_zero(load_plan: LoadPlan) -> None:
    accounts = """
        account_id,territory_id,annual_revenue
        a1,east,5
        a2,west,
    """
    strict = targets(load_plan, 'method = "weighted"\nweight = "annual_revenue"\ntopdown = 100',
                     accounts)
    [missing] = strict.problems
    assert (missing.code, missing.file, missing.line, missing.column) == (
        "missing-weight", "accounts.csv", 3, "annual_revenue")
    lenient = targets(load_plan, 'method = "weighted"\nweight = "annual_revenue"\n'
                      'missing_weight = "zero"\ntopdown = 100', accounts)
    assert lenient.problems == []
    assert column(lenient) == {"a1": 10000, "a2": 0}


def test_text_that_is_not_a_weight_is_an_error() -> None:
    # Validation reports it first; computing such a plan anyway reports it again, not a crash.
    plan = memory_plan({"method": "weighted", "weight": "potential"},
                       {"account_id": ["a1", "a2"], "territory_id": ["l1", "l2"]}, {"root": 100})
    plan = plan.with_tables(accounts=plan.accounts.with_columns(
        pl.Series("potential", ["lots", "2"])))
    result = compute_targets(plan, build_hierarchy(plan))
    assert codes(result.problems) == ["weight"]  # as validation says it
    assert result.problems[0].line == 2
    assert "'lots' is not a plain number" in result.problems[0].message
    assert column(result) == {"a1": 0, "a2": 100}


def test_unknown_weight_column_is_named_by_its_key() -> None:
    plan = memory_plan({"method": "weighted", "weight": "revenue"},
                       {"account_id": ["a1"], "territory_id": ["l1"]}, {"root": 100})
    result = compute_targets(plan, build_hierarchy(plan))
    assert [(p.file, p.column, p.code) for p in result.problems] == [
        ("plan.toml", "targets.weight", "weight")]


def test_zero_weights_are_an_error_only_with_something_to_split(load_plan: LoadPlan) -> None:
    accounts = """
        account_id,territory_id,annual_revenue,bottom_up_target
        a1,east,0,
        a2,east,0,
        a3,west,,250
    """
    toml = 'method = "weighted"\nweight = "annual_revenue"\ntopdown = {}'
    with_rest = targets(load_plan, toml.format(1000), accounts)
    assert codes(with_rest.problems) == ["zero-weights"]
    assert "territory root" in with_rest.problems[0].message
    nothing_left = targets(load_plan, toml.format(250), accounts)
    assert nothing_left.problems == []
    assert column(nothing_left) == {"a1": 0, "a2": 0, "a3": 25000}


@pytest.mark.parametrize("method", ["even", "weighted", "bucketed", "blend"])
def test_without_any_number_the_split_methods_report_an_error(method: str) -> None:
    # Validation rejects such a plan first; computing it anyway must not crash.
    section: dict[str, Any] = {"method": method, "weight": "employees"}
    if method == "bucketed":
        section |= {"bucket_by": "grade", "buckets": {"A": Decimal(1)}}
    plan = memory_plan(section, {"account_id": ["a1"], "territory_id": ["l1"], "grade": ["A"],
                                 "employees": [1]}, {})
    result = compute_targets(plan, build_hierarchy(plan))
    assert codes(result.problems) == ["no-root-number"]
    assert column(result) == {"a1": 0}


# --- bucketed -------------------------------------------------------------------------------

BUCKETS = """
method = "bucketed"
bucket_by = "grade"
buckets = { A = 0.5, B = 0.3, C = 0.2 }
within_bucket = "{within}"
weight = "employees"
topdown = {number}
"""


def bucketed(within: str, number: str) -> str:
    return BUCKETS.replace("{within}", within).replace("{number}", number)


def test_bucketed_respreads_an_absent_bucket_in_proportion(load_plan: LoadPlan) -> None:
    # No C account: A gets 0.5 / 0.8 of 1,000 = 625, B 0.3 / 0.8 = 375; then evenly inside.
    result = targets(load_plan, bucketed("even", "1000"), """
        account_id,territory_id,grade
        a1,east,A
        a2,west,A
        b1,west,B
    """)
    assert column(result) == {"a1": 31250, "a2": 31250, "b1": 37500}
    [absent] = result.problems
    assert (absent.severity, absent.code) == ("warning", "absent-bucket")
    assert "bucket(s) C" in absent.message


def test_bucketed_weighted_inside_each_bucket(load_plan: LoadPlan) -> None:
    # 200 → A 100, B 60, C 40; A by employees 1 : 3 → 25, 75.
    result = targets(load_plan, bucketed("weighted", "200"), """
        account_id,territory_id,grade,employees
        a1,east,A,1
        a2,west,A,3
        b1,west,B,7
        c1,east,C,0.5
    """)
    assert column(result) == {"a1": 2500, "a2": 7500, "b1": 6000, "c1": 4000}
    assert result.problems == []


def test_zero_weights_inside_a_bucket_name_the_bucket(load_plan: LoadPlan) -> None:
    result = targets(load_plan, bucketed("weighted", "200"), """
        account_id,territory_id,grade,employees
        a1,east,A,1
        b1,west,B,0
        c1,east,C,2
    """)
    [zero] = result.problems
    assert (zero.code, zero.severity) == ("zero-weights", "error")
    assert "territory root (bucket B): 60.00" in zero.message


def test_bucket_amounts_are_themselves_a_largest_remainder_split(load_plan: LoadPlan) -> None:
    # 0.03 over A 0.5, B 0.3, C 0.2 → 1.5, 0.9, 0.6 cents → 1, 0, 0 and one cent left each for the
    # largest remainders .9 (B) and .6 (C): 1, 1, 1 — not 2, 1, 0 by rounding each share.
    result = targets(load_plan, bucketed("even", "0.03"), """
        account_id,territory_id,grade
        a1,east,A
        b1,west,B
        c1,west,C
    """)
    assert column(result) == {"a1": 1, "b1": 1, "c1": 1}


def test_a_bucket_without_share_is_an_error() -> None:
    # Validation reports it first; computing such a plan anyway reports it again, not a crash.
    plan = memory_plan(
        {"method": "bucketed", "bucket_by": "grade", "buckets": {"A": Decimal(1)}},
        {"account_id": ["a1", "d1", "d2"], "territory_id": ["l1", "l2", "l2"],
         "grade": ["A", "D", "D"]},
        {"root": 100},
    )
    result = compute_targets(plan, build_hierarchy(plan))
    assert [(p.code, p.line, p.column) for p in result.problems] == [("bucket", 3, "grade")]
    assert "'D'" in result.problems[0].message
    assert "2 eligible account(s)" in result.problems[0].message


# --- growth ---------------------------------------------------------------------------------

HISTORY = """
account_id,date,amount
up,2024-05-01,100
up,2025-05-01,300
down,2024-05-01,200
down,2025-05-01,150
crash,2024-05-01,400
crash,2025-05-01,100
new,2025-05-01,100
refund,2025-05-01,-20
"""
GROWTH_ACCOUNTS = """
account_id,territory_id,segment
up,east,Mid
down,east,Mid
crash,west,Mid
new,west,Mid
refund,west,Mid
"""


def test_growth_applies_the_rate_to_the_base(load_plan: LoadPlan) -> None:
    # 10 % on the 2025 bookings; half cents round away from zero (0.05 × 1.1 = 0.055 → 0.06);
    # the Enterprise segment grows 20 %; a negative base counts 0 (warning).
    result = targets(
        load_plan,
        'method = "growth"\ngrowth = 0.10\ngrowth_by_segment = { Enterprise = 0.2 }\n'
        "topdown = 1",
        """
        account_id,territory_id,segment
        a1,east,Mid
        a2,east,
        e1,west,Enterprise
        r1,west,Mid
        """,
        bookings="""
        account_id,date,amount
        a1,2025-02-01,1000.05
        a2,2025-02-01,0.05
        e1,2025-02-01,100
        e1,2024-02-01,5000
        r1,2025-02-01,-10
        """,
    )
    assert column(result) == {"a1": 110006, "a2": 6, "e1": 12000, "r1": 0}
    assert codes(result.problems) == ["negative-base"]  # the top-down number is not spread


def test_trend_growth_is_clamped_to_the_band(load_plan: LoadPlan) -> None:
    # up: 300/100 − 1 = +200 % → clamped to +100 %: 600. down: −25 %: 112.50.
    # crash: −75 % → −50 %: 50. new: no 2024 bookings → the plan rate +10 %: 110.
    result = targets(
        load_plan, 'method = "growth"\ngrowth = 0.10\ntrend = true', GROWTH_ACCOUNTS,
        bookings=HISTORY,
    )
    assert column(result) == {"up": 60000, "down": 11250, "crash": 5000, "new": 11000,
                              "refund": 0}
    assert sorted(codes(result.problems)) == ["negative-base", "trend-fallback"]


def test_trend_band_is_configurable(load_plan: LoadPlan) -> None:
    result = targets(
        load_plan, 'method = "growth"\ntrend = true\ntrend_band = [-0.1, 0.5]', GROWTH_ACCOUNTS,
        bookings=HISTORY,
    )
    # up +200 % → +50 %: 450; down −25 % → −10 %: 135; crash → −10 %: 90; new: growth 0 → 100.
    assert column(result) == {"up": 45000, "down": 13500, "crash": 9000, "new": 10000,
                              "refund": 0}


# --- blend ----------------------------------------------------------------------------------


def test_blend_adds_the_growth_part_and_the_weighted_part(load_plan: LoadPlan) -> None:
    # α = 0.25, growth 10 %, bases 300 and 100. Growth parts: 0.25 × 330 = 82.50, 0.25 × 110 = 27.50.
    # Top-down part: 0.75 × 1,000 = 750 by 300 : 100 → 562.50, 187.50.
    result = targets(
        load_plan, 'method = "blend"\nblend_alpha = 0.25\ngrowth = 0.10\ntopdown = 1000', """
        account_id,territory_id
        a1,east
        a2,west
        """,
        bookings="""
        account_id,date,amount
        a1,2025-03-01,300
        a2,2025-03-01,100
        """,
    )
    assert column(result) == {"a1": 8250 + 56250, "a2": 2750 + 18750}
    assert result.problems == []


def test_blend_rounds_each_part_on_cents(load_plan: LoadPlan) -> None:
    # α = 0.5, growth 0: growth parts 0.5 × 3 cents = 1.5 → 2 each; top-down part
    # 0.5 × 3 cents = 1.5 → 2 cents, split 1 : 1 → 1 each. Totals 3 and 3.
    result = targets(
        load_plan, 'method = "blend"\nblend_alpha = 0.5\ntopdown = 0.03', """
        account_id,territory_id
        a1,east
        a2,west
        """,
        bookings="""
        account_id,date,amount
        a1,2025-03-01,0.03
        a2,2025-03-01,0.03
        """,
    )
    assert column(result) == {"a1": 3, "a2": 3}


# --- properties -----------------------------------------------------------------------------

TREE = {"root": None, "n1": "root", "n2": "root", "l1": "n1", "l2": "n1", "l3": "n2", "l4": "n2",
        "l5": "root"}
LEAVES = ["l1", "l2", "l3", "l4", "l5"]


def _table(name: str, rows: dict[str, list[Any]]) -> pl.DataFrame:
    schema = empty_table(INPUTS[name]).schema
    height = len(next(iter(rows.values())))
    data = {c: rows.get(c, [None] * height) for c in schema}
    if "line" not in rows:
        data["line"] = list(range(2, height + 2))
    if "status" in schema and "status" not in rows:
        data["status"] = ["active"] * height
    return pl.DataFrame(data, schema=schema)


def memory_plan(
    section: dict[str, Any],
    accounts: dict[str, list[Any]],
    numbers: dict[str, int],
    bookings: dict[str, list[Any]] | None = None,
) -> Plan:
    """A plan on :data:`TREE` built in memory (no validation): [targets] settings, accounts.csv
    columns, top-down numbers in cents by node, bookings.csv columns."""
    config, problems = settings_from_dict(
        {"plan": {"name": "p", "fiscal_year_start": date(2026, 1, 1)}, "targets": section}
    )
    assert config is not None, problems
    booked = bookings or {"account_id": [], "date": [], "amount": []}
    return Plan(
        settings=config,
        territories=_table("territories", {"territory_id": list(TREE),
                                           "parent_id": list(TREE.values())}),
        sellers=_table("sellers", {"seller_id": ["s"], "territory_id": ["l1"]}),
        accounts=_table("accounts", accounts),
        bookings=_table("bookings", booked),
        topdown=_table("topdown", {"territory_id": list(numbers), "amount": list(numbers.values())}),
        overrides=empty_table(INPUTS["overrides"]),
        adjustments=empty_table(INPUTS["adjustments"]),
        assigned_quotas=empty_table(INPUTS["assigned_quotas"]),
    )


@st.composite
def plans(draw: st.DrawFn, method: str) -> Plan:
    n = draw(st.integers(1, 25))
    ids = draw(st.lists(st.text("ab1", min_size=1, max_size=4), min_size=n, max_size=n,
                        unique=True))
    numbered = {"root"} | set(draw(st.sets(st.sampled_from(["n1", "n2", "l1", "l3", "l5"]))))
    numbers = {t: draw(st.integers(0, 10**7)) for t in sorted(numbered)}
    accounts: dict[str, list[Any]] = {
        "account_id": ids,
        "territory_id": [draw(st.sampled_from(LEAVES)) for _ in ids],
        "grade": [draw(st.sampled_from(["A", "B", "C"])) for _ in ids],
        "employees": [draw(st.integers(1, 10**9)) for _ in ids],
        "bottom_up_target": [draw(st.none() | st.integers(0, 10**6)) for _ in ids],
        "status": [draw(st.sampled_from(["active", "active", "inactive"])) for _ in ids],
    }
    booked = draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(0, 800),
                                     st.integers(-10**4, 10**6)), max_size=40))
    bookings: dict[str, list[Any]] = {
        "account_id": [b[0] for b in booked],
        "date": [date.fromordinal(date(2024, 1, 1).toordinal() + b[1]) for b in booked],
        "amount": [b[2] for b in booked],
    }
    section: dict[str, Any] = {"method": method, "growth": Decimal("0.1"),
                               "blend_alpha": Decimal("0.3")}
    if method in ("weighted", "blend"):
        section["weight"] = draw(st.sampled_from(["employees", "prior_bookings"]))
    if method == "bucketed":
        section |= {"bucket_by": "grade", "within_bucket": "weighted", "weight": "employees",
                    "buckets": {"A": Decimal("0.5"), "B": Decimal("0.3"), "C": Decimal("0.2")}}
    if method == "growth":
        section["trend"] = draw(st.booleans())
    return memory_plan(section, accounts, numbers, bookings)


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _expected_remainders(plan: Plan) -> dict[str, int]:
    """R of each numbered node, straight from SPEC's definition (independent of the code)."""
    numbers = dict(zip(plan.topdown["territory_id"], plan.topdown["amount"], strict=True))

    def anchor(node: str | None) -> str | None:
        while node is not None and node not in numbers:
            node = TREE[node]
        return node

    rest = dict(numbers)
    for node, number in numbers.items():
        outer = anchor(TREE[node])
        if outer is not None:
            rest[outer] -= number
    for row in plan.accounts.filter(pl.col("status") == "active").iter_rows(named=True):
        if row["bottom_up_target"] is not None:
            rest[str(anchor(row["territory_id"]))] -= row["bottom_up_target"]
    return rest


@pytest.mark.parametrize("method", ["even", "weighted", "bucketed"])
@PROPERTY
@given(data=st.data())
def test_parts_sum_exactly_to_each_numbered_node(method: str, data: st.DataObject) -> None:
    plan = data.draw(plans(method))
    result = compute_targets(plan, build_hierarchy(plan))
    accounts = result.accounts
    assert (accounts["calculated_target"] >= 0).all()
    remainders = _expected_remainders(plan)
    errors = [p for p in result.problems if p.severity == "error"]
    # R < 0 is the reading checks' warning (computing does not repeat it).
    assert not any(p.code == "bottom-up-above" for p in result.problems)
    read_warnings = run_checks(plan.settings, {name: getattr(plan, name) for name in INPUTS})
    for node, rest in remainders.items():
        mine = accounts.filter(pl.col("anchor_id") == node)
        shared = int(mine.filter(~pl.col("bottom_up"))["calculated_target"].sum())
        if rest < 0:
            assert shared == 0
            assert any(p.code == "bottom-up-above" and f"beneath '{node}'" in p.message
                       for p in read_warnings)
        elif not any(f"territory {node}" in p.message for p in errors):
            assert shared == rest, node


@pytest.mark.parametrize("method", ["even", "weighted", "bucketed", "growth", "blend"])
@PROPERTY
@given(data=st.data())
def test_inputs_are_kept_and_row_order_does_not_matter(method: str, data: st.DataObject) -> None:
    plan = data.draw(plans(method))
    result = compute_targets(plan, build_hierarchy(plan))
    accounts = result.accounts
    assert (accounts["calculated_target"] >= 0).all()
    inputs = plan.accounts.filter(pl.col("status") == "active")
    kept = accounts.join(inputs.select("account_id", "bottom_up_target"), on="account_id")
    with_input = kept.filter(pl.col("bottom_up_target").is_not_null())
    assert with_input["calculated_target"].to_list() == with_input["bottom_up_target"].to_list()
    assert with_input["bottom_up"].all()
    seed = data.draw(st.integers(0, 2**32 - 1))
    shuffled = plan.with_tables(
        accounts=plan.accounts.sample(fraction=1.0, shuffle=True, seed=seed).with_columns(
            pl.int_range(2, plan.accounts.height + 2, dtype=pl.Int64).alias("line")),
        bookings=plan.bookings.sample(fraction=1.0, shuffle=True, seed=seed + 1),
    )
    again = compute_targets(shuffled, build_hierarchy(shuffled))
    assert again.accounts.equals(accounts)
    assert sorted(codes(again.problems)) == sorted(codes(result.problems))


# --- bookings matched to accounts by hashes -------------------------------------------------------

def _targets_section(targets: dict[str, Any]) -> Any:
    settings, problems = settings_from_dict(
        {"plan": {"name": "H", "fiscal_year_start": date(2026, 1, 1)}, "targets": targets})
    assert settings is not None, problems
    return settings.targets


HISTORY_SETTINGS = [_targets_section(targets) for targets in
                    ({}, {"trend": True, "method": "growth"}, {"base_window_months": 7})]


def _bookings(rows: list[tuple[str, date, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"line": list(range(2, len(rows) + 2)), "account_id": [r[0] for r in rows],
         "date": [r[1] for r in rows], "amount": [r[2] for r in rows]},
        schema={"line": pl.Int64, "account_id": pl.String, "date": pl.Date, "amount": pl.Int64},
    )


def _frame(columns: list[pl.Series]) -> pl.DataFrame:
    return pl.DataFrame(columns)


@given(
    st.lists(st.text("ab1-", min_size=1, max_size=4), min_size=0, max_size=12, unique=True),
    st.lists(st.tuples(st.text("ab1-", min_size=1, max_size=4),
                       st.dates(date(2023, 6, 1), date(2026, 3, 1)),
                       st.integers(-(10**9), 10**9)), max_size=40),
    st.sampled_from(HISTORY_SETTINGS),
)
def test_history_by_hashes_equals_history_by_text(
    ids: list[str], rows: list[tuple[str, date, int]], ts: Any
) -> None:
    """Window sums matched by hashes equal those matched on the text, with unknown ids, bookings
    outside every window and accounts without bookings."""
    accounts = pl.Series("account_id", sorted(ids), dtype=pl.String)
    bookings = _bookings(rows)
    start = date(2026, 1, 1)
    by_hashes = _frame(match_module.account_history(bookings, accounts, start, ts))
    windows = match_module.history_windows(start, ts)
    by_text = _frame(match_module._history_by_text(bookings, accounts, windows))
    assert by_hashes.equals(by_text)
    assert by_hashes.columns == list(windows)


def test_history_takes_the_text_when_two_ids_share_a_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ids of one length share the (weak) hash here: the text decides."""
    monkeypatch.setattr(match_module, "_id_hash",
                        lambda ids, seed: ids.str.len_bytes().cast(pl.UInt64))
    taken: list[int] = []
    by_text = match_module._history_by_text

    def spied(*args: Any) -> list[pl.Series]:
        taken.append(1)
        return by_text(*args)

    monkeypatch.setattr(match_module, "_history_by_text", spied)
    accounts = pl.Series("account_id", ["a1", "b2", "ccc"])
    bookings = _bookings([("a1", date(2025, 3, 1), 500), ("b2", date(2025, 4, 1), 700),
                          ("ccc", date(2025, 5, 1), 11), ("a1", date(2025, 6, 1), 1)])
    ts = HISTORY_SETTINGS[0]
    (base,) = match_module.account_history(bookings, accounts, date(2026, 1, 1), ts)
    assert taken == [1]
    assert base.to_list() == [501, 700, 11]


def test_a_booking_whose_id_only_shares_the_first_hash_counts_nowhere(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second hash confirms each match: an id colliding with an account's on the first hash
    alone (here: by its length) is not that account's."""
    real = match_module._id_hash
    monkeypatch.setattr(
        match_module, "_id_hash",
        lambda ids, seed: ids.str.len_bytes().cast(pl.UInt64)
        if seed == match_module.JOIN_SEED else real(ids, seed),
    )
    accounts = pl.Series("account_id", ["a", "bb", "ccc"])
    bookings = _bookings([("a", date(2025, 3, 1), 5), ("zz", date(2025, 4, 1), 7),
                          ("bb", date(2025, 5, 1), 11)])
    (base,) = match_module.account_history(bookings, accounts, date(2026, 1, 1), HISTORY_SETTINGS[0])
    assert base.to_list() == [5, 11, 0]
