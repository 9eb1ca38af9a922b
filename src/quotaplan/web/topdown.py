"""Setting a node's top-down number from its page: the effect shown before saving, then one event.

In a draft the number is a change to the plan (``topdown.set``); on a published scenario it is an
in-year change request from an effective date (no quota moves: the node's gaps and attainment factor
change, and the effect shows them). Offered only to who may (the policy, asked as the workspace asks
it when the change is saved).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotaplan.build import BuildResult
from quotaplan.errors import QuotaplanError, UsageError
from quotaplan.store.access import require
from quotaplan.store.policy import Actor, decide
from quotaplan.web import views
from quotaplan.web.auth import page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.scenario import Workbench, open_node
from quotaplan.workspace import Opened
from quotaplan.workspace.access import resource_of
from quotaplan.workspace.loading import check_effective, parse_day

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
KIND = "topdown.set"
NODE = "/plans/{plan}/{scenario}/nodes/{territory_id}"
FIGURES = (("topdown", "Top-down number"), ("account_target_sum", "Σ account targets"),
           ("quota_sum", "Σ quotas"), ("strategic_gap", "Strategic gap"),
           ("quota_gap", "Quota gap"), ("attainment_factor", "Attainment factor"))


@dataclass(frozen=True)
class TopdownForm:
    amount: str = ""
    effective: str = ""
    reason: str = ""

    def payload(self, territory_id: str) -> dict[str, str]:
        value = self.amount.strip().replace(",", "")
        if not value:
            raise UsageError("give the top-down number, e.g. 30000000.00")
        return {"territory_id": territory_id, "amount": value}


def _action(actor: Actor, opened: Opened, territory_id: str) -> tuple[str, Any, str] | None:
    """(action, resource, name) the policy is asked for, or None when the status takes no change."""
    payload: dict[str, Any] = {"territory_id": territory_id}
    status = opened.scenario.status
    if status == "published":
        return resource_of(actor, "change.request", {"change": {"kind": KIND, "payload": payload}},
                           opened.plan, opened.plan_name, opened.scenario)
    if status == "draft":
        return resource_of(actor, KIND, payload, opened.plan, opened.plan_name, opened.scenario)
    return None


def may_set(actor: Actor, opened: Opened, territory_id: str) -> bool:
    found = _action(actor, opened, territory_id)
    return found is not None and decide(actor, found[0], found[1]).allowed


def effect(before: BuildResult, after: BuildResult, territory_id: str) -> list[dict[str, Any]]:
    """The node's number, gaps and attainment factor now and with the new number."""
    rows = []
    for column, label in FIGURES:
        rows.append({"label": label, "column": column,
                     "before": views.node_value(before, territory_id, column),
                     "after": views.node_value(after, territory_id, column)})
    return rows


def context(actor: Actor, opened: Opened, territory_id: str, **extra: Any) -> dict[str, Any]:
    """What the node page's top-down form needs."""
    return {"may": may_set(actor, opened, territory_id), "form": TopdownForm(), "effect": None,
            "error": None, "saved": None, "seq": opened.seq, **extra}


def _render(request: Request, actor: Actor, plan: str, scenario: str, territory_id: str, *,
            status: int = 200, **extra: Any) -> HTMLResponse:
    from quotaplan.web.pages import render_node

    return render_node(request, actor, plan, scenario, territory_id, status_code=status, topdown=extra)


def _address(plan: str, scenario: str, territory_id: str) -> str:
    return f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}/nodes/{quote(territory_id, safe='')}"


Amount = Annotated[str, Form(max_length=40)]
Reason = Annotated[str, Form(max_length=2000)]


@router.post(NODE + "/topdown/preview", response_class=HTMLResponse, include_in_schema=False)
def preview(request: Request, plan: str, scenario: str, territory_id: str, actor: PageActor,
            amount: Amount = "", effective: Amount = "", reason: Reason = "") -> HTMLResponse:
    opened, _path = open_node(request, actor, plan, scenario, territory_id)
    form = TopdownForm(amount, effective, reason)
    shown: dict[str, Any] = {"form": form}
    bench: Workbench = request.app.state.bench
    try:
        payload = form.payload(territory_id)
        if opened.scenario.status == "published":
            check_effective(parse_day(effective.strip(), "the effective date"), opened.plan)
        found = _action(actor, opened, territory_id)
        if found is not None:
            require(actor, *found)
        with bench.lock:
            head, result = bench.as_actor(actor).preview(plan, scenario, KIND, payload,
                                                         reason=reason or "preview")
        shown["effect"] = effect(head.result, result, territory_id)
    except QuotaplanError as exc:
        error = from_exception(exc)
        if error.status in (403, 404):
            raise
        shown["error"] = error
    return _render(request, actor, plan, scenario, territory_id, **shown)


@router.post(NODE + "/topdown", include_in_schema=False)
def save(request: Request, plan: str, scenario: str, territory_id: str, actor: PageActor,
         amount: Amount = "", effective: Amount = "", reason: Reason = "",
         based_on: Annotated[int | None, Form(ge=0)] = None) -> Response:
    opened, _path = open_node(request, actor, plan, scenario, territory_id)
    form = TopdownForm(amount, effective, reason)
    bench: Workbench = request.app.state.bench
    try:
        payload = form.payload(territory_id)
        if not reason.strip():
            raise WebError(422, "say why the number changes: the reason is kept with the change",
                           field="reason")
        with bench.lock:
            workspace = bench.as_actor(actor)
            if opened.scenario.status == "published":
                event = workspace.request_change(plan, scenario, KIND, payload,
                                                 effective=effective.strip() or None,
                                                 reason=reason.strip(), based_on=based_on)
            else:
                event = workspace.change(plan, scenario, KIND, payload, reason=reason.strip(),
                                         based_on=based_on)
    except (QuotaplanError, WebError) as exc:
        error = from_exception(exc)
        if error.status == 404:
            raise
        return _render(request, actor, plan, scenario, territory_id, status=error.status, form=form,
                       error=error)
    return RedirectResponse(f"{_address(plan, scenario, territory_id)}?saved={event.seq}#topdown",
                            status_code=303)
