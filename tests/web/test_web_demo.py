"""``quotaplan demo``: the demo plan served in a fresh store, its users' passwords printed, each user
seeing what their role lets them see; ``--no-serve`` builds the folder as before (test_outsafe)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx2 as httpx
import pytest

from web.webteam import free_port


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "quotaplan", "demo", "--port", str(port)],
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while not any(line.startswith("Open http") for line in lines):
            line = process.stdout.readline()
            if (not line and process.poll() is not None) or time.monotonic() > deadline:
                pytest.fail("quotaplan demo did not say it answers:\n" + "".join(lines))
            lines.append(line)
        passwords = dict(re.findall(r"^\s+(\w+)\s+password (\S+)", "".join(lines), re.M))
        assert set(passwords) == {"planner", "manager", "seller"}
        yield f"http://127.0.0.1:{port}", passwords
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _signed_in(base: str, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    try:
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        answer = client.post("/login", data={"username": name, "password": password, "next": "/plans",
                                             "csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text
    except BaseException:
        client.close()
        raise
    return client


@pytest.mark.parametrize(("who", "path", "status"), [
    ("planner", "/plans/demo", 200), ("planner", "/plans/demo/baseline/sellers/S30", 200),
    ("manager", "/plans/demo", 404), ("manager", "/plans/demo/baseline/nodes/RG1", 200),
    ("manager", "/plans/demo/baseline/sellers/S30", 404),
    ("seller", "/plans/demo/baseline/sellers/S01", 200), ("seller", "/plans/demo/baseline/sellers/S02", 404),
])
def test_each_demo_user_sees_what_their_role_lets_them(demo: tuple[str, dict[str, str]], who: str,
                                                        path: str, status: int) -> None:
    base, passwords = demo
    client = _signed_in(base, who, passwords[who])
    try:
        assert client.get(path).status_code == status
    finally:
        client.close()


def test_a_wrong_demo_password_is_refused(demo: tuple[str, dict[str, str]]) -> None:
    base, passwords = demo
    with pytest.raises(AssertionError):
        _signed_in(base, "planner", passwords["planner"] + "x")
