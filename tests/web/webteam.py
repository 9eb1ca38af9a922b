"""What the web's tests share besides fixtures: the team's names and password, and signing in as a
browser does."""

from __future__ import annotations

import socket
from typing import Any

from starlette.testclient import TestClient

PASSWORD = "a long enough password"
SECRET = b"0123456789abcdef0123456789abcdef"
SANDBOX = "sandbox"  # the scenario tests that change figures write to
TEAM = {
    "ada": [],  # the first user: the store's admin
    "pia": [("planner", "FY27", None, None)],
    "ben": [("planner", "FY27", None, None)],
    "max": [("manager", "FY27", "RG1", "M02")],
    "sam": [("seller", "FY27", None, "S01")],
    "vic": [("viewer", "FY27", None, None)],
    "oli": [("planner", "FY28", None, None)],
    "zed": [],
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_of(html: str) -> str:
    """The CSRF token a page's form carries."""
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_url: str = "/plans") -> Any:
    """Sign in through the form, as a browser does: get the page (and its token), post it."""
    page = client.get("/login")
    return client.post("/login", data={"username": name, "password": password, "next": next_url,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
