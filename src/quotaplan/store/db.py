"""Opening the store's database: which URL, how SQLite is set up, and the schema revision.

``--db URL``, else ``QUOTAPLAN_DB``, else ``sqlite:///quotaplan.db`` (in the working directory).
SQLite runs in WAL mode with foreign keys on, and every write transaction starts with
``BEGIN IMMEDIATE`` so that two writers queue instead of failing half-way. ``sqlite://`` (no file) is
the in-memory store the tests use; ``postgresql+psycopg://…`` is the one for teams.

A database must be at the program's schema revision to be used: one never upgraded is refused with
"run `quotaplan db upgrade`", one upgraded by a newer quotaplan (a revision this program does not
know) is refused and never touched, not even by ``upgrade``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.pool import StaticPool

from quotaplan.errors import StoreError, UsageError

DEFAULT_URL = "sqlite:///quotaplan.db"
ENV_VAR = "QUOTAPLAN_DB"
#: Seconds a SQLite writer waits for another one to finish before giving up.
SQLITE_BUSY_SECONDS = 30


def resolve_url(option: str | None) -> str:
    """The database URL: the ``--db`` option, else ``QUOTAPLAN_DB``, else the default file."""
    return option or os.environ.get(ENV_VAR) or DEFAULT_URL


def _parse(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"--db {url!r} is not a database URL; write sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST/NAME") from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UsageError(f"--db {url!r}: quotaplan stores plans in SQLite or PostgreSQL only")
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg":
        raise UsageError(f"--db {url!r}: use the psycopg driver, postgresql+psycopg://…")
    return parsed


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN itself (pysqlite's own is deferred-only).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """An engine for ``url`` set up as the store needs it (no schema check)."""
    parsed = _parse(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            memory = parsed.database in (None, "", ":memory:")
            engine = create_engine(parsed, poolclass=StaticPool if memory else None,
                                   connect_args={"check_same_thread": False} if memory else {})
            _sqlite_setup(engine)
            return engine
        return create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise UsageError(f"--db {url!r}: no driver for this URL") from None


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("quotaplan.store") / "migrations"))
    return config


def head_revision() -> str:
    """The schema revision this program writes and expects."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


def current_revision(conn: Connection) -> str | None:
    """The revision recorded in the database (None when it was never upgraded)."""
    return MigrationContext.configure(conn).get_current_revision()


def _refuse_newer(revision: str | None, url: str) -> None:
    if revision is not None and revision not in _known_revisions():
        raise StoreError(
            f"the database {safe_url(url)} has schema revision {revision!r}, written by a newer "
            "quotaplan; this program knows revisions up to "
            f"{head_revision()!r}. Install the newer quotaplan to use it (nothing was changed).")


def _refuse_foreign_tables(conn: Connection, url: str) -> None:
    from quotaplan.store.schema import metadata

    clash = sorted(set(inspect(conn).get_table_names()) & set(metadata.tables))
    if clash:
        raise StoreError(f"the database {safe_url(url)} already has tables that quotaplan did not create "
                         f"({', '.join(clash)}); give quotaplan a database of its own (nothing was changed)")


def safe_url(url: str) -> str:
    """The URL as it may be printed: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an unreadable URL)"


@dataclass
class Store:
    """An open store: an engine whose database is at the program's schema revision."""

    engine: Engine
    url: str

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction."""
        with _unavailable(self.url), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with (_unavailable(self.url),
              self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn,
              conn.begin()):
            yield conn

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def _unavailable(url: str) -> Iterator[None]:
    """A database that cannot be reached (or stays locked) is the user's to fix, not a bug; a write
    that lost a race on a unique name (two `user add ana` at once) changed nothing and may be rerun."""
    try:
        yield
    except OperationalError as exc:
        raise StoreError(f"the database {safe_url(url)} could not be used: "
                         f"{str(exc.orig).strip() or type(exc.orig).__name__}") from None
    except IntegrityError as exc:
        unique = (getattr(exc.orig, "sqlstate", None) == "23505"
                  or "UNIQUE constraint failed" in str(exc.orig))
        if not unique:
            raise
        raise StoreError("another change to the store was made at the same moment and this one was "
                         f"refused, changing nothing ({str(exc.orig).strip().splitlines()[0]}); "
                         "run the command again") from None


def upgrade(url: str) -> tuple[str | None, str]:
    """Bring the database at ``url`` to the current schema, in one transaction.

    Returns (revision before, revision after). A database of a newer quotaplan is refused untouched.
    """
    engine = make_engine(url)
    try:
        with (_unavailable(url),
              engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn):
            with conn.begin():
                before = current_revision(conn)
                _refuse_newer(before, url)
                if before is None:
                    _refuse_foreign_tables(conn, url)
                config = _alembic_config()
                config.attributes["connection"] = conn
                from alembic import command

                command.upgrade(config, "head")
            return before, head_revision()
    finally:
        engine.dispose()


def open_store(url: str) -> Store:
    """Open the store at ``url``, refusing a database that is not at this program's revision."""
    engine = make_engine(url)
    try:
        with _unavailable(url), engine.connect() as conn:
            revision = current_revision(conn)
            if revision is None:
                what = ("has no quotaplan tables" if not inspect(conn).get_table_names()
                        else "was not created by quotaplan, or never upgraded")
                raise StoreError(f"the database {safe_url(url)} {what}: run `quotaplan db upgrade` "
                                 "(with the same --db) first")
            _refuse_newer(revision, url)
            if revision != head_revision():
                raise StoreError(f"the database {safe_url(url)} is at an older schema "
                                 f"({revision!r}): run `quotaplan db upgrade` (with the same --db)")
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, url)


def memory_store() -> Store:
    """A fresh in-memory store (SQLite, upgraded): the one tests and throwaway sessions use."""
    store = Store(make_engine("sqlite://"), "sqlite://")
    with store.engine.connect() as conn, conn.begin():
        config = _alembic_config()
        config.attributes["connection"] = conn
        from alembic import command

        command.upgrade(config, "head")
    return store
