"""The database: URL choice, SQLite set-up, schema revisions, and the append-only events table."""

from __future__ import annotations

import fnmatch
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError

from quotaplan.errors import StoreError, UsageError
from quotaplan.store import journal, plans
from quotaplan.store.db import (
    DEFAULT_URL,
    Store,
    head_revision,
    make_engine,
    memory_store,
    open_store,
    resolve_url,
    upgrade,
)
from quotaplan.store.schema import metadata
from throwaway_postgres import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def _one_event(store: Store) -> None:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        journal.append(conn, "FY27", "baseline", "topdown.set", {"territory_id": "WEST", "amount": "10.00"},
                       actor="ana", reason="board number")


def test_upgrade_creates_every_table_and_records_the_head(db_url: str) -> None:
    before, after = upgrade(db_url)
    assert (before, after) == (None, head_revision())
    engine = make_engine(db_url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert set(metadata.tables) <= tables
    assert version == head_revision()
    assert upgrade(db_url) == (head_revision(), head_revision())  # a second upgrade changes nothing


def test_a_database_never_upgraded_is_refused_with_what_to_run(db_url: str) -> None:
    with pytest.raises(StoreError, match=r"run `quotaplan db upgrade`"):
        open_store(db_url)


def test_a_database_of_a_newer_program_is_refused_and_left_untouched(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"schema revision '9999', written by a newer quotaplan"):
        open_store(db_url)
    with pytest.raises(StoreError, match="newer quotaplan"):
        upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "9999"
    engine.dispose()


@pytest.mark.parametrize("statement", [
    "UPDATE events SET reason = 'rewritten'",
    "UPDATE events SET seq = seq + 100",
    "DELETE FROM events",
    "DELETE FROM event_subjects",
    "UPDATE event_subjects SET ref = 'EAST'",
])
def test_the_database_itself_refuses_to_change_or_delete_an_event(store: Store, statement: str) -> None:
    _one_event(store)
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    with store.read() as conn:
        events = journal.read(conn, "FY27", "baseline")
    assert [(e.seq, e.reason, e.payload["territory_id"]) for e in events] == [(1, "board number", "WEST")]


def test_postgresql_refuses_truncate_of_events(postgres_server: PostgresServer) -> None:
    db_url = postgres_server.new_database()  # SQLite has no TRUNCATE: its DELETE is refused above
    upgrade(db_url)
    store = open_store(db_url)
    _one_event(store)
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("TRUNCATE events, event_subjects"))
    store.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    upgrade(url)
    store = open_store(url)
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    with pytest.raises(DatabaseError, match="FOREIGN KEY"), store.write() as conn:
        conn.execute(text("INSERT INTO scenarios (plan_id, name, status, created_at, created_by) "
                          "VALUES (42, 'x', 'draft', :at, 'ana')"), {"at": datetime.now(UTC)})
    store.close()


def test_the_url_comes_from_the_option_then_the_environment_then_the_default(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUOTAPLAN_DB", raising=False)
    assert resolve_url(None) == DEFAULT_URL == "sqlite:///quotaplan.db"
    monkeypatch.setenv("QUOTAPLAN_DB", "postgresql+psycopg://team@db/plans")
    assert resolve_url(None) == "postgresql+psycopg://team@db/plans"
    assert resolve_url("sqlite:///other.db") == "sqlite:///other.db"


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "is not a database URL"),
    ("mysql://u@h/db", "SQLite or PostgreSQL only"),
    ("postgresql+asyncpg://u@h/db", "use the psycopg driver"),
])
def test_a_url_quotaplan_cannot_use_is_a_usage_error(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        make_engine(url)


def test_a_server_that_does_not_answer_is_a_store_error_with_the_password_hidden() -> None:
    url = "postgresql+psycopg://ana:secret@127.0.0.1:9/plans?connect_timeout=2"
    with pytest.raises(StoreError, match="could not be used") as caught:
        open_store(url)
    assert "secret" not in str(caught.value)
    assert "ana:***@127.0.0.1:9/plans" in str(caught.value)


def test_the_in_memory_store_is_upgraded_and_append_only_too() -> None:
    store = memory_store()
    _one_event(store)
    with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))
    with store.read() as conn:
        assert len(journal.read(conn, "FY27", "baseline")) == 1


def test_every_migration_file_is_shipped_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["quotaplan"]
    package = ROOT / "src" / "quotaplan"
    migration_files = [p.relative_to(package).as_posix()
                       for p in (package / "store" / "migrations").rglob("*")
                       if p.is_file() and "__pycache__" not in p.parts]
    assert "store/migrations/env.py" in migration_files
    assert "store/migrations/versions/0001_first_schema.py" in migration_files
    assert "store/migrations/versions/0002_plan_snapshots.py" in migration_files
    assert "store/migrations/versions/0003_version_change.py" in migration_files
    unshipped = [f for f in migration_files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert unshipped == []


def test_the_migrations_build_exactly_the_tables_schema_py_describes(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_every_revision_can_be_undone_and_redone(db_url: str) -> None:
    from alembic import command

    from quotaplan.store.db import _alembic_config

    upgrade(db_url)
    engine = make_engine(db_url)
    with engine.connect() as conn, conn.begin():
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    assert upgrade(db_url) == (None, head_revision())


def test_a_database_at_the_first_schema_is_refused_until_upgraded_and_keeps_its_versions(db_url: str) -> None:
    from alembic import command

    from quotaplan.store.db import _alembic_config

    engine = make_engine(db_url)
    with engine.connect() as conn, conn.begin():
        config = _alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
    at = datetime(2026, 3, 2, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO plans (id, name, created_at, created_by) "
                          "VALUES (1, 'FY27', :at, 'ana')"), {"at": at})
        conn.execute(text("INSERT INTO scenarios (id, plan_id, name, status, created_at, created_by) "
                          "VALUES (1, 1, 'baseline', 'published', :at, 'ana')"), {"at": at})
        conn.execute(text("INSERT INTO versions (plan_id, number, scenario_id, seq, approved_by, "
                          "published_at, content_sha256) VALUES (1, 1, 1, 3, 'ben', :at, :sha)"),
                     {"at": at, "sha": "a" * 64})
    engine.dispose()
    with pytest.raises(StoreError, match=r"is at an older schema \('0001'\): run `quotaplan db upgrade`"):
        open_store(db_url)
    assert upgrade(db_url) == ("0001", "0003")
    assert head_revision() == "0003"
    store = open_store(db_url)
    with store.read() as conn:
        rows = conn.execute(text("SELECT number, seq, approved_by, change_id FROM versions")).all()
    store.close()
    assert [tuple(r) for r in rows] == [(1, 3, "ben", None)]


def test_a_database_with_tables_of_another_program_is_refused_untouched(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE users (login VARCHAR(20))"))
        conn.execute(text("INSERT INTO users VALUES ('their data')"))
    with pytest.raises(StoreError, match=r"already has tables that quotaplan did not create \(users\)"):
        upgrade(db_url)
    with pytest.raises(StoreError, match="was not created by quotaplan, or never upgraded"):
        open_store(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT login FROM users")).all() == [("their data",)]
        assert set(inspect(conn).get_table_names()) == {"users"}
    engine.dispose()


def test_a_sqlite_file_in_a_folder_that_does_not_exist_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="could not be used: unable to open database file"):
        upgrade(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'q.db'}")
