"""Plan snapshots: the loaded plan's typed tables, so that opening a plan does not parse its CSV again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "plan_snapshots",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False, comment="table of the plan: accounts, …"),
        sa.Column("part", sa.Integer(), nullable=False, comment="0, 1, … in order"),
        sa.Column("data", sa.LargeBinary(), nullable=False, comment="Arrow IPC stream bytes, in parts"),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_plan_snapshots_plan_id_plans")),
        sa.PrimaryKeyConstraint("plan_id", "name", "part", name=op.f("pk_plan_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("plan_snapshots")
