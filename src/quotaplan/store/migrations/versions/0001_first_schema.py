"""The first schema: plans, scenarios, events, users, grants, tokens, versions.

Events and their subjects are append-only: triggers make the database refuse UPDATE and DELETE
(and, in PostgreSQL, TRUNCATE) on them, whatever program or person issues the statement.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = ("events", "event_subjects")

PG_FUNCTION = """
CREATE FUNCTION quotaplan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION quotaplan_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION quotaplan_append_only()"
            )
        return
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN "
                f"SELECT RAISE(ABORT, 'the {table} table is append-only: {verb} is refused'); END"
            )


def _drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION quotaplan_append_only()")
        return
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{verb}")


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
        sa.UniqueConstraint("name", name=op.f("uq_plans_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=False, comment="Argon2id, PHC string"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True, comment="empty for admin: every plan"),
        sa.Column(
            "role",
            sa.String(length=20),
            nullable=False,
            comment="admin | planner | manager | seller | viewer",
        ),
        sa.Column("node", sa.String(length=200), nullable=True, comment="territory_id of a manager's node"),
        sa.Column(
            "seller",
            sa.String(length=200),
            nullable=True,
            comment="seller_id of a seller (or a manager's own)",
        ),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_grants_plan_id_plans")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_grants_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
    )
    op.create_table(
        "plan_files",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False, comment="file name in the plan folder"),
        sa.Column("size", sa.BigInteger(), nullable=False, comment="bytes of the original file"),
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="hex digest of the original file"),
        sa.Column("codec", sa.String(length=20), nullable=False, comment="how each part is compressed: zlib"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_files_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", "name", name=op.f("pk_plan_files")),
    )
    op.create_table(
        "scenarios",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "fork_seq", sa.Integer(), nullable=True, comment="the parent's seq this scenario starts from"
        ),
        sa.Column(
            "status", sa.String(length=20), nullable=False, comment="draft | in_review | approved | published"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["scenarios.id"], name=op.f("fk_scenarios_parent_id_scenarios")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_scenarios_plan_id_plans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenarios")),
        sa.UniqueConstraint("plan_id", "name", name=op.f("uq_scenarios_plan_id_name")),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, comment="SHA-256 hex of the token"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False, comment="increasing within the scenario's lineage"),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_events_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("scenario_id", "seq", name=op.f("uq_events_scenario_id_seq")),
    )
    op.create_table(
        "plan_file_parts",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False, comment="0, 1, … in file order"),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id", "name"],
            ["plan_files.plan_id", "plan_files.name"],
            name=op.f("fk_plan_file_parts_plan_id_plan_files"),
        ),
        sa.PrimaryKeyConstraint("plan_id", "name", "part", name=op.f("pk_plan_file_parts")),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column(
            "seq", sa.Integer(), nullable=False, comment="the scenario's seq the version was built from"
        ),
        sa.Column(
            "effective", sa.Date(), nullable=True, comment="empty for version 1, D for an in-year change"
        ),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_versions_plan_id_plans")),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenarios.id"], name=op.f("fk_versions_scenario_id_scenarios")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_versions")),
        sa.UniqueConstraint("plan_id", "number", name=op.f("uq_versions_plan_id_number")),
    )
    op.create_table(
        "event_subjects",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_event_subjects_event_id_events")),
        sa.PrimaryKeyConstraint("event_id", "kind", "ref", name=op.f("pk_event_subjects")),
    )
    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_subjects_kind_ref"), ["kind", "ref"], unique=False)

    op.create_table(
        "version_tables",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False, comment="zlib-compressed file bytes"),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_version_tables_version_id_versions")
        ),
        sa.PrimaryKeyConstraint("version_id", "name", name=op.f("pk_version_tables")),
    )
    _append_only_triggers()


def downgrade() -> None:
    _drop_append_only_triggers()
    op.drop_table("version_tables")
    with op.batch_alter_table("event_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_subjects_kind_ref"))

    op.drop_table("event_subjects")
    op.drop_table("versions")
    op.drop_table("plan_file_parts")
    op.drop_table("events")
    op.drop_table("tokens")
    op.drop_table("scenarios")
    op.drop_table("plan_files")
    op.drop_table("grants")
    op.drop_table("users")
    op.drop_table("plans")
