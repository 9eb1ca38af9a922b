"""The web application: pages and the REST API over one store, with the security every response needs.

``create_app(url)`` opens the store at ``url`` (it must be upgraded: ``quotaplan db upgrade``) and
returns an ASGI app. The API is a sub-application mounted at ``/api/v1`` with its own OpenAPI
document (``/api/v1/openapi.json``); static files (htmx, the style sheet) are served from the
package, nothing from outside.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from quotaplan import __version__
from quotaplan.errors import QuotaplanError
from quotaplan.store.db import Store, open_store
from quotaplan.web import (
    api,
    api_cycle,
    api_exports,
    api_figures,
    api_lists,
    history,
    pages,
    seller,
    sellers,
    workflow,
)
from quotaplan.web.accounts import router as accounts_pages
from quotaplan.web.auth import LoginRequired
from quotaplan.web.errors import WebError, from_exception, wants_json
from quotaplan.web.exports import router as exports_pages
from quotaplan.web.render import environment, page
from quotaplan.web.review import router as review_pages
from quotaplan.web.scenario import Workbench
from quotaplan.web.security import SecurityHeaders, Sessions, check_csrf
from quotaplan.web.throttle import LoginThrottle
from quotaplan.web.topdown import router as topdown_pages
from quotaplan.workspace import Workspace

log = logging.getLogger("quotaplan.web")


def _answer(request: Request, exc: Exception) -> Response:
    """The one place an exception becomes a response: the JSON shape, or a page saying the same."""
    if isinstance(exc, LoginRequired):
        return RedirectResponse(pages.login_address(request), status_code=303)
    error = from_exception(exc)
    if error.status >= 500:
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    if wants_json(request.url.path, request.headers):
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)
    response = page(request, "error.html", status_code=error.status, error=error, title=error.title)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def _handle(app: FastAPI) -> None:
    """Every exception, of the program, of the framework (404, 405, a body that does not fit), or a bug
    (500), goes through ``_answer``."""
    for kind in (Exception, HTTPException, RequestValidationError, QuotaplanError, WebError, LoginRequired):
        app.add_exception_handler(kind, _answer)


def create_app(url: str, *, secret: bytes | None = None, throttle: LoginThrottle | None = None,
               store: Store | None = None) -> FastAPI:
    """The workbench and API over the store at ``url``.

    ``secret`` signs the session cookies (at least 16 bytes; every worker serving one store must get
    the same one); None draws a random one, so sessions end when the process does. ``store`` is an
    already open store for ``url`` (the app then leaves closing it to the caller).
    """
    opened = store if store is not None else open_store(url)
    owned = store is None
    state = {
        "store": opened,
        "sessions": Sessions(secret if secret is not None else secrets.token_bytes(32)),
        "throttle": throttle or LoginThrottle(),
        "templates": environment(),
        "bench": Workbench(Workspace(url, store=opened), threading.Lock()),
    }

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            opened.close()

    guard = [Depends(check_csrf)]
    app = FastAPI(title="quotaplan workbench", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, dependencies=guard, lifespan=lifespan)
    rest = FastAPI(title="quotaplan API", version=__version__, docs_url=None, redoc_url=None,
                   openapi_url="/openapi.json", dependencies=guard,
                   description="Plans, scenarios and their figures. Authenticate with "
                               "`Authorization: Bearer TOKEN` (`quotaplan token create NAME`) or a "
                               "session from `POST /api/v1/session`. Every error is "
                               '`{"error": {"code", "message", "field"}}`.')
    for each in (app, rest):
        for key, value in state.items():
            setattr(each.state, key, value)
        _handle(each)
    rest.include_router(api.router)
    rest.include_router(api_figures.router)
    rest.include_router(api_lists.router)
    rest.include_router(api_cycle.router)
    rest.include_router(api_exports.router)
    rest.include_router(history.api_router)
    rest.include_router(workflow.api_router)  # last: …/scenarios/{scenario}/{step}
    app.mount("/api/v1", rest)
    app.mount("/static", StaticFiles(packages=[("quotaplan.web", "static")]), name="static")
    app.include_router(history.router)  # first: /plans/{plan}/compare/… before the scenario pages
    app.include_router(pages.router)
    app.include_router(seller.router)
    app.include_router(sellers.router)
    app.include_router(workflow.router)
    for more in (accounts_pages, topdown_pages, review_pages, exports_pages):
        app.include_router(more)
    app.add_middleware(SecurityHeaders)
    return app
