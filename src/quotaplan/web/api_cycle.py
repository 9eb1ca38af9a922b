"""The API of the published plan: in-year change requests and their decisions, and the versions.

- ``GET /plans/{plan}/changes``: the requests of the published scenario the caller may read (a
  planner or viewer all; a manager those in their subtree; a seller those on their own quota).
- ``POST /plans/{plan}/changes``: file a request (a manager in their subtree, a planner anywhere).
- ``POST /plans/{plan}/changes/{id}/approve|reject``: decide it (a planner; never the requester:
  403). Approving publishes version N+1.
- ``GET /plans/{plan}/versions``, ``…/versions/{number}`` and ``…/versions/{number}/tables/{name}``:
  the published versions and their tables exactly as published (whole-plan readers).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from quotaplan.calendar import add_months
from quotaplan.errors import NotFound, Refused
from quotaplan.store import changes as store_changes
from quotaplan.store import workflow
from quotaplan.store.access import require
from quotaplan.store.changes import ChangeRequest
from quotaplan.store.policy import Actor, Resource, can_read, sees_plan
from quotaplan.store.scenarios import Scenario
from quotaplan.store.versions import Version
from quotaplan.web.api import ERRORS, ErrorBody
from quotaplan.web.api_rows import Payload, attachment
from quotaplan.web.auth import api_actor
from quotaplan.web.errors import WebError
from quotaplan.web.scenario import Workbench, open_scenario
from quotaplan.workspace import Opened
from quotaplan.workspace.access import resource_of, territory_path

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(responses=ERRORS, tags=["in-year changes and versions"])
FORBIDDEN: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorBody,
          "description": "The caller may see it, not do it (e.g. approve their own request)"},
    409: {"model": ErrorBody,
          "description": "The plan's state does not allow it, or someone changed the same thing since"},
}
ChangeId = Annotated[int, Path(ge=1, le=2**62)]


class ChangeOut(BaseModel):
    id: int = Field(description="the seq of its change.request event")
    kind: str
    payload: dict[str, Any]
    effective: date
    status: str = Field(description="requested | approved | rejected")
    requested_by: str
    requested_at: datetime
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


class ChangesOut(BaseModel):
    plan: str
    scenario: str | None = Field(description="the published scenario (None: nothing is published)")
    changes: list[ChangeOut]


class ChangeIn(BaseModel):
    kind: Literal["account.move", "seller.set", "seller.add", "adjustment.add", "topdown.set"]
    payload: Payload = Field(description="the change's payload, as the event's; amounts, rates "
                                                "and dates as text")
    effective: date = Field(description="the day the change takes effect")
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why")
    based_on: int | None = Field(None, ge=0, le=2**62)


class DecisionIn(BaseModel):
    reason: str | None = Field(None, max_length=2000, description="why (required to reject)")
    based_on: int | None = Field(None, ge=0, le=2**62)


class DecisionOut(BaseModel):
    seq: int
    status: str = Field(description="approved | rejected")
    version: int | None = Field(description="the version approving published")


class VersionOut(BaseModel):
    number: int
    scenario: str
    seq: int
    effective: date | None
    change_id: int | None
    approved_by: str
    published_at: datetime
    content_sha256: str


class VersionsOut(BaseModel):
    plan: str
    versions: list[VersionOut]


class VersionTables(VersionOut):
    tables: list[str] = Field(description="its tables' file names: GET …/tables/{name} for each")


def _bench(request: Request) -> Workbench:
    bench: Workbench = request.app.state.bench
    return bench


def _published(request: Request, plan: str) -> Scenario | None:
    with _bench(request).workspace.store.read() as conn:
        return workflow.published_scenario(conn, plan)


def _resource(actor: Actor, opened: Opened, change: ChangeRequest) -> Resource:
    """The request as the policy sees it: where it sits, whose quota, who asked."""
    _action, resource, _name = resource_of(actor, "change.request",
                                           {"change": {"kind": change.kind, "payload": change.payload}},
                                           opened.plan, opened.plan_name, opened.scenario)
    return replace(resource, kind="change", status="published", submitted_by=change.requested_by)


def _out(change: ChangeRequest) -> ChangeOut:
    return ChangeOut(id=change.id, kind=change.kind, payload=change.payload, effective=change.effective,
                     status=change.status, requested_by=change.requested_by,
                     requested_at=change.requested_at, reason=change.reason, decided_by=change.decided_by,
                     decided_at=change.decided_at, decision_reason=change.decision_reason)


@router.get("/plans/{plan}/changes", response_model=ChangesOut)
def list_changes(plan: str, actor: ActorDep, request: Request) -> ChangesOut:
    """The in-year change requests of the plan's published scenario, oldest first."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    published = _published(request, plan)
    if published is None:
        return ChangesOut(plan=plan, scenario=None, changes=[])
    opened = open_scenario(request, actor, plan, published.name)
    with _bench(request).workspace.store.read() as conn:
        found = store_changes.list_changes(conn, plan, published.name)
    return ChangesOut(plan=plan, scenario=published.name, changes=[
        _out(c) for c in found if can_read(actor, _resource(actor, opened, c))])


@router.post("/plans/{plan}/changes", response_model=ChangeOut, status_code=201, responses=FORBIDDEN)
def request_change(plan: str, body: ChangeIn, actor: ActorDep, request: Request) -> ChangeOut:
    """File an in-year change request on the published scenario, effective from a day (checked as
    the change itself would be: the policy, the plan's rules, the conflict rule)."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    published = _published(request, plan)
    if published is None:
        raise Refused(f"plan {plan!r} has no published scenario: in-year change requests are filed "
                      "once a scenario is published; in a draft, make the change itself")
    opened = open_scenario(request, actor, plan, published.name)
    start = opened.plan.settings.plan.fiscal_year_start
    end = add_months(start, 12)
    if not start <= body.effective < end:
        raise WebError(422, f"effective: {body.effective.isoformat()} is outside the plan year "
                            f"({start.isoformat()} to {(end - timedelta(days=1)).isoformat()}): give a "
                            "day of the plan year", field="effective")
    bench = _bench(request)
    with bench.lock:
        event = bench.as_actor(actor).request_change(
            plan, published.name, body.kind, body.payload, effective=body.effective.isoformat(),
            reason=body.reason.strip(), based_on=body.based_on)
    with bench.workspace.store.read() as conn:
        return _out(store_changes.find_change(conn, plan, published.name, event.seq))


@router.post("/plans/{plan}/changes/{change_id}/{decision}", response_model=DecisionOut,
             responses=FORBIDDEN)
def decide(plan: str, change_id: ChangeId, decision: Literal["approve", "reject"], body: DecisionIn,
           actor: ActorDep, request: Request) -> DecisionOut:
    """Approve (publishing version N+1, prospectively from the request's day) or reject (with a
    reason) an in-year change request. Nobody decides their own request."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    published = _published(request, plan)
    if published is None:
        raise NotFound("change request", str(change_id))
    opened = open_scenario(request, actor, plan, published.name)
    with _bench(request).workspace.store.read() as conn:
        try:
            change = store_changes.find_change(conn, plan, published.name, change_id)
        except NotFound:
            raise NotFound("change request", str(change_id)) from None
    # asked before anything is computed: who may not even see it gets 404, who may not decide 403
    require(actor, "approve_change", _resource(actor, opened, change), f"change request {change_id}")
    if decision == "reject" and not (body.reason and body.reason.strip()):
        raise WebError(422, "reason: say why the request is rejected (the requester reads it)",
                       field="reason")
    bench = _bench(request)
    with bench.lock:
        event, version = bench.as_actor(actor).decide_change(
            plan, change_id, decision == "approve", reason=(body.reason or "").strip() or None,
            based_on=body.based_on)
    return DecisionOut(seq=event.seq, status="approved" if decision == "approve" else "rejected",
                       version=version.number if version is not None else None)


def _version_out(version: Version) -> dict[str, Any]:
    return {"number": version.number, "scenario": version.scenario, "seq": version.seq,
            "effective": version.effective, "change_id": version.change_id,
            "approved_by": version.approved_by, "published_at": version.published_at,
            "content_sha256": version.content_sha256}


def _whole(actor: Actor, plan: str) -> None:
    """The versions hold every carrier's figures: for who may read the whole plan."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    require(actor, "read", Resource("plan", plan), f"plan {plan}")


@router.get("/plans/{plan}/versions", response_model=VersionsOut)
def list_versions(plan: str, actor: ActorDep, request: Request) -> VersionsOut:
    """The published versions, 1 first: which scenario and seq, from when, which change, who
    approved it, the SHA-256 of its content."""
    _whole(actor, plan)
    bench = _bench(request)
    return VersionsOut(plan=plan, versions=[VersionOut(**_version_out(v))
                                            for v in bench.as_actor(actor).versions(plan)])


VersionNo = Annotated[int, Path(ge=1, le=1_000_000)]


@router.get("/plans/{plan}/versions/{number}", response_model=VersionTables)
def version(plan: str, number: VersionNo, actor: ActorDep, request: Request) -> VersionTables:
    """One published version and the names of its tables."""
    _whole(actor, plan)
    found, tables = _bench(request).as_actor(actor).version_tables(plan, number)
    return VersionTables(**_version_out(found), tables=sorted(tables))


@router.get("/plans/{plan}/versions/{number}/tables/{name}", response_class=Response,
            responses={200: {"content": {"text/csv": {}, "application/json": {}},
                             "description": "the table exactly as published"}})
def version_table(plan: str, number: VersionNo, name: Annotated[str, Path(max_length=100)],
                  actor: ActorDep, request: Request) -> Response:
    """A version's table, byte for byte as published (``quotas.csv``, ``quota_periods.csv``,
    ``gap.csv``, ``rollup.csv``, ``summary.json``, ``account_targets.csv``)."""
    _whole(actor, plan)
    _found, tables = _bench(request).as_actor(actor).version_tables(plan, number)
    if name not in tables:
        raise NotFound(f"table of version {number}", name)
    media = "application/json" if name.endswith(".json") else "text/csv; charset=utf-8"
    return Response(tables[name], media_type=media, headers=attachment(f"{plan}-v{number}-{name}"))


@router.get("/plans/{plan}/versions/{number}/letters/{seller_id}", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "text/html": {}},
                             "description": "the seller's quota letter of that version"}})
def letter(plan: str, number: VersionNo, seller_id: Annotated[str, Path(max_length=200)], actor: ActorDep,
           request: Request, format: Literal["pdf", "html"] = "pdf") -> Response:
    """A seller's quota letter of a published version, as PDF (or HTML): to the seller themself, the
    managers above them, and who may read the whole plan."""
    from quotaplan.letters import Version as LetterVersion
    from quotaplan.letters import select_letters
    from quotaplan.letters.model import letter_sellers
    from quotaplan.letters.page import render_page
    from quotaplan.letters.pdf import letter_fonts, render_pdf

    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    bench = _bench(request)
    with bench.lock:
        found, result = bench.as_actor(actor).version_result(plan, number)
    sellers = result.plan.sellers.filter(pl.col("seller_id") == seller_id)
    territory = str(sellers.get_column("territory_id")[0]) if sellers.height else None
    require(actor, "read", Resource("seller", plan, territory_path(result.plan, territory),
                                    seller=seller_id, status="published"), seller_id)
    if seller_id not in letter_sellers(result):
        raise NotFound("quota letter of seller", seller_id,
                       "only quota carriers and managers of a node have one")
    start = result.plan.settings.plan.fiscal_year_start
    chosen = select_letters(result, LetterVersion(f"version {found.number}", found.effective or start),
                            seller_id)[0]
    if format == "html":
        return Response(render_page(chosen), media_type="text/html; charset=utf-8")
    with letter_fonts() as fonts:
        data = render_pdf(chosen, fonts)
    return Response(data, media_type="application/pdf",
                    headers=attachment(f"{plan}-v{found.number}-{seller_id}.pdf"))
