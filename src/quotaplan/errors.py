"""The program's own failures (not problems in a plan, which are :class:`~quotaplan.problems.Problem`).

Hierarchy::

    QuotaplanError            anything quotaplan raises on purpose
    ├── UsageError            the command was called wrongly (exit 2): a PLAN path that does not exist, …
    ├── PlanInvalid           the plan has errors; carries the problems (exit 1)
    ├── UnknownSeller         a seller id asked for is not in the plan (exit 1)
    └── NotEnoughHistory      the bookings cannot support the simulation's back-test (exit 1)

The CLI maps them to exit codes in one place (``cli.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from quotaplan.problems import Problem


class QuotaplanError(Exception):
    """Base of every error quotaplan raises on purpose."""


class UsageError(QuotaplanError):
    """The command line (or API call) was wrong; the message says what to pass instead."""


class PlanInvalid(QuotaplanError):
    """The plan has errors; ``problems`` lists them all (warnings included)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = sum(p.count for p in self.problems if p.severity == "error")
        super().__init__(f"the plan has {count} error(s); run `quotaplan validate` to see them")


class UnknownSeller(QuotaplanError):
    """A seller id that the plan does not have."""

    def __init__(self, seller_id: str, hint: str = "") -> None:
        self.seller_id = seller_id
        msg = f"seller {seller_id!r} is not in sellers.csv"
        super().__init__(msg + (f"; {hint}" if hint else ""))


class NotEnoughHistory(QuotaplanError):
    """The bookings cannot support a back-test (the attainment simulation needs last year's
    targets and what was booked since); the message names bookings.csv and the dates (exit 1)."""
