"""In-year change requests: filed only on a published scenario, only for in-year kinds, decided once by
someone other than the requester (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest

from quotaplan.errors import Forbidden, NotFound, Refused, UsageError
from quotaplan.store import journal, plans, workflow
from quotaplan.store.changes import ChangeRequest, decide_change, find_change, list_changes, request_change
from quotaplan.store.db import Store, open_store
from quotaplan.store.journal import Event

AUG17 = date(2027, 8, 17)
MOVE = {"account_id": "A7", "territory_id": "EAST", "effective": None}


def make_plan(store: Store, *through: str) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        for action in through:
            actor = "ben" if action == "approve" else "ana"
            workflow.transition(conn, "FY27", "baseline", action, actor=actor, reason=None)
    return store


@pytest.fixture
def published(store: Store) -> Store:
    return make_plan(store, "submit", "approve", "publish")


def request(store: Store, kind: str = "account.move", payload: dict[str, Any] | None = None, *,
            actor: str = "mia", effective: date = AUG17, reason: str | None = "the account moved") -> Event:
    with store.write() as conn:
        return request_change(conn, "FY27", "baseline", kind, MOVE if payload is None else payload, effective,
                              actor=actor, reason=reason)


def decide(store: Store, change_id: int, approve: bool, *, actor: str = "ben",
           reason: str | None = "checked") -> Event:
    with store.write() as conn:
        return decide_change(conn, "FY27", "baseline", change_id, approve, actor=actor, reason=reason)


def changes(store: Store) -> list[ChangeRequest]:
    with store.read() as conn:
        return list_changes(conn, "FY27", "baseline")


def test_a_request_is_the_change_with_its_effective_date_and_its_seq_is_its_id(published: Store) -> None:
    event = request(published)
    assert (event.seq, event.kind) == (4, "change.request")
    assert event.payload == {"change": {"kind": "account.move", "payload": MOVE}, "effective": "2027-08-17"}
    [listed] = changes(published)
    assert (listed.id, listed.kind, listed.payload, listed.effective, listed.status, listed.requested_by,
            listed.reason, listed.decided_by) == (4, "account.move", MOVE, AUG17, "requested", "mia",
                                                  "the account moved", None)


def test_approving_and_rejecting_are_recorded_with_who_when_and_why(published: Store) -> None:
    first, second, third = (request(published, "adjustment.add", {"seller_id": s, "amount": "500.00"})
                            for s in ("S1", "S2", "S3"))
    approved = decide(published, first.seq, True, reason=None)
    rejected = decide(published, second.seq, False, actor="cy", reason="S2's book did not change")
    assert (approved.kind, approved.payload) == ("change.approve", {"change_id": first.seq})
    assert (rejected.kind, rejected.payload) == ("change.reject", {"change_id": second.seq})
    assert [(c.id, c.status, c.decided_by, c.decided_at, c.decision_reason) for c in changes(published)] == [
        (first.seq, "approved", "ben", approved.at, None),
        (second.seq, "rejected", "cy", rejected.at, "S2's book did not change"),
        (third.seq, "requested", None, None, None)]
    with published.read() as conn:
        assert find_change(conn, "FY27", "baseline", second.seq).status == "rejected"


@pytest.mark.parametrize(("kind", "payload"), [
    ("account.move", MOVE),
    ("account.move", {"account_id": "A7", "territory_id": "EAST", "effective": "2027-08-17"}),
    ("seller.set", {"seller_id": "S1", "end_date": "2027-09-30"}),
    ("seller.set", {"seller_id": "TBH1", "hire_date": "2027-09-01", "status": "active"}),
    ("seller.add", {"seller_id": "S9", "territory_id": "WEST", "hire_date": "2027-09-01"}),
    ("adjustment.add", {"seller_id": "S1", "rate": "0.05"}),
    ("topdown.set", {"territory_id": "WEST", "amount": "1200000.00"}),
])
def test_every_in_year_kind_can_be_requested(published: Store, kind: str, payload: dict[str, Any]) -> None:
    request(published, kind, payload)
    assert [(c.kind, c.payload) for c in changes(published)] == [(kind, payload)]


@pytest.mark.parametrize(("kind", "payload", "message"), [
    ("target.override", {"account_id": "A7", "target": "5.00"},
     r"an override is refused on a published scenario; fork a scenario instead \(`quotaplan scenario fork "
     r"FY27 baseline NEW`\)"),
    ("setting.set", {"key": "targets.growth", "value": "0.08"}, "setting.set cannot be an in-year change"),
    ("adjustment.remove", {"seller_id": "S1", "line": 2}, "adjustment.remove cannot be an in-year change"),
    ("seller.set", {"seller_id": "S1", "ote": "120000.00", "end_date": "2027-09-30"},
     r"a seller's ote cannot change in-year \(only end date, hire date and status can\)"),
])
def test_a_change_that_is_not_an_in_year_one_is_refused(published: Store, kind: str, payload: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(Refused, match=message):
        request(published, kind, payload)
    assert changes(published) == []


@pytest.mark.parametrize(("through", "message"), [
    ((), r"is a draft: an in-year change request \(--effective DATE\) is for a published scenario; in a "
         r"draft, make the change itself \(leave out --effective\)"),
    (("submit",), "is in_review: an in-year change request .* is for a published scenario; a scenario in "
                  "review can be approved or rejected"),
    (("submit", "approve"), "is approved: an in-year change request"),
])
def test_only_a_published_scenario_takes_requests(store: Store, through: tuple[str, ...],
                                                  message: str) -> None:
    make_plan(store, *through)
    with pytest.raises(Refused, match=message):
        request(store)
    with store.read() as conn:
        assert len(journal.read(conn, "FY27", "baseline")) == len(through)


def test_a_request_needs_a_reason(published: Store) -> None:
    with pytest.raises(UsageError, match="a reason is required"):
        request(published, reason=" ")


def test_a_moves_own_effective_date_must_agree_with_the_requests(published: Store) -> None:
    with pytest.raises(UsageError, match="the move's effective date 2027-07-01 differs from the request's, "
                                         "2027-08-17"):
        request(published, payload={"account_id": "A7", "territory_id": "EAST", "effective": "2027-07-01"})


@pytest.mark.parametrize("first", [True, False])
def test_a_request_is_decided_once(published: Store, first: bool) -> None:
    change = request(published)
    decide(published, change.seq, first)
    for again in (True, False):
        decided = "approved" if first else "rejected"
        with pytest.raises(Refused, match=rf"change request 4 of plan 'FY27' was {decided} by ben at .* UTC: "
                                          r"a request is decided once"):
            decide(published, change.seq, again, actor="cy")
    with published.read() as conn:
        assert [e.kind for e in journal.read(conn, "FY27", "baseline")][-2:] == [
            "change.request", "change.approve" if first else "change.reject"]


@pytest.mark.parametrize("approve", [True, False])
def test_nobody_decides_their_own_request(published: Store, approve: bool) -> None:
    change = request(published, actor="mia")
    with pytest.raises(Forbidden, match="mia requested it, and nobody decides their own request"):
        decide(published, change.seq, approve, actor="mia")
    assert changes(published)[0].status == "requested"


def test_a_rejection_needs_a_reason(published: Store) -> None:
    change = request(published)
    with pytest.raises(UsageError, match="rejecting change request 4 needs a reason"):
        decide(published, change.seq, False, reason="")
    assert changes(published)[0].status == "requested"


def test_a_request_that_does_not_exist_is_named(published: Store) -> None:
    request(published)
    for missing in (3, 99):  # 3 is the seq of the publish step, not a request
        with pytest.raises(NotFound, match=rf"change request '{missing}' does not exist; `quotaplan changes "
                                           r"FY27` lists"):
            decide(published, missing, True)


def test_two_reviewers_deciding_the_same_request_at_once_one_wins_one_is_told(published: Store) -> None:
    change = request(published)
    outcome: list[object] = []

    def reject_it() -> None:
        other = open_store(published.url)  # a connection of its own, as another process would have
        try:
            outcome.append(decide(other, change.seq, False, actor="cy", reason="no"))
        except Refused as exc:
            outcome.append(exc)
        finally:
            other.close()

    with published.write() as conn:
        decide_change(conn, "FY27", "baseline", change.seq, True, actor="ben", reason=None)
        racer = threading.Thread(target=reject_it)
        racer.start()
        time.sleep(1.0)
        assert outcome == []  # it waits for this decision instead of reading around it
    racer.join(timeout=60)
    assert len(outcome) == 1
    assert isinstance(outcome[0], Refused), outcome
    assert "was approved by ben" in str(outcome[0])
    assert [(c.status, c.decided_by) for c in changes(published)] == [("approved", "ben")]
