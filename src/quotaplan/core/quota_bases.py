"""The base of each carrier's quota (SPEC "Quotas", step 1): the book target, an assigned quota,
or a share of the nearest top-down number above it (``topdown``: by book; ``even``: equally).
Pure; problems are located by the plan's sources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.money import format_cents_grouped, split_frame
from quotaplan.plan import Plan
from quotaplan.problems import Problem, error, warning

#: At most this many ids are named in one problem message.
NAMED = 5


def quota_bases(
    plan: Plan, hierarchy: Hierarchy, books: pl.DataFrame, problems: list[Problem]
) -> pl.DataFrame:
    """seller_id, base (cents, before over-assignment), base_reason."""
    basis = plan.settings.quotas.basis
    carriers = hierarchy.carriers.select("seller_id", "territory_id", "anchor_id")
    schema = pl.Schema({"seller_id": pl.String(), "base": pl.Int64(), "base_reason": pl.String()})
    if basis == "targets":
        frame = carriers.join(books, on="territory_id", how="left").with_columns(
            pl.col("book_target").fill_null(0), pl.col("accounts").fill_null(0)
        )
        return frame.select(
            "seller_id",
            pl.col("book_target").alias("base"),
            pl.concat_str(pl.lit("book target: the sum of the targets of "),
                          pl.col("accounts").cast(pl.String),
                          pl.lit(" account(s) in territory "), pl.col("territory_id")
                          ).alias("base_reason"),
        ).cast(schema)
    if basis == "assigned":
        assigned = plan.assigned_quotas.select(
            "seller_id", pl.col("quota").alias("base"), "reason", "line"
        )
        frame = carriers.join(assigned, on="seller_id", how="left")
        missing = frame.filter(pl.col("base").is_null()).get_column("seller_id").to_list()
        if missing:
            problems.append(error(plan.source("assigned_quotas"), None, "seller_id", f"{len(missing)} "
                                  f"carrier(s) have no assigned quota ({_names(missing)}); basis "
                                  "'assigned' needs a line for every carrier", "missing-assigned"))
        reason = pl.concat_str(
            pl.lit(f"assigned quota ({plan.source('assigned_quotas')} line "),
            pl.col("line").cast(pl.String),
            pl.lit(")"),
            pl.when(pl.col("reason").is_not_null()).then(pl.concat_str(pl.lit(": "),
                                                                         pl.col("reason")))
            .otherwise(pl.lit("")),
        )
        return frame.select(
            "seller_id",
            pl.col("base").fill_null(0),
            pl.when(pl.col("base").is_null()).then(pl.lit("no assigned quota: 0"))
            .otherwise(reason).alias("base_reason"),
        ).cast(schema)
    return _split_bases(plan, hierarchy, books, problems).cast(schema)


def _split_bases(
    plan: Plan, hierarchy: Hierarchy, books: pl.DataFrame, problems: list[Problem]
) -> pl.DataFrame:
    """``topdown`` / ``even``: each numbered node's own remainder split over the seats beneath it."""
    basis = plan.settings.quotas.basis
    nodes = hierarchy.nodes
    numbered = nodes.filter(pl.col("topdown").is_not_null())
    owners = numbered.join(
        nodes.select(pl.col("territory_id").alias("parent_id"), pl.col("anchor_id").alias("owner")),
        on="parent_id", how="left",
    )
    deeper = (
        owners.filter(pl.col("owner").is_not_null())
        .group_by("owner")
        .agg(pl.col("topdown").sum().alias("deeper"))
    )
    anchors = (
        numbered.select(pl.col("territory_id").alias("anchor_id"), "topdown")
        .join(deeper, left_on="anchor_id", right_on="owner", how="left")
        .with_columns(pl.col("deeper").fill_null(0).cast(pl.Int64))
        .with_columns((pl.col("topdown") - pl.col("deeper")).alias("remainder"))
    )
    _warn_negative(plan, anchors, problems)
    carriers = hierarchy.carriers.select("seller_id", "territory_id", "anchor_id")
    unanchored = carriers.filter(pl.col("anchor_id").is_null()).get_column("seller_id").to_list()
    if unanchored:
        problems.append(error(plan.source("settings"), None, "quotas.basis",
                              f"basis {basis!r} splits top-down numbers, but {len(unanchored)} carrier(s) "
                              "have no numbered "
                              f"territory above them ({_names(unanchored)}); give the root a "
                              "number ([targets] topdown) or number their territories in "
                              f"{plan.source('topdown')}", "no-number"))
    seats = (
        carriers.filter(pl.col("anchor_id").is_not_null())
        .unique("territory_id")
        .select("territory_id", "anchor_id")
        .join(books.select("territory_id", "book_target"), on="territory_id", how="left")
        .with_columns(pl.col("book_target").fill_null(0).clip(lower_bound=0))
        .join(anchors, on="anchor_id", how="left")
    )
    weight = pl.col("book_target") if basis == "topdown" else pl.lit(1, dtype=pl.Int64)
    seats = seats.with_columns(weight.alias("_w")).with_columns(
        pl.col("_w").sum().over("anchor_id").alias("_wsum"),
        pl.col("book_target").sum().over("anchor_id").alias("_books"),
        pl.len().over("anchor_id").alias("_seats"),
        pl.col("remainder").clip(lower_bound=0).alias("_total"),
    ).with_columns(
        pl.when(pl.col("_wsum") == 0).then(pl.lit(1, dtype=pl.Int64)).otherwise(pl.col("_w"))
        .alias("_w")
    )
    split = split_frame(seats, group="anchor_id", total="_total", weight="_w",
                        id_col="territory_id", out="base")
    reasons = [
        _split_reason(basis, row) for row in split.iter_rows(named=True)
    ]
    split = split.with_columns(pl.Series("base_reason", reasons, dtype=pl.String))
    return carriers.join(split.select("territory_id", "base", "base_reason"), on="territory_id",
                         how="left").select(
        "seller_id",
        pl.col("base").fill_null(0),
        pl.col("base_reason").fill_null("no numbered territory above this carrier: 0"),
    )


def _split_reason(basis: str, row: Mapping[str, Any]) -> str:
    anchor = row["anchor_id"]
    number = format_cents_grouped(row["topdown"])
    if row["deeper"]:
        head = (f"{anchor}'s number {number} less {format_cents_grouped(row['deeper'])} numbered "
                f"deeper = {format_cents_grouped(row['remainder'])}")
    else:
        head = f"{anchor}'s number {number}"
    if row["remainder"] < 0:
        head += " (below 0: nothing to split)"
    seats = row["_seats"]
    if basis == "even" or row["_books"] == 0:
        why = "equal shares" if basis == "even" else "equal shares (every book is 0)"
        return f"{head}, split in {why} over {seats} seat(s)"
    return (f"{head}, split over {seats} seat(s) in proportion to book target (this book "
            f"{format_cents_grouped(row['book_target'])} of {format_cents_grouped(row['_books'])})")


def _warn_negative(plan: Plan, anchors: pl.DataFrame, problems: list[Problem]) -> None:
    lines = dict(plan.topdown.select("territory_id", "line").iter_rows())
    for territory, remainder in anchors.filter(pl.col("remainder") < 0).select(
        "anchor_id", "remainder"
    ).iter_rows():
        line = lines.get(territory)
        problems.append(warning(
            plan.source("topdown") if line is not None else plan.source("settings"), line,
            "amount" if line is not None else "targets.topdown",
            f"the numbers of the territories beneath {territory} exceed its own by "
            f"{format_cents_grouped(-remainder)}; its carriers outside them get a base of 0",
            "negative-remainder"))


def _names(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:NAMED])
    return shown + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")
