"""In-year period arithmetic: the remaining share of the year, spreads, reliefs, leavers, starts —
SPEC's worked checks to the cent, then properties."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.calendar import period_months, plan_periods
from quotaplan.core.inyear import (
    apply,
    days_from,
    leaving_delta,
    move_relief,
    remaining_share,
    remaining_shares,
    restart,
    spread,
)
from quotaplan.core.ledger import QuotaRules
from quotaplan.money import round_half_away

YEAR = date(2027, 1, 1)


def rules(period: str = "quarter", weights: tuple[F, ...] | None = None,
          start: date = YEAR) -> QuotaRules:
    count = 4 if period == "quarter" else 12
    return QuotaRules(mode="multiplicative", periods=tuple(plan_periods(start, period)),
                      groups=tuple(period_months(period)),
                      weights=weights or tuple(F(1, count) for _ in range(count)))


QUARTERS = rules()


def test_remaining_share_counts_the_effective_day() -> None:
    assert remaining_shares(QUARTERS, date(2027, 7, 1)) == (F(0), F(0), F(1, 4), F(1, 4))
    # August 17 to September 30: 45 of Q3's 92 days.
    assert remaining_shares(QUARTERS, date(2027, 8, 17)) == (F(0), F(0), F(1, 4) * F(45, 92), F(1, 4))
    assert remaining_share(QUARTERS, date(2027, 1, 1)) == 1
    assert remaining_share(QUARTERS, date(2027, 12, 31)) == F(1, 4) * F(1, 92)
    assert remaining_share(QUARTERS, date(2028, 1, 1)) == 0
    assert remaining_share(QUARTERS, date(2026, 6, 1)) == 1


def test_seasonality_weights_make_the_share() -> None:
    weighted = rules(weights=(F(2, 10), F(2, 10), F(2, 10), F(4, 10)))
    # May 1 in Q2 (91 days; May 1 – June 30 is 61 of them).
    assert remaining_share(weighted, date(2027, 5, 1)) == F(2, 10) * F(61, 91) + F(6, 10)


@pytest.mark.parametrize(("effective", "expected"), [
    (date(2027, 7, 1), [0, 0, 10_000_00, 10_000_00]),
    (date(2027, 8, 17), [0, 0, 4_891_30, 10_000_00]),
])
def test_worked_check_target_relief(effective: date, expected: list[int]) -> None:
    shares = remaining_shares(QUARTERS, effective)
    relief = move_relief("target", account_target=40_000_00, book_target=100_000_00,
                         full_year_quota=120_000_00, shares=shares, periods=QUARTERS.periods)
    assert relief == expected
    assert sum(relief) == {date(2027, 7, 1): 20_000_00, date(2027, 8, 17): 14_891_30}[effective]


def test_quota_share_and_none_relief() -> None:
    shares = remaining_shares(QUARTERS, date(2027, 7, 1))
    args = {"account_target": 40_000_00, "book_target": 100_000_00,
            "full_year_quota": 120_000_00, "shares": shares, "periods": QUARTERS.periods}
    # 40 % of the book × 120,000.00 = 48,000.00 a year; half the year remains.
    assert move_relief("quota_share", **args) == [0, 0, 12_000_00, 12_000_00]  # type: ignore[arg-type]
    assert move_relief("none", **args) == [0, 0, 0, 0]  # type: ignore[arg-type]
    assert move_relief("quota_share", **{**args, "book_target": 0}) == [0] * 4  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="half"):
        move_relief("half", **args)  # type: ignore[arg-type]


def test_spread_rounds_the_total_once_and_splits_it_by_largest_remainder() -> None:
    months = rules("month")
    shares = remaining_shares(months, date(2027, 3, 16))  # 16 of March's 31 days, then 9 months
    # 1,000.00 × (1/12 × 16/31 + 9/12) = 793.0107… → 793.01
    parts = spread(1_000_00, shares, months.periods)
    assert sum(parts) == 793_01
    assert parts[:2] == [0, 0]
    # March: 79,301 × (16/31) ÷ (16/31 + 9) = 4,301.07 cents; each later month 8,333.33: the
    # floors leave 3 cents, which go to the largest remainders (.33), ties to the earlier months.
    assert parts[2:] == [43_01, *[83_34] * 3, *[83_33] * 6]
    assert spread(-1_000_00, shares, months.periods) == [-p for p in parts]


def test_leaver_keeps_the_days_up_to_the_end_date() -> None:
    previous = [25_000_00, 25_000_00, 25_000_00, 25_000_00]
    # Leaving on August 16: Q3 keeps 47 of 92 days (July 1 – August 16), Q4 becomes 0.
    delta = leaving_delta(previous, date(2027, 8, 16), date(2027, 8, 17), QUARTERS.periods)
    after = apply(previous, delta, date(2027, 8, 17), QUARTERS.periods)
    assert after == [25_000_00, 25_000_00, round_half_away(F(25_000_00 * 47, 92)), 0]
    assert after[2] == 12_771_74
    # An end date before the effective date: the periods before D never change.
    late = leaving_delta(previous, date(2027, 2, 10), date(2027, 7, 1), QUARTERS.periods)
    assert apply(previous, late, date(2027, 7, 1), QUARTERS.periods) == [25_000_00] * 2 + [0, 0]


def test_a_start_takes_the_engines_periods_from_the_effective_date() -> None:
    previous = [0, 5_000_00, 10_000_00, 10_000_00]
    engine = [0, 0, 3_333_33, 10_000_00]
    assert restart(previous, engine, date(2027, 8, 1), QUARTERS.periods) == [0, 5_000_00,
                                                                            3_333_33, 10_000_00]


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def calendars(draw: st.DrawFn) -> QuotaRules:
    period = draw(st.sampled_from(["quarter", "month"]))
    count = 4 if period == "quarter" else 12
    raw = draw(st.lists(st.integers(0, 50), min_size=count, max_size=count).filter(any))
    start = draw(st.dates(date(2025, 1, 1), date(2028, 12, 28)))
    return rules(period, tuple(F(w, sum(raw)) for w in raw), start)


def effective_dates(calendar: QuotaRules) -> st.SearchStrategy[date]:
    first = calendar.periods[0][0]
    return st.dates(first - timedelta(days=20), calendar.periods[-1][1] + timedelta(days=20))


amounts = st.integers(-10**12, 10**12)


@given(data=st.data(), calendar=calendars(), amount=amounts)
def test_spreads_sum_exactly_to_their_total(data: st.DataObject, calendar: QuotaRules,
                                            amount: int) -> None:
    effective = data.draw(effective_dates(calendar))
    shares = remaining_shares(calendar, effective)
    parts = spread(amount, shares, calendar.periods)
    assert sum(parts) == round_half_away(amount * sum(shares, F(0)))
    for part, share, (_, end) in zip(parts, shares, calendar.periods, strict=True):
        if end < effective:
            assert share == 0
            assert part == 0
        # Each part is within a cent of its exact proportional figure.
        assert abs(part - amount * share) < 2


@given(data=st.data(), calendar=calendars(), relief=st.sampled_from(["target", "quota_share"]),
       target=st.integers(0, 10**10), rest=st.integers(0, 10**10),
       full_year=st.integers(0, 10**11))
def test_the_loser_gives_per_period_what_the_gainer_takes(
        data: st.DataObject, calendar: QuotaRules, relief: str, target: int, rest: int,
        full_year: int) -> None:
    effective = data.draw(effective_dates(calendar))
    count = len(calendar.periods)
    loser = data.draw(st.lists(st.integers(0, 10**9), min_size=count, max_size=count))
    gainer = data.draw(st.lists(st.integers(0, 10**9), min_size=count, max_size=count))
    moved = move_relief(relief, account_target=target, book_target=target + rest,
                        full_year_quota=full_year,
                        shares=remaining_shares(calendar, effective), periods=calendar.periods)
    new_loser = apply(loser, [-m for m in moved], effective, calendar.periods)
    new_gainer = apply(gainer, moved, effective, calendar.periods)
    for i, (_, end) in enumerate(calendar.periods):
        assert loser[i] - new_loser[i] == new_gainer[i] - gainer[i]
        if end < effective:
            assert new_loser[i] == loser[i]
            assert new_gainer[i] == gainer[i]
    whole = F(target) if relief == "target" else (
        F(target, target + rest) * full_year if target + rest else F(0))
    assert sum(moved) == round_half_away(whole * remaining_share(calendar, effective))


@given(data=st.data(), calendar=calendars())
def test_a_leaver_carries_nothing_after_the_end_date(data: st.DataObject,
                                                     calendar: QuotaRules) -> None:
    effective = data.draw(effective_dates(calendar))
    end = data.draw(effective_dates(calendar))
    count = len(calendar.periods)
    previous = data.draw(st.lists(st.integers(0, 10**9), min_size=count, max_size=count))
    after = apply(previous, leaving_delta(previous, end, effective, calendar.periods), effective,
                  calendar.periods)
    for old, new, period in zip(previous, after, calendar.periods, strict=True):
        if period[1] < effective:
            assert new == old
        elif period[0] > end:
            assert new == 0
        else:
            worked = 1 - days_from(period, end + timedelta(days=1))
            assert new == round_half_away(old * worked)
