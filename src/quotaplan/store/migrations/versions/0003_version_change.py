"""A published version names the in-year change request it publishes (``versions.change_id``).

Version 1 publishes a scenario and has none; version N+1 publishes the approval of a change request,
whose id is the seq of its ``change.request`` event.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "change_id", sa.Integer(), nullable=True,
            comment="the in-year change request (its seq) the version publishes; empty for version 1"))


def downgrade() -> None:
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_column("change_id")
