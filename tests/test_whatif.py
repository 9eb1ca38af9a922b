"""What-if: one carrier's adjustments changed equals a full rebuild, with figures checked by hand."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.build import BuildResult, build
from quotaplan.core.ledger import ManualLine
from quotaplan.demo import demo_plan_path
from quotaplan.edits import set_adjustments
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan, read_plan_files
from quotaplan.whatif import WhatIf, with_adjustments

LoadPlan = Callable[[dict[str, str]], Plan]

TABLES = ("account_targets", "quotas", "quota_periods", "gap", "rollup")

#: Root W numbered 4,000.00 split evenly over 4 accounts; M (depth 1) hedged 10 %.
SMALL = {
    "plan.toml": """
        [plan]
        name = "What-if"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 4000.00
        [quotas]
        hedge = { 1 = 0.10 }
        """,
    "territories.csv": "territory_id,parent_id\nW,\nM,W\nL1,M\nL2,M\nL3,W\n",
    "sellers.csv": "seller_id,territory_id\nboss,M\ns1,L1\ns2,L2\ns3,L3\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L1\na3,L2\na4,L3\n",
    "adjustments.csv": "seller_id,amount,rate,reason\ns2,-50.00,,handover\n",
}


def assert_same(got: BuildResult, want: BuildResult, seller: str) -> None:
    for name in TABLES:
        assert getattr(got, name).equals(getattr(want, name)), name
    assert got.plan.adjustments.equals(want.plan.adjustments)
    assert got.summary == want.summary
    assert got.ledgers[seller] == want.ledgers[seller]
    assert set(got.ledgers) == set(want.ledgers)
    assert sorted(p.render() for p in got.problems) == sorted(p.render() for p in want.problems)


def figure(result: BuildResult, table: str, key: str, column: str) -> object:
    frame: pl.DataFrame = getattr(result, table)
    id_column = "seller_id" if table in ("quotas", "gap") else "territory_id"
    return frame.filter(pl.col(id_column) == key).get_column(column)[0]


def test_a_rate_and_an_amount_roll_up_through_the_hedge(load_plan: LoadPlan) -> None:
    plan = load_plan(SMALL)
    before = build(plan)
    # Books 2,000 / 1,000 / 1,000; s2 has −50 → 950. M = (2,000 + 950) × 0.9 = 2,655.00;
    # W = 2,655 + 1,000 = 3,655.00.
    assert figure(before, "rollup", "M", "manager_quota") == 265500
    assert figure(before, "rollup", "W", "manager_quota") == 365500
    lines = [ManualLine(10, Decimal("0.10"), None, "growth"), ManualLine(11, None, 10000, "new")]
    after = WhatIf(before).with_adjustments("s1", lines)
    # s1: 2,000 × 1.10 + 100 = 2,300.00; M = (2,300 + 950) × 0.9 = 2,925.00; W = 3,925.00.
    assert figure(after, "quotas", "s1", "final_quota") == 230000
    assert figure(after, "quotas", "s1", "manual_adjustment") == 30000
    assert after.quota_periods.filter(pl.col("seller_id") == "s1").get_column("quota").to_list() \
        == [57500] * 4
    assert figure(after, "gap", "s1", "gap") == 30000  # 2,300 − 2,000
    assert figure(after, "rollup", "M", "quota_sum") == 325000
    assert figure(after, "rollup", "M", "manager_quota") == 292500
    assert figure(after, "rollup", "W", "manager_quota") == 392500
    assert figure(after, "rollup", "W", "quota_gap") == 400000 - 425000
    assert figure(after, "rollup", "W", "attainment_factor") == pytest.approx(4000 / 4250)
    assert after.summary["street_quota"] == 425000
    assert after.summary["quota_gap"] == -25000
    # Untouched: the carrier outside the path, the build it started from.
    assert figure(after, "quotas", "s3", "final_quota") == 100000
    assert figure(before, "quotas", "s1", "final_quota") == 200000
    assert_same(after, build(set_adjustments(plan, "s1", lines)), "s1")


def test_removing_every_adjustment_restores_the_book(load_plan: LoadPlan) -> None:
    plan = load_plan(SMALL)
    after = with_adjustments(build(plan), "s2", [])
    assert figure(after, "quotas", "s2", "final_quota") == 100000
    assert figure(after, "rollup", "M", "manager_quota") == 270000  # (2,000 + 1,000) × 0.9
    assert_same(after, build(set_adjustments(plan, "s2", [])), "s2")


def test_a_negative_full_year_is_flagged_and_unflagged(load_plan: LoadPlan) -> None:
    plan = load_plan(SMALL)
    whatif = WhatIf(build(plan))
    lines = [ManualLine(10, None, -300000, "moved away")]
    negative = whatif.with_adjustments("s3", lines)
    assert figure(negative, "quotas", "s3", "final_quota") == -200000
    assert [p.code for p in negative.problems].count("negative-quota") == 1
    assert_same(negative, build(set_adjustments(plan, "s3", lines)), "s3")
    # Each what-if starts from the build: the next one has no such warning.
    assert "negative-quota" not in [p.code for p in whatif.with_adjustments("s3", []).problems]


def test_a_seller_without_a_quota_is_a_key_error(load_plan: LoadPlan) -> None:
    whatif = WhatIf(build(load_plan(SMALL)))
    with pytest.raises(KeyError):
        whatif.with_adjustments("boss", [])


RAMPING = {
    **SMALL,
    "plan.toml": SMALL["plan.toml"] + """
        over_assignment = { 2 = 0.03 }
        adjustment_mode = "additive"
        [ramp]
        cutoff = "day:15"
        profiles = { slow = [0.0, 0.3, 0.7] }
        default_profile = "slow"
        [seasonality]
        weights = [0.1, 0.3, 0.3, 0.3]
        [risk]
        high_below = 0.9
        medium_below = 1.0
        """,
    "sellers.csv": "seller_id,territory_id,hire_date\nboss,M,\ns1,L1,2026-02-20\ns2,L2,\n"
                   "s3,L3,2025-12-01\n",
}


@pytest.fixture(scope="module")
def ramping() -> tuple[Plan, WhatIf]:
    import textwrap

    files = {k: (textwrap.dedent(v).strip() + "\n").encode() for k, v in RAMPING.items()}
    plan, problems = read_plan_files(files)
    assert plan is not None, [p.render() for p in problems]
    return plan, WhatIf(build(plan))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seller=st.sampled_from(["s1", "s2", "s3"]),
    rates=st.lists(st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("0.5"), places=3),
                   max_size=2),
    amounts=st.lists(st.integers(min_value=-300000, max_value=300000), max_size=2),
)
def test_what_if_equals_a_rebuild(ramping: tuple[Plan, WhatIf], seller: str,
                                  rates: list[Decimal], amounts: list[int]) -> None:
    """Ramping sellers, padding, additive rates, uneven seasonality, hedge: any change of one
    carrier's adjustments gives exactly the tables of a rebuild."""
    plan, whatif = ramping
    lines = [ManualLine(20 + i, rate, None, "rate", "test") for i, rate in enumerate(rates)]
    lines += [ManualLine(30 + i, None, amount, "amount") for i, amount in enumerate(amounts)]
    assert_same(whatif.with_adjustments(seller, lines),
                build(set_adjustments(plan, seller, lines)), seller)


@pytest.fixture(scope="module")
def demo() -> tuple[Plan, WhatIf]:
    plan, problems = read_plan(demo_plan_path())
    assert plan is not None, [p.render() for p in problems]
    result = build(plan)
    return plan, WhatIf(result)


@pytest.mark.parametrize("seller", ["S08", "S36", "S01", "S04"])
@pytest.mark.parametrize("lines", [
    (),
    (ManualLine(40, Decimal("0.07"), None, "push", "Sales Operations"),),
    (ManualLine(40, Decimal("-0.125"), None, "relief"), ManualLine(41, None, 1234567, "deal")),
    (ManualLine(40, None, -987654321, "carve-out"),),
])
def test_demo_what_if_equals_a_rebuild(demo: tuple[Plan, WhatIf], seller: str,
                                       lines: tuple[ManualLine, ...]) -> None:
    """The demo plan (weighted targets, numbered regions, ramping and vacant seats, adjustments):
    S08 and S36 have an adjustment in the plan; S04 is ramping."""
    plan, whatif = demo
    assert_same(whatif.with_adjustments(seller, lines),
                build(set_adjustments(plan, seller, lines)), seller)
