"""Capacity: high-value threshold, productive capacity, attrition, headcount, a hire's year."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.core.capacity import (
    attrition_loss,
    headcount_to_close,
    high_value_threshold,
    hire_contribution,
    hire_factors,
    in_year_factor,
    period_weights,
    productive_capacity,
    ratio_below,
    times_rate,
)
from quotaplan.money import round_half_away
from quotaplan.plan import Plan
from quotaplan.planfolder.read import empty_table
from quotaplan.schemas import INPUTS
from quotaplan.settings import parse_settings

BASE_TOML = """
[plan]
name = "Capacity"
fiscal_year_start = 2026-01-01
"""


def make_plan(extra: str = "") -> Plan:
    settings_, problems = parse_settings(BASE_TOML + extra)
    assert settings_ is not None, problems
    return Plan(settings=settings_, **{name: empty_table(s) for name, s in INPUTS.items()})


def account_targets(cents: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"account_id": [f"a{i:02d}" for i in range(len(cents))], "territory_id": "T1",
         "target": cents},
        schema={"account_id": pl.String, "territory_id": pl.String, "target": pl.Int64},
    )


def test_high_value_threshold_is_the_top_decile_floor() -> None:
    plan = make_plan()
    # 25 accounts → ⌈2.5⌉ = 3 accounts in the top 10 %; the third largest is 2,300.00.
    cents = [i * 10_000 for i in range(1, 26)]
    assert high_value_threshold(plan, account_targets(cents)) == 230_000
    # 10 accounts → exactly 1; 11 accounts → 2.
    assert high_value_threshold(plan, account_targets(cents[:10])) == 100_000
    assert high_value_threshold(plan, account_targets(cents[:11])) == 100_000
    assert high_value_threshold(plan, account_targets(cents[:12])) == 110_000
    # A single account is its own top 10 %.
    assert high_value_threshold(plan, account_targets([42])) == 42
    assert high_value_threshold(plan, account_targets([])) == 0


def test_high_value_threshold_from_the_settings() -> None:
    plan = make_plan("[capacity]\nhigh_value_target = 100_000\n")
    assert high_value_threshold(plan, account_targets([1, 2, 3])) == 10_000_000
    plan = make_plan("[capacity]\nhigh_value_target = 0.005\n")
    assert high_value_threshold(plan, account_targets([])) == 1   # half a cent, away from zero


def capacity_of(cents: list[int], plan: Plan) -> tuple[list[int], list[int]]:
    """productive_capacity and attrition_loss of each quota sum in ``cents``."""
    frame = pl.DataFrame({"q": cents}, schema={"q": pl.Int64}).select(
        productive_capacity(pl.col("q"), plan).alias("capacity"),
        attrition_loss(pl.col("q"), plan).alias("loss"))
    return frame["capacity"].to_list(), frame["loss"].to_list()


def test_productive_capacity_and_attrition_are_rounded_once() -> None:
    plan = make_plan()  # expected attainment 0.80, attrition 0.25
    # 13,333.33 × 0.8 = 10,666.664 → 10,666.66; loss = that × 0.25 ÷ 2 = 1,333.333 → 1,333.33
    # 0.05 × 0.8 = 0.04 → 0.04 ; 0.03 × 0.8 = 0.024 → 0.02; 5 cents loss 0.005 → 0.01 (half away)
    assert capacity_of([1_333_333, 5, 3], plan) == ([1_066_666, 4, 2], [133_333, 1, 0])
    plan = make_plan("[capacity]\nexpected_attainment = 0.7\nattrition = 0.1\n")
    assert capacity_of([1_000_000], plan) == ([700_000], [35_000])


@pytest.mark.parametrize(
    ("gap", "ramped_sum", "ramped", "expected"),
    [
        (None, 1_000_000, 1, None),         # no top-down number: no gap, no headcount
        (-500, 1_000_000, 1, 0),            # a surplus needs no hire
        (0, 1_000_000, 1, 0),
        (800_000, 1_000_000, 1, 1),         # exactly one ramped seller's 0.8 × 10,000.00
        (800_001, 1_000_000, 1, 2),         # a cent more needs a second hire
        (2_400_000, 3_000_000, 3, 3),       # average of three 10,000.00 quotas
        (1_000_000, 2_500_000, 2, 1),       # average 12,500.00 × 0.8 = 10,000.00
        (5, 0, 0, None),                    # nobody fully ramped: no average to size a hire
        (5, 0, 2, None),                    # ramped quotas of 0 cannot close anything
    ],
)
def test_headcount_to_close(gap: int | None, ramped_sum: int, ramped: int,
                            expected: int | None) -> None:
    assert headcount_to_close(gap, ramped_sum, ramped, Fraction(4, 5)) == expected


def test_in_year_factor_matches_the_phasing_example() -> None:
    # SPEC: start March 1, quarter weights 0.2/0.2/0.2/0.4 → 86,666.67 of 100,000.00.
    months = [Fraction(0), Fraction(0)] + [Fraction(1)] * 10
    weights = [Fraction(1, 5), Fraction(1, 5), Fraction(1, 5), Fraction(2, 5)]
    assert in_year_factor(months, weights) == Fraction(13, 15)
    assert round_half_away(hire_contribution(10_000_000, months, weights, 1)) == 8_666_667
    # × expected attainment 0.8: 69,333.33
    assert hire_contribution(10_000_000, months, weights, Fraction(4, 5)) == Fraction(
        20_800_000, 3)  # 69,333.33…, written 69,333.33


def test_in_year_factor_with_a_ramp_profile_and_monthly_weights() -> None:
    # Hired before the year on a 0/0.25/0.5/0.75/1 profile, first ramp month = month 1.
    months = [Fraction(0), Fraction(1, 4), Fraction(1, 2), Fraction(3, 4)] + [Fraction(1)] * 8
    even = [Fraction(1, 12)] * 12
    assert in_year_factor(months, even) == Fraction(19, 24)   # (1.5 + 8) ÷ 12
    assert hire_contribution(1_200_000, months, even, Fraction(4, 5)) == 760_000
    with pytest.raises(ValueError, match="12 monthly"):
        in_year_factor(months[:11], even)


def test_period_weights() -> None:
    assert period_weights(make_plan()) == (Fraction(1, 4),) * 4
    plan = make_plan("[seasonality]\nweights = [0.2, 0.2, 0.2, 0.4]\n")
    assert period_weights(plan) == (Fraction(1, 5), Fraction(1, 5), Fraction(1, 5), Fraction(2, 5))


def test_hire_factors_follow_the_default_profile_and_cutoff() -> None:
    one, zero = Fraction(1), Fraction(0)
    # month_end (default): a hire on January 1 ramps from February.
    assert hire_factors(make_plan(), date(2026, 1, 1)) == (zero,) + (one,) * 11
    assert hire_factors(make_plan('[ramp]\ncutoff = "day:1"\n'), date(2026, 1, 1)) == (one,) * 12
    plan = make_plan('[ramp]\ncutoff = "day:15"\nprofiles = { standard = [0, 0.25, 0.5, 0.75] }\n'
                     'default_profile = "standard"\n')
    # July 16 is after the cut-off: tenure starts in August.
    expected = (zero,) * 7 + (zero, Fraction(1, 4), Fraction(1, 2), Fraction(3, 4), one)
    assert hire_factors(plan, date(2026, 7, 16)) == expected
    even = period_weights(plan)
    # Even quarters: Q3 = (Jul 0 + Aug 0 + Sep 0.25) ÷ 3 = 1/12, Q4 = (0.5 + 0.75 + 1) ÷ 3 = 0.75,
    # so the year carries ¼ × (1/12 + 3/4) = 5/24: 250.00 of 1,200.00.
    assert in_year_factor(expected, even) == Fraction(5, 24)
    assert hire_contribution(120_000, expected, even, Fraction(1)) == 25_000


def test_times_rate_rounds_half_away_from_zero() -> None:
    frame = pl.DataFrame({"x": [5, -5, 3, -3, 1, None]}, schema={"x": pl.Int64})
    half = frame.select(times_rate(pl.col("x"), Fraction(1, 2)))["x"].to_list()
    assert half == [3, -3, 2, -2, 1, None]
    third = frame.select(times_rate(pl.col("x"), Fraction(-1, 3)))["x"].to_list()
    assert third == [-2, 2, -1, 1, 0, None]


@given(st.integers(-(10**15), 10**15), st.fractions(min_value=-100, max_value=100,
                                                      max_denominator=10**6))
def test_times_rate_is_exact(cents: int, rate: Fraction) -> None:
    frame = pl.DataFrame({"x": [cents]}, schema={"x": pl.Int64})
    assert frame.select(times_rate(pl.col("x"), rate))[0, 0] == round_half_away(cents * rate)


@given(st.integers(-(10**12), 10**12), st.integers(-(10**12), 10**12),
       st.fractions(min_value=0, max_value=3, max_denominator=1000))
def test_ratio_below_is_exact(num: int, den: int, bound: Fraction) -> None:
    frame = pl.DataFrame({"n": [num], "d": [den]}, schema={"n": pl.Int64, "d": pl.Int64})
    got = frame.select(ratio_below(pl.col("n"), pl.col("d"), bound))[0, 0]
    assert got == (None if den == 0 else Fraction(num, den) < bound)


def test_fully_ramped_is_decided_on_cents_not_on_a_float() -> None:
    from quotaplan.core.capacity import fully_ramped

    big = 2**60  # beyond a double's 53 bits: (big − 1) / big is 1.0 as a float
    quotas = pl.DataFrame({"full_year_quota": [big, big, 500, 0, -300],
                           "final_quota": [big - 1, big, 499, 0, -300]})
    assert (big - 1) / big == 1.0
    assert quotas.select(fully_ramped())["full_year_quota"].to_list() == [
        False, True, False, False, True]
