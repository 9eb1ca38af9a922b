"""The review workflow of a scenario: draft → in_review → approved → published.

``submit``, ``approve``, ``reject`` and ``publish`` each append their ``scenario.<action>`` event and
set the scenario's status in the caller's transaction, so the two never disagree. ``reject`` (with a
reason) sends a scenario in review, or approved, back to draft. Nobody approves their own submission
(the submitter is whoever appended the lineage's latest ``scenario.submit``), and a plan has at most
one published scenario. Only a draft takes changes to figures (:func:`require_draft`); a published
one changes only through in-year change requests (:mod:`quotaplan.store.changes`).

Who may take a step at all is the policy's to decide (``quotaplan.store.policy``); the rules here
hold whatever the actor's roles.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from quotaplan.errors import Forbidden, Refused, UsageError
from quotaplan.store import journal
from quotaplan.store import schema as t
from quotaplan.store.journal import Event
from quotaplan.store.plans import find_plan
from quotaplan.store.scenarios import Scenario, find_scenario

#: action → (the statuses it starts from, the status it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "submit": (("draft",), "in_review"),
    "approve": (("in_review",), "approved"),
    "reject": (("in_review", "approved"), "draft"),
    "publish": (("approved",), "published"),
}
_DONE = {"submit": "submitted", "approve": "approved", "reject": "rejected", "publish": "published"}
#: Changes that a published scenario takes as in-year change requests (with an effective date).
IN_YEAR_KINDS = frozenset({"account.move", "seller.set", "seller.add", "adjustment.add", "topdown.set"})


def _named(plan: str, scenario: str) -> str:
    return f"scenario {scenario!r} of plan {plan!r}"


def possible(plan: str, scenario: str, status: str) -> str:
    """What can happen to a scenario in ``status`` next, with the command that does it."""
    where = f"{plan} --scenario {scenario}"
    if status == "draft":
        return f"a draft can be submitted for review (`quotaplan submit {where}`)"
    if status == "in_review":
        return (f"a scenario in review can be approved or rejected (`quotaplan approve {where}` or "
                f"`quotaplan reject {where} --reason TEXT`)")
    if status == "approved":
        return (f"an approved scenario can be published or rejected (`quotaplan publish {where}` or "
                f"`quotaplan reject {where} --reason TEXT`)")
    return (f"a published scenario stays published: its figures change only by in-year change "
            f"requests (`quotaplan changes {plan}`), or fork it (`quotaplan scenario fork {plan} "
            f"{scenario} NEW`) to plan anew")


def status(conn: Connection, plan: str, scenario: str) -> str:
    """The scenario's status: draft | in_review | approved | published."""
    return find_scenario(conn, plan, scenario).status


def submitter(conn: Connection, plan: str, scenario: str) -> str | None:
    """Who submitted the scenario last (the actor of its lineage's latest ``scenario.submit``)."""
    submits = journal.read(conn, plan, scenario, kinds=["scenario.submit"], newest_first=True)
    return submits[0].actor if submits else None


def published_scenario(conn: Connection, plan: str) -> Scenario | None:
    """The plan's published scenario, if one is."""
    stored = find_plan(conn, plan)
    name = conn.scalar(select(t.scenarios.c.name).where(t.scenarios.c.plan_id == stored.id,
                                                        t.scenarios.c.status == "published"))
    return None if name is None else find_scenario(conn, plan, name)


def transition(conn: Connection, plan: str, scenario: str, action: str, *, actor: str,
               reason: str | None, based_on: int | None = None) -> Event:
    """Take workflow step ``action`` (submit | approve | reject | publish) and return its event.

    Refused (nothing appended, nothing changed) when the scenario's status does not allow it, when
    the submitter approves, or when another scenario of the plan is published; a rejection needs a
    reason (UsageError).
    """
    if action not in TRANSITIONS:
        raise UsageError(f"unknown workflow step {action!r}; the steps are {', '.join(TRANSITIONS)}")
    if action == "reject" and not (reason and reason.strip()):
        raise UsageError("a rejection needs a reason, which tells the submitter what to change: "
                         "pass --reason TEXT")
    current = find_scenario(conn, plan, scenario, lock=True)
    sources, target = TRANSITIONS[action]
    if current.status not in sources:
        raise Refused(f"{_named(plan, scenario)} is {current.status}, so it cannot be {_DONE[action]}; "
                      + possible(plan, scenario, current.status))
    if action == "approve" and submitter(conn, plan, scenario) == actor:
        raise Forbidden(actor, f"approve {_named(plan, scenario)}",
                        f"{actor} submitted it, and nobody approves their own submission: "
                        "another reviewer must")
    if action == "publish":
        # The plan's row serialises publishers of different scenarios (PostgreSQL; SQLite's write
        # transactions are exclusive already), so two can never both be published.
        conn.execute(select(t.plans.c.id).where(t.plans.c.id == current.plan_id).with_for_update())
        other = published_scenario(conn, plan)
        if other is not None:
            raise Refused(f"plan {plan!r} already has a published scenario, {other.name!r}, and a plan has "
                          f"at most one: {_named(plan, scenario)} stays approved. Change the published "
                          f"figures by in-year change requests (`quotaplan changes {plan}`)")
    event = journal.append(conn, plan, scenario, f"scenario.{action}", {}, actor=actor, reason=reason,
                           based_on=based_on)
    conn.execute(update(t.scenarios).where(t.scenarios.c.id == current.id).values(status=target))
    return event


def require_draft(conn: Connection, plan: str, scenario: str, kind: str | None = None) -> Scenario:
    """The scenario, when it is a draft; otherwise Refused saying what to do instead (for a change of
    ``kind``, when given: which changes a published scenario takes as in-year requests)."""
    current = find_scenario(conn, plan, scenario)
    if current.status == "draft":
        return current
    named = _named(plan, scenario)
    if current.status != "published":
        raise Refused(f"{named} is {current.status}: only a draft takes changes to figures. Reject it "
                      f"back to draft (`quotaplan reject {plan} --scenario {scenario} --reason TEXT`) or "
                      f"fork it (`quotaplan scenario fork {plan} {scenario} NEW`) and change the fork")
    fork = f"fork a scenario instead (`quotaplan scenario fork {plan} {scenario} NEW`)"
    if kind == "target.override":
        raise Refused(f"{named} is published: an override is refused there; {fork}")
    in_year = ("adjust, seller, move and topdown file an in-year change request there: pass "
               "--effective DATE (the day the change takes effect)")
    if kind is not None and kind not in IN_YEAR_KINDS:
        raise Refused(f"{named} is published: only a draft takes changes to figures, and {kind} "
                      f"is not an in-year change ({in_year}); {fork}")
    raise Refused(f"{named} is published: only a draft takes changes to figures; {in_year}. "
                  f"override is refused there: {fork}")
