"""The store's tables, written down once (SQLAlchemy Core). Migrations create them; code reads them here.

How a plan is kept
------------------
A plan is stored as the **bytes of its plan folder's files** (``plan_files`` + ``plan_file_parts``,
each file split in parts of at most :data:`PART_BYTES` before compression, each part zlib-compressed),
and every change after loading is an **event** (``events``). Why files and not one row per account:

* exact by construction: every value stays as read (text ids, decimal amounts, dates, empty cells),
  and the exact reader that checks a folder checks the stored plan the same way, with the same
  file:line in every message; exporting the loaded state gives the folder back byte for byte;
* a million-account plan with ten million bookings is a few hundred MB of CSV: as rows it would be
  tens of millions of INSERTs (far beyond "load ≤ 2× build"), as compressed parts it is a few
  hundred blob writes, and opening it costs one read plus the same columnar parse as a folder;
* parts keep every value far below the size limits of SQLite blobs and PostgreSQL ``bytea`` and let
  a reader stream a file without holding two copies of it.

State is derived: a scenario's plan is the loaded files plus the events of its lineage (its parent's
up to ``fork_seq``, then its own), in ``seq`` order. Events and their subjects are append-only: the
migration adds triggers that make the database refuse ``UPDATE`` and ``DELETE`` on them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: Raw bytes per stored part of a plan file (before compression).
PART_BYTES = 8 * 1024 * 1024

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# Timestamps are UTC, stored timezone-aware where the database can.
UTC_TIME = DateTime(timezone=True)

plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("created_at", UTC_TIME, nullable=False),
    Column("created_by", String(200), nullable=False),
)

plan_files = Table(
    "plan_files", metadata,
    Column("plan_id", ForeignKey("plans.id"), primary_key=True),
    Column("name", String(200), primary_key=True, comment="file name in the plan folder"),
    Column("size", BigInteger, nullable=False, comment="bytes of the original file"),
    Column("sha256", String(64), nullable=False, comment="hex digest of the original file"),
    Column("codec", String(20), nullable=False, comment="how each part is compressed: zlib"),
)

plan_file_parts = Table(
    "plan_file_parts", metadata,
    Column("plan_id", Integer, primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("part", Integer, primary_key=True, comment="0, 1, … in file order"),
    Column("data", LargeBinary, nullable=False),
    ForeignKeyConstraint(["plan_id", "name"], ["plan_files.plan_id", "plan_files.name"]),
)

# The loaded plan's typed tables (Arrow IPC, in parts of at most PART_BYTES): what opening a plan
# reads, so that it costs no CSV parse and no checks (the files were checked when loaded). The files
# above stay the plan's exact content; a snapshot is derived from them and rebuilt with them.
plan_snapshots = Table(
    "plan_snapshots", metadata,
    Column("plan_id", ForeignKey("plans.id"), primary_key=True),
    Column("name", String(200), primary_key=True, comment="table of the plan: accounts, …"),
    Column("part", Integer, primary_key=True, comment="0, 1, … in order"),
    Column("data", LargeBinary, nullable=False, comment="Arrow IPC stream bytes, in parts"),
)

scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", ForeignKey("plans.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_id", ForeignKey("scenarios.id"), nullable=True),
    Column("fork_seq", Integer, nullable=True, comment="the parent's seq this scenario starts from"),
    Column("status", String(20), nullable=False, comment="draft | in_review | approved | published"),
    Column("created_at", UTC_TIME, nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("plan_id", "name"),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", ForeignKey("scenarios.id"), nullable=False),
    Column("seq", Integer, nullable=False, comment="increasing within the scenario's lineage"),
    Column("at", UTC_TIME, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("kind", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("reason", Text, nullable=True),
    UniqueConstraint("scenario_id", "seq"),
)

# What each event touches (seller, account, territory, setting, scenario): the conflict rule and the
# history filters (`log --seller …`) read it. Append-only like the events themselves.
event_subjects = Table(
    "event_subjects", metadata,
    Column("event_id", ForeignKey("events.id"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("ref", String(200), primary_key=True),
    Index(None, "kind", "ref"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("email", String(320), nullable=True),
    Column("password_hash", Text, nullable=False, comment="Argon2id, PHC string"),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTC_TIME, nullable=False),
)

grants = Table(
    "grants", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("plan_id", ForeignKey("plans.id"), nullable=True, comment="empty for admin: every plan"),
    Column("role", String(20), nullable=False, comment="admin | planner | manager | seller | viewer"),
    Column("node", String(200), nullable=True, comment="territory_id of a manager's node"),
    Column("seller", String(200), nullable=True, comment="seller_id of a seller (or a manager's own)"),
    Column("granted_at", UTC_TIME, nullable=False),
    Column("granted_by", String(200), nullable=False),
)

tokens = Table(
    "tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True, comment="SHA-256 hex of the token"),
    Column("created_at", UTC_TIME, nullable=False),
    Column("revoked", Boolean, nullable=False),
)

versions = Table(
    "versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", ForeignKey("plans.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("scenario_id", ForeignKey("scenarios.id"), nullable=False),
    Column("seq", Integer, nullable=False, comment="the scenario's seq the version was built from"),
    Column("effective", Date, nullable=True, comment="empty for version 1, D for an in-year change"),
    Column("approved_by", String(200), nullable=False),
    Column("published_at", UTC_TIME, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("change_id", Integer, nullable=True,
           comment="the in-year change request (its seq) the version publishes; empty for version 1"),
    UniqueConstraint("plan_id", "number"),
)

# The published tables of a version (quotas.csv, quota_periods.csv, …), exactly as written.
version_tables = Table(
    "version_tables", metadata,
    Column("version_id", ForeignKey("versions.id"), primary_key=True),
    Column("name", String(200), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False, comment="zlib-compressed file bytes"),
)

#: Tables the database itself keeps append-only.
APPEND_ONLY = ("events", "event_subjects")
