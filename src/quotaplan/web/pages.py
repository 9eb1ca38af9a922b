"""The workbench's pages: signing in and out, the plans and their scenarios, a scenario's overview and
a carrier's page.

Server-rendered HTML that reads without JavaScript; every form carries the session's CSRF token;
every page asks the policy (through :mod:`quotaplan.web.auth` and :mod:`quotaplan.web.catalog`).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotaplan.store.db import Store
from quotaplan.store.plans import BASELINE
from quotaplan.store.policy import Actor, Resource, can_read
from quotaplan.store.users import user_count
from quotaplan.web import catalog, views
from quotaplan.web.auth import identify, page_actor, sign_in
from quotaplan.web.errors import WebError
from quotaplan.web.render import page
from quotaplan.web.scenario import check_scenario, open_node, open_scenario
from quotaplan.web.security import Session, Sessions

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def safe_next(target: str | None) -> str:
    """Where to go after signing in: an address on this site only (never ``//host`` or ``https:``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/plans"
    return target


def login_address(request: Request) -> str:
    """The login page, coming back to the page asked for."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login" if target in ("/", "/plans") else f"/login?next={quote(target, safe='/')}"


@router.get("/", include_in_schema=False)
def home() -> RedirectResponse:
    return RedirectResponse("/plans", status_code=303)


def _login_page(request: Request, *, next_url: str, username: str = "", error: WebError | None = None
                ) -> HTMLResponse:
    session: Session | None = getattr(request.state, "session", None)
    fresh = session is None
    if session is None:
        session = Sessions.new(None)
        request.state.session = session
    with _store(request).read() as conn:
        no_users = user_count(conn) == 0
    response = page(request, "login.html", status_code=error.status if error else 200,
                    next_url=next_url, username=username, error=error, no_users=no_users)
    if error is not None:
        for name, value in error.headers.items():
            response.headers[name] = value
    if fresh:
        sessions: Sessions = request.app.state.sessions
        sessions.write(response, request, session)
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_form(request: Request, next: str | None = None) -> Response:
    if identify(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_url=safe_next(next))


@router.post("/login", include_in_schema=False)
def login(request: Request, username: Annotated[str, Form(max_length=200)] = "",
          password: Annotated[str, Form(max_length=1024)] = "",
          next: Annotated[str, Form()] = "/plans") -> Response:
    target = safe_next(next)
    if not username or not password:
        return _login_page(request, next_url=target, username=username,
                           error=WebError(422, "give both your user name and your password",
                                          field="username" if not username else "password"))
    try:
        name = sign_in(request, username, password)
    except WebError as refused:
        return _login_page(request, next_url=target, username=username, error=refused)
    response = RedirectResponse(target, status_code=303)
    sessions: Sessions = request.app.state.sessions
    sessions.write(response, request, Sessions.new(name))  # a new session: a new CSRF token
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    response = RedirectResponse("/login", status_code=303)
    Sessions.clear(response, request)
    return response


@router.get("/plans", response_class=HTMLResponse, include_in_schema=False)
def plans_page(request: Request, actor: PageActor) -> HTMLResponse:
    with _store(request).read() as conn:
        found = catalog.plans_for(conn, actor)
    return page(request, "plans.html", plans=found, title="Plans and scenarios")


@router.get("/plans/{plan}", response_class=HTMLResponse, include_in_schema=False)
def plan_overview(request: Request, plan: str, actor: PageActor, done: str | None = None) -> HTMLResponse:
    """A plan's address is its baseline's overview."""
    return render_overview(request, actor, plan, BASELINE, done=done)


@router.get("/plans/{plan}/{scenario}", response_class=HTMLResponse, include_in_schema=False)
def scenario_overview(request: Request, plan: str, scenario: str, actor: PageActor,
                      done: str | None = None) -> HTMLResponse:
    return render_overview(request, actor, plan, scenario, done=done)


def render_overview(request: Request, actor: Actor, plan: str, scenario: str, *, status_code: int = 200,
                    done: str | None = None, refused: WebError | None = None) -> HTMLResponse:
    from quotaplan.web.workflow import DONE, LABELS, offered

    check_scenario(request, actor, plan, scenario)
    opened = open_scenario(request, actor, plan, scenario)
    with _store(request).read() as conn:
        info = catalog.plan_for(conn, actor, plan)
    return page(request, "overview.html", status_code=status_code, plan=plan, scenario=opened.scenario,
                info=info, view=views.overview(opened), plan_title=opened.plan.settings.plan.name,
                steps=offered(request, actor, plan, scenario, opened.scenario.status), step_labels=LABELS,
                done=DONE.get(done or ""), refused=refused)


@router.get("/plans/{plan}/{scenario}/nodes/{territory_id}", response_class=HTMLResponse,
            include_in_schema=False)
def node_page(request: Request, plan: str, scenario: str, territory_id: str,
              actor: PageActor, saved: int | None = None) -> HTMLResponse:
    return render_node(request, actor, plan, scenario, territory_id, topdown={"saved": saved})


def render_node(request: Request, actor: Actor, plan: str, scenario: str, territory_id: str, *,
                status_code: int = 200, topdown: dict[str, Any] | None = None) -> HTMLResponse:
    from quotaplan.web import topdown as number

    opened, path = open_node(request, actor, plan, scenario, territory_id)
    status = opened.scenario.status
    view = views.node_view(opened, territory_id, path)
    base = f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}"
    crumbs: list[tuple[str, str | None]] = [("Plans", "/plans")]
    if can_read(actor, Resource("scenario", plan, status=status)):
        crumbs += [(plan, f"/plans/{quote(plan, safe='')}"), (scenario, base)]
    else:
        crumbs.append((f"{plan} · {scenario}", None))
    # the nodes above it that the actor may open too (a manager: none above their own node)
    crumbs += [(name, f"{base}/nodes/{quote(t, safe='')}") for i, (t, name) in enumerate(view.path)
               if can_read(actor, Resource("territory", plan, path[:i + 1], status=status))]
    crumbs.append((str(view.row["territory_name"]), None))
    return page(request, "node.html", status_code=status_code, plan=plan, scenario=opened.scenario,
                view=view, crumbs=crumbs, base=base, plan_title=opened.plan.settings.plan.name,
                topdown=number.context(actor, opened, territory_id, **(topdown or {})))
