"""A real ``quotaplan serve`` for tests: a store with the demo plan and two planners with API
tokens, and the server started as a process (stopped, and waited for, when the test ends)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from quotaplan.demo import demo_plan_path
from quotaplan.store import users
from quotaplan.store.db import open_store, upgrade
from quotaplan.workspace import Workspace
from web.webteam import PASSWORD, free_port

PLAN = "P"
PLANNERS = ("pia", "ben")


def team_store(url: str) -> dict[str, str]:
    """Plan P (the demo plan) in a fresh store at ``url``; an API token per planner."""
    upgrade(url)
    store = open_store(url)
    try:
        with store.write() as conn:
            for name in ("ada", *PLANNERS):
                users.add_user(conn, name, PASSWORD, actor="ada")
        Workspace(url, as_user="ada", store=store).load(demo_plan_path(), PLAN)
        with store.write() as conn:
            for name in PLANNERS:
                users.grant(conn, name, "planner", plan=PLAN, actor="ada")
            return {name: users.create_token(conn, name) for name in PLANNERS}
    finally:
        store.close()


@contextmanager
def serving(url: str, *args: str, secret: str | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``quotaplan serve --db URL --port P ARGS`` until the block ends: (its base URL, the process)."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("QUOTAPLAN_SECRET", None)
    if secret is not None:
        env["QUOTAPLAN_SECRET"] = secret
    process = subprocess.Popen([sys.executable, "-m", "quotaplan", "serve", "--db", url, "--port", str(port),
                                *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        while not any(line.startswith("Serving on") for line in lines):
            line = process.stdout.readline()
            if (not line and process.poll() is not None) or time.monotonic() > deadline:
                pytest.fail("quotaplan serve did not say it answers:\n" + "".join(lines))
            lines.append(line)
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def workers(pid: int) -> list[int]:
    """The worker processes a ``serve --workers N`` parent started (multiprocessing's spawned
    children, not its resource tracker)."""
    found = []
    for child in children(pid):
        try:
            with open(f"/proc/{child}/cmdline", encoding="utf-8") as cmdline:
                if "spawn_main" in cmdline.read():
                    found.append(child)
        except OSError:
            continue
    return found


def cpu_ticks(pid: int) -> int:
    """The CPU time a process has used (user + system, in clock ticks)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
