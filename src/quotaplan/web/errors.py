"""Every error the web answers, in one shape, mapped from the program's exceptions in one place.

The API answers ``{"error": {"code", "message", "field"}}`` with the status below; a page answers an
HTML page saying the same in words. Nothing a user sends ever gets a traceback back: an unexpected
failure is a 500 "internal" whose message says only that it is the program's fault.

| status | code | from |
|---|---|---|
| 400 | bad_request | UsageError (a wrong value in the request) |
| 401 | unauthorized | no session or token, or an unknown one |
| 403 | forbidden / csrf | Forbidden (the policy refused the action); a missing or wrong CSRF token |
| 404 | not_found | NotFound (does not exist, or may not be seen), an unknown address |
| 405 | method_not_allowed | a method the address does not answer |
| 409 | conflict | Conflict (names who changed what, and when) |
| 409 | refused | Refused (the scenario's state does not allow the step) |
| 422 | invalid | a request that does not fit its schema; PlanInvalid (a change that would break the plan) |
| 429 | too_many_requests | repeated failed sign-ins (Retry-After says when to try again) |
| 503 | unavailable | StoreError (the database cannot be used as it is) |
| 500 | internal | anything else: a bug |
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from quotaplan.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PlanInvalid,
    QuotaplanError,
    Refused,
    StoreError,
    UsageError,
)

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "too_many_requests", 500: "internal", 503: "unavailable",
}
TITLES = {
    400: "The request was not right", 401: "Please sign in", 403: "Not allowed",
    404: "Not found", 405: "Not available this way", 409: "Someone changed this first",
    422: "That change cannot be made", 429: "Too many attempts", 500: "Something went wrong on our side",
    503: "The plan store is not available",
}
INTERNAL = ("quotaplan failed unexpectedly; this is a bug in quotaplan, not in your request. "
            "The server's log has the details.")


@dataclasses.dataclass
class WebError(Exception):
    """An error as the web answers it."""

    status: int
    message: str
    code: str = ""
    field: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.code = self.code or CODES.get(self.status, "error")
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}

    @property
    def title(self) -> str:
        return TITLES.get(self.status, "Error")


_WHERE = ("body", "query", "path", "header", "cookie")


def _validation(errors: Sequence[Any]) -> WebError:
    """A request that does not fit its schema: the first field named, every problem said."""
    parts = []
    first: str | None = None
    for err in errors:
        loc = [str(p) for p in (err.get("loc") or ()) if p not in _WHERE]
        name = ".".join(loc) or None
        first = first or name
        parts.append(f"{name}: {err.get('msg', 'is not valid')}" if name else str(err.get("msg", "")))
    return WebError(422, "; ".join(parts) or "the request does not fit the expected form", field=first)


def _http(exc: HTTPException) -> WebError:
    headers = dict(exc.headers or {})
    detail = exc.detail if isinstance(exc.detail, str) else ""
    defaults = {404: "there is nothing at this address",
                405: "this address does not answer this method"}
    message = detail if detail and detail not in ("Not Found", "Method Not Allowed") else \
        defaults.get(exc.status_code, detail or "the request could not be answered")
    return WebError(exc.status_code, message, headers=headers)


def from_exception(exc: BaseException) -> WebError:
    """The one mapping from an exception to what the web answers."""
    if isinstance(exc, WebError):
        return exc
    if isinstance(exc, RequestValidationError):
        return _validation(exc.errors())
    if isinstance(exc, HTTPException):
        return _http(exc)
    if isinstance(exc, NotFound):
        return WebError(404, f"{exc.what} {exc.name!r} does not exist, or you have no role that lets you "
                             "see it")
    if isinstance(exc, Forbidden):
        return WebError(403, str(exc))
    if isinstance(exc, Conflict):
        return WebError(409, str(exc))
    if isinstance(exc, Refused):
        return WebError(409, str(exc), code="refused")
    if isinstance(exc, PlanInvalid):
        errors = [p for p in exc.problems if p.severity == "error"]
        first = errors[0] if errors else None
        message = "; ".join(f"{p.location()}: {p.message}" for p in errors[:5]) or str(exc)
        return WebError(422, message, field=first.column if first else None)
    if isinstance(exc, UsageError):
        return WebError(400, str(exc))
    if isinstance(exc, StoreError):
        return WebError(503, str(exc))
    if isinstance(exc, QuotaplanError):
        return WebError(400, str(exc))
    return WebError(500, INTERNAL)


def wants_json(path: str, headers: Mapping[str, str]) -> bool:
    """The API (and a script asking for JSON) gets the JSON shape; a browser gets a page."""
    return path.startswith("/api/") or "application/json" in headers.get("accept", "")
