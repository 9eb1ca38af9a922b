"""The journal's events applied to a plan: each kind's payload checked, then turned into an edit.

A stored scenario's plan is the loaded plan with its events applied in seq order. Payload values
are text exactly as a plan file's cell would hold them (``"40000.00"``, ``"0.05"``,
``"2027-08-17"``) and go through the same cell converter as a CSV file, so an event can hold no
value that a plan folder could not. Applying an event:

* **checks its payload** (the ids it names exist, its cells convert) and raises
  :class:`~quotaplan.errors.PlanInvalid` with the problems, located at the event's field
  (``adjustment.add (amount)``), when they do not;
* **returns the edited plan**, built with :mod:`quotaplan.edits`, which replaces only the tables
  the event changes (so a kept :class:`~quotaplan.pipeline.Pipeline` reruns only what they reach).

:func:`apply` with ``check=True`` also runs every check ``validate`` runs on the plan the event
produces (events that change only adjustments are checked by the adjustments' own rules, which
is all ``validate`` would check of them), so an event that would make the plan invalid is refused
before it is appended. Replaying stored events skips that (each was checked when appended).
Workflow events change no figure; ``change.request`` changes nothing until a ``change.approve``
names it, which applies the requested change.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NoReturn

import polars as pl

from quotaplan import edits
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.fromtables import checked_plan
from quotaplan.plan import Plan
from quotaplan.planfolder.cells import convert
from quotaplan.planfolder.write import plan_table
from quotaplan.problems import Problem, error, has_errors
from quotaplan.schemas import INPUTS
from quotaplan.settings import settings_from_dict
from quotaplan.store.journal import Event

#: Kinds that change only the adjustments table.
ADJUSTMENT_KINDS = frozenset({"adjustment.add", "adjustment.remove"})
#: The row-adding kinds and the table each adds to.
ADDS = {"seller.add": "sellers", "territory.add": "territories", "account.add": "accounts"}
#: The sellers.csv columns a ``seller.set`` may change.
SELLER_SET = ("hire_date", "end_date", "ote", "seniority", "ramp_profile", "status", "territory_id")


@dataclass(frozen=True)
class State:
    """A scenario's plan at one seq, with what replaying further events needs."""

    plan: Plan
    #: ``plan.toml`` as parsed (numbers as Decimal), with every ``setting.set`` applied.
    settings: dict[str, Any]
    seq: int = 0
    #: adjustments.csv line of each adjustment an ``adjustment.add`` event added, by its seq.
    added: Mapping[int, int] = field(default_factory=dict)
    #: the ``change.request`` events, by their seq (an in-year request's id).
    requests: Mapping[int, Event] = field(default_factory=dict)


def apply(state: State, event: Event, *, check: bool = False) -> State:
    """``state`` after ``event`` (see the module). ``check``: refuse (PlanInvalid) an event that
    would make the plan invalid, as ``validate`` would find it."""
    if event.kind == "change.request":
        return replace(state, seq=event.seq, requests={**state.requests, event.seq: event})
    if event.kind == "change.approve":
        request = state.requests.get(int(event.payload.get("change_id", -1)))
        if request is None:
            raise UsageError(f"change.approve names no in-year change request "
                             f"{event.payload.get('change_id')!r}")
        inner = request.payload["change"]
        applied = _apply_change(state, inner["kind"], inner.get("payload", {}), request, check)
        return replace(applied, seq=event.seq)
    if event.kind.startswith("scenario.") or event.kind == "change.reject":
        return replace(state, seq=event.seq)
    return replace(_apply_change(state, event.kind, event.payload, event, check), seq=event.seq)


def _apply_change(state: State, kind: str, payload: Mapping[str, Any], event: Event,
                  check: bool) -> State:
    plan, settings, added = state.plan, state.settings, dict(state.added)
    if kind == "setting.set":
        settings = _set_setting(settings, payload)
        return _rechecked(replace(state, settings=settings), plan, check=True, fresh_settings=True)
    if kind == "adjustment.add":
        seller = _id(plan, kind, payload, "seller_id", "sellers")
        row = _cells(kind, "adjustments", payload, ("amount", "rate"))
        amount, rate = row["amount"], row["rate"]
        if (amount is None) == (rate is None):
            _refuse(kind, "amount", "an adjustment has exactly one of an amount or a rate")
        plan = edits.add_adjustment(plan, seller, amount=amount,
                                    rate=None if rate is None else Decimal(str(rate)),
                                    reason=event.reason or "", author=event.actor)
        added[event.seq] = int(plan.adjustments.get_column("line").max())  # type: ignore[arg-type]
        return replace(state, plan=plan, added=added)
    if kind == "adjustment.remove":
        seller = _id(plan, kind, payload, "seller_id", "sellers")
        line = _removed_line(state, kind, payload)
        mine = plan.adjustments.filter((pl.col("line") == line) & (pl.col("seller_id") == seller))
        if mine.is_empty():
            _refuse(kind, "line", f"seller {seller} has no adjustment on line {line} "
                    "(`quotaplan log --seller` lists their adjustments)")
        return replace(state, plan=edits.remove_adjustment(plan, line))
    if kind in ("topdown.set", "topdown.clear"):
        territory = _id(plan, kind, payload, "territory_id", "territories")
        amount = _cells(kind, "topdown", payload, ("amount",))["amount"] if kind == "topdown.set" else None
        if kind == "topdown.set" and amount is None:
            _refuse(kind, "amount", "a top-down number needs an amount")
        if _toml_root(plan, territory):
            # The root's number is plan.toml's [targets] topdown: the event changes it there.
            settings = deepcopy(state.settings)
            targets = settings.setdefault("targets", {})
            if amount is None:
                targets.pop("topdown", None)
            else:
                targets["topdown"] = Decimal(amount).scaleb(-2)
            return _rechecked(replace(state, settings=settings), plan, check=True,
                              fresh_settings=True)
        return _rechecked(state, edits.set_topdown(plan, territory, amount), check)
    if kind in ("target.override", "target.clear_override"):
        account = _id(plan, kind, payload, "account_id", "accounts")
        target = (_cells(kind, "overrides", payload, ("target",))["target"]
                  if kind == "target.override" else None)
        if kind == "target.override" and target is None:
            _refuse(kind, "target", "an override needs a target")
        return _rechecked(state, edits.set_override(plan, account, target, event.reason or ""), check)
    if kind == "bottom_up.set":
        account = _id(plan, kind, payload, "account_id", "accounts")
        amount = _cells(kind, "accounts", {"bottom_up_target": payload.get("amount")},
                        ("bottom_up_target",))["bottom_up_target"]
        return _rechecked(state, _set_cells(plan, "accounts", "account_id", account,
                                            {"bottom_up_target": amount}), check)
    if kind == "assigned_quota.set":
        seller = _id(plan, kind, payload, "seller_id", "sellers")
        quota = _cells(kind, "assigned_quotas", payload, ("quota",))["quota"]
        table = plan.assigned_quotas.filter(pl.col("seller_id") != seller)
        if quota is not None:
            table = edits.append_rows(table, {"line": edits.next_line(plan.assigned_quotas),
                                          "seller_id": seller, "quota": quota,
                                          "reason": event.reason})
        return _rechecked(state, plan.with_tables(assigned_quotas=table), check)
    if kind == "seller.set":
        seller = _id(plan, kind, payload, "seller_id", "sellers")
        fields = [k for k in payload if k != "seller_id"]
        unknown = sorted(set(fields) - set(SELLER_SET))
        if unknown or not fields:
            _refuse(kind, unknown[0] if unknown else None,
                    f"a seller change sets {', '.join(SELLER_SET)}"
                    + (f", not {', '.join(unknown)}" if unknown else ": give at least one"))
        values = _cells(kind, "sellers", payload, tuple(fields))
        return _rechecked(state, _set_cells(plan, "sellers", "seller_id", seller, values), check)
    if kind in ADDS:
        return _rechecked(state, _add_row(plan, kind, ADDS[kind], payload), check)
    if kind == "account.move":
        account = _id(plan, kind, payload, "account_id", "accounts")
        territory = _id(plan, kind, payload, "territory_id", "territories")
        if territory in plan.territories.get_column("parent_id").to_list():
            _refuse(kind, "territory_id", f"territory {territory} is not a leaf: accounts sit on "
                    "leaves; move the account to one of its leaves")
        return _rechecked(state, edits.move_account(plan, account, territory), check)
    raise UsageError(f"an event of kind {kind!r} changes no figure of a plan")


def _rechecked(state: State, plan: Plan, check: bool, *, fresh_settings: bool = False) -> State:
    """``plan`` as the new state's, after every check ``validate`` runs when ``check`` (and
    always when the settings changed: the plan is rebuilt from its tables with them)."""
    if not (check or fresh_settings):
        return replace(state, plan=plan)
    settings = plan.settings
    if fresh_settings:
        parsed, problems = settings_from_dict(deepcopy(state.settings))
        if parsed is None:
            raise PlanInvalid(problems)
        settings = parsed
    tables = {name: plan_table(plan, name) for name in INPUTS}
    if fresh_settings:  # the root's number of plan.toml is the old settings'
        tables["topdown"] = plan_table(plan, "topdown")
    checked, problems = checked_plan(settings, tables, [], plan.sources)
    if checked is None or has_errors(problems):
        raise PlanInvalid([p for p in problems if p.severity == "error"])
    return replace(state, plan=checked)


def _toml_root(plan: Plan, territory: str) -> bool:
    """Is ``territory`` the root, numbered in plan.toml ([targets] topdown) rather than in
    topdown.csv?"""
    if plan.settings.targets.topdown is None:
        return False
    mine = plan.topdown.filter(pl.col("territory_id") == territory)
    return mine.height == 1 and mine.get_column("line")[0] is None


def _set_setting(settings: dict[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    key, text = payload.get("key"), payload.get("value")
    if not isinstance(key, str) or "." not in key:
        _refuse("setting.set", "key", "name a plan.toml key as section.key, e.g. targets.growth")
    if not isinstance(text, str):
        _refuse("setting.set", "value", "give the value as plan.toml would write it, e.g. 0.08 "
                'or "history"')
    try:
        value = tomllib.loads(f"value = {text}", parse_float=Decimal)["value"]
    except tomllib.TOMLDecodeError:
        _refuse("setting.set", "value", f"{text!r} is not a plan.toml value; write numbers as "
                '0.08, text in double quotes ("history"), dates as 2027-01-01')
    updated = deepcopy(settings)
    section, name = key.rsplit(".", 1)
    body = updated.setdefault(section, {})
    if not isinstance(body, dict):
        _refuse("setting.set", "key", f"{section} is not a section of plan.toml")
    body[name] = value
    return updated


def _removed_line(state: State, kind: str, payload: Mapping[str, Any]) -> int:
    if payload.get("event") is not None:
        seq = _integer(kind, "event", payload["event"])
        if seq not in state.added:
            _refuse(kind, "event", f"event {seq} added no adjustment to this scenario")
        return state.added[seq]
    return _integer(kind, "line", payload.get("line"))


def _integer(kind: str, name: str, value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        _refuse(kind, name, f"{value!r} is not a whole number")


def _id(plan: Plan, kind: str, payload: Mapping[str, Any], key: str, table: str) -> str:
    """The id ``payload[key]`` names, which must be a row of the plan's ``table``."""
    value = payload.get(key)
    if not isinstance(value, str) or not value.strip():
        _refuse(kind, key, f"name the {key.removesuffix('_id')} ({key})")
    frame: pl.DataFrame = getattr(plan, table)
    if frame.filter(pl.col(key) == value).is_empty():
        raise PlanInvalid([error(kind, None, key, f"the plan has no {key.removesuffix('_id')} "
                                 f"{value!r} ({INPUTS[table].file} lists them)", "unknown-id")])
    return value


def _cells(kind: str, table: str, payload: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The payload's text cells ``names`` of ``table``'s schema, converted as a CSV file's would be
    (an absent or null value is an empty cell)."""
    schema = INPUTS[table]
    columns = {c.name: c for c in schema.columns}
    for name in names:
        if name not in columns:
            _refuse(kind, name, f"{name} is not a column of {schema.file}")
        value = payload.get(name)
        if value is not None and not isinstance(value, str):
            _refuse(kind, name, f"give {name} as text, exactly as {schema.file} would hold it "
                    '(e.g. "1250.00"), never as a number')
    frame = pl.DataFrame({"line": [1], **{n: [payload.get(n) or ""] for n in names}},
                         schema={"line": pl.Int64, **dict.fromkeys(names, pl.String)})
    typed, problems = convert(kind, frame, _only(schema, names))
    if problems:
        raise PlanInvalid([replace(p, line=None) for p in problems])
    row = typed.row(0, named=True)
    return {n: row[n] for n in names}


def _only(schema: Any, names: tuple[str, ...]) -> Any:
    """The schema with only ``names`` (none of them required: an empty cell clears a value)."""
    return replace(schema, columns=tuple(replace(c, required=False) for c in schema.columns
                                         if c.name in names))


def _set_cells(plan: Plan, table: str, key: str, ref: str, values: Mapping[str, Any]) -> Plan:
    frame: pl.DataFrame = getattr(plan, table)
    mine = pl.col(key) == ref
    return plan.with_tables(**{table: frame.with_columns(
        pl.when(mine).then(pl.lit(v, dtype=frame.schema[c])).otherwise(pl.col(c)).alias(c)
        for c, v in values.items())})


def _add_row(plan: Plan, kind: str, table: str, payload: Mapping[str, Any]) -> Plan:
    schema = INPUTS[table]
    key = schema.columns[0].name
    given = tuple(c.name for c in schema.columns if c.name in payload)
    unknown = sorted(set(payload) - {c.name for c in schema.columns})
    if unknown:
        _refuse(kind, unknown[0], f"{unknown[0]} is not a column of {schema.file}")
    ref = payload.get(key)
    if not isinstance(ref, str) or not ref.strip():
        _refuse(kind, key, f"a new row of {schema.file} needs its {key}")
    frame: pl.DataFrame = getattr(plan, table)
    if not frame.filter(pl.col(key) == ref).is_empty():
        _refuse(kind, key, f"{ref!r} is already in the plan ({schema.file})")
    row = _cells(kind, table, payload, given)
    missing = [c.name for c in schema.columns if c.required and row.get(c.name) in (None, "")]
    if missing:
        _refuse(kind, missing[0], f"a new row of {schema.file} needs {', '.join(missing)}")
    for column in schema.columns:  # an enum's default, as a file's empty cell gets
        if column.kind == "enum" and row.get(column.name) is None:
            row[column.name] = column.values[0]
    return plan.with_tables(**{table: edits.append_rows(frame, {"line": edits.next_line(frame), **row})})


def _refuse(kind: str, field_name: str | None, message: str) -> NoReturn:
    raise PlanInvalid([Problem(kind, None, field_name, message, "error", "event")])


def problems_of(exc: PlanInvalid) -> list[Problem]:
    return list(exc.problems)


__all__ = ["ADJUSTMENT_KINDS", "State", "apply", "problems_of"]
