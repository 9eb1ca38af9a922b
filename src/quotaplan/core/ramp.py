"""The plan calendar and the ramp: which share of a full month's quota a seller carries.

Pure and exact (``Fraction``). Conventions, pinned by tests:

- **Plan months** start on ``fiscal_year_start`` and each following month on the same day of the
  month (clamped to the month's last day); a month ends the day before the next begins. With a year
  starting on the 1st (the usual case) plan months are calendar months. Quarters are three plan
  months. Every end date is inclusive.
- **Ramp months** are calendar months: the hire date and ``[ramp] cutoff`` decide the first ramp
  month (:func:`first_ramp_month`); tenure counts from it (0 in the first ramp month), so a seller
  hired before the year may still be ramping. A profile gives the factor by month of tenure (1 after
  the list ends); without a profile every month from the first ramp month counts 1. Months before
  the first ramp month count 0. No hire date: fully ramped (1 in every month).
- **End date** (a ``leaving`` seller; any seller with an end date): months after the month of the
  end date count 0. The end month itself counts in full, except under ``prorate``, where it counts
  the share of its days up to and including the end date (the same rule as the hire month).
- A plan month that is not a calendar month (a year starting on another day than the 1st) takes the
  day-weighted mean of the calendar months it overlaps.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

import polars as pl

from quotaplan.problems import Problem, error, warning
from quotaplan.settings import Settings

MONTHS_PER_YEAR = 12
MONTHS_PER_QUARTER = 3
ONE = Fraction(1)
ZERO = Fraction(0)


@lru_cache(maxsize=4096)
def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, its day clamped to the target month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(day.day, _days_in(year, month0 + 1)))


def month_length(day: date) -> int:
    """Number of days (28–31) in the calendar month of ``day``."""
    return _days_in(day.year, day.month)


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> date:
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, 1)


def plan_months(year_start: date) -> list[tuple[date, date]]:
    """The 12 plan months as ``(first day, last day)`` pairs, last day inclusive."""
    starts = [add_months(year_start, i) for i in range(MONTHS_PER_YEAR + 1)]
    return [(starts[i], starts[i + 1] - timedelta(days=1)) for i in range(MONTHS_PER_YEAR)]


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
        return [tuple(range(q * 3, q * 3 + 3)) for q in range(4)]
    raise ValueError(f"period {period!r} is not 'quarter' or 'month'")


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


def month_year(day: date) -> str:
    """``August 2026``: the calendar month of ``day`` for people (English, whatever the locale)."""
    return f"{MONTH_NAMES[day.month - 1]} {day.year}"


def first_ramp_month(hire_date: date, cutoff: str) -> tuple[date, Fraction]:
    """The first ramp month of a hire and the share (0–1] of that month worked.

    Returns the first day of the first ramp month (a calendar month) and the share of its days the
    seller works: 1 except under ``prorate``, where it is (days from the hire date to the month's
    end, both included) ÷ (days in the month).

    ``cutoff``: ``month_end`` — ramps from the month after the hire month (a hire on the 1st too);
    ``day:N`` (1 ≤ N ≤ 31) — a hire on or before day N ramps from the hire month, after it from the
    next (in a month shorter than N days the cut-off is its last day); ``prorate`` — the hire month.
    """
    this_month = hire_date.replace(day=1)
    next_month = add_months(this_month, 1)
    if cutoff == "month_end":
        return next_month, ONE
    if cutoff == "prorate":
        days = month_length(hire_date)
        return this_month, Fraction(days - hire_date.day + 1, days)
    if cutoff.startswith("day:"):
        limit = min(int(cutoff[4:]), month_length(hire_date))
        return (this_month if hire_date.day <= limit else next_month), ONE
    raise ValueError(f"cutoff {cutoff!r} is not month_end, prorate or day:N")


def start_expr(hire_date: pl.Expr, cutoff: str) -> pl.Expr:
    """Columnar: the first day a hire carries quota — the first day of the first ramp month
    (:func:`first_ramp_month`), or under ``prorate`` the hire date itself. Null without a date."""
    this_month = hire_date.dt.month_start()
    next_month = this_month.dt.offset_by("1mo")
    if cutoff == "month_end":
        return next_month
    if cutoff == "prorate":
        return hire_date
    if cutoff.startswith("day:"):
        limit = pl.min_horizontal(hire_date.dt.month_end().dt.day(), pl.lit(int(cutoff[4:])))
        return pl.when(hire_date.dt.day() <= limit).then(this_month).otherwise(next_month)
    raise ValueError(f"cutoff {cutoff!r} is not month_end, prorate or day:N")


def starts_after_year_expr(hire_date: pl.Expr, settings: Settings) -> pl.Expr:
    """Columnar: does a seller start after the plan year — their first day of quota
    (:func:`start_expr`) on or after the first day after the year? Such a seller carries 0 for
    the whole year. False without a hire date (fully ramped)."""
    year_end = add_months(settings.plan.fiscal_year_start, MONTHS_PER_YEAR)
    return (start_expr(hire_date, settings.ramp.cutoff) >= year_end).fill_null(False)


def _calendar_factor(
    index: int,
    *,
    first_index: int | None,
    hire_date: date | None,
    end_date: date | None,
    profile: Sequence[Fraction] | None,
    prorate: bool,
) -> Fraction:
    """Factor of one calendar month (by its index year·12 + month − 1)."""
    if end_date is not None and index > _month_index(end_date):
        return ZERO
    factor = ONE
    if first_index is not None:
        tenure = index - first_index
        if tenure < 0:
            return ZERO
        if profile is not None and tenure < len(profile):
            factor = Fraction(profile[tenure])
    if not prorate:
        return factor
    # Prorate: the share of the month's days employed, hire and end dates both included.
    days = month_length(_month_start(index))
    low = hire_date.day if hire_date is not None and _month_index(hire_date) == index else 1
    high = end_date.day if end_date is not None and _month_index(end_date) == index else days
    return factor * Fraction(max(high - low + 1, 0), days)


def monthly_factors(
    *,
    year_start: date,
    hire_date: date | None,
    end_date: date | None,
    profile: Sequence[Fraction] | None,
    cutoff: str,
) -> tuple[Fraction, ...]:
    """The 12 plan months' ramp factors (each ≥ 0; 1 = a full month's quota).

    ``profile``: factors by month of tenure (1 after the list ends), ``None`` for no profile.
    ``hire_date`` ``None`` means fully ramped; ``end_date`` ``None`` means no end. See the module
    docstring for the conventions.
    """
    first_index: int | None = None
    if hire_date is not None:
        first_index = _month_index(first_ramp_month(hire_date, cutoff)[0])
    prorate = cutoff == "prorate"

    def factor(index: int) -> Fraction:
        return _calendar_factor(index, first_index=first_index, hire_date=hire_date,
                                end_date=end_date, profile=profile, prorate=prorate)

    factors: list[Fraction] = []
    for start, end in plan_months(year_start):
        if start.day == 1:
            factors.append(factor(_month_index(start)))
            continue
        # A plan month across two calendar months: the day-weighted mean of both.
        total = (end - start).days + 1
        first_part = month_length(start) - start.day + 1
        mixed = (factor(_month_index(start)) * first_part
                 + factor(_month_index(end)) * (total - first_part)) / total
        factors.append(mixed)
    return tuple(factors)


def period_factors(months: Sequence[Fraction], period: str) -> tuple[Fraction, ...]:
    """Each period's ramp factor: a month's own, or a quarter's mean of its three months."""
    return tuple(
        sum((months[m] for m in group), ZERO) / len(group) for group in period_months(period)
    )


# ---------------------------------------------------------------------------------------------
# One seller of a plan


class RampCache:
    """What carriers share: ramp results by (hire, end, profile, vacant), monthly factors by the
    months that decide them (so carriers with equal factors share one tuple), profiles by name."""

    def __init__(self) -> None:
        self.results: dict[tuple[Any, ...], tuple[tuple[Fraction, ...], str]] = {}
        self.months: dict[tuple[Any, ...], tuple[tuple[Fraction, ...], str]] = {}
        self.shared: dict[tuple[Fraction, ...], tuple[Fraction, ...]] = {}
        self.profiles: dict[str | None, str] = {}


def seller_ramp(
    row: Mapping[str, Any], settings: Settings, cache: RampCache, problems: list[Problem]
) -> tuple[tuple[Fraction, ...], str]:
    """A seller's 12 monthly ramp factors (:func:`monthly_factors`) and why, in words.

    ``row``: the seller's sellers.csv fields (seller_id, line, hire_date, end_date, status,
    ramp_profile). An unknown profile is an error and a vacant seat without a planned start a
    warning, added to ``problems``. ``cache`` is shared by the sellers of one plan: equal inputs
    give the same (identical) tuple of factors.
    """
    ramp = settings.ramp
    name = row["ramp_profile"] or ramp.default_profile
    if name is not None and name not in ramp.profiles:
        problems.append(error("sellers.csv", row["line"], "ramp_profile", f"ramp profile {name!r} "
                              f"of seller {row['seller_id']} is not in [ramp] profiles; add it "
                              "there or correct the name", "unknown-profile"))
        name = None
    hire, end, status = row["hire_date"], row["end_date"], row["status"]
    if status == "tbh" and hire is None:
        problems.append(warning("sellers.csv", row["line"], "hire_date", f"vacant seat "
                                f"{row['seller_id']} has no planned start (hire_date); it carries "
                                "quota for the whole year", "tbh-no-start"))
    key = (hire, end, name, status == "tbh")
    hit = cache.results.get(key)
    if hit is None:
        hit = cache.results[key] = _ramp_of(hire, end, name, status == "tbh", settings, cache)
    return hit


def _ramp_of(
    hire: date | None, end: date | None, name: str | None, vacant: bool, settings: Settings,
    cache: RampCache,
) -> tuple[tuple[Fraction, ...], str]:
    ramp = settings.ramp
    if ramp.cutoff == "prorate":
        key: tuple[Any, ...] = (hire, end, name)
    else:
        # Only the months matter: the first ramp month and the end month. A seller whose profile
        # ended before the year is fully ramped, as one without a hire date.
        first = first_ramp_month(hire, ramp.cutoff)[0] if hire is not None else None
        length = len(ramp.profiles[name]) if name is not None else 0
        start = settings.plan.fiscal_year_start
        if first is not None and (first.year - start.year) * 12 + first.month - start.month \
                + length <= 0:
            first, name_key = None, None
        else:
            name_key = name
        key = (first, end.replace(day=1) if end is not None else None, name_key)
    if key not in cache.months:
        profile = tuple(Fraction(f) for f in ramp.profiles[name]) if name is not None else None
        months = monthly_factors(year_start=settings.plan.fiscal_year_start, hire_date=hire,
                                 end_date=end, profile=profile, cutoff=ramp.cutoff)
        months = cache.shared.setdefault(months, months)  # equal factors: one tuple
        cache.months[key] = (months, "monthly factors " + " ".join(_short(f) for f in months))
    months, shown = cache.months[key]
    parts: list[str] = []
    if hire is None:
        parts.append("no hire date: fully ramped")
    else:
        started = "planned start" if vacant else "hired"
        parts.append(f"{started} {hire.isoformat()}, cut-off {ramp.cutoff}")
        if name not in cache.profiles:
            cache.profiles[name] = (
                f"profile {name!r} [{', '.join(str(f) for f in ramp.profiles[name])}]"
                if name is not None else "no ramp profile: 0 before the start, then 1")
        parts.append(cache.profiles[name])
    if end is not None:
        parts.append(f"ends {end.isoformat()}: later months count 0")
    parts.append(shown)
    return months, "; ".join(parts)


def _short(value: Fraction) -> str:
    """A factor for people: exact when short (0, 1, 0.25), else 4 decimals."""
    if value.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 50, 100):
        return f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return f"{float(value):.4f}"


__all__ = [
    "RampCache",
    "add_months",
    "first_ramp_month",
    "month_length",
    "month_year",
    "monthly_factors",
    "period_factors",
    "period_months",
    "plan_months",
    "plan_periods",
    "seller_ramp",
    "start_expr",
    "starts_after_year_expr",
]
