"""Where each line of a stored seller's quota comes from: the event behind it, or the plan as loaded.

``quotaplan explain`` of a stored plan adds this to the ledger: for each step (the base quota and the
book behind it, over-assignment, seniority, strategic focus, each manual adjustment, ramp and
periods) the events of the scenario that changed what the step reads — who, when, what and why —
or "as loaded" with the plan file it comes from. Every dollar of a quota then traces to an event or
to the loaded plan. Pure: an opened state in, traces out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from quotaplan.money import format_cents_grouped
from quotaplan.store.journal import Event
from quotaplan.workspace.access import territory_path
from quotaplan.workspace.events import State

#: Ledger steps and the plan.toml sections whose settings they read.
STEP_SETTINGS = {
    "Base quota": ("targets", "history", "quotas"),
    "Over-assignment": ("quotas",),
    "Seniority": ("seniority",),
    "Strategic focus": ("strategic_focus",),
    "Ramp": ("ramp", "plan"),
    "Periods": ("seasonality", "plan"),
}
#: Ledger steps and the plan files they read when nothing changed them.
STEP_FILES = {
    "Base quota": "accounts.csv, bookings.csv, overrides.csv, topdown.csv (and assigned_quotas.csv)",
    "Over-assignment": "plan.toml [quotas]",
    "Seniority": "sellers.csv seniority, plan.toml [seniority]",
    "Strategic focus": "plan.toml [[strategic_focus]]",
    "Manual adjustments": "adjustments.csv",
    "Ramp": "sellers.csv hire_date, end_date, ramp_profile",
    "Periods": "plan.toml [seasonality]",
}
SELLER_FIELDS_OF = {"Seniority": {"seniority"}, "Ramp": {"hire_date", "end_date", "ramp_profile",
                                                          "status"},
                    "Base quota": {"territory_id"}}


@dataclass(frozen=True)
class Trace:
    step: str
    event: Event | None  # None: as loaded
    detail: str


def provenance(state: State, events: list[Event], account_targets: pl.DataFrame,
               seller_id: str) -> list[Trace]:
    """The traces of ``seller_id``'s quota in the state made by ``events`` (see the module)."""
    plan = state.plan
    effective = list(_effective(events))
    mine = plan.sellers.filter(pl.col("seller_id") == seller_id)
    territory = mine.get_column("territory_id")[0] if mine.height else None
    path = set(territory_path(plan, territory))
    book = set(account_targets.filter(pl.col("seller_id") == seller_id)
               .get_column("account_id").to_list())
    traces: list[Trace] = []
    for step in ("Base quota", "Over-assignment", "Seniority", "Strategic focus"):
        traces += _step(step, [e for e in effective if _touches(step, e, seller_id, book, path)])
    added = {line: seq for seq, line in state.added.items()}
    lines = plan.adjustments.filter(pl.col("seller_id") == seller_id).sort("line")
    by_seq = {e.seq: e for e in effective}
    for row in lines.iter_rows(named=True):
        what = (f"amount {format_cents_grouped(row['amount'])}" if row["amount"] is not None
                else f"rate {row['rate']}")
        seq = added.get(row["line"])
        event = by_seq.get(seq) if seq is not None else None
        traces.append(Trace("Manual adjustments", event, f"line {row['line']}: {what}" + (
            "" if event else " (adjustments.csv, as loaded)")))
    for step in ("Ramp", "Periods"):
        traces += _step(step, [e for e in effective if _touches(step, e, seller_id, book, path)])
    return traces


def _step(step: str, events: list[Event]) -> list[Trace]:
    if not events:
        return [Trace(step, None, f"as loaded ({STEP_FILES[step]})")]
    return [Trace(step, e, describe(e)) for e in events]


def payload_text(payload: Mapping[str, Any], *, leave_out: Collection[str] = ()) -> str:
    """A change's payload as a reader scans it: ``seller_id=S01, rate=0.05`` (empty values and the
    keys ``leave_out`` left out)."""
    return ", ".join(f"{k}={v}" for k, v in payload.items() if v is not None and k not in leave_out)


def describe(event: Event) -> str:
    return payload_text(event.payload, leave_out=("change",))


def _effective(events: Iterable[Event]) -> Iterable[Event]:
    """The events that change figures: figure events, and approved requests' inner changes (shown
    as the request, which carries who asked and why)."""
    requests = {e.seq: e for e in events if e.kind == "change.request"}
    for e in events:
        if e.kind == "change.approve":
            request = requests.get(int(e.payload.get("change_id", -1)))
            if request is not None:
                inner: dict[str, Any] = request.payload["change"]
                yield Event(request.id, request.scenario_id, request.seq, request.at, request.actor,
                            inner["kind"], dict(inner.get("payload", {})), request.reason)
        elif not e.kind.startswith(("scenario.", "change.")):
            yield e


def _touches(step: str, e: Event, seller: str, book: set[str], path: set[str]) -> bool:
    p = e.payload
    if e.kind == "setting.set":
        return str(p.get("key", "")).split(".")[0] in STEP_SETTINGS.get(step, ())
    if e.kind == "seller.set":
        return p.get("seller_id") == seller and bool(SELLER_FIELDS_OF.get(step, set()) & set(p))
    if step != "Base quota":
        return False
    if e.kind in ("target.override", "target.clear_override", "bottom_up.set", "account.add"):
        return p.get("account_id") in book
    if e.kind == "account.move":
        return p.get("account_id") in book or p.get("territory_id") in path
    if e.kind in ("topdown.set", "topdown.clear"):
        return p.get("territory_id") in path
    if e.kind == "assigned_quota.set":
        return p.get("seller_id") == seller
    return False
