"""The store's fixtures: every store test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is a throwaway one: initdb into a temporary folder (as the ``postgres`` OS
user when the tests run as root, since initdb refuses root), started on a free local port with its
socket in that folder, one fresh database per test, stopped and removed at the end of the session.
Without PostgreSQL's binaries the PostgreSQL cases skip, naming what is missing, unless
``QUOTAPLAN_REQUIRE_POSTGRES=1`` (CI: `.ci/run`), where they fail instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from throwaway_postgres import PostgresServer, postgres_bin

from quotaplan.store.db import Store, open_store, upgrade

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
