"""The top-down part of account targets: each numbered node's remainder split over its accounts.

Evenly, by a weight column, or by buckets then within each bucket (SPEC, "Account targets"; the
conventions are in :mod:`quotaplan.core.targets`). Every split is largest remainder on cents
(:func:`quotaplan.money.split_frame`). Problems are located by the plan's sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.split_inputs import (
    bucket_column_problem,
    bucket_problems,
    bucket_value,
    missing_weight_problems,
    weight_cell_problems,
    weight_cells,
    weight_column_problem,
)
from quotaplan.money import format_cents_grouped, round_div, split_frame
from quotaplan.plan import Plan
from quotaplan.problems import Problem, Severity
from quotaplan.settings import TargetsSection

I128 = pl.Int128


def lit128(value: int) -> pl.Expr:
    """An ``Int128`` literal."""
    return pl.lit(value, dtype=I128)


def _remainders(hierarchy: Hierarchy, acc: pl.DataFrame) -> pl.DataFrame:
    """One row per numbered node, sorted by territory_id (row i is ``_node`` i): _node,
    territory_id, topdown, bottom_up_sum, deeper_sum, sharing, R (cents; sharing a count)."""
    nodes = hierarchy.nodes
    numbered = nodes.filter(pl.col("topdown").is_not_null()).select(
        "territory_id", "parent_id", "topdown"
    )
    deeper = (
        numbered.join(
            nodes.select(pl.col("territory_id").alias("parent_id"), pl.col("anchor_id").alias("_outer")),
            on="parent_id",
            how="left",
        )
        .filter(pl.col("_outer").is_not_null())
        .group_by("_outer")
        .agg(pl.col("topdown").sum().alias("deeper_sum"))
        .rename({"_outer": "territory_id"})
    )
    # One pass over the accounts, grouped by the integer ``_node``: Σ inputs (a sum skips the
    # empty cells) and the count of accounts without one.
    per_node = (
        acc.lazy()
        .filter(pl.col("_node").is_not_null())
        .group_by("_node")
        .agg(
            pl.col("bottom_up_target").sum().alias("bottom_up_sum"),
            (~pl.col("bottom_up")).sum().cast(pl.Int64).alias("sharing"),
        )
    )
    return (
        numbered.lazy()
        .select("territory_id", "topdown")
        .sort("territory_id")
        .with_row_index("_node")
        .join(deeper.lazy(), on="territory_id", how="left", maintain_order="left")
        .join(per_node, on="_node", how="left", maintain_order="left")
        .with_columns(pl.col("deeper_sum", "bottom_up_sum", "sharing").fill_null(0))
        .with_columns(
            (pl.col("topdown") - pl.col("bottom_up_sum") - pl.col("deeper_sum")).alias("R")
        )
        .collect()
    )


@dataclass(frozen=True)
class _Where:
    """Where a node's number was given: its top-down line, or the settings for the root's number;
    and where the settings and the accounts came from, for the other problems of the split."""

    lines: dict[str, int | None]
    plan: Plan

    def problem(self, node: str, message: str, severity: Severity, code: str) -> Problem:
        line = self.lines.get(node)
        if line is None:
            return Problem(self.settings, None, "targets.topdown", message, severity, code)
        return Problem(self.plan.source("topdown"), line, "amount", message, severity, code)

    @property
    def settings(self) -> str:
        return self.plan.source("settings")

    @property
    def accounts(self) -> str:
        return self.plan.source("accounts")


def split_topdown(
    plan: Plan, hierarchy: Hierarchy, acc: pl.DataFrame, ts: TargetsSection,
    problems: list[Problem],
) -> pl.DataFrame:
    """``_t``: each sharing account's part of its anchor's R (0 for the others)."""
    where = _Where(dict(zip(plan.topdown.get_column("territory_id").to_list(),
                            plan.topdown.get_column("line").to_list(), strict=True)), plan)
    rem = _remainders(hierarchy, acc)
    # R < 0 is reported once, when the plan is read (the check ``bottom-up-above-number``, which
    # names the node on its top-down line); here those accounts just get 0.
    keep = Fraction(1) - Fraction(ts.blend_alpha) if ts.method == "blend" else Fraction(1)
    positive = pl.max_horizontal("R", pl.lit(0)).cast(I128)
    rem = rem.with_columns(
        round_div(positive * lit128(keep.numerator), lit128(keep.denominator)).alias("_R")
    )
    if acc.filter(~pl.col("bottom_up") & pl.col("anchor_id").is_null()).height:
        problems.append(Problem(
            where.settings, None, "targets.topdown",
            f"method {ts.method!r} splits a top-down number, but no node above some accounts has "
            f"one; set [targets] topdown (the root's number) or add the root to "
            f"{plan.source('topdown')}",
            "error", "no-root-number",
        ))
    for row in rem.filter((pl.col("_R") > 0) & (pl.col("sharing") == 0)).iter_rows(named=True):
        problems.append(where.problem(
            row["territory_id"],
            f"territory {row['territory_id']}: {format_cents_grouped(row['_R'])} of its number is "
            "left to spread, but no account without bottom-up input is beneath it (outside deeper "
            "numbered nodes) to take it; add accounts, lower its number or number its children",
            "error", "nothing-to-split",
        ))
    # Every account stays in the frame (no join back): those that do not share an R are put in
    # one null group with nothing to split, so they get 0.
    share = ~pl.col("bottom_up") & pl.col("anchor_id").is_not_null()
    # Groups are keyed by an integer (the node's row in ``rem``): cheaper to hash than text.
    acc = acc.join(
        rem.select("_node", "_R"), on="_node", how="left", maintain_order="left"
    ).with_columns(
        share.alias("_share"),
        pl.when(share).then(pl.col("_R")).otherwise(0).alias("_R"),
        pl.when(share).then(pl.col("_node")).alias("_group"),
    )
    if ts.method == "bucketed":
        return _bucketed(acc, ts, where, problems)
    if ts.method == "even":
        acc = acc.with_columns(_w=pl.col("_share").cast(pl.Int64), _w_bad=pl.lit(False))
    else:
        acc = _with_weights(acc, ts, where, problems)
    return _split(acc, "_R", where, problems)


def _split(
    frame: pl.DataFrame, amount: str, where: _Where, problems: list[Problem], bucket: bool = False
) -> pl.DataFrame:
    """Split ``amount`` (constant per ``_group``) by ``_w`` into ``_t`` over the ``_share`` rows
    (the others sit in a null group with amount 0). Σw = 0 with amount > 0 is an error naming the
    node (and the bucket), unless a weight there was already in error."""
    # The sharing rows, on the few columns read below (filtering the whole frame would copy its
    # text columns).
    label = "_bucket" if bucket else "anchor_id"
    shared = frame.select(
        list(dict.fromkeys(["_share", "_group", "anchor_id", label, amount, "_w", "_w_bad", "_order"]))
    ).filter(pl.col("_share"))
    empty = (
        shared.group_by("_group")
        .agg(
            pl.col("anchor_id").first(),
            pl.col(label).first().alias("_label"),
            pl.col(amount).first(),
            pl.col("_w").sum().alias("_ws"),
            pl.len().alias("_n"),
            pl.col("_w_bad").any().alias("_bad"),
        )
        .filter((pl.col("_ws") == 0) & (pl.col(amount) > 0) & ~pl.col("_bad"))
        .sort("anchor_id", "_label")
    )
    for row in empty.iter_rows(named=True):
        cell = f" (bucket {row['_label']})" if bucket else ""
        problems.append(where.problem(
            row["anchor_id"],
            f"territory {row['anchor_id']}{cell}: {format_cents_grouped(row[amount])} is to be "
            f"split by weight, but the weights of its {row['_n']} account(s) sum to 0; give them "
            "weights or choose another [targets] weight", "error", "zero-weights",
        ))
    # Only the sharing rows are split (the others get 0), on the few columns the split reads; the
    # parts go back to the rows by ``_order`` (a row position: 0 … height − 1).
    parts = split_frame(
        shared.select("_group", amount, "_w", "_order"),
        group="_group", total=amount, weight="_w", id_col="_order", out="_t",
    )
    placed = pl.repeat(0, frame.height, dtype=pl.Int64, eager=True).scatter(
        parts.get_column("_order"), parts.get_column("_t")
    )
    return frame.with_columns(placed.gather(frame.get_column("_order")).alias("_t"))


def _with_weights(
    frame: pl.DataFrame, ts: TargetsSection, where: _Where, problems: list[Problem]
) -> pl.DataFrame:
    """``_w`` (Int64 ≥ 0, any scale; 0 off the ``_share`` rows) and ``_w_bad`` (in error).

    Weights are checked only on the ``_share`` rows, the accounts whose weight is used, by the
    rules of :mod:`quotaplan.core.split_inputs`.
    """
    name = ts.weight
    share = pl.col("_share")
    if name == "prior_bookings":
        return frame.with_columns(
            _w=pl.when(share).then(pl.col("_b")).otherwise(0), _w_bad=pl.lit(False)
        )
    wrong = weight_column_problem(ts, frame.columns, where.settings, where.accounts)
    if wrong is not None:
        problems.append(wrong)
        return frame.with_columns(_w=pl.lit(0, dtype=pl.Int64), _w_bad=pl.lit(True))
    problems += weight_cell_problems(frame, name, share, where.accounts)
    bad, negative, value = weight_cells(name, frame.schema[name])
    frame = frame.with_columns(value.alias("_w"))
    wrong_cell = bad | negative
    if ts.missing_weight == "error":
        missing = ~bad & pl.col("_w").is_null()
        problems += missing_weight_problems(frame, name, share & missing, where.accounts)
        wrong_cell = wrong_cell | missing
    usable = share & ~wrong_cell
    return frame.with_columns(
        pl.when(usable).then(pl.col("_w").fill_null(0)).otherwise(0).cast(pl.Int64).alias("_w"),
        (share & wrong_cell).alias("_w_bad"),
    )


def _bucketed(
    acc: pl.DataFrame, ts: TargetsSection, where: _Where, problems: list[Problem]
) -> pl.DataFrame:
    """R over the buckets present (by share), then over each bucket's accounts: ``_t``."""
    column = ts.bucket_by or ""
    wrong = bucket_column_problem(ts, acc.schema, where.settings, where.accounts)
    if wrong is not None:
        problems.append(wrong)
        return acc.with_columns(pl.lit(0, dtype=pl.Int64).alias("_t"))
    problems += bucket_problems(acc, column, ts.buckets, pl.col("_share"), where.accounts)
    names = sorted(ts.buckets)
    scale = max((_decimals(ts.buckets[n]) for n in names), default=0)
    shares = pl.DataFrame(
        {"_bucket": names, "_bucket_share": [int(ts.buckets[n].scaleb(scale)) for n in names]},
        schema={"_bucket": pl.String, "_bucket_share": pl.Int64},
    )
    acc = acc.with_columns(bucket_value(column).alias("_bucket")).join(
        shares, on="_bucket", how="left", maintain_order="left"
    )
    # An account whose bucket has no share (an error above) takes no part in the split.
    acc = acc.with_columns(_share=pl.col("_share") & pl.col("_bucket_share").is_not_null())
    present = (
        acc.filter(pl.col("_share"))
        .group_by("anchor_id", "_bucket")
        .agg(pl.col("_bucket_share", "_R").first())
    )
    for row in (
        present.group_by("anchor_id")
        .agg(pl.col("_R").first(), pl.col("_bucket_share").sum())
        .filter((pl.col("_bucket_share") == 0) & (pl.col("_R") > 0))
        .sort("anchor_id")
        .iter_rows(named=True)
    ):
        problems.append(where.problem(
            row["anchor_id"],
            f"territory {row['anchor_id']}: {format_cents_grouped(row['_R'])} is to be split over "
            "buckets, but the buckets of its accounts all have share 0", "error", "zero-weights",
        ))
    absent = (
        present.filter(pl.col("_R") > 0).select("anchor_id").unique()
        .join(shares.filter(pl.col("_bucket_share") > 0), how="cross")
        .join(present, on=["anchor_id", "_bucket"], how="anti")
        .group_by("anchor_id")
        .agg(pl.col("_bucket").sort())
        .sort("anchor_id")
    )
    for row in absent.iter_rows(named=True):
        listed = ", ".join(row["_bucket"])
        problems.append(where.problem(
            row["anchor_id"],
            f"territory {row['anchor_id']}: no account in bucket(s) {listed} shares its number; "
            "their share goes to the buckets present, in proportion to their shares",
            "warning", "absent-bucket",
        ))
    amounts = split_frame(present, group="anchor_id", total="_R", weight="_bucket_share",
                          id_col="_bucket", out="_bucket_R")
    acc = acc.join(
        amounts.with_row_index("_cell").select("anchor_id", "_bucket", "_bucket_R", "_cell"),
        on=["anchor_id", "_bucket"],
        how="left",
        maintain_order="left",
    )
    share = pl.col("_share")
    acc = acc.with_columns(
        pl.when(share).then(pl.col("_bucket_R")).otherwise(0).alias("_bucket_R"),
        pl.when(share).then(pl.col("_cell")).alias("_group"),
    )
    if ts.within_bucket == "weighted":
        acc = _with_weights(acc, ts, where, problems)
    else:
        acc = acc.with_columns(_w=share.cast(pl.Int64), _w_bad=pl.lit(False))
    return _split(acc, "_bucket_R", where, problems, bucket=True)


def _decimals(value: Decimal) -> int:
    """Digits after the point of a finite ``Decimal`` (0 for whole numbers)."""
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0
