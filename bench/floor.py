"""The speed floor: the least work that turns a plan folder into ``quotaplan build``'s files.

Usage: ``python bench/floor.py PLAN OUT``. It reads the same folder and writes the same files
(``account_targets.csv``, ``quotas.csv``, ``quota_periods.csv``, ``gap.csv``, ``rollup.csv``,
``summary.json``, with SPEC's contract columns and formats: amounts with two decimals, ratios with
six) for the settings of generated plans: ``weighted`` targets on ``prior_bookings`` with top-down
numbers at any numbered node, quotas on the ``targets`` basis with over-assignment by depth,
seniority factors, strategic focus, manual adjustments, ramp profiles and cut-off, end dates,
seasonality, manager hedges, risk and capacity settings. On generated plans its contract columns
equal the engine's (tests/test_bench.py checks it). The benchmark compares ``quotaplan build``
against it (SPEC: within 1.5x). Only Polars and the standard library are used;
the heavy part (accounts and bookings, up to the per-book ordering) is one lazy query, collected
once; what follows works on that table and on per-carrier and per-node tables.

Work it does, of the same order as the engine's: scans every file to its end (the columns it
needs), sums bookings in the base
window per account, splits each numbered node's remainder by largest remainder on cents (ties by
ascending account id), applies overrides, computes per-book concentration (shares, Pareto count,
HHI, ABC class, median, high-value accounts), per-carrier quotas and periods (periods rounded
together by largest remainder), the gap table and per-node roll-ups through the hierarchy.

What it skips or simplifies (so it is a floor, not a second engine):

- no validation beyond what Polars' CSV reader does: no located problems, no duplicate, cycle,
  reference or negative-amount checks, no byte-level checks (NUL, encoding, 1 MiB lines);
- amounts are read as ``Float64`` and rounded to integer cents (exact for amounts below about
  10^13 with at most two decimals); the quota chain (padding, factors, rates, ramp) runs in
  ``Float64`` and is rounded once to the cent, so a figure may differ from the exact engine by a
  cent at an exact half-cent tie;
- target methods other than ``weighted`` on ``prior_bookings``, quota bases other than
  ``targets``, and ``[targets] missing_weight`` are not implemented; Σw = 0 under a node with
  something to split gives zeros instead of an error; ``R < 0`` gives zeros without a warning;
- ramp: the ``prorate`` cut-off is treated as ``day:31`` (the hire month counts fully);
- headcount to close ignores each hire's in-year ramp contribution;
- ``manual_adjustment`` is the manual lines' money rounded once, not the sum of each line's
  rounded money (a cent apart now and then);
- only the contract columns are written, and account_targets.csv's two extra columns (the
  account's base-window bookings and its share of its book), as the engine writes them; the
  small files' extra columns (a row per carrier or node) are left out; ``--out`` is written in
  place, not through a temporary sibling folder; text is neutralised only in id and reason
  columns.
"""

from __future__ import annotations

import calendar
import json
import math
import sys
import tomllib
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

CENTS = 100
RATIO_DIGITS = 6


# ---------------------------------------------------------------- reading


def scan(path: Path, types: dict[str, pl.DataType], wanted: tuple[str, ...]) -> pl.LazyFrame:
    """A CSV as text columns (typed where ``types`` says), with absent ``wanted`` columns null."""
    header = pl.scan_csv(path, infer_schema=False).collect_schema().names()
    # An empty cell is "not given", quoted ("") or not.
    frame = pl.scan_csv(
        path, infer_schema=False, schema_overrides={k: v for k, v in types.items() if k in header},
        null_values=[""],
    )
    missing = [c for c in wanted if c not in header]
    return frame.with_columns(
        pl.lit(None, dtype=types.get(c, pl.String())).alias(c) for c in missing
    ).select(wanted)


def read_small(
    folder: Path, name: str, types: dict[str, pl.DataType], wanted: tuple[str, ...]
) -> pl.DataFrame:
    """A small optional table (absent file → no rows)."""
    path = folder / name
    if not path.is_file():
        return pl.DataFrame(schema={c: types.get(c, pl.String()) for c in wanted})
    return scan(path, types, wanted).collect()


def cents(expr: pl.Expr) -> pl.Expr:
    """Float currency units → Int64 cents, half away from zero."""
    return round_away(expr * CENTS)


def round_away(expr: pl.Expr) -> pl.Expr:
    """Float → Int64, halves away from zero."""
    return (expr.sign() * (expr.abs() + 0.5).floor()).cast(pl.Int64)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


# ---------------------------------------------------------------- hierarchy


def hierarchy(
    territories: pl.DataFrame, numbers: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(nodes, closure). nodes: territory_id, parent_id, depth, is_leaf, node_idx, topdown (cents),
    anchor_id, anchor_idx, anchor_depth (nearest numbered ancestor-or-self; the root when none).
    closure: territory_id, ancestor_id, ancestor_depth for every node and ancestor-or-self."""
    terr = territories.select("territory_id", "parent_id")
    links = terr.select("territory_id", pl.col("territory_id").alias("ancestor_id"),
                        pl.lit(0).alias("up"))
    frontier = terr.filter(pl.col("parent_id").is_not_null()).select(
        "territory_id", pl.col("parent_id").alias("ancestor_id"), pl.lit(1).alias("up"))
    parents = terr.rename({"territory_id": "ancestor_id", "parent_id": "next_id"})
    parts = [links]
    while frontier.height:
        parts.append(frontier)
        frontier = (frontier.join(parents, on="ancestor_id")
                    .filter(pl.col("next_id").is_not_null())
                    .select("territory_id", pl.col("next_id").alias("ancestor_id"), pl.col("up") + 1))
    closure = pl.concat(parts)
    depth = closure.group_by("territory_id").agg(pl.col("up").max().cast(pl.Int64).alias("depth"))
    closure = closure.join(
        depth.rename({"territory_id": "ancestor_id", "depth": "ancestor_depth"}), on="ancestor_id"
    ).select("territory_id", "ancestor_id", "ancestor_depth")
    root = terr.filter(pl.col("parent_id").is_null()).item(0, "territory_id")
    anchors = (
        closure.join(numbers.rename({"territory_id": "ancestor_id"}), on="ancestor_id")
        .sort("ancestor_depth", descending=True)
        .group_by("territory_id", maintain_order=True).first()
        .select("territory_id", pl.col("ancestor_id").alias("anchor_id"),
                pl.col("ancestor_depth").alias("anchor_depth"))
    )
    has_children = terr.get_column("parent_id").drop_nulls().unique().implode()
    nodes = (
        terr.join(depth, on="territory_id", how="left")
        .join(numbers, on="territory_id", how="left")
        .join(anchors, on="territory_id", how="left")
        .with_columns(
            (~pl.col("territory_id").is_in(has_children)).alias("is_leaf"),
            pl.col("anchor_depth").fill_null(0),
            pl.col("anchor_id").fill_null(pl.lit(root)),
        )
        .sort("territory_id")
        .with_row_index("node_idx")
    )
    index = nodes.select(pl.col("territory_id").alias("anchor_id"),
                         pl.col("node_idx").alias("anchor_idx"))
    return nodes.join(index, on="anchor_id", how="left", maintain_order="left"), closure


# ---------------------------------------------------------------- settings


def section(settings: dict[str, Any], name: str) -> dict[str, Any]:
    """One ``plan.toml`` section (empty when absent)."""
    body: dict[str, Any] = settings.get(name, {})
    return body


def ratio(settings: dict[str, Any], name: str, key: str, default: str) -> float:
    """A rate or factor setting as a float."""
    return float(section(settings, name).get(key, Decimal(default)))


def numbered_nodes(folder: Path, settings: dict[str, Any],
                   territories: pl.DataFrame) -> pl.DataFrame:
    """territory_id, topdown (cents): topdown.csv plus the root's ``[targets] topdown``."""
    numbers = read_small(folder, "topdown.csv", {"amount": pl.Float64()}, ("territory_id", "amount"))
    numbers = numbers.select("territory_id", cents(pl.col("amount")).alias("topdown"))
    root_number = section(settings, "targets").get("topdown")
    if root_number is None:
        return numbers
    root = territories.filter(pl.col("parent_id").is_null()).item(0, "territory_id")
    root_cents = int((Decimal(root_number) * CENTS).to_integral_value())
    return pl.concat([
        numbers.filter(pl.col("territory_id") != root),
        pl.DataFrame({"territory_id": [root], "topdown": [root_cents]},
                     schema={"territory_id": pl.String, "topdown": pl.Int64}),
    ])


def own_numbers(numbers: pl.DataFrame, nodes: pl.DataFrame,
                closure: pl.DataFrame) -> pl.DataFrame:
    """anchor_idx, topdown: each numbered node's number less those of the numbered nodes just
    beneath it (their nearest numbered ancestor is this node)."""
    deeper = (
        closure.filter(pl.col("territory_id") != pl.col("ancestor_id"))
        .join(numbers, on="territory_id")
        .join(numbers.select(pl.col("territory_id").alias("ancestor_id")), on="ancestor_id")
        .sort("ancestor_depth", descending=True)
        .group_by("territory_id", maintain_order=True).first()
        .group_by(pl.col("ancestor_id").alias("anchor_id"))
        .agg(pl.col("topdown").sum().alias("deeper"))
    )
    return (numbers.rename({"territory_id": "anchor_id"})
            .join(deeper, on="anchor_id", how="left")
            .join(nodes.select("anchor_id", "anchor_idx").unique(), on="anchor_id")
            .select("anchor_idx", pl.col("topdown") - pl.col("deeper").fill_null(0)))


# ---------------------------------------------------------------- account targets and books


def focus_factor(settings: dict[str, Any]) -> pl.Expr:
    """Each account's strategic-focus factor: the product of the factors of the rules it matches."""
    focus = pl.lit(1.0)
    rules: list[dict[str, Any]] = settings.get("strategic_focus", [])
    for rule in rules:
        matched = pl.lit(True)
        for key, value in rule["match"].items():
            values = value if isinstance(value, list) else [value]
            matched = matched & pl.col("account_id" if key == "accounts" else key).is_in(values)
        focus = focus * pl.when(matched).then(float(rule["factor"])).otherwise(1.0)
    return focus


def account_targets(folder: Path, settings: dict[str, Any], nodes: pl.DataFrame,
                    numbers: pl.DataFrame) -> pl.DataFrame:
    """Every eligible account with its targets, sorted by book and target (descending, ties by
    id): account_id, territory_id, node_idx, calculated_target, target (cents), override_reason,
    _i (position by account id), _focus, _book, _before (cents of the book before the account),
    _pos (0-based rank in its book), abc_class. One lazy query over accounts and bookings."""
    start: date = settings["plan"]["fiscal_year_start"]
    months = int(section(settings, "targets").get("base_window_months", 12))
    accounts = scan(folder / "accounts.csv", {"bottom_up_target": pl.Float64()},
                    ("account_id", "territory_id", "segment", "industry", "grade",
                     "bottom_up_target", "status"))
    if (folder / "bookings.csv").is_file():
        prior = (
            scan(folder / "bookings.csv", {"date": pl.Date(), "amount": pl.Float64()},
                 ("account_id", "date", "amount", "product"))
            .filter(pl.col("date") >= add_months(start, -months), pl.col("date") < start)
            .group_by("account_id").agg(cents(pl.col("amount")).sum().alias("prior"))
        )
    else:
        prior = pl.LazyFrame(schema={"account_id": pl.String, "prior": pl.Int64})
    frame = (
        accounts
        .join(nodes.lazy().select("territory_id", "node_idx", "anchor_idx"), on="territory_id",
              how="left")
        .join(prior, on="account_id", how="left")
        # Inactive accounts are not eligible: they get no target and are in no book.
        .filter(pl.col("status").is_null() | (pl.col("status") != "inactive"))
        .sort("account_id")
        .with_row_index("_i")
        .with_columns(cents(pl.col("bottom_up_target")).alias("bottom_up"),
                      focus_factor(settings).alias("_focus"))
        # Accounts with a bottom-up input keep it; the others share the remainder.
        .with_columns(pl.col("bottom_up").is_null().alias("_shares"))
        .with_columns(
            pl.when(pl.col("_shares")).then(pl.col("prior").fill_null(0).clip(lower_bound=0))
            .otherwise(0).cast(pl.Int128).alias("_w"),
        )
    )
    inputs = (frame.filter(pl.col("bottom_up").is_not_null())
              .group_by("anchor_idx").agg(pl.col("bottom_up").sum().alias("_inputs")))
    remainders = (
        numbers.lazy().join(inputs, on="anchor_idx", how="left")
        .select("anchor_idx", (pl.col("topdown") - pl.col("_inputs").fill_null(0))
                .clip(lower_bound=0).cast(pl.Int128).alias("_R"))
    )
    safe_w = pl.when(pl.col("_W") == 0).then(1).otherwise(pl.col("_W"))
    overrides = read_small(folder, "overrides.csv", {"target": pl.Float64()},
                           ("account_id", "target", "reason"))
    split = (
        frame.join(remainders, on="anchor_idx", how="left")
        .with_columns(pl.col("_R").fill_null(0), pl.col("_w").sum().over("anchor_idx").alias("_W"))
        # R·w needs 128 bits; the quotient (≤ R) and the remainder (< W) fit in 64.
        .with_columns(
            (pl.col("_R") * pl.col("_w") // safe_w).cast(pl.Int64).alias("_q"),
            (pl.col("_R") * pl.col("_w") % safe_w).cast(pl.Int64).alias("_r"),
        )
        .with_columns(
            (pl.col("_R").cast(pl.Int64) - pl.col("_q").sum().over("anchor_idx")).alias("_left")
        )
        # Largest remainder: rank by remainder (descending), ties by account id (row order).
        .sort(["anchor_idx", "_shares", "_r", "_i"], descending=[False, True, True, False])
        .with_columns(pl.int_range(pl.len()).over("anchor_idx").alias("_rank"))
        .with_columns(
            pl.when(pl.col("_shares") & (pl.col("_W") > 0))
            .then(pl.col("_q") + (pl.col("_rank") < pl.col("_left")).cast(pl.Int64))
            .when(pl.col("_shares")).then(0)
            .otherwise(pl.col("bottom_up"))
            .cast(pl.Int64).alias("calculated_target")
        )
        .join(overrides.lazy().select("account_id", cents(pl.col("target")).alias("_override"),
                                      pl.col("reason").alias("override_reason")),
              on="account_id", how="left")
        .with_columns(pl.coalesce("_override", "calculated_target").alias("target"))
    )
    ordered = (
        split.sort(["node_idx", "target", "_i"], descending=[False, True, False])
        .with_columns(
            pl.col("target").sum().over("node_idx").alias("_book"),
            (pl.col("target").cum_sum().over("node_idx") - pl.col("target")).alias("_before"),
            pl.int_range(pl.len()).over("node_idx").alias("_pos"),
        )
        .with_columns(
            pl.when(pl.col("_book") <= 0).then(None)
            .when(pl.col("_before") * 100 < pl.col("_book") * 80).then(pl.lit("A"))
            .when(pl.col("_before") * 100 < pl.col("_book") * 95).then(pl.lit("B"))
            .otherwise(pl.lit("C")).alias("abc_class"),
        )
        .select("account_id", "territory_id", "node_idx", "calculated_target", "target",
                "override_reason", "_i", "_focus", "_book", "_before", "_pos", "abc_class",
                pl.col("prior").fill_null(0).alias("base_bookings"),
                pl.when(pl.col("_book") > 0).then(pl.col("target") / pl.col("_book"))
                .alias("book_share"))
    )
    return ordered.collect()


def book_table(ordered: pl.DataFrame, settings: dict[str, Any]) -> pl.DataFrame:
    """One row per book (leaf with accounts): sums, concentration and high-value figures."""
    high_value = section(settings, "capacity").get("high_value_target")
    n_top = (pl.len() * 0.1).ceil().cast(pl.Int64).clip(lower_bound=1)
    threshold = (pl.lit(int(Decimal(high_value) * CENTS)) if high_value is not None
                 else pl.col("target").sort(descending=True).gather(n_top - 1).first())
    target = pl.col("target")
    return (
        ordered.with_columns(threshold.alias("_hv"))
        .group_by("node_idx")
        .agg(
            pl.col("calculated_target").sum().alias("calc_sum"),
            target.sum().alias("book_target"),
            pl.len().alias("n_accounts"),
            target.filter(pl.col("_pos") < 1).sum().alias("_top1"),
            target.filter(pl.col("_pos") < 3).sum().alias("_top3"),
            target.filter(pl.col("_pos") < 10).sum().alias("_top10"),
            (pl.col("_before") * 10 < pl.col("_book") * 8).sum().alias("_p80"),
            (target.cast(pl.Float64) ** 2).sum().alias("_sq"),
            target.median().alias("_median"),
            (target >= pl.col("_hv")).sum().alias("high_value_accounts"),
            target.filter(target >= pl.col("_hv")).sum().alias("high_value_target_sum"),
            (target.cast(pl.Float64) * pl.col("_focus")).sum().alias("_focused"),
            pl.col("base_bookings").sum().alias("prior_bookings"),
        )
    )


# ---------------------------------------------------------------- quotas


def depth_factors(rates: dict[str, Any], max_depth: int, *, padding: bool) -> pl.DataFrame:
    """For every (upper depth a, leaf depth L): padding Π_{d=a+1..L} (1 + rate[d]) as ``_pad``
    (on anchor_depth, depth), or hedging Π_{d=a..L-1} (1 − rate[d]) as ``_hedge`` (on
    ancestor_depth, depth)."""
    by_depth = {int(k): float(v) for k, v in rates.items()}
    depths = range(max_depth + 1)
    if padding:
        rows = [(a, leaf, math.prod(1 + by_depth.get(d, 0.0) for d in range(a + 1, leaf + 1)))
                for a in depths for leaf in depths]
        names = ("anchor_depth", "depth", "_pad")
    else:
        rows = [(a, leaf, math.prod(1 - by_depth.get(d, 0.0) for d in range(a, leaf)))
                for a in depths for leaf in depths]
        names = ("ancestor_depth", "depth", "_hedge")
    return pl.DataFrame(rows, schema={names[0]: pl.Int64, names[1]: pl.Int64,
                                      names[2]: pl.Float64}, orient="row")


def carrier_quotas(folder: Path, settings: dict[str, Any], carriers: pl.DataFrame,
                   book_of: pl.DataFrame, max_depth: int) -> pl.DataFrame:
    """One row per carrier: book figures, base (padded), factors, manual money and the exact
    full-year quota ``_fy`` (float cents) with its rounding ``full_year_quota``."""
    quotas_cfg = section(settings, "quotas")
    seniority = {str(k): float(v) for k, v in
                 section(settings, "seniority").get("factors", {}).items()}
    adjustments = read_small(folder, "adjustments.csv",
                             {"amount": pl.Float64(), "rate": pl.Float64()},
                             ("seller_id", "amount", "rate", "reason"))
    manual = adjustments.group_by("seller_id").agg(
        cents(pl.col("amount").fill_null(0)).sum().alias("_amounts"),
        (1 + pl.col("rate").fill_null(0)).product().alias("_rate_prod"),
        pl.col("rate").fill_null(0).sum().alias("_rate_sum"),
    )
    additive = quotas_cfg.get("adjustment_mode", "multiplicative") == "additive"
    sen = (pl.col("seniority").replace_strict(seniority, default=None, return_dtype=pl.Float64)
           .fill_null(1.0) if seniority else pl.lit(1.0))
    base = pl.col("book_target").cast(pl.Float64) * pl.col("_pad")
    strat = pl.when(pl.col("book_target") == 0).then(1.0).otherwise(
        pl.col("_focused") / pl.col("book_target"))
    factors = pl.col("seniority_factor"), pl.col("strategic_factor")
    if additive:
        before_manual = base * (factors[0] + factors[1] - 1)
        full_year = base * (factors[0] + factors[1] - 1 + pl.col("_rate_sum"))
    else:
        before_manual = base * factors[0] * factors[1]
        full_year = before_manual * pl.col("_rate_prod")
    full_year = full_year + pl.col("_amounts")
    return (
        carriers.join(book_of, on="territory_id", how="left")
        .join(depth_factors(quotas_cfg.get("over_assignment", {}), max_depth, padding=True),
              on=["anchor_depth", "depth"], how="left")
        .join(manual, on="seller_id", how="left")
        .with_columns(pl.col("_amounts").fill_null(0), pl.col("_rate_prod").fill_null(1.0),
                      pl.col("_rate_sum").fill_null(0.0), pl.col("_focused").fill_null(0.0))
        .with_columns(sen.alias("seniority_factor"), strat.alias("strategic_factor"),
                      round_away(base).alias("base_quota"))
        .with_columns(full_year.alias("_fy"),
                      round_away(full_year - before_manual).alias("manual_adjustment"))
        .with_columns(round_away(pl.col("_fy")).alias("full_year_quota"))
    )


def phase(settings: dict[str, Any], quotas: pl.DataFrame) -> pl.DataFrame:
    """Every period of every carrier: monthly ramp factors (profile by month of tenure from the
    first ramp month, 0 before it and after an end date), averaged per period, times the
    seasonality weight; periods rounded together by largest remainder (ties by period order)."""
    start: date = settings["plan"]["fiscal_year_start"]
    ramp_cfg = section(settings, "ramp")
    period_months = 3 if settings["plan"].get("period", "quarter") == "quarter" else 1
    n_periods = 12 // period_months
    months = pl.DataFrame({
        "_p": [m // period_months for m in range(12)],
        "_month_start": [add_months(start.replace(day=1), m) for m in range(12)],
        "_index": [start.year * 12 + start.month - 1 + m for m in range(12)],
    })
    weights = [float(w) for w in section(settings, "seasonality").get("weights", [])]
    cutoff = str(ramp_cfg.get("cutoff", "month_end"))
    cut_day = 0 if cutoff == "month_end" else 31 if cutoff == "prorate" else int(cutoff[4:])
    profiles = pl.DataFrame(
        [(name, t, float(f)) for name, fs in ramp_cfg.get("profiles", {}).items()
         for t, f in enumerate(fs)],
        schema={"_profile": pl.String, "_tenure": pl.Int64, "_pf": pl.Float64}, orient="row",
    )
    hire = pl.col("hire_date")
    first_ramp = (hire.dt.year().cast(pl.Int64) * 12 + hire.dt.month().cast(pl.Int64) - 1
                  + (hire.dt.day() > pl.min_horizontal(pl.lit(cut_day),
                                                       hire.dt.month_end().dt.day()))
                  .cast(pl.Int64))
    default_profile = pl.lit(ramp_cfg.get("default_profile"), dtype=pl.String)
    monthly = (
        quotas.select("seller_id", "end_date",
                      pl.coalesce("ramp_profile", default_profile).alias("_profile"),
                      first_ramp.alias("_first"))
        .join(months, how="cross")
        .with_columns((pl.col("_index") - pl.col("_first")).alias("_tenure"))
        .join(profiles, on=["_profile", "_tenure"], how="left")
        .with_columns(
            pl.when(pl.col("end_date").is_not_null()
                    & (pl.col("_month_start") > pl.col("end_date"))).then(0.0)
            .when(pl.col("_first").is_null()).then(1.0)
            .when(pl.col("_tenure") < 0).then(0.0)
            .otherwise(pl.col("_pf").fill_null(1.0)).alias("_factor")
        )
    )
    periods = pl.DataFrame(
        {"_p": list(range(n_periods)),
         "period_start": [add_months(start, p * period_months) for p in range(n_periods)],
         "period_end": [add_months(start, (p + 1) * period_months) - timedelta(days=1)
                        for p in range(n_periods)],
         "_weight": weights or [1.0 / n_periods] * n_periods},
        schema={"_p": pl.Int64, "period_start": pl.Date, "period_end": pl.Date,
                "_weight": pl.Float64},
    )
    exact = pl.col("_fy") * pl.col("_weight") * pl.col("_ramp")
    return (
        monthly.group_by("seller_id", "_p").agg(pl.col("_factor").mean().alias("_ramp"))
        .join(periods, on="_p")
        .join(quotas.select("seller_id", "_fy"), on="seller_id")
        .with_columns(exact.alias("_exact"), exact.floor().cast(pl.Int64).alias("_floor"))
        .with_columns(
            (round_away(pl.col("_exact").sum().over("seller_id"))
             - pl.col("_floor").sum().over("seller_id")).alias("_left"),
            (pl.col("_exact") - pl.col("_floor")).alias("_r"),
        )
        .sort(["seller_id", "_r", "_p"], descending=[False, True, False])
        .with_columns(pl.int_range(pl.len()).over("seller_id").alias("_rank"))
        .with_columns((pl.col("_floor") + (pl.col("_rank") < pl.col("_left")).cast(pl.Int64))
                      .alias("quota"))
        .sort("seller_id", "_p")
    )


def finish_quotas(quotas: pl.DataFrame, periods: pl.DataFrame) -> pl.DataFrame:
    """final_quota = Σ periods; ramp_factor = final ÷ full year; quota_to_ote."""
    finals = periods.group_by("seller_id").agg(pl.col("quota").sum().alias("final_quota"))
    return (
        quotas.join(finals, on="seller_id", how="left")
        .with_columns(
            pl.when(pl.col("full_year_quota") == 0).then(1.0)
            .otherwise(pl.col("final_quota") / pl.col("full_year_quota")).alias("ramp_factor"),
            pl.when(pl.col("ote") > 0).then(pl.col("final_quota") / cents(pl.col("ote")))
            .alias("quota_to_ote"),
        )
        .sort("seller_id")
    )


# ---------------------------------------------------------------- feasibility and roll-ups


def gap_table(settings: dict[str, Any], quotas: pl.DataFrame) -> pl.DataFrame:
    """gap.csv: gap, coverage, risk, concentration and remedies per carrier."""
    high_below = ratio(settings, "risk", "high_below", "0.90")
    medium_below = ratio(settings, "risk", "medium_below", "1.00")
    pipeline = ratio(settings, "capacity", "pipeline_coverage", "3.0")
    book, final, gap = pl.col("book_target"), pl.col("final_quota"), pl.col("gap")

    def share(column: str) -> pl.Expr:
        return pl.when(book > 0).then(pl.col(column) / book)

    return (
        quotas.with_columns((final - book).alias("gap"),
                            pl.when(final != 0).then(book / final).alias("coverage"))
        .with_columns(
            pl.when(pl.col("coverage").is_null()).then(None)
            .when(pl.col("coverage") < high_below).then(pl.lit("high"))
            .when(pl.col("coverage") < medium_below).then(pl.lit("medium"))
            .otherwise(pl.lit("low")).alias("risk"),
            share("_top1").alias("top1_share"), share("_top3").alias("top3_share"),
            share("_top10").alias("top10_share"),
            pl.when(book > 0).then(pl.col("_p80")).alias("accounts_for_80pct"),
            pl.when(book > 0).then(pl.col("_sq") / book.cast(pl.Float64) ** 2).alias("hhi"),
            pl.when(gap <= 0).then(0)
            .when((pl.col("n_accounts") > 0) & (pl.col("_median") > 0))
            .then((gap / pl.col("_median")).ceil()).cast(pl.Int64).alias("accounts_to_add"),
            pl.when(gap > 0).then(round_away(gap * pipeline)).otherwise(0)
            .alias("pipeline_needed"),
            round_away(book / medium_below).alias("quota_at_target_coverage"),
            pl.col("high_value_accounts").fill_null(0),
            pl.col("high_value_target_sum").fill_null(0),
            growth_ask(final, pl.col("prior_bookings")),
        )
    )


def growth_ask(amount: pl.Expr, prior: pl.Expr) -> pl.Expr:
    """amount ÷ prior bookings − 1 (from the exact difference), empty where prior ≤ 0."""
    return pl.when(prior > 0).then((amount - prior) / prior).alias("growth_ask")


def rollup_table(settings: dict[str, Any], nodes: pl.DataFrame, closure: pl.DataFrame,
                 sellers: pl.DataFrame, quotas: pl.DataFrame, book_of: pl.DataFrame,
                 leaf_carrier: pl.DataFrame) -> pl.DataFrame:
    """rollup.csv: every node's sums over the leaves and carriers beneath it, its hedged manager
    quota, gaps, attainment factor, productive capacity and headcount to close."""
    attainment = ratio(settings, "capacity", "expected_attainment", "0.80")
    max_depth = int(nodes.select(pl.col("depth").max()).item() or 0)
    hedges = depth_factors(section(settings, "quotas").get("hedge", {}), max_depth, padding=False)
    up = closure.rename({"territory_id": "leaf_id"})
    ramped = pl.col("ramp_factor") == 1
    per_carrier = (
        quotas.select(pl.col("territory_id").alias("leaf_id"), "depth", "final_quota",
                      "full_year_quota", "ramp_factor")
        .join(up, on="leaf_id")
        .join(hedges, on=["ancestor_depth", "depth"])
        .group_by(pl.col("ancestor_id").alias("territory_id"))
        .agg(
            pl.col("final_quota").sum().alias("quota_sum"),
            (pl.col("final_quota") * pl.col("_hedge")).sum().alias("_rolled"),
            pl.col("full_year_quota").filter(ramped).sum().alias("_ramped"),
            ramped.sum().alias("_n_ramped"),
        )
    )
    per_leaf = (
        book_of.join(leaf_carrier, on="territory_id", how="left")
        .select(pl.col("territory_id").alias("leaf_id"), "calc_sum", "book_target",
                "prior_bookings",
                pl.when(pl.col("seller_id").is_null()).then(pl.col("book_target")).otherwise(0)
                .alias("_uncovered"))
        .join(up, on="leaf_id")
        .group_by(pl.col("ancestor_id").alias("territory_id"))
        .agg(pl.col("calc_sum").sum().alias("calculated_target_sum"),
             pl.col("book_target").sum().alias("account_target_sum"),
             pl.col("_uncovered").sum().alias("uncovered_target"),
             pl.col("prior_bookings").sum())
    )
    fully = quotas.filter(ramped)
    plan_avg = float(fully.get_column("full_year_quota").sum()) / fully.height if fully.height \
        else 0.0
    avg = pl.when(pl.col("_n_ramped") > 0).then(pl.col("_ramped") / pl.col("_n_ramped")) \
        .otherwise(plan_avg)
    managers = (sellers.join(nodes.filter(~pl.col("is_leaf")), on="territory_id", how="semi")
                .select("territory_id", pl.col("seller_id").alias("manager_id"))
                .unique("territory_id", keep="first"))
    return (
        nodes.join(managers, on="territory_id", how="left")
        .join(per_leaf, on="territory_id", how="left")
        .join(per_carrier, on="territory_id", how="left")
        .with_columns(pl.col("calculated_target_sum", "account_target_sum", "uncovered_target",
                             "quota_sum", "_n_ramped", "_ramped", "prior_bookings").fill_null(0),
                      pl.col("_rolled").fill_null(0.0))
        .with_columns(
            pl.when(~pl.col("is_leaf")).then(round_away(pl.col("_rolled"))).alias("manager_quota"),
            (pl.col("topdown") - pl.col("account_target_sum")).alias("strategic_gap"),
            (pl.col("topdown") - pl.col("quota_sum")).alias("quota_gap"),
            pl.when(pl.col("quota_sum") > 0).then(pl.col("topdown") / pl.col("quota_sum"))
            .alias("attainment_factor"),
            round_away(pl.col("quota_sum") * attainment).alias("productive_capacity"),
            growth_ask(pl.col("topdown"), pl.col("prior_bookings")),
        )
        .with_columns(
            pl.when(pl.col("topdown").is_null()).then(None)
            .when(pl.col("strategic_gap") <= 0).then(0)
            .when(avg > 0).then((pl.col("strategic_gap") / (avg * attainment)).ceil())
            .cast(pl.Int64).alias("headcount_to_close"),
        )
        .join(tree_order(closure), on="territory_id", how="left")
        .sort("_path")
    )


def tree_order(closure: pl.DataFrame) -> pl.DataFrame:
    """territory_id, _path: sorting by _path lists nodes depth first, root first, children by
    ascending id (a NUL separator sorts a node's subtree before its next sibling)."""
    return closure.group_by("territory_id").agg(
        pl.col("ancestor_id").sort_by("ancestor_depth").str.join("\x00").alias("_path")
    )


def summary(rollup: pl.DataFrame, gap: pl.DataFrame) -> dict[str, Any]:
    """summary.json: the root's figures (amounts as two-decimal strings) and sellers by risk."""
    root = rollup.filter(pl.col("parent_id").is_null()).row(0, named=True)
    by_risk = dict.fromkeys(("high", "medium", "low", "none"), 0)
    risks = gap.get_column("risk").fill_null("none").value_counts()
    by_risk.update({str(k): int(v) for k, v in risks.iter_rows()})
    return {
        "topdown": money(root["topdown"]),
        "account_target_sum": money(root["account_target_sum"]),
        "street_quota": money(root["quota_sum"]),
        "attainment_factor": root["attainment_factor"],
        "sellers_by_risk": by_risk,
        "strategic_gap": money(root["strategic_gap"]),
        "quota_gap": money(root["quota_gap"]),
        "uncovered_target": money(root["uncovered_target"]),
        "productive_capacity": money(root["productive_capacity"]),
        "headcount_to_close": root["headcount_to_close"],
        "prior_bookings": money(root["prior_bookings"]),
        "growth_ask": root["growth_ask"],
    }


# ---------------------------------------------------------------- the pipeline


def run(folder: Path, out: Path) -> None:
    """Read the plan folder ``folder`` and write every output file into ``out``."""
    settings = tomllib.loads((folder / "plan.toml").read_text("utf-8-sig"), parse_float=Decimal)
    territories = read_small(folder, "territories.csv", {}, ("territory_id", "parent_id"))
    numbers = numbered_nodes(folder, settings, territories)
    nodes, closure = hierarchy(territories, numbers)
    max_depth = int(nodes.select(pl.col("depth").max()).item() or 0)
    sellers = read_small(
        folder, "sellers.csv", {"hire_date": pl.Date(), "end_date": pl.Date(), "ote": pl.Float64()},
        ("seller_id", "territory_id", "hire_date", "end_date", "ote", "seniority",
         "ramp_profile", "status"),
    )
    leaves = nodes.filter(pl.col("is_leaf"))
    carriers = sellers.join(leaves.select("territory_id", "depth", "anchor_depth"),
                            on="territory_id").sort("seller_id")
    leaf_carrier = carriers.select("territory_id", "seller_id").unique("territory_id",
                                                                        keep="first")

    ordered = account_targets(folder, settings, nodes, own_numbers(numbers, nodes, closure))
    books = book_table(ordered, settings)
    book_of = (leaves.select("territory_id", "node_idx")
               .join(books, on="node_idx", how="left")
               .with_columns(pl.col("book_target", "calc_sum", "n_accounts", "prior_bookings")
                             .fill_null(0)))
    quotas = carrier_quotas(folder, settings, carriers, book_of, max_depth)
    periods = phase(settings, quotas)
    quotas = finish_quotas(quotas, periods)
    gap = gap_table(settings, quotas)
    rollup = rollup_table(settings, nodes, closure, sellers, quotas, book_of, leaf_carrier)

    out.mkdir(parents=True, exist_ok=True)
    targets = (ordered.sort("_i").join(leaf_carrier, on="territory_id", how="left",
                                       maintain_order="left")
               .with_columns(pl.lit("weighted").alias("method")))
    write(targets, out / "account_targets.csv",
          ("account_id", "territory_id", "seller_id", "method", "calculated_target", "target",
           "override_reason", "abc_class", "base_bookings", "book_share"),
          neutral=("account_id", "territory_id", "seller_id", "override_reason"))
    write(quotas, out / "quotas.csv",
          ("seller_id", "territory_id", "book_target", "base_quota", "seniority_factor",
           "strategic_factor", "manual_adjustment", "full_year_quota", "ramp_factor",
           "final_quota", "quota_to_ote"), neutral=("seller_id", "territory_id"))
    write(periods, out / "quota_periods.csv", ("seller_id", "period_start", "period_end", "quota"),
          neutral=("seller_id",))
    write(gap, out / "gap.csv",
          ("seller_id", "final_quota", "book_target", "gap", "coverage", "risk", "top1_share",
           "top3_share", "top10_share", "accounts_for_80pct", "hhi", "high_value_accounts",
           "high_value_target_sum", "accounts_to_add", "pipeline_needed",
           "quota_at_target_coverage", "prior_bookings", "growth_ask"), neutral=("seller_id",),
          counts=("accounts_for_80pct", "high_value_accounts", "accounts_to_add"))
    write(rollup, out / "rollup.csv",
          ("territory_id", "parent_id", "depth", "manager_id", "topdown", "calculated_target_sum",
           "account_target_sum", "quota_sum", "manager_quota", "strategic_gap", "quota_gap",
           "attainment_factor", "productive_capacity", "uncovered_target", "headcount_to_close",
           "prior_bookings", "growth_ask"),
          neutral=("territory_id", "parent_id", "manager_id"),
          counts=("depth", "headcount_to_close"))
    (out / "summary.json").write_text(json.dumps(summary(rollup, gap), indent=2) + "\n",
                                      encoding="utf-8")


# ---------------------------------------------------------------- output formats


def money(value: int | None) -> str | None:
    """Cents → ``"1234.56"`` (``None`` stays ``None``)."""
    if value is None:
        return None
    whole, rest = divmod(abs(value), CENTS)
    return f"{'-' if value < 0 else ''}{whole}.{rest:02d}"


def fixed(expr: pl.Expr, digits: int) -> pl.Expr:
    """An integer column scaled by 10^digits → text with ``digits`` decimals."""
    mag = expr.abs()
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, (mag // 10**digits).cast(pl.String), pl.lit("."),
                          (mag % 10**digits).cast(pl.String).str.pad_start(digits, "0")])


def write(
    frame: pl.DataFrame, path: Path, columns: tuple[str, ...], *, neutral: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
) -> None:
    """Write ``columns`` in SPEC's formats: cents with two decimals, ratios with six."""
    exprs: list[pl.Expr] = []
    for name in columns:
        col, dtype = pl.col(name), frame.schema[name]
        if name in counts:
            text = col.cast(pl.String)
        elif dtype.is_integer():
            text = fixed(col, 2)
        elif dtype.is_float():
            text = fixed((col * 10**RATIO_DIGITS).round(0).cast(pl.Int64), RATIO_DIGITS)
        elif dtype == pl.Date:
            text = col.dt.strftime("%Y-%m-%d")
        elif name in neutral:
            text = pl.when(col.str.contains(r"^[=+\-@]")).then(pl.lit("'") + col).otherwise(col)
        else:
            text = col
        exprs.append(text.alias(name))
    frame.select(exprs).write_csv(path, null_value="")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python bench/floor.py PLAN OUT", file=sys.stderr)
        return 2
    run(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
