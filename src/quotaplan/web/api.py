"""The REST API under ``/api/v1``: JSON, bearer tokens or the session cookie, one error shape.

Every route asks the policy (through :mod:`quotaplan.web.auth`); what the actor may not read is 404,
what they may not do is 403. The OpenAPI document is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from quotaplan.store.db import Store
from quotaplan.store.policy import Actor
from quotaplan.web import catalog
from quotaplan.web.auth import api_actor, sign_in
from quotaplan.web.security import Sessions


class ErrorDetail(BaseModel):
    code: str = Field(description="what kind of error: not_found, forbidden, conflict, invalid, …")
    message: str = Field(description="what went wrong and what to do, in words")
    field: str | None = Field(description="the request field at fault, when one is")


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in ((401, "Not signed in, or an unknown token"),
                         (404, "Does not exist, or the actor may not see it"),
                         (422, "The request does not fit its schema"))}


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class SessionOut(BaseModel):
    user: str
    csrf_token: str = Field(description="send it as X-CSRF-Token with every unsafe request that uses "
                                        "the session cookie")


class ChangeOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    kind: str
    reason: str | None


class WorkerOut(BaseModel):
    actor: str
    events: int
    last: datetime


class ScenarioOut(BaseModel):
    name: str
    status: str = Field(description="draft | in_review | approved | published")
    parent: str | None = Field(description="the scenario it was forked from")
    fork_seq: int | None
    seq: int = Field(description="the scenario's head: the seq of its current state")
    created_at: datetime
    created_by: str
    readable: bool = Field(description="whether the caller may read the whole scenario")
    last_change: ChangeOut | None
    workers: list[WorkerOut]


class PlanOut(BaseModel):
    name: str
    created_at: datetime
    created_by: str
    roles: list[str] = Field(description="the caller's roles on the plan")
    scenarios: list[str]


class PlansOut(BaseModel):
    plans: list[PlanOut]


class ScenariosOut(BaseModel):
    plan: str
    scenarios: list[ScenarioOut]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(responses=ERRORS)


@router.post("/session", response_model=SessionOut, tags=["session"],
             responses={429: {"model": ErrorBody, "description": "Throttled after failed sign-ins"}})
def start_session(credentials: Credentials, request: Request, response: Response) -> SessionOut:
    """Sign in with a user name and password: sets the session cookie (HttpOnly, SameSite=Lax)."""
    name = sign_in(request, credentials.username, credentials.password)
    sessions: Sessions = request.app.state.sessions
    session = Sessions.new(name)
    sessions.write(response, request, session)
    return SessionOut(user=name, csrf_token=session.csrf)


@router.delete("/session", status_code=204, tags=["session"])
def end_session(request: Request) -> Response:
    """Sign out: the session cookie is cleared."""
    response = Response(status_code=204)
    Sessions.clear(response, request)
    return response


@router.get("/plans", response_model=PlansOut, tags=["plans"])
def plans(actor: ActorDep, request: Request) -> PlansOut:
    """The plans the caller has a role on (every plan for an admin)."""
    with _store(request).read() as conn:
        found = catalog.plans_for(conn, actor)
    return PlansOut(plans=[PlanOut(name=p.name, created_at=p.created_at, created_by=p.created_by,
                                   roles=list(p.roles), scenarios=[s.name for s in p.scenarios])
                           for p in found])


@router.get("/plans/{plan}/scenarios", response_model=ScenariosOut, tags=["plans"])
def scenarios(plan: str, actor: ActorDep, request: Request) -> ScenariosOut:
    """A plan's scenarios: status, head seq, and (where the caller may read it) the last change and
    who has been changing it."""
    with _store(request).read() as conn:
        info = catalog.plan_for(conn, actor, plan)
    return ScenariosOut(plan=info.name, scenarios=[
        ScenarioOut(name=s.name, status=s.status, parent=s.parent, fork_seq=s.fork_seq, seq=s.head,
                    created_at=s.created_at, created_by=s.created_by, readable=s.readable,
                    last_change=ChangeOut(**vars(s.last_change)) if s.last_change else None,
                    workers=[WorkerOut(**vars(w)) for w in s.workers])
        for s in info.scenarios])

