"""A plan in memory: its settings and its typed tables (schemas in :mod:`quotaplan.schemas`).

Reading a plan (``planfolder``) is kept apart from computing it (``core``): the core takes a
:class:`Plan` and returns tables, and never touches files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import polars as pl

from quotaplan.problems import Problem
from quotaplan.settings import Settings

#: Table → the plan folder file it is read from.
FOLDER_SOURCES: Mapping[str, str] = {
    "settings": "plan.toml",
    "territories": "territories.csv",
    "sellers": "sellers.csv",
    "accounts": "accounts.csv",
    "bookings": "bookings.csv",
    "topdown": "topdown.csv",
    "overrides": "overrides.csv",
    "adjustments": "adjustments.csv",
    "assigned_quotas": "assigned_quotas.csv",
}


@dataclass(frozen=True)
class Plan:
    """Settings plus one typed table per plan file (an absent optional file is an empty table).

    Every table has a ``line`` column (the row's line in its file, header = 1; null for rows that
    did not come from a file). Amounts are ``Int64`` cents. ``topdown`` already holds the root's
    ``[targets] topdown`` when it was given in ``plan.toml`` (with a null ``line``).

    ``sources`` names where each table (and ``settings``) came from, as problems show it: a plan
    folder's file names by default (:data:`FOLDER_SOURCES`); a plan from a store or a workbook
    names its own. The core never names a file: it asks :meth:`source`.
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
    sources: Mapping[str, str] = field(default_factory=lambda: dict(FOLDER_SOURCES))

    @classmethod
    def from_tables(
        cls,
        settings: Settings,
        tables: Mapping[str, pl.DataFrame],
        sources: Mapping[str, str] | None = None,
        *,
        passthrough: bool = False,
    ) -> tuple[Plan | None, list[Problem]]:
        """A plan from tables of text cells of any source (a store, a workbook, an importer),
        with the same checks as a plan folder's: see :func:`quotaplan.fromtables.plan_from_tables`."""
        from quotaplan.fromtables import plan_from_tables  # it builds plans: imported when used

        return plan_from_tables(settings, tables, sources, passthrough=passthrough)

    def source(self, table: str) -> str:
        """Where ``table`` (``"accounts"``, ``"settings"``, …) came from, for a problem's location."""
        return self.sources.get(table, table)

    def with_tables(self, **tables: pl.DataFrame) -> Plan:
        """A copy with some tables replaced (what-if edits, scenarios)."""
        return replace(self, **tables)  # type: ignore[arg-type]

    def with_settings(self, settings: Settings) -> Plan:
        return replace(self, settings=settings)
