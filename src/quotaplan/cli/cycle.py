"""Commands of the planning cycle: submit, approve, reject, publish; in-year change requests and
their decisions; published versions.

Thin: parse, call the workspace (:mod:`quotaplan.workspace.cycle`), print. A refused step says
why and what is possible from the scenario's status (exit 1).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from quotaplan.cli.common import AsOpt, DbOpt, ForceOpt, guarded, out
from quotaplan.cli.store import BasedOnOpt, ScenarioOpt, StoredPlanArg, _sub
from quotaplan.outputs import PUBLISHED_FILES
from quotaplan.store.changes import ChangeRequest
from quotaplan.store.versions import Version
from quotaplan.workspace import Workspace
from quotaplan.workspace.provenance import payload_text

OptionalReason = Annotated[str | None, typer.Option(
    "--reason", help="Why (required to reject): kept in the journal.")]

change_app = _sub("Decide an in-year change request of a published plan.")


def _step(action: str, plan: str, scenario: str, reason: str | None, based_on: int | None,
          db: str | None, as_user: str | None) -> None:
    with Workspace(db, as_user=as_user) as ws:
        event, version = ws.transition(plan, scenario, action, reason=reason, based_on=based_on)
    done = {"submit": "submitted for review", "approve": "approved", "reject": "sent back to draft",
            "publish": "published"}[action]
    out.print(f"seq {event.seq}: scenario {scenario} of plan {plan} {done} by {event.actor}"
              + (f" — {reason}" if reason else ""), markup=False)
    if version is not None:
        out.print(f"Version {version.number} published: content SHA-256 {version.content_sha256}",
                  markup=False)


def submit(plan: StoredPlanArg, scenario: ScenarioOpt = "baseline", reason: OptionalReason = None,
           based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Send a draft scenario for review (it takes no change until approved or rejected)."""
    guarded(lambda: _step("submit", plan, scenario, reason, based_on, db, as_user))


def approve(plan: StoredPlanArg, scenario: ScenarioOpt = "baseline", reason: OptionalReason = None,
            based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Approve a scenario in review (never your own submission)."""
    guarded(lambda: _step("approve", plan, scenario, reason, based_on, db, as_user))


def reject(plan: StoredPlanArg, scenario: ScenarioOpt = "baseline", reason: OptionalReason = None,
           based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Send a scenario in review or approved back to draft, saying why (--reason)."""
    guarded(lambda: _step("reject", plan, scenario, reason, based_on, db, as_user))


def publish(plan: StoredPlanArg, scenario: ScenarioOpt = "baseline", reason: OptionalReason = None,
            based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Publish an approved scenario: its quotas become version 1, locked, with a content hash."""
    guarded(lambda: _step("publish", plan, scenario, reason, based_on, db, as_user))


def changes_cmd(plan: StoredPlanArg,
                as_json: Annotated[bool, typer.Option("--json", help="One JSON object per request.")] = False,
                db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The in-year change requests of the published plan: id, kind, effective date, status, who, why."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            requests = ws.changes(plan)
        if as_json:
            for r in requests:
                out.print(json.dumps({
                    "id": r.id, "kind": r.kind, "payload": r.payload,
                    "effective": r.effective.isoformat(), "status": r.status,
                    "requested_by": r.requested_by, "requested_at": r.requested_at.isoformat(),
                    "reason": r.reason, "decided_by": r.decided_by,
                    "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                    "decision_reason": r.decision_reason}, ensure_ascii=False), markup=False)
            return
        if not requests:
            out.print(f"Plan {plan} has no in-year change requests.", markup=False)
            return
        table = Table("id", "kind", "what", "effective", "status", "asked by", "why", "decided by",
                      box=None)
        for r in requests:
            what = payload_text(r.payload)
            table.add_row(str(r.id), r.kind, what, r.effective.isoformat(), r.status,
                          r.requested_by, r.reason or "", r.decided_by or "")
        out.print(table)

    guarded(run)


def _decide(approve_it: bool, plan: str, change_id: int, reason: str | None,
            based_on: int | None, db: str | None, as_user: str | None) -> None:
    with Workspace(db, as_user=as_user) as ws:
        event, version = ws.decide_change(plan, change_id, approve_it, reason=reason,
                                          based_on=based_on)
    out.print(f"seq {event.seq}: change request {change_id} "
              f"{'approved' if approve_it else 'rejected'} by {event.actor}"
              + (f" — {reason}" if reason else ""), markup=False)
    if version is not None:
        out.print(f"Version {version.number} published, effective {version.effective}: content "
                  f"SHA-256 {version.content_sha256}", markup=False)


ChangeIdArg = Annotated[int, typer.Argument(help="The request's id (`quotaplan changes`).")]


@change_app.command("approve")
def change_approve(plan: StoredPlanArg, change_id: ChangeIdArg, reason: OptionalReason = None,
                   based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Approve an in-year change: it applies from its date and publishes the next version."""
    guarded(lambda: _decide(True, plan, change_id, reason, based_on, db, as_user))


@change_app.command("reject")
def change_reject(plan: StoredPlanArg, change_id: ChangeIdArg, reason: OptionalReason = None,
                  based_on: BasedOnOpt = None, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Reject an in-year change request, saying why (--reason)."""
    guarded(lambda: _decide(False, plan, change_id, reason, based_on, db, as_user))


def versions_cmd(plan: StoredPlanArg, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The published versions: number, effective date, the change, who approved it, content hash."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            listed = ws.versions(plan)
            requests = {r.id: r for r in ws.changes(plan)}
        if not listed:
            out.print(f"Plan {plan} has no published version yet (`quotaplan publish`).", markup=False)
            return
        table = Table("version", "effective", "change", "approved by", "published (UTC)",
                      "content SHA-256", box=None)
        for v in listed:
            table.add_row(str(v.number), v.effective.isoformat() if v.effective else "(plan year)",
                          _change_text(v, requests), v.approved_by,
                          v.published_at.strftime("%Y-%m-%d %H:%M"), v.content_sha256)
        out.print(table)

    guarded(run)


def _change_text(version: Version, requests: dict[int, ChangeRequest]) -> str:
    if version.change_id is None:
        return f"scenario {version.scenario} published"
    request = requests.get(version.change_id)
    if request is None:
        return f"request {version.change_id}"
    what = payload_text(request.payload)
    return f"request {version.change_id}: {request.kind} {what}"


def published(
    plan: StoredPlanArg,
    out_dir: Annotated[Path, typer.Option("--out", help="The folder to write the tables into.")],
    version: Annotated[int | None, typer.Option("--version", help="The version (default: the latest).")
                       ] = None,
    force: ForceOpt = False, db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Write a published version's tables exactly as published (quotas, periods, gap, roll-up, …)."""
    from quotaplan.outsafe import write_folder

    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            found, tables = ws.version_tables(plan, version)

        def write(staging: Path) -> None:
            for name in PUBLISHED_FILES:
                (staging / name).write_bytes(tables[name])

        write_folder(out_dir, "published", write, force=force)
        out.print(f"Wrote {out_dir}: version {found.number} of plan {plan} ("
                  + ", ".join(PUBLISHED_FILES) + f"); content SHA-256 {found.content_sha256}",
                  markup=False)

    guarded(run)
