"""The API's figures of a scenario: its headline, one carrier, and adjusting a carrier's quota.

Amounts are decimal strings with two decimals (``"1275882.82"``); ratios are numbers. Column names
are the output files' (``final_quota``, ``book_target``, ``coverage``, ``risk``, …). What the caller
may not read is 404, what they may not do is 403, a change based on an older seq that collides is
409, a change that would make the plan invalid is 422.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, model_validator

from quotaplan.money import format_cents
from quotaplan.store.access import require
from quotaplan.store.journal import FIGURE_KINDS
from quotaplan.store.policy import Actor
from quotaplan.web.api import ERRORS, ErrorBody
from quotaplan.web.api_rows import Payload
from quotaplan.web.auth import api_actor
from quotaplan.web.errors import WebError
from quotaplan.web.scenario import Workbench, check_scenario, open_node, open_scenario, open_seller
from quotaplan.web.views import node_view
from quotaplan.workspace.access import resource_of
from quotaplan.workspace.compare import carrier_differences

AMOUNT_KEYS = frozenset({
    "topdown", "account_target_sum", "street_quota", "strategic_gap", "quota_gap", "uncovered_target",
    "productive_capacity", "prior_bookings", "calculated_target_sum", "manager_quota",
    "expected_attrition_loss", "hire_contribution",
})
NODE_AMOUNTS = frozenset({
    "topdown", "calculated_target_sum", "account_target_sum", "quota_sum", "manager_quota",
    "strategic_gap", "quota_gap", "productive_capacity", "uncovered_target", "prior_bookings",
    "ramped_full_year_sum", "expected_attrition_loss",
})
SELLER_AMOUNTS = ("final_quota", "book_target", "gap", "pipeline_needed", "quota_at_target_coverage")
SELLER_RATIOS = ("coverage", "top1_share", "top3_share", "top10_share", "quota_to_ote", "hhi")
DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(responses=ERRORS, tags=["figures"])


def amount(cents: int | None) -> str | None:
    return None if cents is None else format_cents(int(cents))


class ScenarioFigures(BaseModel):
    plan: str
    scenario: str
    status: str
    seq: int = Field(description="the state these figures are of (send it as based_on with a change)")
    summary: dict[str, Any] = Field(description="summary.json's figures: amounts as decimal strings")


class PeriodOut(BaseModel):
    period_start: date
    period_end: date
    quota: str


class SellerFigures(BaseModel):
    plan: str
    scenario: str
    seq: int
    seller_id: str
    seller_name: str
    territory_id: str | None
    risk: str
    figures: dict[str, str | float | int | None] = Field(
        description="gap.csv's columns for the carrier: amounts as decimal strings, ratios as numbers")
    periods: list[PeriodOut]


class NodeFigures(BaseModel):
    plan: str
    scenario: str
    seq: int
    territory_id: str
    territory_name: str
    figures: dict[str, str | float | int | bool | None] = Field(
        description="rollup.csv's columns for the node: amounts as decimal strings")
    children: list[str] = Field(description="the territory ids right under it")
    sellers: list[str] = Field(description="the carriers under it, riskiest first")


class AdjustmentIn(BaseModel):
    rate: str | None = Field(None, pattern=DECIMAL, description='a manual rate, "0.05" for +5 %')
    amount: str | None = Field(None, pattern=DECIMAL, description='a manual amount, "-25000.00"')
    reason: str = Field(min_length=1, max_length=2000, description="why (kept with the event)")
    based_on: int | None = Field(None, ge=0, description="the seq the change was prepared against")

    @model_validator(mode="after")
    def one_of(self) -> AdjustmentIn:
        if (self.rate is None) == (self.amount is None):
            raise ValueError("give either rate or amount, not both and not neither")
        if not self.reason.strip():
            raise ValueError("reason: say why the quota changes")
        return self


class WhatIfIn(BaseModel):
    kind: str = Field(max_length=50, description='an event kind that changes a figure, "adjustment.add", …')
    payload: Payload = Field(description="the event's payload; amounts, rates and dates as text")


class CarrierChange(BaseModel):
    seller_id: str
    final_quota_before: str | None
    final_quota_after: str | None
    coverage_before: float | None
    coverage_after: float | None
    risk_before: str | None
    risk_after: str | None


class WhatIfOut(BaseModel):
    seq: int = Field(description="the state the change was tried on (nothing was saved)")
    summary: dict[str, Any] = Field(description="the headline the change would give")
    sellers: list[CarrierChange] = Field(
        description="the carriers whose quota, coverage or risk would change")


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    kind: str
    payload: dict[str, Any]
    reason: str | None


def _summary(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: amount(v) if k in AMOUNT_KEYS and isinstance(v, int) else v for k, v in summary.items()}


@router.get("/plans/{plan}/scenarios/{scenario}", response_model=ScenarioFigures)
def scenario_figures(plan: str, scenario: str, actor: ActorDep, request: Request) -> ScenarioFigures:
    """A scenario's headline figures (the root's summary) at its head."""
    check_scenario(request, actor, plan, scenario)
    opened = open_scenario(request, actor, plan, scenario)
    return ScenarioFigures(plan=plan, scenario=scenario, status=opened.scenario.status, seq=opened.seq,
                           summary=_summary(opened.result.summary))


@router.get("/plans/{plan}/scenarios/{scenario}/sellers/{seller_id}", response_model=SellerFigures)
def seller_figures(plan: str, scenario: str, seller_id: str, actor: ActorDep,
                   request: Request) -> SellerFigures:
    """One carrier's quota, book and risk, and their quota by period."""
    opened = open_seller(request, actor, plan, scenario, seller_id)
    result = opened.result
    gap = result.gap.filter(pl.col("seller_id") == seller_id).rows(named=True)
    row = gap[0] if gap else {}
    figures: dict[str, str | float | int | None] = {}
    for key, value in row.items():
        if key in SELLER_AMOUNTS:
            figures[key] = amount(value)
        elif key in SELLER_RATIOS or isinstance(value, int | float) or value is None:
            figures[key] = value
    names = opened.plan.sellers.filter(pl.col("seller_id") == seller_id)
    periods = result.quota_periods.filter(pl.col("seller_id") == seller_id).sort("period_start")
    return SellerFigures(
        plan=plan, scenario=scenario, seq=opened.seq, seller_id=seller_id,
        seller_name=str(names.get_column("name")[0]) if "name" in names.columns and names.height
        else seller_id,
        territory_id=row.get("territory_id") or (str(names.get_column("territory_id")[0])
                                                  if names.height else None),
        risk=str(row.get("risk") or "none"), figures=figures,
        periods=[PeriodOut(period_start=p["period_start"], period_end=p["period_end"],
                           quota=amount(p["quota"]) or "0.00") for p in periods.rows(named=True)])


@router.get("/plans/{plan}/scenarios/{scenario}/nodes/{territory_id}", response_model=NodeFigures)
def node_figures(plan: str, scenario: str, territory_id: str, actor: ActorDep,
                 request: Request) -> NodeFigures:
    """One node of the hierarchy: its number, what its accounts support, what its sellers carry."""
    opened, path = open_node(request, actor, plan, scenario, territory_id)
    view = node_view(opened, territory_id, path, limit=100_000)
    figures: dict[str, str | float | int | bool | None] = {}
    for key, value in view.row.items():
        if key in NODE_AMOUNTS:
            figures[key] = amount(value)
        elif isinstance(value, bool | int | float | str) or value is None:
            figures[key] = value
    return NodeFigures(plan=plan, scenario=scenario, seq=opened.seq, territory_id=territory_id,
                       territory_name=str(view.row.get("territory_name") or territory_id), figures=figures,
                       children=[c["territory_id"] for c in view.children],
                       sellers=[c["seller_id"] for c in view.carriers])


@router.post("/plans/{plan}/scenarios/{scenario}/whatif", response_model=WhatIfOut,
             responses={403: {"model": ErrorBody, "description": "The caller may not make this change"}})
def whatif(plan: str, scenario: str, body: WhatIfIn, actor: ActorDep, request: Request) -> WhatIfOut:
    """The figures a proposed change would give, without saving it (the caller must be allowed to make
    the change; it is checked as ``validate`` would check the plan it makes)."""
    opened = open_scenario(request, actor, plan, scenario)
    if body.kind not in FIGURE_KINDS:
        raise WebError(422, f"kind {body.kind!r} is not a change to a figure: one of "
                            f"{', '.join(sorted(FIGURE_KINDS))}", field="kind")
    require(actor, *resource_of(actor, body.kind, body.payload, opened.plan, plan, opened.scenario))
    bench: Workbench = request.app.state.bench
    with bench.lock:
        head, result = bench.as_actor(actor).preview(plan, scenario, body.kind, body.payload,
                                                     reason="what-if")
    changed = carrier_differences(head.result.gap, result.gap).rows(named=True)
    return WhatIfOut(seq=head.seq, summary=_summary(result.summary), sellers=[
        CarrierChange(seller_id=r["seller_id"], final_quota_before=amount(r["final_quota_a"]),
                      final_quota_after=amount(r["final_quota_b"]), coverage_before=r["coverage_a"],
                      coverage_after=r["coverage_b"], risk_before=r["risk_a"], risk_after=r["risk_b"])
        for r in changed])


@router.post("/plans/{plan}/scenarios/{scenario}/sellers/{seller_id}/adjustments",
             response_model=EventOut, status_code=201,
             responses={403: {"model": ErrorBody, "description": "The caller may see, not change"},
                        409: {"model": ErrorBody, "description": "Someone changed this seller since"}})
def adjust(plan: str, scenario: str, seller_id: str, body: AdjustmentIn, actor: ActorDep,
           request: Request) -> EventOut:
    """Adjust a carrier's quota by a rate or an amount, with a reason: one ``adjustment.add`` event,
    checked as ``validate`` would check the plan it makes (a planner changes it; a manager proposes it
    for a carrier of their subtree, never their own quota)."""
    open_seller(request, actor, plan, scenario, seller_id)  # 404 before anything else is said
    payload = {"seller_id": seller_id, **({"rate": body.rate} if body.rate is not None
                                          else {"amount": body.amount})}
    bench: Workbench = request.app.state.bench
    with bench.lock:
        event = bench.as_actor(actor).change(plan, scenario, "adjustment.add", payload,
                                             reason=body.reason.strip(), based_on=body.based_on)
    return EventOut(seq=event.seq, at=event.at, actor=event.actor, kind=event.kind, payload=event.payload,
                    reason=event.reason)


class ChangeIn(BaseModel):
    kind: str = Field(max_length=50, description='an event kind that changes a figure: "target.override", '
                                                 '"account.move", "topdown.set", "seller.set", …')
    payload: Payload = Field(description="the event's payload; amounts, rates and dates as text")
    reason: str = Field(min_length=1, max_length=2000, pattern=r"\S", description="why (kept with it)")
    based_on: int | None = Field(None, ge=0, le=2**62, description="the seq it was prepared against")


@router.post("/plans/{plan}/scenarios/{scenario}/events", response_model=EventOut, status_code=201,
             responses={403: {"model": ErrorBody, "description": "The caller may see, not change"},
                        409: {"model": ErrorBody, "description": "Not a draft, or someone changed the "
                                                                 "same thing since (who, what, when)"}})
def append_change(plan: str, scenario: str, body: ChangeIn, actor: ActorDep, request: Request) -> EventOut:
    """Make a change to a figure of a draft (override a target, move an account, set a node's
    top-down number, change a seller, …): checked as ``validate`` would check the plan it makes, then
    appended as one event. In-year changes of a published plan are requests: ``POST
    /plans/{plan}/changes``."""
    opened = open_scenario(request, actor, plan, scenario)
    kinds = FIGURE_KINDS - {"change.request"}
    if body.kind not in kinds:
        raise WebError(422, f"kind {body.kind!r} is not a change to a figure: one of "
                            f"{', '.join(sorted(kinds))} (an in-year change request is "
                            "POST /plans/{plan}/changes)", field="kind")
    require(actor, *resource_of(actor, body.kind, body.payload, opened.plan, plan, opened.scenario))
    bench: Workbench = request.app.state.bench
    with bench.lock:
        event = bench.as_actor(actor).change(plan, scenario, body.kind, body.payload,
                                             reason=body.reason.strip(), based_on=body.based_on)
    return EventOut(seq=event.seq, at=event.at, actor=event.actor, kind=event.kind, payload=event.payload,
                    reason=event.reason)
