"""In-year change requests on a published scenario, read from and written to the journal.

A request is a ``change.request`` event: the change (an account move, a seller leaving, a new hire or
a filled seat, an adjustment, a top-down change) with its effective date. Its id is that event's
seq. A reviewer other than the requester approves or rejects it once (``change.approve`` /
``change.reject`` naming the id). Nothing here computes figures: approving a request is what makes
the caller apply it from its effective date and publish the next version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.engine import Connection

from quotaplan.errors import Forbidden, NotFound, Refused, UsageError
from quotaplan.store import journal
from quotaplan.store.journal import Event
from quotaplan.store.scenarios import find_scenario
from quotaplan.store.workflow import IN_YEAR_KINDS, possible

#: What a seller change may set in-year: a leaving date, a start date, a filled seat's status.
SELLER_IN_YEAR = frozenset({"end_date", "hire_date", "status"})
_DECISIONS = {"change.approve": "approved", "change.reject": "rejected"}


@dataclass(frozen=True)
class ChangeRequest:
    id: int                        # the seq of its change.request event
    kind: str                      # the change's kind (account.move, seller.set, …)
    payload: dict[str, Any]        # the change's payload
    effective: date
    status: str                    # requested | approved | rejected
    requested_by: str
    requested_at: datetime
    reason: str | None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None


def list_changes(conn: Connection, plan: str, scenario: str) -> list[ChangeRequest]:
    """The scenario's in-year change requests, oldest first, each with its decision if it has one."""
    requests: dict[int, ChangeRequest] = {}
    for event in journal.read(conn, plan, scenario, kinds=["change.request", *_DECISIONS]):
        if event.kind == "change.request":
            inner = event.payload["change"]
            requests[event.seq] = ChangeRequest(
                event.seq, inner["kind"], dict(inner.get("payload", {})),
                date.fromisoformat(event.payload["effective"]), "requested", event.actor, event.at,
                event.reason)
            continue
        request = requests.get(int(event.payload["change_id"]))
        if request is not None and request.status == "requested":
            requests[request.id] = ChangeRequest(
                request.id, request.kind, request.payload, request.effective, _DECISIONS[event.kind],
                request.requested_by, request.requested_at, request.reason, event.actor, event.at,
                event.reason)
    return list(requests.values())


def find_change(conn: Connection, plan: str, scenario: str, change_id: int) -> ChangeRequest:
    """Change request ``change_id`` of the scenario; NotFound naming it."""
    for request in list_changes(conn, plan, scenario):
        if request.id == change_id:
            return request
    raise NotFound("change request", str(change_id),
                   f"`quotaplan changes {plan}` lists the requests of plan {plan!r}")


def _check_change(plan: str, scenario: str, kind: str, payload: Mapping[str, Any], effective: date) -> None:
    fork = f"fork a scenario instead (`quotaplan scenario fork {plan} {scenario} NEW`)"
    if kind == "target.override":
        raise Refused(f"an override is refused on a published scenario; {fork}")
    if kind not in IN_YEAR_KINDS:
        raise Refused(f"{kind} cannot be an in-year change: those are an account move, a seller leaving "
                      "(end date), a new hire or a filled seat (hire date, status), an adjustment and a "
                      f"top-down change; {fork}")
    if kind == "seller.set":
        other = sorted(set(payload) - SELLER_IN_YEAR - {"seller_id"})
        if other:
            raise Refused(f"a seller's {', '.join(other)} cannot change in-year (only end date, hire date "
                          f"and status can); {fork}")
    moved = payload.get("effective") if kind == "account.move" else None
    if moved not in (None, effective.isoformat()):
        raise UsageError(f"the move's effective date {moved} differs from the request's, "
                         f"{effective.isoformat()}: give one --effective DATE")


def request_change(conn: Connection, plan: str, scenario: str, kind: str, payload: Mapping[str, Any],
                   effective: date, *, actor: str, reason: str | None,
                   based_on: int | None = None) -> Event:
    """File an in-year change request of ``kind`` effective ``effective`` on the published scenario.

    Refused on a scenario that is not published, for an override and for a change that is not an
    in-year one; the reason is required (UsageError).
    """
    current = find_scenario(conn, plan, scenario, lock=True)
    if current.status != "published":
        named = f"scenario {scenario!r} of plan {plan!r}"
        if current.status == "draft":
            raise Refused(f"{named} is a draft: an in-year change request (--effective DATE) is for a "
                          "published scenario; in a draft, make the change itself (leave out "
                          "--effective) and the whole year is recomputed")
        raise Refused(f"{named} is {current.status}: an in-year change request (--effective DATE) is "
                      f"for a published scenario; {possible(plan, scenario, current.status)}")
    _check_change(plan, scenario, kind, payload, effective)
    body = {"change": {"kind": kind, "payload": dict(payload)}, "effective": effective.isoformat()}
    return journal.append(conn, plan, scenario, "change.request", body, actor=actor, reason=reason,
                          based_on=based_on)


def decide_change(conn: Connection, plan: str, scenario: str, change_id: int, approve: bool, *,
                  actor: str, reason: str | None, based_on: int | None = None) -> Event:
    """Approve or reject request ``change_id`` and return the decision's event (a rejection needs a
    reason). Refused when the request is decided already; Forbidden when its requester decides it."""
    if not approve and not (reason and reason.strip()):
        raise UsageError(f"rejecting change request {change_id} needs a reason, which tells the requester "
                         "why: pass --reason TEXT")
    find_scenario(conn, plan, scenario, lock=True)  # decisions on one scenario queue here
    request = find_change(conn, plan, scenario, change_id)
    verb = "approve" if approve else "reject"
    if request.status != "requested":
        when = request.decided_at.strftime("%Y-%m-%d %H:%M UTC") if request.decided_at else "earlier"
        raise Refused(f"change request {change_id} of plan {plan!r} was {request.status} by "
                      f"{request.decided_by} at {when}: a request is decided once. File a new request "
                      "to change it again")
    if request.requested_by == actor:
        raise Forbidden(actor, f"{verb} change request {change_id} of plan {plan!r}",
                        f"{actor} requested it, and nobody decides their own request: another reviewer must")
    return journal.append(conn, plan, scenario, f"change.{verb}", {"change_id": change_id}, actor=actor,
                          reason=reason, based_on=based_on)
