"""The planning cycle on the workspace: review and publish, in-year change requests, versions.

A mixin of :class:`~quotaplan.workspace.Workspace` (it uses its store, actor and cache):

* ``transition``: submit | approve | reject | publish (:mod:`quotaplan.store.workflow` says which
  step each status allows; the policy says who may). Publishing stores version 1: the build's
  published tables of the scenario's head, with their SHA-256.
* ``request_change``: an in-year change of a published scenario, checked against its head as a
  draft's change would be, then appended as ``change.request``.
* ``decide_change``: approving computes version N+1 prospectively from version N's periods
  (:func:`quotaplan.inyear.next_version`) and publishes it in the same transaction as the
  approval; rejecting appends the decision.

Every figure is computed before the write transaction starts, so a transaction holds only inserts
and is short: a process killed at any point leaves the store before or after the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from quotaplan.build import BuildResult
from quotaplan.errors import NotFound, StoreError, UsageError
from quotaplan.inyear import next_version, periods_from_csv, with_periods
from quotaplan.outputs import published_tables
from quotaplan.store import changes, versions, workflow
from quotaplan.store.access import require
from quotaplan.store.changes import ChangeRequest
from quotaplan.store.journal import Event
from quotaplan.store.policy import Actor, Resource
from quotaplan.store.versions import Version
from quotaplan.workspace import loading
from quotaplan.workspace.access import resource_of, territory_path
from quotaplan.workspace.events import apply

if TYPE_CHECKING:
    from quotaplan.pipeline import Pipeline
    from quotaplan.workspace import Opened


class Cycle:
    """Review, publish, in-year changes and versions (see the module)."""

    if TYPE_CHECKING:
        def open(self, plan: str, scenario: str = ..., *, as_of: int | None = None) -> Opened: ...
        def _writing(self) -> AbstractContextManager[tuple[Connection, Actor]]: ...
        def _reading(self) -> AbstractContextManager[tuple[Connection, Actor]]: ...
        def _pipeline(self, plan: str, scenario: str) -> Pipeline: ...

    def transition(self, plan: str, scenario: str, action: str, *, reason: str | None,
                   based_on: int | None = None) -> tuple[Event, Version | None]:
        """Take a workflow step; ``publish`` also stores version 1 (returned)."""
        head = self.open(plan, scenario)
        tables = published_tables(head.result) if action == "publish" else None
        with self._writing() as (conn, actor):
            resource = Resource("scenario", plan, status=head.scenario.status,
                                submitted_by=workflow.submitter(conn, plan, scenario))
            require(actor, action, resource, f"scenario {scenario} of plan {plan}")
            event = workflow.transition(conn, plan, scenario, action, actor=actor.name,
                                        reason=reason, based_on=based_on)
            version = None
            if tables is not None:
                version = versions.publish_version(conn, plan, scenario, event.seq, tables,
                                                   effective=None, approved_by=actor.name,
                                                   change_id=None)
        return event, version

    def request_change(self, plan: str, scenario: str, kind: str, payload: Mapping[str, Any], *,
                       effective: str | None, reason: str | None,
                       based_on: int | None = None) -> Event:
        """File an in-year change request (see the module)."""
        if kind not in workflow.IN_YEAR_KINDS:
            with self._reading() as (conn, _actor):
                workflow.require_draft(conn, plan, scenario, kind)  # says why it is refused
        if effective is None:
            raise UsageError(f"scenario {scenario!r} is published: a change to it is an in-year "
                             "change request from a date; pass --effective YYYY-MM-DD")
        day = loading.parse_day(effective, "--effective")
        head = self.open(plan, scenario)
        loading.check_effective(day, head.plan)
        request = {"change": {"kind": kind, "payload": dict(payload)}}
        with self._reading() as (_conn, actor):
            require(actor, *resource_of(actor, "change.request", request, head.plan, plan,
                                        head.scenario))
            probe = Event(0, head.scenario.id, head.seq + 1, loading.now(), actor.name, kind,
                          dict(payload), reason)
        if head.scenario.status == "published":  # else request_change refuses, saying why
            self._pipeline(plan, scenario).build(apply(head.state, probe, check=True).plan)
        with self._writing() as (conn, actor):
            require(actor, *resource_of(actor, "change.request", request, head.plan, plan,
                                        head.scenario))
            return changes.request_change(conn, plan, scenario, kind, payload, day,
                                          actor=actor.name, reason=reason,
                                          based_on=head.seq if based_on is None else based_on)

    def changes(self, plan: str) -> list[ChangeRequest]:
        """The in-year change requests of the plan's published scenario, oldest first."""
        with self._reading() as (conn, _actor):
            published = workflow.published_scenario(conn, plan)
            return [] if published is None else changes.list_changes(conn, plan, published.name)

    def decide_change(self, plan: str, change_id: int, approve: bool, *, reason: str | None,
                      based_on: int | None = None) -> tuple[Event, Version | None]:
        """Approve (publishing version N+1) or reject an in-year change request."""
        with self._reading() as (conn, _actor):
            published = workflow.published_scenario(conn, plan)
            if published is None:
                raise NotFound("published scenario", plan,
                               "in-year change requests are filed on a published plan")
            request = changes.find_change(conn, plan, published.name, change_id)
            previous = versions.version_tables(conn, plan) if approve else None
        scenario = published.name
        head = self.open(plan, scenario)
        tables = None
        if approve and previous is not None and request.status == "requested":
            decision = Event(0, head.scenario.id, head.seq + 1, loading.now(), "", "change.approve",
                             {"change_id": change_id}, reason)
            state = apply(head.state, decision, check=True)
            new = self._pipeline(plan, scenario).build(state.plan)
            result = next_version(periods_from_csv(previous[PERIODS]), request.kind,
                                  request.payload, request.effective, new, before=head.result)
            tables = published_tables(result)
        with self._writing() as (conn, actor):
            where = request_territory(head.plan, request)
            require(actor, "approve_change", Resource(
                "change", plan, territory_path(head.plan, where), status="published",
                submitted_by=request.requested_by), f"change request {change_id}")
            event = changes.decide_change(conn, plan, scenario, change_id, approve,
                                          actor=actor.name, reason=reason, based_on=based_on)
            version = None
            if tables is not None:
                version = versions.publish_version(
                    conn, plan, scenario, event.seq, tables, effective=request.effective,
                    approved_by=actor.name, change_id=change_id)
        return event, version

    def versions(self, plan: str) -> list[Version]:
        with self._reading() as (conn, _actor):
            return versions.list_versions(conn, plan)

    def version_result(self, plan: str, number: int | None = None) -> tuple[Version, BuildResult]:
        """A published version as the engine's result (what letters and pages of a version
        show): the published scenario's state at the version's seq, with version N's periods for
        N > 1. Checked: its published tables are the stored ones, byte for byte."""
        found, tables = self.version_tables(plan, number)
        result = self.open(plan, found.scenario, as_of=found.seq).result
        if found.number > 1:
            result = with_periods(result, periods_from_csv(tables[PERIODS]))
        if published_tables(result) != tables:
            raise StoreError(f"version {found.number} of plan {plan!r} cannot be reproduced from "
                             "its events; `quotaplan published` writes its tables as stored")
        return found, result

    def version_tables(self, plan: str, number: int | None = None) -> tuple[Version, dict[str, bytes]]:
        with self._reading() as (conn, _actor):
            return (versions.find_version(conn, plan, number),
                    versions.version_tables(conn, plan, number))


PERIODS = "quota_periods.csv"


def request_territory(plan: Any, request: ChangeRequest) -> str | None:
    """The territory a request is about (for a manager's subtree)."""
    payload = request.payload
    for key, table in (("seller_id", "sellers"), ("account_id", "accounts")):
        if key in payload:
            frame = getattr(plan, table)
            found = frame.filter(frame[key] == payload[key]).get_column("territory_id")
            if found.len():
                return str(found[0])
    territory = payload.get("territory_id")
    return None if territory is None else str(territory)
