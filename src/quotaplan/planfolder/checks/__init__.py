"""The registry of plan checks: small named functions, each returning problems.

Each check takes the :class:`Tables` read so far (any may be ``None`` when its file was unreadable)
and returns a list of :class:`~quotaplan.problems.Problem`. A check must cope with missing tables
by returning nothing for them. Add a check by decorating it with :func:`check`; checks run in the
order they are registered, and every one runs (a plan's problems are all reported in one run).

Checks are vectorised (Polars joins, anti-joins and window counts); only the territory hierarchy is
walked in Python, once, in linear time (:class:`Structure`). Checks that need leaves, carriers or
numbered ancestors run only on a *sound* hierarchy: exactly one root and no cycle. Each check lists
at most :data:`~quotaplan.problems.MAX_LISTED` rows (unless every problem is listed), then one
"… and N more" record that counts the rest.

The checks live by topic: :mod:`.ids` (keys and references), :mod:`.hierarchy` (roots, cycles,
depth), :mod:`.placement` (sellers and accounts on the hierarchy), :mod:`.amounts` (numbers and
the settings that use them); :mod:`.registry` holds what they share and :mod:`.structure` the
hierarchy walk.
"""

from __future__ import annotations

import polars as pl

from quotaplan.money import to_cents
from quotaplan.planfolder.checks import amounts, hierarchy, ids, placement  # registers the checks
from quotaplan.planfolder.checks.ids import HASHED_PROBE_ROWS
from quotaplan.planfolder.checks.registry import REGISTRY, Check, Tables, check, run_checks
from quotaplan.planfolder.checks.structure import MAX_DEPTH, Structure, structure_of
from quotaplan.settings import Settings


def merged_topdown(
    settings: Settings, territories: pl.DataFrame, topdown: pl.DataFrame
) -> pl.DataFrame:
    """topdown.csv plus the root's ``[targets] topdown`` (line null) when only plan.toml gives it."""
    number = settings.targets.topdown
    if number is None:
        return topdown
    roots = territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")
    if roots.len() != 1:
        return topdown
    root = roots[0]
    if root in topdown.get_column("territory_id").to_list():
        return topdown
    row = pl.DataFrame(
        {"line": [None], "territory_id": [root], "amount": [to_cents(number)]},
        schema={"line": pl.Int64, "territory_id": pl.String, "amount": pl.Int64},
    )
    return pl.concat([topdown.select("line", "territory_id", "amount"), row])


__all__ = ["HASHED_PROBE_ROWS", "MAX_DEPTH", "REGISTRY", "Check", "Structure", "Tables", "amounts",
           "check", "hierarchy", "ids", "merged_topdown", "placement", "run_checks", "structure_of"]
