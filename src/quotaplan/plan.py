"""A plan in memory: its settings and its typed tables (schemas in :mod:`quotaplan.schemas`).

Reading a plan (``planfolder``) is kept apart from computing it (``core``): the core takes a
:class:`Plan` and returns tables, and never touches files.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import polars as pl

from quotaplan.settings import Settings


@dataclass(frozen=True)
class Plan:
    """Settings plus one typed table per plan file (an absent optional file is an empty table).

    Every table has a ``line`` column (the row's line in its file, header = 1; null for rows that
    did not come from a file). Amounts are ``Int64`` cents. ``topdown`` already holds the root's
    ``[targets] topdown`` when it was given in ``plan.toml`` (with a null ``line``).
    """

    settings: Settings
    territories: pl.DataFrame
    sellers: pl.DataFrame
    accounts: pl.DataFrame
    bookings: pl.DataFrame
    topdown: pl.DataFrame
    overrides: pl.DataFrame
    adjustments: pl.DataFrame
    assigned_quotas: pl.DataFrame

    def with_tables(self, **tables: pl.DataFrame) -> Plan:
        """A copy with some tables replaced (what-if edits, scenarios)."""
        return replace(self, **tables)  # type: ignore[arg-type]

    def with_settings(self, settings: Settings) -> Plan:
        return replace(self, settings=settings)
