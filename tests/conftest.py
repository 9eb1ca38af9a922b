"""Shared fixtures: plans written in a few readable lines."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem
from quotaplan.store.db import Store, open_store, upgrade
from throwaway_postgres import PostgresServer, postgres_bin

# Speed is measured by the benchmarks in bench/, never by a test: no example has a deadline (a
# loaded machine would otherwise fail a correct property).
settings.register_profile("quotaplan", deadline=None)
settings.load_profile("quotaplan")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: Set by `.ci/run` (and `make test`): the real data sets must be there, not skipped.
REQUIRE_DATA = os.environ.get("QUOTAPLAN_REQUIRE_DATA") == "1"

MINIMAL_TOML = """
[plan]
name = "Test plan"
fiscal_year_start = 2026-01-01
"""


def write_plan(folder: Path, files: dict[str, str]) -> Path:
    """Write a plan folder from ``{file name: text}``; texts are dedented and stripped."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).strip() + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def plan_dir(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """``plan_dir({"plan.toml": …, "accounts.csv": …})`` → the folder written."""

    def make(files: dict[str, str]) -> Path:
        return write_plan(tmp_path / "plan", files)

    return make


@pytest.fixture
def load_plan(tmp_path: Path) -> Callable[[dict[str, str]], Plan]:
    """``load_plan({...})`` → a valid Plan (fails the test, listing problems, when invalid)."""
    counter = iter(range(1_000_000))

    def make(files: dict[str, str]) -> Plan:
        folder = write_plan(tmp_path / f"plan{next(counter)}", files)
        plan, problems = read_plan(folder)
        errors = [p.render() for p in problems if p.severity == "error"]
        assert plan is not None, "plan has errors:\n" + "\n".join(errors)
        return plan

    return make


@pytest.fixture
def problems_of(tmp_path: Path) -> Callable[[dict[str, str]], list[Problem]]:
    """``problems_of({...})`` → every problem reading the plan reports."""
    counter = iter(range(1_000_000))

    def make(files: dict[str, str]) -> list[Problem]:
        folder = write_plan(tmp_path / f"bad{next(counter)}", files)
        return read_plan(folder)[1]

    return make


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; skips (or fails under CI) when the data is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if REQUIRE_DATA:
            pytest.fail(f"real data {path} is required (QUOTAPLAN_REQUIRE_DATA=1) but absent")
        pytest.skip(f"real data {path} is not here (a clone without ../shared)")
    return path


# --- The store: every store test runs on SQLite and on a real PostgreSQL server ------------------------
# The PostgreSQL server is a throwaway one (throwaway_postgres.py): initdb into a temporary folder (as
# the ``postgres`` OS user when the tests run as root, since initdb refuses root), started on a free
# local port with its socket in that folder, one fresh database per test, stopped and removed at the
# end of the session. Without PostgreSQL's binaries the PostgreSQL cases skip, naming what is
# missing, unless ``QUOTAPLAN_REQUIRE_POSTGRES=1`` (CI: `.ci/run`), where they fail instead.

REQUIRE_POSTGRES = os.environ.get("QUOTAPLAN_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        reason = ("PostgreSQL's initdb is not installed "
                  "(Debian: apt-get install postgresql; `make test` does it)")
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and QUOTAPLAN_REQUIRE_POSTGRES=1 requires it")
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty database: a SQLite file, or a fresh database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'quotaplan.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An upgraded, open store on each database."""
    upgrade(db_url)
    opened = open_store(db_url)
    try:
        yield opened
    finally:
        opened.close()
