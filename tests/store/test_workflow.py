"""The review workflow: draft → in_review → approved → published, reject back to draft, and what each
state refuses (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest

from quotaplan.cli import exit_code
from quotaplan.errors import Conflict, Forbidden, NotFound, Refused, UsageError
from quotaplan.store import journal, plans, scenarios, workflow
from quotaplan.store.db import Store, open_store
from quotaplan.store.journal import Event


@pytest.fixture
def fy27(store: Store) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\nname = 'FY27'\n"}, actor="ana")
    return store


def step(store: Store, action: str, *, actor: str, reason: str | None = None, scenario: str = "baseline",
         based_on: int | None = None) -> Event:
    with store.write() as conn:
        return workflow.transition(conn, "FY27", scenario, action, actor=actor, reason=reason,
                                   based_on=based_on)


def status(store: Store, scenario: str = "baseline") -> str:
    with store.read() as conn:
        return workflow.status(conn, "FY27", scenario)


def kinds(store: Store, scenario: str = "baseline") -> list[tuple[int, str, str, str | None]]:
    with store.read() as conn:
        return [(e.seq, e.kind, e.actor, e.reason) for e in journal.read(conn, "FY27", scenario)]


def test_a_scenario_goes_from_draft_to_published_one_event_per_step(fy27: Store) -> None:
    assert status(fy27) == "draft"
    seen = []
    for action, actor in [("submit", "ana"), ("approve", "ben"), ("publish", "ana")]:
        event = step(fy27, action, actor=actor, reason=f"{action} it")
        seen.append((event.kind, event.payload, status(fy27)))
    assert seen == [("scenario.submit", {}, "in_review"), ("scenario.approve", {}, "approved"),
                    ("scenario.publish", {}, "published")]
    assert kinds(fy27) == [(1, "scenario.submit", "ana", "submit it"),
                           (2, "scenario.approve", "ben", "approve it"),
                           (3, "scenario.publish", "ana", "publish it")]
    with fy27.read() as conn:
        published = workflow.published_scenario(conn, "FY27")
    assert published is not None
    assert (published.name, published.status) == ("baseline", "published")


@pytest.mark.parametrize("before", [["submit"], ["submit", "approve"]])
def test_reject_sends_a_scenario_in_review_or_approved_back_to_draft(fy27: Store, before: list[str]) -> None:
    for action in before:
        step(fy27, action, actor="ana" if action == "submit" else "ben")
    event = step(fy27, "reject", actor="ben", reason="Q3 looks too high")
    assert (event.kind, event.reason, status(fy27)) == ("scenario.reject", "Q3 looks too high", "draft")
    step(fy27, "submit", actor="ana")  # a rejected draft can be submitted again
    assert status(fy27) == "in_review"


@pytest.mark.parametrize(("before", "action", "message"), [
    ([], "approve", r"is draft, so it cannot be approved; a draft can be submitted for review "
                    r"\(`quotaplan submit FY27 --scenario baseline`\)"),
    ([], "publish", "is draft, so it cannot be published; a draft can be submitted"),
    ([], "reject", "is draft, so it cannot be rejected; a draft can be submitted"),
    (["submit"], "submit", "is in_review, so it cannot be submitted; a scenario in review can be approved "
                           "or rejected"),
    (["submit"], "publish", "is in_review, so it cannot be published; a scenario in review can be approved"),
    (["submit", "approve"], "approve", "is approved, so it cannot be approved; an approved scenario can be "
                                       "published or rejected"),
    (["submit", "approve"], "submit", "is approved, so it cannot be submitted"),
    (["submit", "approve", "publish"], "reject", "is published, so it cannot be rejected; a published "
                                                 "scenario stays published"),
    (["submit", "approve", "publish"], "submit", "is published, so it cannot be submitted"),
    (["submit", "approve", "publish"], "publish", "is published, so it cannot be published"),
])
def test_a_step_the_status_does_not_allow_is_refused_naming_the_status_and_what_is_possible(
        fy27: Store, before: list[str], action: str, message: str) -> None:
    for done in before:
        step(fy27, done, actor="ben" if done == "approve" else "ana")
    current, events = status(fy27), kinds(fy27)
    with pytest.raises(Refused, match=message) as caught:
        step(fy27, action, actor="cy", reason="because")
    assert "scenario 'baseline' of plan 'FY27'" in str(caught.value)
    assert (status(fy27), kinds(fy27)) == (current, events)  # nothing appended, nothing changed


def test_nobody_approves_their_own_submission(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    with pytest.raises(Forbidden, match="ana submitted it, and nobody approves their own submission"):
        step(fy27, "approve", actor="ana")
    assert (status(fy27), len(kinds(fy27))) == ("in_review", 1)
    step(fy27, "approve", actor="ben")
    assert status(fy27) == "approved"


def test_the_submitter_is_whoever_submitted_last(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    step(fy27, "reject", actor="ben", reason="redo Q3")
    step(fy27, "submit", actor="ben")
    with fy27.read() as conn:
        assert workflow.submitter(conn, "FY27", "baseline") == "ben"
    with pytest.raises(Forbidden, match="ben submitted it"):
        step(fy27, "approve", actor="ben")
    assert step(fy27, "approve", actor="ana").actor == "ana"


def test_the_submitter_may_publish_what_another_reviewer_approved(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    step(fy27, "approve", actor="ben")
    assert step(fy27, "publish", actor="ana").kind == "scenario.publish"


def test_a_rejection_needs_a_reason(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    for reason in (None, "", "   "):
        with pytest.raises(UsageError, match=r"a rejection needs a reason.*--reason TEXT"):
            step(fy27, "reject", actor="ben", reason=reason)
    assert (status(fy27), len(kinds(fy27))) == ("in_review", 1)


def test_a_plan_has_at_most_one_published_scenario(fy27: Store) -> None:
    with fy27.write() as conn:
        scenarios.fork(conn, "FY27", "baseline", "stretch", actor="ana")
    for scenario in ("baseline", "stretch"):
        step(fy27, "submit", actor="ana", scenario=scenario)
        step(fy27, "approve", actor="ben", scenario=scenario)
    step(fy27, "publish", actor="ana", scenario="stretch")
    with pytest.raises(Refused, match="plan 'FY27' already has a published scenario, 'stretch', and a plan "
                                      "has at most one"):
        step(fy27, "publish", actor="ana")
    assert (status(fy27), status(fy27, "stretch")) == ("approved", "published")
    assert [k for _, k, _, _ in kinds(fy27)] == ["scenario.submit", "scenario.approve"]


def test_two_scenarios_published_at_the_same_moment_one_wins_one_is_told(fy27: Store) -> None:
    with fy27.write() as conn:
        scenarios.fork(conn, "FY27", "baseline", "stretch", actor="ana")
    for scenario in ("baseline", "stretch"):
        step(fy27, "submit", actor="ana", scenario=scenario)
        step(fy27, "approve", actor="ben", scenario=scenario)
    outcome: list[object] = []

    def publish_stretch() -> None:
        other = open_store(fy27.url)  # a connection of its own, as another process would have
        try:
            outcome.append(step(other, "publish", actor="cy", scenario="stretch"))
        except Refused as exc:
            outcome.append(exc)
        finally:
            other.close()

    with fy27.write() as conn:
        workflow.transition(conn, "FY27", "baseline", "publish", actor="ana", reason=None)
        racer = threading.Thread(target=publish_stretch)
        racer.start()
        time.sleep(1.0)
        assert outcome == []  # it waits for this transaction instead of reading around it
    racer.join(timeout=60)
    assert len(outcome) == 1
    assert isinstance(outcome[0], Refused), outcome
    assert "already has a published scenario, 'baseline'" in str(outcome[0])
    assert (status(fy27), status(fy27, "stretch")) == ("published", "approved")


def test_a_fork_starts_as_a_draft_whatever_its_parents_status(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    with fy27.write() as conn:
        fork = scenarios.fork(conn, "FY27", "baseline", "stretch", actor="ben")
    assert (fork.status, status(fy27, "stretch"), status(fy27)) == ("draft", "draft", "in_review")
    step(fy27, "submit", actor="ben", scenario="stretch")
    assert status(fy27, "stretch") == "in_review"


def test_a_step_based_on_an_old_seq_after_another_step_is_a_conflict(fy27: Store) -> None:
    step(fy27, "submit", actor="ana")
    step(fy27, "reject", actor="ben", reason="no", based_on=1)
    step(fy27, "submit", actor="ana")
    with pytest.raises(Conflict, match=r"based on seq 1.*seq 2: ben changed scenario status "
                                       r"\(scenario.reject\)"):
        step(fy27, "approve", actor="cy", based_on=1)
    assert status(fy27) == "in_review"


def test_an_unknown_step_or_scenario_is_named(fy27: Store) -> None:
    with pytest.raises(UsageError, match="unknown workflow step 'archive'"):
        step(fy27, "archive", actor="ana")
    with pytest.raises(NotFound, match="scenario 'stretch' does not exist"):
        step(fy27, "submit", actor="ana", scenario="stretch")


def test_only_a_draft_takes_changes_to_figures(fy27: Store) -> None:
    with fy27.read() as conn:
        assert workflow.require_draft(conn, "FY27", "baseline").status == "draft"
    step(fy27, "submit", actor="ana")
    with pytest.raises(Refused, match=r"is in_review: only a draft takes changes to figures\. Reject it "
                                      r"back to draft \(`quotaplan reject FY27 --scenario baseline "
                                      r"--reason TEXT`\) or fork it"), fy27.read() as conn:
        workflow.require_draft(conn, "FY27", "baseline", "adjustment.add")
    step(fy27, "approve", actor="ben")
    with pytest.raises(Refused, match="is approved: only a draft"), fy27.read() as conn:
        workflow.require_draft(conn, "FY27", "baseline")


@pytest.mark.parametrize(("kind", "message"), [
    (None, r"adjust, seller, move and topdown file an in-year change request there: pass --effective DATE"
           r".*override is refused there: fork a scenario instead"),
    ("adjustment.add", "adjust, seller, move and topdown file an in-year change request there: pass "
                       "--effective DATE"),
    ("account.move", "pass --effective DATE"),
    ("target.override", r"is published: an override is refused there; fork a scenario instead "
                        r"\(`quotaplan scenario fork FY27 baseline NEW`\)"),
    ("setting.set", "figures, and setting.set is not an in-year change"),
])
def test_a_published_scenario_says_how_to_change_it(fy27: Store, kind: str | None, message: str) -> None:
    step(fy27, "submit", actor="ana")
    step(fy27, "approve", actor="ben")
    step(fy27, "publish", actor="ben")
    with pytest.raises(Refused, match=message), fy27.read() as conn:
        workflow.require_draft(conn, "FY27", "baseline", kind)


def test_a_refused_step_is_exit_1_with_its_reason() -> None:
    assert exit_code(Refused("scenario 'baseline' of plan 'FY27' is draft")) == 1
