"""The store's clock: every timestamp it writes is UTC, and every one it reads comes back as UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """A timestamp read from the database as UTC (SQLite hands back naive ones, written in UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
