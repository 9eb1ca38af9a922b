"""The plan calendar, cut-off rules and monthly ramp factors."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.core.ramp import (
    add_months,
    first_ramp_month,
    month_length,
    monthly_factors,
    period_factors,
    plan_months,
    plan_periods,
)

JAN = date(2026, 1, 1)
STANDARD = (F(0), F(1, 4), F(1, 2), F(3, 4), F(1))


def test_plan_months_of_a_calendar_year() -> None:
    months = plan_months(JAN)
    assert len(months) == 12
    assert months[0] == (date(2026, 1, 1), date(2026, 1, 31))
    assert months[1] == (date(2026, 2, 1), date(2026, 2, 28))
    assert months[11] == (date(2026, 12, 1), date(2026, 12, 31))


def test_quarters_of_a_year_from_february() -> None:
    assert plan_periods(date(2026, 2, 1), "quarter") == [
        (date(2026, 2, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 7, 31)),
        (date(2026, 8, 1), date(2026, 10, 31)),
        (date(2026, 11, 1), date(2027, 1, 31)),
    ]


def test_a_year_starting_on_the_31st_clamps_to_short_months() -> None:
    months = plan_months(date(2026, 1, 31))
    assert months[0] == (date(2026, 1, 31), date(2026, 2, 27))
    assert months[1] == (date(2026, 2, 28), date(2026, 3, 30))
    assert months[11][1] == date(2027, 1, 30)


@pytest.mark.parametrize("start", [JAN, date(2026, 2, 1), date(2027, 1, 31), date(2028, 2, 29)])
@pytest.mark.parametrize("period", ["quarter", "month"])
def test_periods_cover_the_year_without_gaps(start: date, period: str) -> None:
    periods = plan_periods(start, period)
    assert len(periods) == (4 if period == "quarter" else 12)
    assert periods[0][0] == start
    for (_, end), (nxt, _) in itertools.pairwise(periods):
        assert nxt == end + timedelta(days=1)
    assert 365 <= (periods[-1][1] - start).days + 1 <= 366


@pytest.mark.parametrize(
    ("cutoff", "hire", "first", "share"),
    [
        # month_end: a hire ramps from the next month, even on the 1st.
        ("month_end", date(2026, 7, 1), date(2026, 8, 1), F(1)),
        ("month_end", date(2026, 7, 31), date(2026, 8, 1), F(1)),
        ("month_end", date(2026, 12, 15), date(2027, 1, 1), F(1)),
        # day:N: on or before day N → that month; after → the next (SPEC's example: July 16).
        ("day:15", date(2026, 7, 15), date(2026, 7, 1), F(1)),
        ("day:15", date(2026, 7, 16), date(2026, 8, 1), F(1)),
        ("day:1", date(2026, 7, 1), date(2026, 7, 1), F(1)),
        ("day:1", date(2026, 7, 2), date(2026, 8, 1), F(1)),
        # In a month shorter than N days the cut-off is its last day.
        ("day:31", date(2026, 2, 28), date(2026, 2, 1), F(1)),
        ("day:30", date(2028, 2, 29), date(2028, 2, 1), F(1)),
        ("day:30", date(2026, 7, 31), date(2026, 8, 1), F(1)),
        # prorate: the hire month, with the share of its days worked (hire day included).
        ("prorate", date(2026, 7, 16), date(2026, 7, 1), F(16, 31)),
        ("prorate", date(2026, 7, 1), date(2026, 7, 1), F(1)),
        ("prorate", date(2026, 2, 28), date(2026, 2, 1), F(1, 28)),
    ],
)
def test_first_ramp_month(cutoff: str, hire: date, first: date, share: F) -> None:
    assert first_ramp_month(hire, cutoff) == (first, share)


def test_unknown_cutoff_is_a_program_error() -> None:
    with pytest.raises(ValueError, match="cutoff"):
        first_ramp_month(JAN, "week_end")


def factors(**kw: object) -> list[F]:
    args: dict[str, object] = {"year_start": JAN, "hire_date": None, "end_date": None,
                               "profile": None, "cutoff": "month_end"}
    args.update(kw)
    return list(monthly_factors(**args))  # type: ignore[arg-type]


def test_no_hire_date_is_fully_ramped() -> None:
    assert factors(profile=STANDARD) == [F(1)] * 12


def test_no_profile_counts_zero_before_the_start_then_one() -> None:
    # SPEC: day:15, start March 1 → January and February count 0.
    assert factors(hire_date=date(2026, 3, 1), cutoff="day:15") == [F(0)] * 2 + [F(1)] * 10


def test_profile_by_month_of_tenure() -> None:
    got = factors(hire_date=date(2026, 4, 10), cutoff="day:15", profile=STANDARD)
    assert got == [F(0)] * 3 + list(STANDARD) + [F(1)] * 4  # April is tenure month 0


def test_a_seller_hired_before_the_year_may_still_be_ramping() -> None:
    # Hired 20 Nov 2025, month_end → first ramp month December 2025 (tenure 0 = factor 0).
    got = factors(hire_date=date(2025, 11, 20), profile=STANDARD)
    assert got[:4] == [F(1, 4), F(1, 2), F(3, 4), F(1)]
    assert got[4:] == [F(1)] * 8


def test_hired_after_the_year_carries_nothing() -> None:
    assert factors(hire_date=date(2027, 1, 5), profile=STANDARD) == [F(0)] * 12


def test_prorate_scales_the_hire_month_factor_by_days_worked() -> None:
    got = factors(hire_date=date(2026, 3, 16), cutoff="prorate", profile=(F(1, 2), F(3, 4)))
    assert got[2] == F(1, 2) * F(16, 31)
    assert got[3] == F(3, 4)
    assert got[:2] == [F(0), F(0)]
    assert got[4:] == [F(1)] * 8


@pytest.mark.parametrize(
    ("cutoff", "june"),
    [("month_end", F(1)), ("day:15", F(1)), ("prorate", F(10, 30))],
)
def test_leaving_counts_zero_after_the_end_month(cutoff: str, june: F) -> None:
    got = factors(end_date=date(2026, 6, 10), cutoff=cutoff)
    assert got[:5] == [F(1)] * 5
    assert got[5] == june  # the end month: in full, or its share of days under prorate
    assert got[6:] == [F(0)] * 6


def test_hired_and_leaving_in_the_same_month_under_prorate() -> None:
    got = factors(hire_date=date(2026, 4, 11), end_date=date(2026, 4, 20), cutoff="prorate")
    assert got[3] == F(10, 30)
    assert sum(got) == F(10, 30)


def test_fiscal_year_from_february() -> None:
    got = factors(year_start=date(2026, 2, 1), hire_date=date(2026, 3, 1), cutoff="day:15")
    assert got == [F(0)] + [F(1)] * 11


def test_a_plan_month_across_two_calendar_months_takes_the_day_weighted_mean() -> None:
    # Plan month 1 runs 15 Jan – 14 Feb: 17 January days at 0, 14 February days at 1.
    got = factors(year_start=date(2026, 1, 15), hire_date=date(2026, 2, 1), cutoff="day:15")
    assert got[0] == F(14, 31)
    assert got[1:] == [F(1)] * 11


def test_quarter_factor_is_the_mean_of_its_months() -> None:
    months = [F(0), F(0), F(1)] + [F(1)] * 9
    assert period_factors(months, "quarter") == (F(1, 3), F(1), F(1), F(1))
    assert period_factors(months, "month") == tuple(months)


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    hire=st.none() | st.dates(min_value=date(2019, 1, 1), max_value=date(2037, 1, 1)),
    end=st.none() | st.dates(min_value=date(2019, 1, 1), max_value=date(2037, 1, 1)),
    profile=st.none() | st.lists(st.fractions(min_value=0, max_value=2, max_denominator=8),
                                 max_size=8),
    cutoff=st.sampled_from(["month_end", "prorate", "day:1", "day:15", "day:28", "day:31"]),
)
def test_factors_are_bounded_and_zero_after_the_end(
    start: date, hire: date | None, end: date | None, profile: list[F] | None, cutoff: str
) -> None:
    got = monthly_factors(year_start=start, hire_date=hire, end_date=end, profile=profile,
                          cutoff=cutoff)
    top = max([F(1), *(profile or [])])
    assert len(got) == 12
    assert all(0 <= f <= top for f in got)
    for (first, _), f in zip(plan_months(start), got, strict=True):
        if end is not None and first > end.replace(day=28) + timedelta(days=4):
            assert f == 0
        if hire is not None and start.day == 1 and first + timedelta(days=31) < hire:
            assert f == 0  # a calendar month wholly before the hire month


@pytest.mark.parametrize(("day", "days"), [
    (date(2024, 2, 10), 29), (date(2025, 2, 10), 28), (date(2100, 2, 1), 28),
    (date(2000, 2, 29), 29), (date(2026, 4, 30), 30), (date(2026, 12, 31), 31),
])
def test_month_length_knows_leap_years(day: date, days: int) -> None:
    assert month_length(day) == days
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_the_calendar_moves_months_both_ways_and_pro_rates_days() -> None:
    from quotaplan.calendar import add_months, days_share, month_index, month_start, months_before

    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 31), -13) == date(2025, 2, 28)
    assert month_start(month_index(date(2027, 12, 9)) + 1) == date(2028, 1, 1)
    assert days_share(10, 30, 30) == F(21, 30)
    assert days_share(5, 4, 30) == 0
