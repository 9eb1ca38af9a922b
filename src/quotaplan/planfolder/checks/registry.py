"""The registry of plan checks and what they share: the tables read so far (:class:`Tables`), the
:func:`check` decorator, :func:`run_checks`, and the helpers that list problems row by row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import polars as pl

from quotaplan.money import format_cents_grouped
from quotaplan.planfolder.checks.structure import Structure, structure_of
from quotaplan.problems import Problem, each_by_line
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


#: One problem per row (by line; the first of them, then one record that counts the rest).
each_row = each_by_line


def money_text(cents: int) -> str:
    return format_cents_grouped(cents)
