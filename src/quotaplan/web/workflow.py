"""The review workflow from the web: submit, approve, reject, publish (page form and API).

Each step goes through the workspace (the policy, then the workflow's rules: nobody approves their own
submission, at most one published scenario, a rejection needs a reason). The overview offers only the
steps the actor may take from the scenario's status.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from quotaplan.errors import QuotaplanError
from quotaplan.store import workflow
from quotaplan.store.policy import Actor, Resource, decide, sees_plan
from quotaplan.web.api import ERRORS, ErrorBody
from quotaplan.web.auth import api_actor, page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.scenario import Workbench, check_scenario

router = APIRouter()
api_router = APIRouter(responses=ERRORS, tags=["workflow"])
STEPS = tuple(workflow.TRANSITIONS)
LABELS = {"submit": "Submit for review", "approve": "Approve", "reject": "Send back to draft",
          "publish": "Publish"}
DONE = {"submit": "Submitted for review.", "approve": "Approved.", "reject": "Sent back to draft.",
        "publish": "Published: its quotas are version 1 of the plan."}


def offered(request: Request, actor: Actor, plan: str, scenario: str, status: str) -> list[str]:
    """The steps the actor may take now (the status allows them, and the policy does)."""
    if not sees_plan(actor, plan):
        return []
    bench: Workbench = request.app.state.bench
    with bench.workspace.store.read() as conn:
        submitter = workflow.submitter(conn, plan, scenario)
    resource = Resource("scenario", plan, status=status, submitted_by=submitter)
    return [step for step in STEPS if status in workflow.TRANSITIONS[step][0]
            and decide(actor, step, resource).allowed]


def _take(request: Request, actor: Actor, plan: str, scenario: str, step: str, reason: str | None,
          based_on: int | None) -> tuple[int, str, int | None]:
    if step not in STEPS:
        raise WebError(404, f"there is no workflow step {step!r}: the steps are {', '.join(STEPS)}")
    check_scenario(request, actor, plan, scenario)
    bench: Workbench = request.app.state.bench
    with bench.lock:
        event, version = bench.as_actor(actor).transition(plan, scenario, step, reason=reason,
                                                          based_on=based_on)
    return event.seq, workflow.TRANSITIONS[step][1], version.number if version is not None else None


class StepIn(BaseModel):
    reason: str | None = Field(None, max_length=2000, description="why (required to reject)")
    based_on: int | None = Field(None, ge=0)


class StepOut(BaseModel):
    seq: int
    status: str = Field(description="the scenario's status after the step")
    version: int | None = Field(description="the published version, when the step published one")


@api_router.post("/plans/{plan}/scenarios/{scenario}/{step}", response_model=StepOut,
                 responses={403: {"model": ErrorBody, "description": "Not allowed (e.g. approving one's own "
                                                                    "submission)"},
                            409: {"model": ErrorBody, "description": "The status does not allow the step"}})
def step_api(plan: str, scenario: str, step: str, body: StepIn, request: Request,
             actor: Annotated[Actor, Depends(api_actor)]) -> StepOut:
    """Take a workflow step: ``submit``, ``approve``, ``reject`` (with a reason) or ``publish``."""
    seq, status, version = _take(request, actor, plan, scenario, step, body.reason, body.based_on)
    return StepOut(seq=seq, status=status, version=version)


@router.post("/plans/{plan}/{scenario}/workflow", include_in_schema=False)
def step_page(request: Request, plan: str, scenario: str, actor: Annotated[Actor, Depends(page_actor)],
              step: Annotated[str, Form(max_length=20)], reason: Annotated[str, Form(max_length=2000)] = ""
              ) -> Response:
    from quotaplan.web.pages import render_overview

    try:
        _take(request, actor, plan, scenario, step, reason.strip() or None, None)
    except QuotaplanError as exc:
        error = from_exception(exc)
        if error.status == 404:
            raise
        return render_overview(request, actor, plan, scenario, status_code=error.status, refused=error)
    address = f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}"
    return RedirectResponse(f"{address}?done={step}#workflow", status_code=303)
