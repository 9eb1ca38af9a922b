"""A carrier's page, and adjusting their quota from it: the effect shown before saving, then one event.

``…/sellers/{id}/preview`` answers what the adjustment would give (new quota, coverage, risk, and the
quota gaps of the nearest numbered node above and of the whole plan) without saving anything: an htmx
request gets the effect alone, a plain form post the whole page with it. ``…/sellers/{id}/adjust``
saves it (checked like every change: the policy, the plan's rules, the conflict rule) and comes back
to the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import polars as pl
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotaplan.build import BuildResult
from quotaplan.errors import QuotaplanError, UsageError
from quotaplan.report.terminal import currency_of, sellers_view
from quotaplan.store.access import require
from quotaplan.store.policy import Actor, Resource, can_read, decide
from quotaplan.web import views
from quotaplan.web.auth import page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.exports import letter_address
from quotaplan.web.render import page
from quotaplan.web.scenario import Workbench, open_seller
from quotaplan.workspace import Opened
from quotaplan.workspace.access import resource_of, territory_path

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
KIND = "adjustment.add"
SELLER = "/plans/{plan}/{scenario}/sellers/{seller_id}"


@dataclass(frozen=True)
class AdjustForm:
    how: str = "rate"
    value: str = ""
    reason: str = ""

    def payload(self, seller_id: str) -> dict[str, str]:
        if self.how not in ("rate", "amount"):
            raise UsageError("choose to adjust by a rate or by an amount")
        value = self.value.strip().replace(",", "")
        if not value:
            raise UsageError(f"give the {self.how}: " + ('0.05 for +5 %' if self.how == "rate"
                                                         else "-25000.00 to lower the quota by 25,000"))
        return {"seller_id": seller_id, self.how: value}


def _address(plan: str, scenario: str, seller_id: str) -> str:
    return f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}/sellers/{quote(seller_id, safe='')}"


def _may_adjust(actor: Actor, opened: Opened, seller_id: str) -> bool:
    if opened.scenario.status != "draft":
        return False
    action, resource, _name = resource_of(actor, KIND, {"seller_id": seller_id}, opened.plan,
                                          opened.plan_name, opened.scenario)
    return decide(actor, action, resource).allowed


def _page(request: Request, actor: Actor, opened: Opened, seller_id: str, *, status: int = 200,
          **extra: Any) -> HTMLResponse:
    readable = can_read(actor, Resource("scenario", opened.plan_name, status=opened.scenario.status))
    context: dict[str, Any] = {"form": AdjustForm(), "effect": None, "error": None, "saved": None, **extra}
    return page(request, "seller.html", status_code=status, plan=opened.plan_name,
                scenario=opened.scenario, overview_readable=readable,
                view=views.seller_view(opened, seller_id), period_label=views.period_label,
                plan_title=opened.plan.settings.plan.name, address=_address(opened.plan_name,
                                                                            opened.scenario.name, seller_id),
                may_adjust=_may_adjust(actor, opened, seller_id), scenario_seq=opened.seq,
                letter=letter_address(request, actor, opened.plan_name, seller_id), **context)


@router.get(SELLER, response_class=HTMLResponse, include_in_schema=False)
def seller_page(request: Request, plan: str, scenario: str, seller_id: str, actor: PageActor,
                saved: int | None = None) -> HTMLResponse:
    opened = open_seller(request, actor, plan, scenario, seller_id)
    return _page(request, actor, opened, seller_id, saved=saved)


def effect(before: BuildResult, after: BuildResult, seller_id: str) -> dict[str, Any]:
    """What the adjustment changes that a planner weighs: the carrier's figures, and the quota gaps."""
    def carrier(result: BuildResult) -> dict[str, Any]:
        rows = sellers_view(result).filter(pl.col("seller_id") == seller_id).rows(named=True)
        return rows[0] if rows else {}

    now, then = carrier(before), carrier(after)
    path = territory_path(before.plan, str(now.get("territory_id") or ""))
    numbered = [t for t in reversed(path) if views.node_value(before, t, "topdown") is not None]
    gaps = []
    for territory in dict.fromkeys([*numbered[:1], *path[:1]]):
        gaps.append({"territory": territory, "name": views.node_name(before, territory),
                     "before": views.node_value(before, territory, "quota_gap"),
                     "after": views.node_value(after, territory, "quota_gap")})
    return {"now": now, "then": then, "gaps": gaps}


def _form(how: str, value: str, reason: str) -> AdjustForm:
    return AdjustForm(how=how, value=value, reason=reason)


@router.post(SELLER + "/preview", response_class=HTMLResponse, include_in_schema=False)
def preview(request: Request, plan: str, scenario: str, seller_id: str, actor: PageActor,
            how: Annotated[str, Form(max_length=10)] = "rate",
            value: Annotated[str, Form(max_length=40)] = "",
            reason: Annotated[str, Form(max_length=2000)] = "") -> HTMLResponse:
    opened = open_seller(request, actor, plan, scenario, seller_id)
    form = _form(how, value, reason)
    bench: Workbench = request.app.state.bench
    shown: dict[str, Any] = {}
    try:
        payload = form.payload(seller_id)
        require(actor, *resource_of(actor, KIND, payload, opened.plan, plan, opened.scenario))
        with bench.lock:
            head, result = bench.as_actor(actor).preview(plan, scenario, KIND, payload,
                                                         reason=reason or "preview")
        shown["effect"] = effect(head.result, result, seller_id)
    except QuotaplanError as exc:
        error = from_exception(exc)
        if error.status in (403, 404):
            raise
        shown["error"] = error
    if request.headers.get("hx-request") == "true":
        return page(request, "_effect.html", currency=currency_of(opened.result),
                    effect=shown.get("effect"), error=shown.get("error"))
    return _page(request, actor, opened, seller_id, form=form, **shown)


@router.post(SELLER + "/adjust", include_in_schema=False)
def adjust(request: Request, plan: str, scenario: str, seller_id: str, actor: PageActor,
           how: Annotated[str, Form(max_length=10)] = "rate",
           value: Annotated[str, Form(max_length=40)] = "",
           reason: Annotated[str, Form(max_length=2000)] = "",
           based_on: Annotated[int | None, Form(ge=0)] = None) -> Response:
    opened = open_seller(request, actor, plan, scenario, seller_id)
    form = _form(how, value, reason)
    bench: Workbench = request.app.state.bench
    try:
        payload = form.payload(seller_id)
        if not reason.strip():
            raise WebError(422, "say why the quota changes: the reason is kept with the change",
                           field="reason")
        with bench.lock:
            event = bench.as_actor(actor).change(plan, scenario, KIND, payload, reason=reason.strip(),
                                                 based_on=based_on)
    except (QuotaplanError, WebError) as exc:
        error = from_exception(exc)
        if error.status in (403, 404):
            raise
        return _page(request, actor, opened, seller_id, status=error.status, form=form, error=error)
    return RedirectResponse(f"{_address(plan, scenario, seller_id)}?saved={event.seq}#changes",
                            status_code=303)
