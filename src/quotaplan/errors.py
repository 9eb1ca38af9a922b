"""The program's own failures (not problems in a plan, which are :class:`~quotaplan.problems.Problem`).

Hierarchy::

    QuotaplanError            anything quotaplan raises on purpose
    ├── UsageError            the command was called wrongly (exit 2): a PLAN path that does not exist, …
    ├── PlanInvalid           the plan has errors; carries the problems (exit 1)
    ├── UnknownSeller         a seller id asked for is not in the plan (exit 1)
    ├── NotEnoughHistory      the bookings cannot support the simulation's back-test (exit 1)
    ├── NotFound              a plan, scenario, user, … of the store that does not exist, or that the
    │                         actor may not read (its existence is not revealed) (exit 1)
    ├── Forbidden             the actor may read the thing but not take this action on it (exit 1)
    ├── Conflict              a change based on an older seq collides with an event appended since (exit 1)
    ├── Refused               a step the scenario's state does not allow: a wrong workflow transition,
    │                         a change to a figure outside a draft, a decided request (exit 1)
    └── StoreError            the database cannot be used as it is: never upgraded, newer than the
                              program, unreachable (exit 1)

The CLI maps them to exit codes in one place (``cli/common.py``).
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


class NotFound(QuotaplanError):
    """Something asked for by name does not exist (or may not be seen by the one asking)."""

    def __init__(self, what: str, name: str, hint: str = "") -> None:
        self.what = what
        self.name = name
        msg = f"{what} {name!r} does not exist"
        super().__init__(msg + (f"; {hint}" if hint else ""))


class Forbidden(QuotaplanError):
    """The actor may see the resource but not take the action; ``reason`` says which rule refused."""

    def __init__(self, actor: str, action: str, reason: str) -> None:
        self.actor = actor
        self.action = action
        self.reason = reason
        super().__init__(f"{actor} may not {action}: {reason}")


class Conflict(QuotaplanError):
    """A change based on seq ``based_on`` touches what events appended since then changed.

    ``events`` are ``(seq, at, actor, kind, subject)`` of the colliding events, oldest first.
    """

    def __init__(self, scenario: str, based_on: int,
                 events: Sequence[tuple[int, str, str, str, str]]) -> None:
        self.scenario = scenario
        self.based_on = based_on
        self.events = list(events)
        lines = [f"seq {seq}: {actor} changed {subject} ({kind}) at {at}"
                 for seq, at, actor, kind, subject in self.events]
        super().__init__(
            f"conflict in scenario {scenario!r}: your change was based on seq {based_on}, and since then "
            + "; ".join(lines) + ". Look at the change (`quotaplan log`), then redo yours on the new head.")


class Refused(QuotaplanError):
    """The scenario's state does not allow this step; the message names the state and what is possible."""


class StoreError(QuotaplanError):
    """The database cannot be used as it is; the message says what to run or install."""
