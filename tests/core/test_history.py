"""What the booking history leaves out: bookings in or after the plan year, months not covered."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from quotaplan.build import build
from quotaplan.core.history import history_problems
from quotaplan.plan import Plan
from quotaplan.problems import Problem

LoadPlan = Callable[[dict[str, str]], Plan]


def plan_files(targets: str, bookings: list[str]) -> dict[str, str]:
    """A one-leaf plan starting 2026-01-01 with ``[targets]`` lines and bookings rows (a1, a2)."""
    return {
        "plan.toml": "[plan]\nname = \"History\"\nfiscal_year_start = 2026-01-01\n"
                     "[targets]\ntopdown = 1000\n" + targets,
        "territories.csv": "territory_id,parent_id\nR,\nL,R\n",
        "sellers.csv": "seller_id,territory_id\ns1,L\n",
        "accounts.csv": "account_id,territory_id,annual_revenue,grade\na1,L,10,A\na2,L,20,A\n",
        "bookings.csv": "account_id,date,amount\n" + "\n".join(bookings) + "\n",
    }


def monthly(months: list[int], year: int = 2025) -> list[str]:
    """One booking of 10.00 on the 10th of each month of ``months`` (1–12) of ``year``."""
    return [f"a1,{year}-{m:02d}-10,10" for m in months]


def coded(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


# --- bookings in or after the plan year ---------------------------------------------------------


def test_bookings_on_or_after_the_plan_start_are_counted_and_summed(load_plan: LoadPlan) -> None:
    rows = [
        *monthly(list(range(1, 13))),
        "a1,2025-12-31,7.00",     # line 14: the last day of history, read as usual
        "a2,2026-01-01,5.55",     # line 15: the first day of the plan year: not read
        "a1,2026-06-30,-1.01",    # line 16
        "a2,2027-02-01,1000.10",  # line 17: after the year
    ]
    problems = history_problems(load_plan(plan_files('method = "growth"\n', rows)))
    [late] = coded(problems, "bookings-in-plan-year")
    assert (late.file, late.line, late.column, late.severity) == ("bookings.csv", 15, "date",
                                                                    "warning")
    # 5.55 − 1.01 + 1,000.10 = 1,004.64, in the plan's currency.
    assert "3 booking(s) dated on or after the plan start 2026-01-01" in late.message
    assert "sum to 1,004.64 USD" in late.message


def test_the_first_late_line_is_the_smallest_not_the_earliest_date(load_plan: LoadPlan) -> None:
    rows = [*monthly(list(range(1, 13))), "a1,2027-03-01,2", "a1,2026-01-05,3"]
    [late] = coded(history_problems(load_plan(plan_files("", rows))), "bookings-in-plan-year")
    assert late.line == 14
    assert "2 booking(s)" in late.message
    assert "sum to 5.00 USD" in late.message


def test_history_before_the_plan_year_only_gives_no_late_warning(load_plan: LoadPlan) -> None:
    problems = history_problems(load_plan(plan_files("", monthly(list(range(1, 13))))))
    assert coded(problems, "bookings-in-plan-year") == []


def test_the_build_reports_late_bookings(load_plan: LoadPlan) -> None:
    rows = [*monthly(list(range(1, 13))), "a1,2026-02-01,12.34"]
    result = build(load_plan(plan_files('method = "growth"\n', rows)))
    [late] = coded(result.problems, "bookings-in-plan-year")
    assert "1 booking(s)" in late.message
    assert "12.34 USD" in late.message


# --- a history window only partly covered -------------------------------------------------------


def test_history_that_starts_late_names_the_months_covered(load_plan: LoadPlan) -> None:
    problems = history_problems(load_plan(plan_files('method = "growth"\n',
                                                     monthly(list(range(4, 13))))))
    [gap] = coded(problems, "history-partly-covered")
    assert (gap.file, gap.line, gap.column) == ("bookings.csv", None, "date")
    assert "the base window 2025-01-01 to 2025-12-31" in gap.message
    assert "bookings cover 9 of its 12 months (April 2025 – December 2025)" in gap.message
    assert "none in January 2025 – March 2025" in gap.message
    assert "method growth" in gap.message


def test_a_hole_in_the_history_is_named(load_plan: LoadPlan) -> None:
    months = [m for m in range(1, 13) if m not in (6, 9, 10)]
    [gap] = coded(history_problems(load_plan(plan_files('method = "growth"\n', monthly(months)))),
                  "history-partly-covered")
    assert ("bookings cover 9 of its 12 months (January 2025 – May 2025, July 2025 – August 2025"
            ", November 2025 – December 2025); none in June 2025, September 2025 – October 2025"
            ) in gap.message


def test_no_bookings_at_all_in_the_window(load_plan: LoadPlan) -> None:
    files = plan_files('method = "weighted"\nweight = "prior_bookings"\n', ["a1,2023-05-01,10"])
    [gap] = coded(history_problems(load_plan(files)), "history-partly-covered")
    assert "no booking in any of its 12 months" in gap.message
    assert "weight prior_bookings" in gap.message


def test_a_trend_reads_two_years(load_plan: LoadPlan) -> None:
    files = plan_files('method = "growth"\ntrend = true\n', monthly(list(range(1, 13))))
    [gap] = coded(history_problems(load_plan(files)), "history-partly-covered")
    assert "the history window 2024-01-01 to 2025-12-31" in gap.message
    assert "bookings cover 12 of its 24 months (January 2025 – December 2025)" in gap.message
    assert "none in January 2024 – December 2024" in gap.message
    assert "method growth, trend" in gap.message


def test_a_longer_base_window_is_checked_whole(load_plan: LoadPlan) -> None:
    files = plan_files('method = "growth"\nbase_window_months = 18\n', monthly(list(range(1, 13))))
    [gap] = coded(history_problems(load_plan(files)), "history-partly-covered")
    assert "the base window 2024-07-01 to 2025-12-31" in gap.message
    assert "none in July 2024 – December 2024" in gap.message


@pytest.mark.parametrize(("targets", "warned"), [
    ('method = "growth"\n', True),
    ('method = "blend"\nweight = "annual_revenue"\n', True),
    ('method = "weighted"\n', True),  # weight prior_bookings by default
    ('method = "bucketed"\nbucket_by = "grade"\nbuckets = { A = 1 }\n'
     'within_bucket = "weighted"\n', True),
    ('method = "weighted"\nweight = "annual_revenue"\n', False),
    ('method = "even"\n', False),
    ('method = "bucketed"\nbucket_by = "grade"\nbuckets = { A = 1 }\n', False),
])
def test_only_targets_that_read_history_warn(load_plan: LoadPlan, targets: str,
                                             warned: bool) -> None:
    problems = history_problems(load_plan(plan_files(targets, monthly([11, 12]))))
    assert bool(coded(problems, "history-partly-covered")) is warned


def test_a_fully_covered_window_is_quiet(load_plan: LoadPlan) -> None:
    problems = history_problems(load_plan(plan_files('method = "growth"\n',
                                                     monthly(list(range(1, 13))))))
    assert problems == []


def test_plan_months_that_are_not_calendar_months(load_plan: LoadPlan) -> None:
    files = plan_files('method = "growth"\n', ["a1,2025-03-20,10", "a1,2026-02-14,10"])
    files["plan.toml"] = files["plan.toml"].replace("2026-01-01", "2026-02-15")
    [gap] = coded(history_problems(load_plan(files)), "history-partly-covered")
    assert ("bookings cover 2 of its 12 months (2025-03-15 to 2025-04-14, "
            "2026-01-15 to 2026-02-14); none in 2025-02-15 to 2025-03-14, "
            "2025-04-15 to 2026-01-14") in gap.message
