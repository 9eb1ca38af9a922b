"""The territory hierarchy: depths, ancestors, leaves, numbered nodes, carriers and managers.

Pure: a validated :class:`~quotaplan.plan.Plan` in, tables out. Depth of the root is 0. A node is
*numbered* when the plan gives it a top-down number. Each node's *anchor* is its nearest numbered
ancestor-or-self (null when none is numbered): the node whose number its accounts and carriers share.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from quotaplan.core.ramp import starts_after_year_expr
from quotaplan.plan import Plan


@dataclass(frozen=True)
class Hierarchy:
    """Derived structure of a plan.

    ``nodes``: territory_id, parent_id, depth (Int64), is_leaf, topdown (cents, null when not
    numbered), anchor_id (nearest numbered ancestor-or-self), anchor_depth, manager_id.
    ``closure``: territory_id, ancestor_id, ancestor_depth — every (node, ancestor-or-self) pair.
    ``carriers``: one row per quota carrier: the sellers.csv columns of the seller, plus depth and
    anchor_id / anchor_depth of their leaf, and starts_after_year (their first day of quota is
    after the plan year: they carry 0 and their book counts as uncovered).
    """

    root: str
    nodes: pl.DataFrame
    closure: pl.DataFrame
    carriers: pl.DataFrame

    @property
    def max_depth(self) -> int:
        deepest = self.nodes.get_column("depth").max()
        return deepest if isinstance(deepest, int) else 0


def build_hierarchy(plan: Plan) -> Hierarchy:
    terr = plan.territories.select("territory_id", "parent_id")
    root = terr.filter(pl.col("parent_id").is_null()).get_column("territory_id")[0]
    # Closure by repeated parent joins: each round adds one more generation of ancestors.
    closure = terr.select(
        pl.col("territory_id"), pl.col("territory_id").alias("ancestor_id"), pl.lit(0).alias("up")
    )
    frontier = terr.filter(pl.col("parent_id").is_not_null()).select(
        "territory_id", pl.col("parent_id").alias("ancestor_id"), pl.lit(1).alias("up")
    )
    parents = terr.rename({"territory_id": "ancestor_id", "parent_id": "next_id"})
    while frontier.height:
        closure = pl.concat([closure, frontier])
        frontier = (
            frontier.join(parents, on="ancestor_id", how="inner")
            .filter(pl.col("next_id").is_not_null())
            .select("territory_id", pl.col("next_id").alias("ancestor_id"), pl.col("up") + 1)
        )
    depth = closure.group_by("territory_id").agg(pl.col("up").max().alias("depth"))
    closure = closure.join(depth.rename({"territory_id": "ancestor_id", "depth": "ancestor_depth"}),
                           on="ancestor_id").select("territory_id", "ancestor_id", "ancestor_depth")
    parent_set = terr.filter(pl.col("parent_id").is_not_null()).get_column("parent_id").unique()
    numbers = plan.topdown.select("territory_id", pl.col("amount").alias("topdown"))
    anchors = (
        closure.join(numbers.rename({"territory_id": "ancestor_id"}), on="ancestor_id", how="inner")
        .sort("ancestor_depth", descending=True)
        .group_by("territory_id", maintain_order=True)
        .first()
        .select("territory_id", pl.col("ancestor_id").alias("anchor_id"),
                pl.col("ancestor_depth").alias("anchor_depth"))
    )
    managers = (
        plan.sellers.join(terr.filter(pl.col("territory_id").is_in(parent_set.implode())),
                          on="territory_id", how="semi")
        .select("territory_id", pl.col("seller_id").alias("manager_id"))
        .unique("territory_id", keep="first")
    )
    nodes = (
        terr.join(depth, on="territory_id", how="left")
        .with_columns(
            pl.col("depth").cast(pl.Int64),
            (~pl.col("territory_id").is_in(parent_set.implode())).alias("is_leaf"),
        )
        .join(numbers, on="territory_id", how="left")
        .join(anchors, on="territory_id", how="left")
        .join(managers, on="territory_id", how="left")
        .with_columns(pl.col("anchor_depth").cast(pl.Int64))
        .sort("territory_id")
    )
    leaves = nodes.filter(pl.col("is_leaf")).select("territory_id", "depth", "anchor_id",
                                                     "anchor_depth")
    carriers = (
        plan.sellers.join(leaves, on="territory_id", how="inner")
        .with_columns(starts_after_year_expr(pl.col("hire_date"), plan.settings)
                      .alias("starts_after_year"))
        .sort("seller_id")
    )
    return Hierarchy(root=str(root), nodes=nodes, closure=closure.sort("territory_id", "ancestor_depth"),
                     carriers=carriers)
