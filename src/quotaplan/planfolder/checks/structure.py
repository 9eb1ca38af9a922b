"""The territory hierarchy as the checks see it: nodes, roots and cycles, walked once in linear
time (the checks that need leaves, carriers or anchors run only on a sound one)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

#: Deepest hierarchy accepted (root = depth 0). Real ones have a handful of levels; the roll-ups
#: hold a row per (node, ancestor), so an absurdly deep chain would exhaust memory.
MAX_DEPTH = 64


@dataclass(frozen=True)
class Structure:
    """The territory hierarchy as far as it can be read (first row of a repeated id wins).

    ``nodes``: territory_id, line, parent_id, is_leaf (a leaf: no territory names it as parent).
    ``roots``: ids with an empty parent_id, in file order. ``cycles``: each cycle's ids, in
    parent order starting at the member with the smallest line.
    """

    nodes: pl.DataFrame
    roots: list[str]
    cycles: list[list[str]]

    @property
    def sound(self) -> bool:
        """Exactly one root and no cycle: leaves, carriers and anchors are meaningful."""
        return len(self.roots) == 1 and not self.cycles

    @property
    def root(self) -> str | None:
        return self.roots[0] if len(self.roots) == 1 else None

    def deepest(self) -> tuple[str, int] | None:
        """The deepest node and its depth (root = 0), in linear time; ``None`` with a cycle."""
        if self.cycles:
            return None
        parent = dict(zip(self.nodes["territory_id"].to_list(), self.nodes["parent_id"].to_list(),
                          strict=True))
        depth: dict[str, int] = {}
        best: tuple[str, int] | None = None
        for start in parent:
            path: list[str] = []
            node: str | None = start
            while node is not None and node in parent and node not in depth:
                path.append(node)
                node = parent[node]
            known = depth[node] if node is not None and node in depth else -1
            for offset, item in enumerate(reversed(path), start=1):
                depth[item] = known + offset
            if best is None or depth[start] > best[1]:
                best = (start, depth[start])
        return best

    def anchors(self, numbered: set[str]) -> dict[str, str | None]:
        """Each node → its nearest numbered ancestor-or-self (``None`` when there is none).

        Linear: every node is resolved once, following parents until a resolved or numbered node.
        Only meaningful when there is no cycle (a cycle's members resolve to ``None``).
        """
        parent = dict(zip(self.nodes["territory_id"].to_list(), self.nodes["parent_id"].to_list(),
                          strict=True))
        anchor: dict[str, str | None] = {}
        for start in parent:
            path: list[str] = []
            node: str | None = start
            found: str | None = None
            seen: set[str] = set()
            while node is not None and node in parent and node not in seen:
                if node in anchor:
                    found = anchor[node]
                    break
                if node in numbered:
                    found = node
                    break
                seen.add(node)
                path.append(node)
                node = parent[node]
            for item in path:
                anchor[item] = found
            if start in numbered:
                anchor[start] = start
        return anchor


def structure_of(territories: pl.DataFrame) -> Structure:
    terr = (
        territories.filter(pl.col("territory_id").is_not_null())
        .sort("line")
        .unique("territory_id", keep="first", maintain_order=True)
        .select("territory_id", "line", "parent_id")
    )
    parents = terr.filter(pl.col("parent_id").is_not_null()).select(
        pl.col("parent_id").unique().alias("territory_id"), pl.lit(False).alias("is_leaf")
    )
    nodes = terr.join(parents, on="territory_id", how="left", maintain_order="left").with_columns(
        pl.col("is_leaf").fill_null(True)
    )
    roots = terr.filter(pl.col("parent_id").is_null()).get_column("territory_id").to_list()
    return Structure(nodes=nodes, roots=roots, cycles=cycles_of(terr))


def cycles_of(terr: pl.DataFrame) -> list[list[str]]:
    """Every cycle of parent links, in linear time (each node is walked once)."""
    ids: list[str] = terr.get_column("territory_id").to_list()
    parent_of: dict[str, str | None] = dict(
        zip(ids, terr.get_column("parent_id").to_list(), strict=True)
    )
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = finished
    cycles: list[list[str]] = []
    for start in ids:
        if start in state:
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            cycles.append(path[path.index(node):])
        for item in path:
            state[item] = 2
    order = {tid: i for i, tid in enumerate(ids)}
    rotated = []
    for cycle in cycles:
        first = min(range(len(cycle)), key=lambda i: order[cycle[i]])
        rotated.append(cycle[first:] + cycle[:first])
    return sorted(rotated, key=lambda c: order[c[0]])
