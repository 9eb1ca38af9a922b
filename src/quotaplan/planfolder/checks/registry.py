"""The registry of plan checks and what they share: the tables read so far (:class:`Tables`), the
:func:`check` decorator, :func:`run_checks`, and the helpers that list problems row by row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import polars as pl

from quotaplan.money import format_cents_grouped
from quotaplan.planfolder.cells import show_value
from quotaplan.planfolder.checks.structure import Structure, structure_of
from quotaplan.problems import Problem, Severity, each_listed
from quotaplan.schemas import INPUTS
from quotaplan.settings import Settings

TERRITORIES = INPUTS["territories"].file
SELLERS = INPUTS["sellers"].file
ACCOUNTS = INPUTS["accounts"].file
BOOKINGS = INPUTS["bookings"].file
TOPDOWN = INPUTS["topdown"].file
OVERRIDES = INPUTS["overrides"].file
ADJUSTMENTS = INPUTS["adjustments"].file
ASSIGNED = INPUTS["assigned_quotas"].file


@dataclass(frozen=True)
class Tables:
    settings: Settings | None
    territories: pl.DataFrame | None
    sellers: pl.DataFrame | None
    accounts: pl.DataFrame | None
    bookings: pl.DataFrame | None
    topdown: pl.DataFrame | None
    overrides: pl.DataFrame | None
    adjustments: pl.DataFrame | None
    assigned_quotas: pl.DataFrame | None

    @cached_property
    def structure(self) -> Structure | None:
        """The hierarchy, computed once per run (``None`` when territories.csv is unreadable)."""
        return None if self.territories is None else structure_of(self.territories)

    @property
    def sound(self) -> Structure | None:
        """The hierarchy when it is sound (one root, no cycle), else ``None``."""
        found = self.structure
        return found if found is not None and found.sound else None


Check = Callable[[Tables], list[Problem]]


REGISTRY: dict[str, Check] = {}


def check(name: str) -> Callable[[Check], Check]:
    def register(fn: Check) -> Check:
        REGISTRY[name] = fn
        return fn

    return register


def run_checks(settings: Settings | None, tables: dict[str, pl.DataFrame | None]) -> list[Problem]:
    view = Tables(settings=settings, **tables)
    problems: list[Problem] = []
    for fn in REGISTRY.values():
        problems += fn(view)
    return problems


def each_row(
    file: str,
    rows: pl.DataFrame,
    column: str | None,
    say: Callable[[dict[str, Any]], str],
    code: str,
    severity: Severity = "error",
) -> list[Problem]:
    """One problem per row of ``rows`` (by line; the first
    :data:`~quotaplan.problems.MAX_LISTED`, then one record that counts the rest)."""
    return each_listed(file, rows.sort("line", nulls_last=True), column, say, code, severity)


def quoted(value: object) -> str:
    return f"'{show_value(value)}'"


def money_text(cents: int) -> str:
    return format_cents_grouped(cents)
