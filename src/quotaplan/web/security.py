"""Sessions, CSRF tokens and the security headers every response carries.

- **Session**: a cookie signed with the app's secret (itsdangerous, timestamped, at most
  ``SESSION_SECONDS`` old), ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the request came over
  HTTPS. It holds the user's name (None before signing in) and the session's CSRF token; signing in
  starts a new session (a new token), signing out ends it. The user is looked up on every request, so
  a disabled user's session stops working at once.
- **CSRF**: every form carries the session's token in a hidden ``csrf_token`` field (a script sends
  it as the ``X-CSRF-Token`` header); every unsafe method (POST, PUT, PATCH, DELETE) is refused
  (403, code ``csrf``) unless it matches. Requests with a bearer token carry no cookie authority and
  need none; ``POST /api/v1/session`` (JSON only: a page of another site cannot send JSON without
  asking first, and no other origin is allowed) starts a session and so has none yet.
- **Headers**: a strict Content-Security-Policy (only this server's own scripts, styles and images;
  no inline script; no framing), nosniff, a same-origin referrer, no caching of pages with figures.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quotaplan.web.errors import WebError

COOKIE = "quotaplan_session"
SESSION_SECONDS = 12 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_JSON = "/api/v1/session"

CSP = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'",
    "form-action 'self'", "frame-ancestors 'none'",
])
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@dataclass(frozen=True)
class Session:
    user: str | None
    csrf: str


class Sessions:
    """Reading and writing the signed session cookie."""

    def __init__(self, secret: bytes, *, max_age: int = SESSION_SECONDS) -> None:
        if len(secret) < 16:
            raise ValueError("the session secret must be at least 16 bytes")
        self._signer = URLSafeTimedSerializer(secret, salt="quotaplan.session")
        self.max_age = max_age

    def load(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), str):
            return None
        user = data.get("u")
        return Session(user if isinstance(user, str) else None, data["c"])

    def read(self, request: Request) -> Session | None:
        return self.load(request.cookies.get(COOKIE))

    @staticmethod
    def new(user: str | None) -> Session:
        return Session(user, secrets.token_urlsafe(32))

    def encode(self, session: Session) -> str:
        """The cookie's value: the session, signed and timestamped."""
        return str(self._signer.dumps({"u": session.user, "c": session.csrf}))

    def write(self, response: Response, request: Request, session: Session) -> None:
        response.set_cookie(COOKIE, self.encode(session),
                            max_age=self.max_age, path="/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")

    @staticmethod
    def clear(response: Response, request: Request) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                               secure=request.url.scheme == "https")


def session_of(request: Request) -> Session | None:
    """The request's session (read once by the CSRF check or the login page)."""
    found: Session | None = getattr(request.state, "session", None)
    return found


async def check_csrf(request: Request) -> None:
    """A dependency of every route: an unsafe method needs the session's CSRF token."""
    sessions: Sessions = request.app.state.sessions
    session = sessions.read(request)
    request.state.session = session
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.url.path == LOGIN_JSON and request.method == "POST" and content_type == "application/json":
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if session is None or not sent or not secrets.compare_digest(sent, session.csrf):
        raise WebError(403, "this form has expired or did not come from this site: reload the page and "
                            "try again (a script sends the session's CSRF token as X-CSRF-Token)",
                       code="csrf", field=CSRF_FIELD)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response, errors and static files included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if https:
                    headers["strict-transport-security"] = "max-age=31536000"
                if not static and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
