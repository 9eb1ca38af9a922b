"""The workspace: the one object the command line and the web app call for a stored plan.

It opens the store, decides who acts, asks the policy before every read and change, and answers
with plans and their computed results::

    ws = Workspace("sqlite:///quotaplan.db")
    ws.load(Path("plan"), "fy27")                       # validated, then stored with its baseline
    opened = ws.open("fy27")                            # Plan + BuildResult of the baseline's head
    ws.change("fy27", "baseline", "adjustment.add", {"seller_id": "S01", "rate": "0.05"},
              reason="territory grew")                 # checked, then appended to the journal

A scenario's state is its plan as loaded plus its lineage's events in seq order
(:mod:`.events`). Opening reads the loaded plan's typed tables (stored beside its files at load,
so no CSV is parsed again), replays the events and builds through a kept
:class:`~quotaplan.pipeline.Pipeline`; results are cached by (plan, scenario, seq), so a change
after an open recomputes only the stages it reaches (one carrier's adjustment: only that
carrier's quota). Modules: :mod:`.loading` (load, open a state, export), :mod:`.events` (the
events applied to a plan), :mod:`.access` (who may do what, by the plan's hierarchy).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from quotaplan.build import BuildResult
from quotaplan.errors import NotFound, PlanInvalid
from quotaplan.pipeline import Pipeline
from quotaplan.plan import Plan
from quotaplan.problems import Problem
from quotaplan.settings import FILE as SETTINGS_FILE
from quotaplan.store import journal, plans, scenarios, workflow
from quotaplan.store.access import current_actor, require
from quotaplan.store.db import Store, open_store, resolve_url
from quotaplan.store.journal import Event
from quotaplan.store.plans import BASELINE, StoredPlan
from quotaplan.store.policy import Actor, Resource, sees_plan
from quotaplan.store.scenarios import Scenario
from quotaplan.workspace import loading
from quotaplan.workspace.access import resource_of
from quotaplan.workspace.cycle import Cycle
from quotaplan.workspace.events import State, apply


@dataclass(frozen=True)
class Opened:
    """A scenario's state at one seq and what the engine computes of it."""

    plan_name: str
    scenario: Scenario
    seq: int
    state: State
    result: BuildResult
    events: list[Event]

    @property
    def plan(self) -> Plan:
        return self.state.plan

    @property
    def head(self) -> bool:
        """Is this the scenario's newest state?"""
        return self.seq == self._head

    _head: int = 0


class Recent(OrderedDict[tuple[str, str, int], "Opened"]):
    """The last ``size`` opened states (a million-account result is a few hundred MB)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = max(1, size)

    def get(self, key: tuple[str, str, int], default: Opened | None = None) -> Opened | None:  # type: ignore[override]
        found = super().get(key, default)
        if found is not None:
            self.move_to_end(key)
        return found

    def __setitem__(self, key: tuple[str, str, int], value: Opened) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Workspace(Cycle):
    """A store and who acts on it (``as_user``: a user of the store; else the OS user, as SPEC's
    command line trusts the local account). It keeps the last ``cache_size`` opened states and
    their pipelines (a million-account result is a few hundred MB). See the module."""

    def __init__(self, url: str | None = None, *, as_user: str | None = None,
                 store: Store | None = None, cache_size: int = 4) -> None:
        self.url = resolve_url(url)
        self.as_user = as_user
        self._store = store
        self._loaded: dict[int, State] = {}
        # A pipeline per scenario keeps what its last build computed: as many as opened states.
        self._pipelines: OrderedDict[tuple[str, str], Pipeline] = OrderedDict()
        self._cache_size = max(1, cache_size)
        self._opened = Recent(cache_size)

    # -- the store and the actor ---------------------------------------------------------------

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.url)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[tuple[Connection, Actor]]:
        with self.store.read() as conn:
            yield conn, current_actor(conn, self.as_user)

    @contextmanager
    def _writing(self) -> Iterator[tuple[Connection, Actor]]:
        with self.store.write() as conn:
            yield conn, current_actor(conn, self.as_user)

    def actor(self) -> Actor:
        with self._reading() as (_conn, actor):
            return actor

    def acting_as(self, as_user: str | None) -> Workspace:
        """The same store and the same caches, another actor: a server answers many users from one
        cache of opened states (keyed by plan, scenario and seq, whoever asked first)."""
        other = Workspace(self.url, as_user=as_user, store=self.store, cache_size=self._cache_size)
        other._loaded, other._pipelines, other._opened = self._loaded, self._pipelines, self._opened
        return other

    # -- plans and scenarios -------------------------------------------------------------------

    def load(self, folder: Path, name: str) -> tuple[StoredPlan, list[Problem]]:
        """Validate the plan folder and store it as ``name`` with its ``baseline`` scenario; a plan
        with errors is refused (PlanInvalid with exactly ``validate``'s problems), nothing stored.
        Returns the stored plan and the warnings."""
        self._store = self._store or loading.store_for_load(self.url)
        with self._reading() as (_conn, actor):  # a refusal before the work, not after it
            require(actor, "load", Resource("store"), "the store")
        ready = loading.read_folder(folder)
        with self._writing() as (conn, actor):
            require(actor, "load", Resource("store"), "the store")
            stored = plans.add_plan(conn, name, ready.files, actor=actor.name)
            plans.add_snapshot(conn, stored.id, ready.snapshot)
            baseline = scenarios.find_scenario(conn, name, BASELINE)
        # What was just validated is the baseline's state at seq 0: opening it costs nothing.
        state = State(plan=ready.plan,
                      settings=loading.raw_settings(ready.files[SETTINGS_FILE].data()))
        self._loaded[stored.id] = state
        self._opened[(name, BASELINE, 0)] = Opened(name, baseline, 0, state, ready.result, [],
                                                   _head=0)
        return stored, ready.warnings

    def plans(self) -> list[StoredPlan]:
        with self._reading() as (conn, actor):
            return [p for p in plans.list_plans(conn) if sees_plan(actor, p.name)]

    def scenarios(self, plan: str) -> list[Scenario]:
        with self._reading() as (conn, actor):
            _sees(actor, plan)
            return scenarios.list_scenarios(conn, plan)

    def fork(self, plan: str, source: str, new: str) -> Scenario:
        with self._writing() as (conn, actor):
            require(actor, "change", Resource("plan", plan), f"plan {plan}")
            return scenarios.fork(conn, plan, source, new, actor=actor.name)

    def head(self, plan: str, scenario: str = BASELINE) -> int:
        """The scenario's current seq."""
        with self._reading() as (conn, actor):
            _sees(actor, plan)
            return scenarios.head(conn, scenarios.find_scenario(conn, plan, scenario))

    # -- states --------------------------------------------------------------------------------

    def open(self, plan: str, scenario: str = BASELINE, *, as_of: int | None = None) -> Opened:
        """The scenario's state at ``as_of`` (its head when None) and its computed result."""
        with self._reading() as (conn, actor):
            _sees(actor, plan)
            found = scenarios.find_scenario(conn, plan, scenario)
            head = scenarios.head(conn, found)
            seq = head if as_of is None else loading.checked_seq(as_of, head, scenario)
            key = (plan, scenario, seq)
            cached = self._opened.get(key)
            if cached is not None:
                return cached
            events = journal.read(conn, plan, scenario, upto=seq)
            state = self._replay(conn, found, events)
        result = self._pipeline(plan, scenario).build(state.plan)
        opened = Opened(plan, found, seq, state, result, events, _head=head)
        self._opened[key] = opened
        return opened

    def _replay(self, conn: Connection, scenario: Scenario, events: list[Event]) -> State:
        base = self._loaded.get(scenario.plan_id)
        if base is None:
            base = loading.loaded_state(conn, scenario.plan_id)
            self._loaded[scenario.plan_id] = base
        state = base
        for event in events:
            state = apply(state, event)
        return state

    def _pipeline(self, plan: str, scenario: str) -> Pipeline:
        key = (plan, scenario)
        found = self._pipelines.pop(key, None) or Pipeline()
        self._pipelines[key] = found
        while len(self._pipelines) > self._cache_size:
            self._pipelines.popitem(last=False)
        return found

    # -- changes -------------------------------------------------------------------------------

    def preview(self, plan: str, scenario: str, kind: str, payload: Mapping[str, Any], *,
                reason: str = "") -> tuple[Opened, BuildResult]:
        """(the head, the result the change would give): nothing is stored."""
        head = self.open(plan, scenario)
        event = Event(0, head.scenario.id, head.seq + 1, loading.now(), self.actor().name, kind,
                      dict(payload), reason)
        state = apply(head.state, event, check=True)
        return head, self._pipeline(plan, scenario).build(state.plan)

    def change(self, plan: str, scenario: str, kind: str, payload: Mapping[str, Any], *,
               reason: str | None, based_on: int | None = None) -> Event:
        """Check the change against the scenario's head (as ``validate`` would check the plan it
        produces, and by building it) and append it as one event; refused with the reason
        (PlanInvalid, Conflict, Forbidden, …) with nothing appended.

        The work is done before the write transaction, which only checks the policy, the status
        and conflicts and appends: it is short, so other writers hardly wait. ``based_on`` None
        is the head when the change was checked: whatever came since is judged by the conflict
        rule."""
        head = self.open(plan, scenario)

        def allowed(conn: Connection, actor: Actor) -> None:
            require(actor, *resource_of(actor, kind, payload, head.plan, plan, head.scenario))
            workflow.require_draft(conn, plan, scenario, kind)

        with self._reading() as (conn, actor):
            allowed(conn, actor)
            probe = Event(0, head.scenario.id, head.seq + 1, loading.now(), actor.name, kind,
                          dict(payload), reason)
        state = apply(head.state, probe, check=True)
        result = self._pipeline(plan, scenario).build(state.plan)  # PlanInvalid refuses it
        with self._writing() as (conn, actor):
            allowed(conn, actor)
            event = journal.append(conn, plan, scenario, kind, payload, actor=actor.name,
                                   reason=reason, based_on=head.seq if based_on is None else based_on)
        if event.seq == head.seq + 1:  # nothing came between: the checked state is the new head
            self._opened[(plan, scenario, event.seq)] = Opened(
                plan, head.scenario, event.seq, replace(state, seq=event.seq), result,
                [*head.events, event], _head=event.seq)
        return event

    def log(self, plan: str, scenario: str = BASELINE, **filters: Any) -> list[Event]:
        """The scenario's events, newest first, filtered (see :func:`quotaplan.store.journal.read`)."""
        with self._reading() as (conn, actor):
            _sees(actor, plan)
            return journal.read(conn, plan, scenario, newest_first=True, **filters)

    def export_folder(self, plan: str, scenario: str, out: Path, *, as_of: int | None = None,
                      force: bool = False) -> Path:
        """Write the plan folder of the state (its head, or ``as_of``) at ``out``."""
        opened = self.open(plan, scenario, as_of=as_of)
        with self._reading() as (conn, _actor):
            return loading.export_folder(conn, opened.scenario.plan_id, opened.state,
                                         opened.events, out, force=force)


def _sees(actor: Actor, plan: str) -> None:
    """A plan is opened by anyone with a role on it; what each may see of it is asked page by page
    (a manager their subtree, a seller their own quota)."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan, "`quotaplan plans` lists the plans you may see")


__all__ = ["Opened", "PlanInvalid", "Workspace"]
