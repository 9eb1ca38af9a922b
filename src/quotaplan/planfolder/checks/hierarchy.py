"""The territory hierarchy: one root, no cycle, not absurdly deep, every parent known."""

from __future__ import annotations

import polars as pl

from quotaplan.planfolder.checks.ids import unknown_ids
from quotaplan.planfolder.checks.registry import TERRITORIES, Tables, check, each_row
from quotaplan.planfolder.checks.structure import MAX_DEPTH
from quotaplan.problems import Problem, error, listed, more, quoted


@check("roots")
def roots(t: Tables) -> list[Problem]:
    """Exactly one territory has an empty parent_id."""
    found = t.structure
    if found is None:
        return []
    if not found.roots:
        return [error(TERRITORIES, 1, "parent_id", "no territory has an empty parent_id, so the "
                      "hierarchy has no root; leave parent_id empty for the one top territory",
                      "roots")]
    if len(found.roots) == 1:
        return []
    first = found.roots[0]
    extra = found.nodes.filter(pl.col("parent_id").is_null()).slice(1)
    first_line = found.nodes.filter(pl.col("territory_id") == first).get_column("line")[0]
    return each_row(TERRITORIES, extra, "parent_id",
                 lambda r: f"territory {quoted(r['territory_id'])} has no parent_id, but "
                 f"{quoted(first)} on line {first_line} is already the root; a plan has one root — "
                 "give this territory a parent", "roots")


@check("depth")
def hierarchy_depth(t: Tables) -> list[Problem]:
    """A hierarchy deeper than :data:`MAX_DEPTH` levels (named at its deepest territory)."""
    found = t.structure
    deepest = found.deepest() if found is not None else None
    if found is None or deepest is None or deepest[1] <= MAX_DEPTH:
        return []
    node, depth = deepest
    line = found.nodes.filter(pl.col("territory_id") == node).get_column("line")[0]
    return [error(TERRITORIES, int(line), "parent_id", f"territory {quoted(node)} is {depth} levels "
                  f"below the root; quotaplan takes hierarchies of up to {MAX_DEPTH} levels — "
                  "check the parent_id links (a chain this deep is usually an export error)",
                  "depth")]


@check("cycles")
def cycles(t: Tables) -> list[Problem]:
    """Parent links that loop back (reported once per cycle, at its first line)."""
    found = t.structure
    if found is None or not found.cycles:
        return []
    lines = dict(zip(found.nodes["territory_id"].to_list(), found.nodes["line"].to_list(),
                     strict=True))
    problems = []
    count = listed(len(found.cycles))
    for cycle in found.cycles[:count]:
        shown = cycle if len(cycle) <= 10 else [*cycle[:10], "…"]
        path = " → ".join(f"'{c}'" for c in [*shown, cycle[0]])
        problems.append(error(TERRITORIES, lines[cycle[0]], "parent_id",
                              f"the parent links form a cycle ({path}, child → parent); a "
                              "territory cannot be beneath itself — correct one parent_id",
                              "cycle"))
    if len(found.cycles) > count:
        rest = len(found.cycles) - count
        problems.append(more(TERRITORIES, lines[found.cycles[count][0]], "parent_id",
                             f"… and {rest} more cycles", "error", "cycle", rest))
    return problems


@check("unknown-parent")
def unknown_parent(t: Tables) -> list[Problem]:
    return unknown_ids(t.territories, TERRITORIES, "parent_id", t.territories, "territory_id",
                    TERRITORIES, "parent territory")
