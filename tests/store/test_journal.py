"""The ledger of events: appends with the conflict rule, lineage through forks, reads by filter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quotaplan.errors import Conflict, NotFound, UsageError
from quotaplan.store import journal, plans, scenarios
from quotaplan.store.db import Store

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture
def fy27(store: Store) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\nname = 'FY27'\n"}, actor="ana", at=AT)
    return store


def adjust(store: Store, seller: str, rate: str, *, actor: str = "ana", based_on: int | None = None,
           at: datetime = AT) -> journal.Event:
    with store.write() as conn:
        return journal.append(conn, "FY27", "baseline", "adjustment.add",
                              {"seller_id": seller, "rate": rate}, actor=actor,
                              reason="territory re-cut", based_on=based_on, at=at)


def test_events_get_increasing_seqs_and_keep_what_was_said(fy27: Store) -> None:
    first = adjust(fy27, "S1", "0.10")
    second = adjust(fy27, "S2", "-0.02", actor="ben")
    assert (first.seq, second.seq) == (1, 2)
    with fy27.read() as conn:
        events = journal.read(conn, "FY27", "baseline")
    assert [(e.seq, e.actor, e.kind, e.payload, e.reason, e.at) for e in events] == [
        (1, "ana", "adjustment.add", {"seller_id": "S1", "rate": "0.10"}, "territory re-cut", AT),
        (2, "ben", "adjustment.add", {"seller_id": "S2", "rate": "-0.02"}, "territory re-cut", AT),
    ]


def test_a_change_based_on_an_old_seq_touching_the_same_seller_is_a_conflict_naming_who(fy27: Store) -> None:
    adjust(fy27, "S1", "0.10", actor="ben", at=datetime(2026, 3, 2, 10, 15, tzinfo=UTC))
    with pytest.raises(Conflict) as caught:
        adjust(fy27, "S1", "0.05", actor="ana", based_on=0)
    message = str(caught.value)
    assert "based on seq 0" in message
    assert "seq 1: ben changed seller S1 (adjustment.add) at 2026-03-02 10:15:00 UTC" in message
    with fy27.read() as conn:
        assert [e.actor for e in journal.read(conn, "FY27", "baseline")] == ["ben"]  # nothing appended


def test_a_change_based_on_an_old_seq_touching_something_else_is_appended(fy27: Store) -> None:
    adjust(fy27, "S1", "0.10", actor="ben")
    event = adjust(fy27, "S2", "0.05", actor="ana", based_on=0)
    assert event.seq == 2


@pytest.mark.parametrize(("kind", "payload", "clash"), [
    ("setting.set", {"key": "quotas.basis", "value": "topdown"}, "setting quotas.basis"),
    ("topdown.set", {"territory_id": "WEST", "amount": "100.00"}, "territory WEST"),
    ("target.override", {"account_id": "A7", "target": "5.00"}, "account A7"),
    ("account.move", {"account_id": "A7", "territory_id": "EAST", "effective": "2026-07-01"},
     "account A7"),
    ("seller.set", {"seller_id": "S9", "territory_id": "WEST"}, "territory WEST"),
])
def test_each_kind_of_object_conflicts_with_itself(fy27: Store, kind: str, payload: dict[str, str],
                                                   clash: str) -> None:
    by_object = {"setting": ("setting.set", {"key": "quotas.basis", "value": "even"}),
                 "territory": ("topdown.set", {"territory_id": "WEST", "amount": "90.00"}),
                 "account": ("bottom_up.set", {"account_id": "A7", "amount": "1.00"})}
    earlier = by_object[clash.split(maxsplit=1)[0]]
    with fy27.write() as conn:
        journal.append(conn, "FY27", "baseline", *earlier, actor="ben", reason="first")
    with pytest.raises(Conflict, match=f"ben changed {clash}"), fy27.write() as conn:
        journal.append(conn, "FY27", "baseline", kind, payload, actor="ana", reason="second", based_on=0)


def test_a_change_based_on_the_head_never_conflicts(fy27: Store) -> None:
    adjust(fy27, "S1", "0.10", actor="ben")
    assert adjust(fy27, "S1", "0.20", actor="ana", based_on=1).seq == 2


def test_reason_is_required_for_a_change_to_a_figure(fy27: Store) -> None:
    with pytest.raises(UsageError, match="a reason is required"), fy27.write() as conn:
        journal.append(conn, "FY27", "baseline", "topdown.set", {"territory_id": "W", "amount": "1"},
                       actor="ana", reason="  ")


@pytest.mark.parametrize(("kind", "payload", "message"), [
    ("quota.smash", {"seller_id": "S1"}, "unknown event kind"),
    ("adjustment.add", {"rate": "0.1"}, "must name what it changes"),
    ("change.request", {"change": {"kind": "scenario.publish"}}, "a change.request carries"),
])
def test_a_malformed_event_is_refused_and_nothing_is_appended(fy27: Store, kind: str,
                                                               payload: dict[str, object],
                                                               message: str) -> None:
    with pytest.raises(UsageError, match=message), fy27.write() as conn:
        journal.append(conn, "FY27", "baseline", kind, payload, actor="ana", reason="r")
    with fy27.read() as conn:
        assert journal.read(conn, "FY27", "baseline") == []


def test_based_on_after_the_head_is_a_usage_error(fy27: Store) -> None:
    with pytest.raises(UsageError, match=r"--based-on 5 is after the head of scenario 'baseline' \(0\)"):
        adjust(fy27, "S1", "0.1", based_on=5)


def test_a_plan_or_scenario_that_does_not_exist_is_named(fy27: Store) -> None:
    with pytest.raises(NotFound, match="plan 'FY28' does not exist"), fy27.write() as conn:
        journal.append(conn, "FY28", "baseline", "adjustment.add", {"seller_id": "S1", "rate": "0.1"},
                       actor="ana", reason="r")
    with pytest.raises(NotFound, match="scenario 'stretch' does not exist"), fy27.read() as conn:
        journal.read(conn, "FY27", "stretch")


def test_reads_filter_by_seller_account_actor_and_kind_newest_first(fy27: Store) -> None:
    with fy27.write() as conn:
        for actor, kind, payload in [
            ("ana", "adjustment.add", {"seller_id": "S1", "rate": "0.1"}),
            ("ben", "account.move", {"account_id": "A1", "territory_id": "EAST", "effective": "2026-07-01"}),
            ("ben", "adjustment.add", {"seller_id": "S2", "amount": "500.00"}),
            ("ana", "seller.set", {"seller_id": "S1", "end_date": "2026-09-30"}),
        ]:
            journal.append(conn, "FY27", "baseline", kind, payload, actor=actor, reason="r")
        read = journal.read
        assert [e.seq for e in read(conn, "FY27", "baseline", seller="S1", newest_first=True)] == [4, 1]
        assert [e.seq for e in read(conn, "FY27", "baseline", account="A1")] == [2]
        assert [e.seq for e in read(conn, "FY27", "baseline", territory="EAST")] == [2]
        assert [e.seq for e in read(conn, "FY27", "baseline", actor="ben")] == [2, 3]
        assert [e.seq for e in read(conn, "FY27", "baseline", kinds=["adjustment.add"])] == [1, 3]
        assert [e.seq for e in read(conn, "FY27", "baseline", actor="ana", seller="S1", upto=3)] == [1]


def test_a_fork_copies_nothing_and_sees_its_parent_up_to_the_fork(fy27: Store) -> None:
    adjust(fy27, "S1", "0.10")
    adjust(fy27, "S2", "0.10")
    with fy27.write() as conn:
        stretch = scenarios.fork(conn, "FY27", "baseline", "stretch", actor="ana")
        assert stretch.fork_seq == 2
        assert scenarios.head(conn, stretch) == 2
    adjust(fy27, "S3", "0.10")  # baseline seq 3: not part of the fork
    with fy27.write() as conn:
        own = journal.append(conn, "FY27", "stretch", "adjustment.add", {"seller_id": "S1", "rate": "0.3"},
                             actor="ana", reason="stretch goal")
    assert own.seq == 3
    with fy27.read() as conn:
        fork_events = journal.read(conn, "FY27", "stretch")
        base_events = journal.read(conn, "FY27", "baseline")
    assert [(e.seq, e.payload["seller_id"]) for e in fork_events] == [(1, "S1"), (2, "S2"), (3, "S1")]
    assert [(e.seq, e.payload["seller_id"]) for e in base_events] == [(1, "S1"), (2, "S2"), (3, "S3")]


def test_a_fork_conflicts_with_its_own_events_not_its_parents_later_ones(fy27: Store) -> None:
    with fy27.write() as conn:
        scenarios.fork(conn, "FY27", "baseline", "stretch", actor="ana")
    adjust(fy27, "S1", "0.10", actor="ben")  # in baseline, after the fork
    with fy27.write() as conn:
        event = journal.append(conn, "FY27", "stretch", "adjustment.add", {"seller_id": "S1", "rate": "0.2"},
                               actor="ana", reason="r", based_on=0)
    assert event.seq == 1


def test_forking_to_an_existing_name_is_refused(fy27: Store) -> None:
    with pytest.raises(UsageError, match="already has a scenario 'baseline'"), fy27.write() as conn:
        scenarios.fork(conn, "FY27", "baseline", "baseline", actor="ana")


def test_a_negative_based_on_is_a_usage_error(fy27: Store) -> None:
    with pytest.raises(UsageError, match="a seq is 0"):
        adjust(fy27, "S1", "0.1", based_on=-1)


def test_amounts_in_a_payload_are_decimal_strings_never_floats(fy27: Store) -> None:
    with pytest.raises(ValueError, match=r"payload\.rate is a float"), fy27.write() as conn:
        journal.append(conn, "FY27", "baseline", "adjustment.add", {"seller_id": "S1", "rate": 0.1},
                       actor="ana", reason="r")
