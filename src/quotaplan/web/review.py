"""The workflow page: the review steps the actor may take, the in-year change requests (approve or
reject for reviewers, never for the requester), and the published versions with their tables.

``/plans/{plan}/{scenario}/workflow`` shows it (the steps post to the same address, see
:mod:`quotaplan.web.workflow`); ``…/workflow/changes/{id}`` decides a request through the workspace
(which asks the policy again and publishes the next version on approval);
``/plans/{plan}/versions/{number}`` downloads a version's tables exactly as published (a zip), to
whoever may read the whole plan.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotaplan.errors import NotFound, QuotaplanError
from quotaplan.store import workflow
from quotaplan.store.changes import ChangeRequest
from quotaplan.store.policy import Actor, Resource, can_read, decide, sees_plan
from quotaplan.store.versions import Version
from quotaplan.web.auth import page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.render import page
from quotaplan.web.scenario import Workbench, check_scenario, open_scenario
from quotaplan.web.workflow import LABELS, offered
from quotaplan.workspace import Opened
from quotaplan.workspace.access import territory_path
from quotaplan.workspace.cycle import request_territory

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
WORKFLOW = "/plans/{plan}/{scenario}/workflow"
CHANGE_LABELS = {"account.move": "Move an account", "seller.set": "Change a seller",
                 "seller.add": "New hire", "adjustment.add": "Adjust a quota",
                 "topdown.set": "Set a top-down number"}


@dataclass(frozen=True)
class Row:
    change: ChangeRequest
    what: str
    may_decide: bool


def describe(change: ChangeRequest) -> str:
    """A change request in a sentence a reviewer reads."""
    p = change.payload
    if change.kind == "account.move":
        return f"account {p.get('account_id')} moves to territory {p.get('territory_id')}"
    if change.kind == "topdown.set":
        return f"top-down number of {p.get('territory_id')} becomes {p.get('amount')}"
    if change.kind == "adjustment.add":
        how = f"rate {p['rate']}" if "rate" in p else f"amount {p.get('amount')}"
        return f"seller {p.get('seller_id')}'s quota adjusted by {how}"
    details = ", ".join(f"{k} {v}" for k, v in sorted(p.items()) if k != "seller_id")
    return f"seller {p.get('seller_id')}: {details}" if "seller_id" in p else details


def _change_resource(opened: Opened, change: ChangeRequest) -> Resource:
    where = request_territory(opened.plan, change)
    return Resource("change", opened.plan_name, territory_path(opened.plan, where),
                    status="published", submitted_by=change.requested_by)


def _rows(actor: Actor, opened: Opened, found: list[ChangeRequest]) -> list[Row]:
    rows = []
    for change in reversed(found):  # newest first
        resource = _change_resource(opened, change)
        if not can_read(actor, resource):
            continue
        rows.append(Row(change, describe(change), change.status == "requested"
                        and decide(actor, "approve_change", resource).allowed))
    return rows


def render(request: Request, actor: Actor, plan: str, scenario: str, *, status_code: int = 200,
           done: str | None = None, error: WebError | None = None, fork_name: str = "") -> HTMLResponse:
    check_scenario(request, actor, plan, scenario)
    opened = open_scenario(request, actor, plan, scenario)
    bench: Workbench = request.app.state.bench
    workspace = bench.as_actor(actor)
    with workspace.store.read() as conn:
        submitted_by = workflow.submitter(conn, plan, scenario)
        published = workflow.published_scenario(conn, plan)
    is_published = published is not None and published.name == scenario
    requests = workspace.changes(plan) if is_published else []
    changes = _rows(actor, opened, requests)
    found: list[Version] = workspace.versions(plan)
    return page(request, "workflow.html", status_code=status_code, plan=plan, scenario=opened.scenario,
                plan_title=opened.plan.settings.plan.name, submitted_by=submitted_by,
                steps=offered(request, actor, plan, scenario, opened.scenario.status), step_labels=LABELS,
                changes=changes, change_labels=CHANGE_LABELS,
                described={c.id: describe(c) for c in requests}, versions=list(reversed(found)),
                published=published.name if published is not None else None, done=done, error=error,
                base=f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}",
                may_fork=decide(actor, "change", Resource("plan", plan)).allowed, fork_name=fork_name)


@router.get(WORKFLOW, response_class=HTMLResponse, include_in_schema=False)
def workflow_page(request: Request, plan: str, scenario: str, actor: PageActor,
                  done: str | None = None) -> HTMLResponse:
    return render(request, actor, plan, scenario, done=done)


@router.post(WORKFLOW + "/changes/{change_id}", include_in_schema=False)
def decide_page(request: Request, plan: str, scenario: str, change_id: int, actor: PageActor,
                decision: Annotated[str, Form(max_length=10)],
                reason: Annotated[str, Form(max_length=2000)] = "") -> Response:
    check_scenario(request, actor, plan, scenario)
    bench: Workbench = request.app.state.bench
    try:
        if decision not in ("approve", "reject"):
            raise WebError(422, "decide by approving or rejecting the request", field="decision")
        with bench.lock:
            _event, version = bench.as_actor(actor).decide_change(
                plan, change_id, decision == "approve", reason=reason.strip() or None)
    except (QuotaplanError, WebError) as exc:
        error = from_exception(exc)
        if error.status == 404:
            raise
        return render(request, actor, plan, scenario, status_code=error.status, error=error)
    done = (f"Change {change_id} approved: published as version {version.number}."
            if version is not None else f"Change {change_id} {decision}ed.")
    address = f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}/workflow"
    return RedirectResponse(f"{address}?done={quote(done)}#changes", status_code=303)


@router.post("/plans/{plan}/{scenario}/fork", include_in_schema=False)
def fork_page(request: Request, plan: str, scenario: str, actor: PageActor,
              name: Annotated[str, Form(max_length=100)] = "") -> Response:
    """A new draft scenario from this one's head (to try a variant, or to change a published plan)."""
    check_scenario(request, actor, plan, scenario)
    bench: Workbench = request.app.state.bench
    try:
        if not name.strip():
            raise WebError(422, "name the new scenario, e.g. stretch", field="name")
        with bench.lock:
            made = bench.as_actor(actor).fork(plan, scenario, name.strip())
    except (QuotaplanError, WebError) as exc:
        error = from_exception(exc)
        if error.status == 404:
            raise
        return render(request, actor, plan, scenario, status_code=error.status, error=error,
                      fork_name=name)
    return RedirectResponse(f"/plans/{quote(plan, safe='')}/{quote(made.name, safe='')}", status_code=303)


def zipped(tables: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(tables):
            archive.writestr(name, tables[name])
    return buffer.getvalue()


def attachment(data: bytes, name: str, media: str) -> Response:
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/plans/{plan}/versions/{number}", include_in_schema=False)
def version_download(request: Request, plan: str, number: int, actor: PageActor) -> Response:
    """A published version's tables, byte for byte as stored (to who may read the whole plan)."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    bench: Workbench = request.app.state.bench
    workspace = bench.as_actor(actor)
    if not can_read(actor, Resource("scenario", plan, status="published")):
        raise NotFound("version", str(number))
    version, tables = workspace.version_tables(plan, number)
    manifest = (f"plan {plan}\nversion {version.number}\nscenario {version.scenario}\n"
                f"effective {version.effective.isoformat() if version.effective else 'start of the year'}\n"
                f"approved_by {version.approved_by}\nsha256 {version.content_sha256}\n")
    data = zipped({**tables, "VERSION.txt": manifest.encode()})
    return attachment(data, f"{plan}-v{version.number}.zip", "application/zip")
