"""The registry of plan checks: small named functions, each returning problems.

Each check takes the :class:`Tables` read so far (any may be ``None`` when its file was unreadable)
and returns a list of :class:`~quotaplan.problems.Problem`. A check must cope with missing tables
by returning nothing for them. Add a check by decorating it with :func:`check`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from quotaplan.problems import Problem
from quotaplan.settings import Settings


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


def merged_topdown(
    settings: Settings, territories: pl.DataFrame, topdown: pl.DataFrame
) -> pl.DataFrame:
    """topdown.csv plus the root's ``[targets] topdown`` (line null) when only plan.toml gives it."""
    number = settings.targets.topdown
    if number is None:
        return topdown
    from quotaplan.money import to_cents

    root = territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")[0]
    if root in topdown.get_column("territory_id").to_list():
        return topdown
    row = pl.DataFrame(
        {"line": [None], "territory_id": [root], "amount": [to_cents(number)]},
        schema={"line": pl.Int64, "territory_id": pl.String, "amount": pl.Int64},
    )
    return pl.concat([topdown.select("line", "territory_id", "amount"), row])
