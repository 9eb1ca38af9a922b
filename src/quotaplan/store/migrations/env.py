"""Alembic's entry point, run by :func:`quotaplan.store.db.upgrade` (no alembic.ini is needed).

The caller hands over an open connection in ``config.attributes["connection"]``; every revision runs
in that connection's one transaction, so an upgrade is all or nothing (SQLite included).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from quotaplan.store.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through quotaplan.store.db.upgrade, which passes a connection")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                  transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
