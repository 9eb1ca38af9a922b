"""What the booking history leaves out: bookings the plan does not read, months it does not cover.

Pure: a :class:`~quotaplan.plan.Plan` in, warnings out (SPEC "Bad input": everything ``validate``
could not tell but a planner would want to know). One pass over bookings.csv, columnar:

- **Bookings in or after the plan year** (dated on or after ``[plan] fiscal_year_start``): nothing
  reads them (history ends the day before the plan starts). One warning with their count, their
  sum (exact cents) and the first such line.
- **A history window only partly covered**: when targets read history (``prior_bookings`` weights,
  ``growth``, ``blend``, ``trend``), each plan month of the window read (the base window, or with
  ``trend`` the two years before the plan start if longer) should hold at least one booking. A
  month without any — the history starts late, or has a hole — counts as 0 in every account's
  history; one warning says which months are covered and which are not.
"""

from __future__ import annotations

import bisect
from datetime import date, timedelta

import polars as pl

from quotaplan.core.ramp import month_year
from quotaplan.core.targets import TREND_MONTHS, months_before
from quotaplan.money import format_cents_grouped
from quotaplan.plan import Plan
from quotaplan.problems import Problem, warning
from quotaplan.settings import TargetsSection

BOOKINGS_FILE = "bookings.csv"


def history_uses(ts: TargetsSection) -> list[str]:
    """What reads the booking history under these settings, in words (empty: nothing does)."""
    uses: list[str] = []
    if ts.method in ("growth", "blend"):
        uses.append(f"method {ts.method}")
        if ts.trend:
            uses.append("trend")
    weighted = ts.method in ("weighted", "blend") or (
        ts.method == "bucketed" and ts.within_bucket == "weighted")
    if weighted and ts.weight == "prior_bookings":
        uses.append("weight prior_bookings")
    return uses


def history_window(plan_start: date, ts: TargetsSection) -> tuple[date, date]:
    """The window of history the targets read, ``[start, end)``: the base window, or with a trend
    the two years before the plan start when that is longer."""
    months = ts.base_window_months
    if ts.trend and ts.method in ("growth", "blend"):
        months = max(months, 2 * TREND_MONTHS)
    return months_before(plan_start, months), plan_start


def history_problems(plan: Plan) -> list[Problem]:
    """Warnings about bookings.csv: bookings in or after the plan year; a window of history read
    by the targets that the bookings only partly cover (see the module docstring)."""
    settings = plan.settings
    start = settings.plan.fiscal_year_start
    uses = history_uses(settings.targets)
    lo, hi = history_window(start, settings.targets)
    day = pl.col("date")
    late = day >= start
    inside = (day >= lo) & (day < hi)
    aggregates = [
        late.sum().alias("late"),
        pl.col("amount").filter(late).sum().alias("late_sum"),
        pl.col("line").filter(late).min().alias("late_line"),
    ]
    if uses:
        aggregates.append(day.filter(inside).unique().implode().alias("days"))
    # One pass over the bookings: a few aggregates and the distinct days of the window.
    row = plan.bookings.lazy().select(aggregates).collect().row(0, named=True)
    problems: list[Problem] = []
    if row["late"]:
        problems.append(warning(
            BOOKINGS_FILE, row["late_line"], "date",
            f"{row['late']:,} booking(s) dated on or after the plan start {start.isoformat()} (the "
            f"first on this line) sum to {format_cents_grouped(int(row['late_sum']))} "
            f"{settings.plan.currency}; history ends the day before the plan year, so they count "
            "nowhere — remove them, or correct their dates or [plan] fiscal_year_start",
            "bookings-in-plan-year"))
    if uses:
        problem = _coverage(row["days"] or [], start, lo, hi, uses,
                            settings.targets.base_window_months)
        if problem is not None:
            problems.append(problem)
    return problems


def _coverage(days: list[date], plan_start: date, lo: date, hi: date, uses: list[str],
              base_months: int) -> Problem | None:
    """The warning for a window whose plan months are not all covered by a booking, or None."""
    count = (hi.year - lo.year) * 12 + hi.month - lo.month
    starts = [months_before(plan_start, count - i) for i in range(count)]
    covered = [False] * count
    for d in days:
        covered[bisect.bisect_right(starts, d) - 1] = True
    if all(covered):
        return None
    bounds = [*starts[1:], hi]
    have = _runs(starts, bounds, covered, True)
    lack = _runs(starts, bounds, covered, False)
    window = (f"the {'base window' if count == base_months else 'history window'} "
              f"{lo.isoformat()} to {(hi - timedelta(days=1)).isoformat()}")
    held = (f"bookings cover {sum(covered)} of its {count} months ({have}); none in {lack}"
            if any(covered) else f"no booking in any of its {count} months")
    return warning(
        BOOKINGS_FILE, None, "date",
        f"{window} is only partly covered by the history: {held}. Targets read history "
        f"({', '.join(uses)}), and a month without bookings counts 0 for every account; add the "
        "missing history, or shorten [targets] base_window_months if the history starts late",
        "history-partly-covered")


def _runs(starts: list[date], bounds: list[date], covered: list[bool], wanted: bool) -> str:
    """The months whose coverage is ``wanted``, as runs: ``January 2025 – March 2025, June 2025``
    (plan months that are not calendar months as dates: ``2025-04-15 to 2025-06-14``)."""
    runs: list[str] = []
    i = 0
    while i < len(starts):
        if covered[i] != wanted:
            i += 1
            continue
        j = i
        while j + 1 < len(starts) and covered[j + 1] == wanted:
            j += 1
        if starts[i].day == 1:
            first, last = month_year(starts[i]), month_year(starts[j])
            runs.append(first if i == j else f"{first} – {last}")
        else:
            runs.append(f"{starts[i].isoformat()} to {(bounds[j] - timedelta(days=1)).isoformat()}")
        i = j + 1
    return ", ".join(runs)


__all__ = ["history_problems", "history_uses", "history_window"]
