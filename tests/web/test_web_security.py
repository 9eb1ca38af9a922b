"""The web's security: headers on every response, the session cookie's flags, CSRF on every unsafe
method, and login throttling (slowed, then locked; per user and per address)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from quotaplan.web.security import COOKIE, CSP, Session, Sessions
from quotaplan.web.throttle import LoginThrottle
from web.webteam import PASSWORD, SECRET, bearer, csrf_of, sign_in


@pytest.mark.parametrize(("path", "status"), [
    ("/login", 200), ("/plans", 303), ("/no/such/page", 404), ("/api/v1/plans", 401),
    ("/api/v1/no/such", 404), ("/api/v1/openapi.json", 200), ("/static/htmx.min.js", 200),
    ("/static/app.css", 200),
])
def test_every_response_carries_the_security_headers(client: TestClient, path: str, status: int) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == status
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in r.headers  # plain HTTP: no HSTS promise


def test_the_policy_allows_nothing_from_outside_and_no_inline_script() -> None:
    directives = dict(d.split(" ", 1) for d in CSP.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no host
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"


def test_pages_use_no_inline_script_or_style(client: TestClient) -> None:
    sign_in(client, "pia")
    for path in ("/login", "/plans", "/no/such/page"):
        html = client.get(path).text
        assert "<script>" not in html
        assert "<style" not in html
        assert " style=" not in html
        assert '<script src="/static/htmx.min.js" defer></script>' in html


def test_https_responses_promise_https(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(), base_url="https://testserver") as c:
        assert c.get("/login").headers["strict-transport-security"] == "max-age=31536000"


def _cookie_header(response: object) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    found = [h for h in headers if h.startswith(COOKIE + "=")]
    assert len(found) == 1, headers
    return str(found[0])


def test_the_session_cookie_is_signed_httponly_lax_and_not_secure_over_http(client: TestClient) -> None:
    r = sign_in(client, "pia")
    assert r.status_code == 303
    assert r.headers["location"] == "/plans"
    cookie = _cookie_header(r).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie.replace("httponly", "")


def test_over_https_the_session_cookie_is_secure(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app(), base_url="https://testserver") as c:
        cookie = _cookie_header(sign_in(c, "pia")).lower()
    assert "; secure" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


def test_a_tampered_or_foreign_session_cookie_signs_nobody_in(client: TestClient) -> None:
    foreign = Sessions(b"another secret, not the server's!").encode(Session("ada", "x"))
    genuine = Sessions(SECRET).encode(Session("ada", "x"))
    tampered = genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB")
    for value in (foreign, tampered, "ada"):
        client.cookies.set(COOKIE, value)
        assert client.get("/plans", follow_redirects=False).status_code == 303  # to the login page
    client.cookies.set(COOKIE, genuine)
    assert client.get("/plans", follow_redirects=False).status_code == 200


def test_an_expired_session_signs_nobody_in(make_app: Callable[..., FastAPI]) -> None:
    app = make_app()
    app.state.sessions = Sessions(SECRET, max_age=-1)
    with TestClient(app) as c:
        c.cookies.set(COOKIE, Sessions(SECRET).encode(Session("ada", "x")))
        assert c.get("/plans", follow_redirects=False).status_code == 303


def test_the_login_form_is_refused_without_its_csrf_token(client: TestClient) -> None:
    client.get("/login")
    for data in ({"username": "pia", "password": PASSWORD},
                 {"username": "pia", "password": PASSWORD, "csrf_token": "guessed"}):
        r = client.post("/login", data=data, follow_redirects=False)
        assert r.status_code == 403
        assert "form has expired" in r.text
        assert COOKIE + '="' not in r.headers.get("set-cookie", "")
    assert client.get("/plans", follow_redirects=False).status_code == 303  # still signed out


def test_a_post_from_another_site_is_refused(make_app: Callable[..., FastAPI]) -> None:
    with TestClient(make_app()) as c:
        r = c.post("/login", data={"username": "pia", "password": PASSWORD, "csrf_token": "x"},
                   headers={"accept": "application/json"})
    assert r.status_code == 403
    assert r.json() == {"error": {"code": "csrf", "message": r.json()["error"]["message"],
                                  "field": "csrf_token"}}


def test_sign_out_needs_the_token_and_then_ends_the_session(client: TestClient) -> None:
    sign_in(client, "pia")
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.get("/plans", follow_redirects=False).status_code == 200  # still signed in
    token = csrf_of(client.get("/plans").text)
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login"
    assert client.get("/plans", follow_redirects=False).status_code == 303


def test_signing_in_starts_a_new_session_with_a_new_token(client: TestClient) -> None:
    before = csrf_of(client.get("/login").text)
    sign_in(client, "pia")
    after = csrf_of(client.get("/plans").text)
    assert before != after


def test_api_calls_with_the_session_cookie_need_the_csrf_header(client: TestClient) -> None:
    r = client.post("/api/v1/session", json={"username": "pia", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["csrf_token"]
    assert client.get("/api/v1/plans").status_code == 200  # reading needs no token
    refused = client.delete("/api/v1/session")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "csrf"
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204


def test_bearer_requests_need_no_csrf_token(client: TestClient, tokens: dict[str, str]) -> None:
    assert client.delete("/api/v1/session", headers=bearer(tokens["pia"])).status_code == 204


def test_the_json_login_only_takes_json(client: TestClient) -> None:
    r = client.post("/api/v1/session", data={"username": "pia", "password": PASSWORD})
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "csrf"


def test_next_never_leaves_the_site(client: TestClient) -> None:
    for target, expected in (("/plans/FY27", "/plans/FY27"), ("//evil.example/", "/plans"),
                             ("https://evil.example/", "/plans"), ("/\\evil.example", "/plans")):
        client.cookies.clear()
        r = sign_in(client, "pia", next_url=target)
        assert r.headers["location"] == expected


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _attempt(c: TestClient, name: str, password: str) -> int:
    return int(sign_in(c, name, password).status_code)


def test_failed_logins_are_slowed_then_locked_per_user(make_app: Callable[..., FastAPI]) -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, slow_after=3, lock_after=6, lock_seconds=900)
    with TestClient(make_app(throttle)) as c:
        assert [_attempt(c, "vic", "wrong password") for _ in range(3)] == [401, 401, 401]
        # the 4th attempt right away is refused before the password is checked, even the right one
        r = sign_in(c, "vic", PASSWORD)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert "slowed" in r.text
        clock.now += 1.0
        assert _attempt(c, "vic", "wrong password") == 401
        r = sign_in(c, "vic", PASSWORD)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "2"
        clock.now += 2.0
        assert _attempt(c, "vic", "wrong password") == 401
        clock.now += 4.0
        assert _attempt(c, "vic", "wrong password") == 401  # the 6th failure locks the account
        clock.now += 60.0
        r = sign_in(c, "vic", PASSWORD)
        assert r.status_code == 429
        assert "locked" in r.text
        assert int(r.headers["retry-after"]) == 840
        assert _attempt(c, "ben", PASSWORD) == 303  # another user is not locked by it
        clock.now += 841.0
        assert _attempt(c, "vic", PASSWORD) == 303  # the lock has passed
        c.cookies.clear()
        assert [_attempt(c, "vic", "wrong password") for _ in range(3)] == [401, 401, 401]


def test_a_success_clears_the_count(make_app: Callable[..., FastAPI]) -> None:
    throttle = LoginThrottle(clock=Clock(), slow_after=3)
    with TestClient(make_app(throttle)) as c:
        assert [_attempt(c, "vic", "wrong password") for _ in range(2)] == [401, 401]
        assert _attempt(c, "vic", PASSWORD) == 303
        c.cookies.clear()
        assert [_attempt(c, "vic", "wrong password") for _ in range(3)] == [401, 401, 401]


def test_guessing_many_users_from_one_address_is_slowed(make_app: Callable[..., FastAPI]) -> None:
    throttle = LoginThrottle(clock=Clock(), slow_after=2, lock_after=100, address_factor=2)
    with TestClient(make_app(throttle)) as c:
        assert [_attempt(c, name, "wrong password") for name in ("pia", "ben", "max", "sam")] == [401] * 4
        r = sign_in(c, "vic", PASSWORD)  # a fifth name, never tried: the address is slowed
        assert r.status_code == 429


def test_the_json_login_is_throttled_too(make_app: Callable[..., FastAPI]) -> None:
    throttle = LoginThrottle(clock=Clock(), slow_after=1)
    with TestClient(make_app(throttle)) as c:
        first = c.post("/api/v1/session", json={"username": "vic", "password": "wrong password"})
        assert first.status_code == 401
        assert first.json()["error"] == {"code": "unauthorized", "field": "password",
                                         "message": "the user name or the password is not right"}
        second = c.post("/api/v1/session", json={"username": "vic", "password": PASSWORD})
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "too_many_requests"
        assert second.headers["retry-after"] == "1"


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(client: TestClient) -> None:
    unknown = sign_in(client, "nobody-here", PASSWORD)
    wrong = sign_in(client, "pia", "not her password")
    assert unknown.status_code == wrong.status_code == 401
    assert csrf_of(unknown.text)
    assert "not right" in unknown.text
    assert "not right" in wrong.text
