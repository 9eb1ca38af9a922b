"""A scenario's history (its events, filtered) and two scenarios compared, as pages and as the API's
``…/events``. Both need the whole scenario readable (planners, viewers, admins); others get 404."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from quotaplan.report.terminal import currency_of
from quotaplan.store.journal import KINDS, Event
from quotaplan.store.policy import Actor
from quotaplan.web.api import ERRORS
from quotaplan.web.auth import api_actor, page_actor
from quotaplan.web.errors import WebError
from quotaplan.web.render import page
from quotaplan.web.scenario import Workbench, check_scenario, open_scenario
from quotaplan.workspace.compare import CARRIER_COLUMNS, compare
from quotaplan.workspace.provenance import describe

router = APIRouter()
api_router = APIRouter(responses=ERRORS, tags=["figures"])
PageActor = Annotated[Actor, Depends(page_actor)]
ApiActor = Annotated[Actor, Depends(api_actor)]
Filter = Annotated[str, Query(max_length=200)]
LIMIT = 500
LABELS = {
    "topdown": "Top-down number", "street_quota": "Street quota (Σ quotas)",
    "manager_quota": "Managers' quotas", "account_target_sum": "Σ account targets",
    "quota_gap": "Quota gap", "strategic_gap": "Strategic gap", "uncovered_target": "Uncovered target",
    "productive_capacity": "Productive capacity", "headcount_to_close": "Headcount to close",
    "carriers": "Sellers with a quota", "attainment_factor": "Attainment factor",
    "high-risk carriers": "Sellers at high risk", "medium-risk carriers": "Sellers at medium risk",
    "low-risk carriers": "Sellers at low risk", "none-risk carriers": "Sellers without a quota",
}


def events_of(request: Request, actor: Actor, plan: str, scenario: str, *, seller: str, account: str,
              node: str, who: str, kind: str) -> list[Event]:
    check_scenario(request, actor, plan, scenario)
    if kind and kind not in KINDS:
        raise WebError(422, f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}", field="kind")
    filters: dict[str, Any] = {k: v for k, v in (("seller", seller), ("account", account),
                                                 ("territory", node), ("actor", who)) if v}
    if kind:
        filters["kinds"] = [kind]
    bench: Workbench = request.app.state.bench
    return bench.as_actor(actor).log(plan, scenario, **filters)


@router.get("/plans/{plan}/{scenario}/history", response_class=HTMLResponse, include_in_schema=False)
def history_page(request: Request, plan: str, scenario: str, actor: PageActor, seller: Filter = "",
                 account: Filter = "", node: Filter = "", who: Filter = "",
                 kind: Filter = "") -> HTMLResponse:
    events = events_of(request, actor, plan, scenario, seller=seller, account=account, node=node, who=who,
                       kind=kind)
    return page(request, "history.html", plan=plan, scenario_name=scenario, events=events[:LIMIT],
                more=max(0, len(events) - LIMIT), describe=describe, kinds=sorted(KINDS),
                here={"seller": seller, "account": account, "node": node, "who": who, "kind": kind})


class EventOut(BaseModel):
    seq: int
    at: Any
    actor: str
    kind: str
    payload: dict[str, Any]
    reason: str | None


class EventsOut(BaseModel):
    plan: str
    scenario: str
    events: list[EventOut]


@api_router.get("/plans/{plan}/scenarios/{scenario}/events", response_model=EventsOut)
def events_api(request: Request, plan: str, scenario: str, actor: ApiActor, seller: Filter = "",
               account: Filter = "", node: Filter = "", who: Filter = "", kind: Filter = "") -> EventsOut:
    """The scenario's events, newest first; every filter given must hold (``who`` is the actor)."""
    events = events_of(request, actor, plan, scenario, seller=seller, account=account, node=node, who=who,
                       kind=kind)
    return EventsOut(plan=plan, scenario=scenario, events=[
        EventOut(seq=e.seq, at=e.at, actor=e.actor, kind=e.kind, payload=e.payload, reason=e.reason)
        for e in events])


@router.get("/plans/{plan}/compare/{a}/{b}", include_in_schema=False)
def compare_page(request: Request, plan: str, a: str, b: str, actor: PageActor,
                 format: Annotated[str, Query(pattern="^(html|csv)$")] = "html") -> Response:
    for name in (a, b):
        check_scenario(request, actor, plan, name)
    first, second = open_scenario(request, actor, plan, a), open_scenario(request, actor, plan, b)
    found = compare(first.result, second.result, first.events, second.events)
    if format == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(CARRIER_COLUMNS)
        writer.writerows(found.carriers.rows())
        return Response(text.getvalue(), media_type="text/csv; charset=utf-8", headers={
            "content-disposition": f'attachment; filename="compare-{plan}-{a}-{b}.csv"'})
    return page(request, "compare.html", plan=plan, a=a, b=b, found=found, describe=describe, labels=LABELS,
                currency=currency_of(first.result), carriers=found.carriers.rows(named=True))
