"""The plan calendar: months, plan months and periods, day counts, pro-rating. Pure and exact.

**Plan months** start on ``fiscal_year_start`` and each following month on the same day of the
month (clamped to the month's last day); a month ends the day before the next begins. With a year
starting on the 1st (the usual case) plan months are calendar months. Quarters are three plan
months. Every end date is inclusive. Month arithmetic works on a *month index*
(``year · 12 + month − 1``), so that moving by months and counting them are one subtraction.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache

MONTHS_PER_YEAR = 12
MONTHS_PER_QUARTER = 3

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@lru_cache(maxsize=4096)
def days_in(year: int, month: int) -> int:
    """Number of days (28–31) of ``month`` (1–12) of ``year``."""
    return calendar.monthrange(year, month)[1]


def month_index(day: date) -> int:
    """The calendar month of ``day`` as one number: ``year · 12 + month − 1``."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    """The first day of the month of :func:`month_index` ``index``."""
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (back when negative), its day clamped to the
    target month's length."""
    year, month0 = divmod(month_index(day) + months, 12)
    return date(year, month0 + 1, min(day.day, days_in(year, month0 + 1)))


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (a day past the month's end → its last day)."""
    return add_months(day, -months)


def month_length(day: date) -> int:
    """Number of days (28–31) in the calendar month of ``day``."""
    return days_in(day.year, day.month)


def days_share(first: int, last: int, days: int) -> Fraction:
    """Pro-rating: the share of a month of ``days`` days from day ``first`` to day ``last``, both
    included (0 when ``last < first``)."""
    return Fraction(max(last - first + 1, 0), days)


def plan_months(year_start: date) -> list[tuple[date, date]]:
    """The 12 plan months as ``(first day, last day)`` pairs, last day inclusive."""
    starts = [add_months(year_start, i) for i in range(MONTHS_PER_YEAR + 1)]
    return [(starts[i], starts[i + 1] - timedelta(days=1)) for i in range(MONTHS_PER_YEAR)]


def plan_year_end(year_start: date) -> date:
    """The first day after the plan year."""
    return add_months(year_start, MONTHS_PER_YEAR)


def plan_periods(year_start: date, period: str) -> list[tuple[date, date]]:
    """The plan's periods: 4 quarters (``period="quarter"``) or 12 months (``"month"``).

    Pairs of ``(first day, last day)``, last day inclusive; together they cover the year exactly.
    """
    months = plan_months(year_start)
    if period == "month":
        return months
    if period == "quarter":
        return [
            (months[q * MONTHS_PER_QUARTER][0], months[q * MONTHS_PER_QUARTER + 2][1])
            for q in range(MONTHS_PER_YEAR // MONTHS_PER_QUARTER)
        ]
    raise ValueError(f"period {period!r} is not 'quarter' or 'month'")


def period_months(period: str) -> list[tuple[int, ...]]:
    """Indexes (0–11) of the plan months in each period: 4 triples or 12 singletons."""
    if period == "month":
        return [(m,) for m in range(MONTHS_PER_YEAR)]
    if period == "quarter":
        return [tuple(range(q * MONTHS_PER_QUARTER, (q + 1) * MONTHS_PER_QUARTER))
                for q in range(MONTHS_PER_YEAR // MONTHS_PER_QUARTER)]
    raise ValueError(f"period {period!r} is not 'quarter' or 'month'")


def month_year(day: date) -> str:
    """``August 2026``: the calendar month of ``day`` for people (English, whatever the locale)."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


__all__ = [
    "MONTHS_PER_QUARTER",
    "MONTHS_PER_YEAR",
    "MONTH_NAMES",
    "add_months",
    "days_in",
    "days_share",
    "month_index",
    "month_length",
    "month_start",
    "month_year",
    "months_before",
    "period_months",
    "plan_months",
    "plan_periods",
    "plan_year_end",
]
