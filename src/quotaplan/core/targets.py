"""Account targets: the five methods (even, weighted, bucketed, growth, blend) on whole columns.

Conventions (SPEC, "Account targets"), all amounts ``Int64`` cents:

- Only *eligible* accounts (``status = active``) get a target.
- A *numbered* node N shares its number with the eligible accounts whose leaf has N as anchor (the
  nearest numbered ancestor-or-self). Its remainder is ``R = number − Σ their bottom-up inputs −
  Σ numbers of the numbered nodes whose nearest numbered strict ancestor is N``. ``R`` is split over
  those of the accounts with no bottom-up input (an empty cell; ``0`` means "no potential" and is
  kept). When ``R < 0`` the accounts that would share it get 0; the warning naming N is given
  when the plan is read (:mod:`quotaplan.planfolder.checks`, ``bottom-up-above-number``).
- Every split is largest remainder on cents, ties by ascending id compared as text
  (:func:`quotaplan.money.split_frame`), so the parts sum exactly to the amount split. An amount
  computed from a rate is rounded once, half away from zero, in integer arithmetic (Int128).
- ``growth``: ``B · (1 + g)``, ``B`` the account's bookings in the base window
  (:func:`base_window`; a negative ``B`` counts as 0, with a warning), ``g`` the segment's rate in
  ``growth_by_segment`` or else ``growth``. With ``trend = true``, ``1 + g = Y2 / Y1`` where ``Y2``
  and ``Y1`` are the account's bookings in the 12 months before the plan start and the 12 months
  before those, clamped to ``1 + trend_band``; where ``Y1 ≤ 0`` there is no trend to read and the
  account grows at the plan's rate (its segment's, else ``growth``), reported in one warning.
  A multiplier below 0 counts as 0: no target is negative.
- ``blend``: ``round(α · B · (1 + g))`` plus the account's part of ``round((1 − α) · R)``, split by
  ``weight``: the top-down parts beneath N sum exactly to ``round((1 − α) · R)``.
- ``bucketed``: ``R`` is split over the buckets present among the accounts that share it, by their
  shares (a largest-remainder split, ties by bucket name); an absent bucket's share goes to the
  present ones in proportion (a warning); then each bucket's amount is split evenly or by weight.
- Weights are read only where used, on the accounts that share an ``R``: an empty weight is an
  error unless ``missing_weight = "zero"``; ``Σw = 0`` where there is something to split is an error.
- Overrides replace ``target`` only; ``calculated_target`` keeps the computed (or bottom-up) value.

Exactness bound: Int128 holds every product as long as bookings per account and window stay below
about 10^15 currency units and rates have a few decimals; beyond that an error is returned rather
than a wrong figure.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.textorder import sort_by_text
from quotaplan.money import format_cents_grouped, parse_scaled, split_frame, sums_by_index
from quotaplan.plan import Plan
from quotaplan.problems import Problem, Severity, listed, more
from quotaplan.schemas import ACCOUNTS, NUMBER_SCALE
from quotaplan.settings import TargetsSection

#: Length of each of the two yearly windows read by ``trend = true``.
TREND_MONTHS = 12
#: Int128 intermediate values are kept below this, so ``2·x + d`` cannot overflow.
INT128_LIMIT = 2**125
SETTINGS_FILE = "plan.toml"
ACCOUNTS_FILE = "accounts.csv"

I128 = pl.Int128


@dataclass(frozen=True)
class TargetsResult:
    """Account targets and what computing them found.

    ``accounts``: one row per eligible account, sorted by account_id: account_id, territory_id,
    segment, industry, grade, anchor_id (null when no node above it is numbered), method,
    base_bookings (cents in the base window, 0 when none, may be negative), calculated_target and
    target (cents, ≥ 0), override_reason (null without override), bottom_up (the account had a
    bottom-up input, which is then its calculated_target).
    ``problems``: warnings, and errors that only computing can find.
    """

    accounts: pl.DataFrame
    problems: list[Problem]


def months_before(day: date, months: int) -> date:
    """``day`` moved back ``months`` calendar months (a day past the month's end → its last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def base_window(plan_start: date, months: int) -> tuple[date, date]:
    """The base window ``[start, end)``: ``months`` months before the plan start, end exclusive."""
    return months_before(plan_start, months), plan_start


def compute_targets(plan: Plan, hierarchy: Hierarchy) -> TargetsResult:
    """Every eligible account's calculated and final target (see the module docstring)."""
    ts = plan.settings.targets
    start = plan.settings.plan.fiscal_year_start
    problems: list[Problem] = []
    # Only the columns used: an extra column of accounts.csv cannot collide with a working one.
    wanted = ["line", "account_id", "territory_id", "segment", "industry", "grade",
              "bottom_up_target", ts.weight, ts.bucket_by or ""]
    used = [c for c in dict.fromkeys(wanted) if c in plan.accounts.columns]
    active = plan.accounts.filter(pl.col("status") == "active").select(used)
    # ``_order`` is the rank of the id as text, the tie-break of every split. The text sort is
    # skipped when the file is already in that order (a check of one pass).
    if not active.get_column("account_id").is_sorted():
        active = sort_by_text(active, "account_id")
    # Every join below keeps the left order, so the frame stays in ``_order`` throughout.
    acc = (
        active.lazy()
        .with_row_index("_order")
        .join(_anchors(hierarchy).lazy(), on="territory_id", how="left", maintain_order="left")
        .with_columns(_history(plan.bookings, active.get_column("account_id"), start, ts))
        .with_columns(
            pl.col("bottom_up_target").is_not_null().alias("bottom_up"),
            pl.max_horizontal("_base", pl.lit(0)).alias("_b"),
        )
        .collect()
    )
    uses_weight = ts.method in ("weighted", "blend") or (
        ts.method == "bucketed" and ts.within_bucket == "weighted"
    )
    if ts.method in ("growth", "blend") or (uses_weight and ts.weight == "prior_bookings"):
        problems += _negative_bases(acc, start, ts.base_window_months)
    growth_part: pl.Expr = pl.lit(0, dtype=pl.Int64)
    if ts.method in ("growth", "blend"):
        alpha = Fraction(1) if ts.method == "growth" else Fraction(ts.blend_alpha)
        acc = _growth_part(acc, ts, alpha, problems)
        growth_part = pl.col("_g")
    topdown_part: pl.Expr = pl.lit(0, dtype=pl.Int64)
    if ts.method != "growth":
        acc = _topdown_part(plan, hierarchy, acc, ts, problems)
        topdown_part = pl.col("_t")
    overrides = plan.overrides.select(
        "account_id", pl.col("target").alias("_override"), pl.col("reason").alias("override_reason")
    )
    calculated = (
        pl.when(pl.col("bottom_up"))
        .then(pl.col("bottom_up_target"))
        .otherwise(growth_part + topdown_part)
        .cast(pl.Int64)
    )
    accounts = (
        acc.with_columns(calculated.alias("calculated_target"))
        .join(overrides, on="account_id", how="left", maintain_order="left")
        .select(
            "account_id", "territory_id", "segment", "industry", "grade", "anchor_id",
            pl.lit(ts.method, dtype=pl.String).alias("method"),
            pl.col("_base").cast(pl.Int64).alias("base_bookings"),
            "calculated_target",
            pl.coalesce("_override", "calculated_target").alias("target"),
            "override_reason",
            "bottom_up",
            "_order",
        )
    )
    if not accounts.get_column("_order").is_sorted():  # a safeguard; every step keeps the order
        accounts = accounts.sort("_order")
    return TargetsResult(accounts=accounts.drop("_order"), problems=problems)


def _anchors(hierarchy: Hierarchy) -> pl.DataFrame:
    """Per territory: anchor_id and ``_node``, the anchor's row among the numbered nodes sorted by
    territory_id (an integer key, cheaper to group and join on than text; null without anchor)."""
    numbered = (
        hierarchy.nodes.filter(pl.col("topdown").is_not_null())
        .select(pl.col("territory_id").alias("anchor_id"))
        .sort("anchor_id")
        .with_row_index("_node")
    )
    return hierarchy.nodes.select("territory_id", "anchor_id").join(
        numbered, on="anchor_id", how="left", maintain_order="left"
    )


# --- history ----------------------------------------------------------------------------------


def _windows(start: date, ts: TargetsSection) -> dict[str, tuple[date, date]]:
    """The windows of bookings the targets read, by column: ``_base`` (the base window), and with
    ``trend``, ``_y2`` and ``_y1`` (the two 12-month windows before the plan start)."""
    windows = {"_base": base_window(start, ts.base_window_months)}
    if ts.trend:
        y2_start = months_before(start, TREND_MONTHS)
        windows["_y2"] = (y2_start, start)
        windows["_y1"] = (months_before(start, 2 * TREND_MONTHS), y2_start)
    return windows


#: Seeds of the two 64-bit hashes of account ids :func:`_history` matches on (a seed keys the
#: hash, so the two are independent).
JOIN_SEED = 17
CHECK_SEED = 29


def _history(bookings: pl.DataFrame, ids: pl.Series, start: date,
             ts: TargetsSection) -> list[pl.Series]:
    """Per account of ``ids`` (row i is ``ids[i]``): its bookings in each window of
    :func:`_windows` (cents, 0 when none), one column per window.

    Bookings are matched to accounts by a 64-bit hash of the id, then each match is confirmed by
    a second, independent hash (a row whose second hash differs names another id and counts
    nowhere, as an unknown id does); an integer join and a grouped sum by row number are several
    times cheaper than grouping and joining on text. When two accounts' ids share a hash, the
    text is matched instead (:func:`_history_by_text`).
    """
    windows = _windows(start, ts)
    first = min(lo for lo, _ in windows.values())
    day = pl.col("date")
    account = pl.col("account_id")
    keys = ids.to_frame("account_id").select(
        _id_hash(account, JOIN_SEED).alias("_h"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_at"),  # NumPy's index type, no copy
    )
    if keys.get_column("_h").n_unique() != keys.height:
        return _history_by_text(bookings, ids, windows)
    rows = (
        bookings.lazy()
        .filter((day >= first) & (day < start))
        .select(_id_hash(account, JOIN_SEED).alias("_h"),
                _id_hash(account, CHECK_SEED).alias("_check"), "date", "amount")
        .join(keys.lazy(), on="_h", how="inner")
        .collect()
    )
    checks = ids.to_frame("account_id").select(_id_hash(account, CHECK_SEED)).to_series()
    rows = rows.filter(rows.get_column("_check") == checks.gather(rows.get_column("_at")))
    columns = []
    for name, (lo, hi) in windows.items():
        # The rows were taken from ``first`` to the plan start: a window that spans them all
        # (the base window without trend) needs no filter.
        inside = rows if (lo, hi) == (first, start) else rows.filter((day >= lo) & (day < hi))
        sums = sums_by_index(inside.get_column("_at").to_numpy(),
                             inside.get_column("amount").to_numpy(), ids.len())
        columns.append(pl.Series(name, sums, dtype=pl.Int64))
    return columns


def _id_hash(ids: pl.Expr, seed: int) -> pl.Expr:
    """A 64-bit hash of each id, keyed by ``seed``."""
    return ids.hash(seed)


def _history_by_text(bookings: pl.DataFrame, ids: pl.Series,
                     windows: dict[str, tuple[date, date]]) -> list[pl.Series]:
    """:func:`_history` by grouping and joining on the ids' text."""
    day = pl.col("date")
    first = min(lo for lo, _ in windows.values())
    last = max(hi for _, hi in windows.values())
    sums = (
        bookings.lazy()
        .filter((day >= first) & (day < last))
        .group_by("account_id")
        .agg(pl.when((day >= lo) & (day < hi)).then(pl.col("amount")).otherwise(0).sum()
             .alias(name) for name, (lo, hi) in windows.items())
    )
    frame = (ids.to_frame("account_id").lazy()
             .join(sums, on="account_id", how="left", maintain_order="left")
             .select(pl.col(name).fill_null(0) for name in windows)
             .collect())
    return frame.get_columns()


def _negative_bases(acc: pl.DataFrame, start: date, months: int) -> list[Problem]:
    first, end = base_window(start, months)
    last = end - timedelta(days=1)
    hits = acc.filter(~pl.col("bottom_up") & (pl.col("_base") < 0))
    return _listed(
        hits,
        None,
        lambda row: (
            f"account {row['account_id']}: its bookings from {first} to {last} (the base window) "
            f"sum to {format_cents_grouped(row['_base'])}, below 0; its base counts as 0"
        ),
        "negative-base",
        "warning",
    )


# --- growth -----------------------------------------------------------------------------------


def _one_plus(rate: Decimal) -> Fraction:
    """``1 + rate`` as an exact fraction, never below 0."""
    return max(Fraction(1) + Fraction(rate), Fraction(0))


def _growth_part(
    acc: pl.DataFrame, ts: TargetsSection, alpha: Fraction, problems: list[Problem]
) -> pl.DataFrame:
    """``_g`` = round_half_away(α · B⁺ · (1 + g)) in cents, for every account."""
    default = _one_plus(ts.growth)
    segments = list(ts.growth_by_segment)
    rates = [_one_plus(ts.growth_by_segment[s]) for s in segments]
    by_segment = pl.DataFrame(
        {
            "segment": segments,
            "_snum": [r.numerator for r in rates],
            "_sden": [r.denominator for r in rates],
        },
        schema={"segment": pl.String, "_snum": I128, "_sden": I128},
    )
    acc = acc.join(by_segment, on="segment", how="left", maintain_order="left").with_columns(
        pl.col("_snum").fill_null(pl.lit(default.numerator, dtype=I128)),
        pl.col("_sden").fill_null(pl.lit(default.denominator, dtype=I128)),
    )
    num, den = pl.col("_snum"), pl.col("_sden")
    if ts.trend:
        low, high = (_one_plus(r) for r in ts.trend_band)
        y1, y2 = pl.col("_y1").cast(I128), pl.col("_y2").cast(I128)
        below = y2 * _lit(low.denominator) < _lit(low.numerator) * y1
        above = y2 * _lit(high.denominator) > _lit(high.numerator) * y1
        readable = pl.col("_y1") > 0
        num = (
            pl.when(~readable).then(num).when(below).then(_lit(low.numerator))
            .when(above).then(_lit(high.numerator)).otherwise(y2)
        )
        den = (
            pl.when(~readable).then(den).when(below).then(_lit(low.denominator))
            .when(above).then(_lit(high.denominator)).otherwise(y1)
        )
        fallback = acc.filter(~pl.col("bottom_up") & (pl.col("_y1") <= 0)).height
        if fallback:
            problems.append(Problem(
                SETTINGS_FILE, None, "targets.trend",
                f"{fallback} account(s) have no positive bookings in the year before last, so no "
                "trend can be read; they grow at the plan's growth rate (their segment's, else "
                "[targets] growth)", "warning", "trend-fallback",
            ))
    acc = acc.with_columns(num.alias("_mnum"), den.alias("_mden"))
    biggest = acc.select(pl.col("_b").max(), pl.col("_mnum").max(), pl.col("_mden").max()).row(0)
    largest = (biggest[0] or 0) * (biggest[1] or 0) * alpha.numerator
    if 2 * largest + (biggest[2] or 1) * alpha.denominator >= INT128_LIMIT:
        problems.append(Problem(
            SETTINGS_FILE, None, "targets.growth",
            "bookings or rates are too large to compute growth targets exactly; check bookings.csv "
            "for amounts out of scale and write rates with fewer decimals", "error", "overflow",
        ))
        return acc.with_columns(pl.lit(0, dtype=pl.Int64).alias("_g"))
    numerator = pl.col("_b").cast(I128) * pl.col("_mnum") * _lit(alpha.numerator)
    denominator = pl.col("_mden") * _lit(alpha.denominator)
    return acc.with_columns(_round_div(numerator, denominator).alias("_g"))


def _lit(value: int) -> pl.Expr:
    return pl.lit(value, dtype=I128)


def _round_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """``numerator / denominator`` (Int128, denominator > 0) rounded half away from zero → Int64."""
    two = _lit(2)
    magnitude = (two * numerator.abs() + denominator) // (two * denominator)
    return pl.when(numerator < 0).then(_lit(0) - magnitude).otherwise(magnitude).cast(pl.Int64)


# --- top-down ---------------------------------------------------------------------------------


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
    """Where a node's number was given: topdown.csv line, or plan.toml for the root's number."""

    lines: dict[str, int | None]

    def problem(self, node: str, message: str, severity: Severity, code: str) -> Problem:
        line = self.lines.get(node)
        if line is None:
            return Problem(SETTINGS_FILE, None, "targets.topdown", message, severity, code)
        return Problem("topdown.csv", line, "amount", message, severity, code)


def _topdown_part(
    plan: Plan, hierarchy: Hierarchy, acc: pl.DataFrame, ts: TargetsSection,
    problems: list[Problem],
) -> pl.DataFrame:
    """``_t``: each sharing account's part of its anchor's R (0 for the others)."""
    where = _Where(dict(zip(plan.topdown.get_column("territory_id").to_list(),
                            plan.topdown.get_column("line").to_list(), strict=True)))
    rem = _remainders(hierarchy, acc)
    # R < 0 is reported once, when the plan is read (the check ``bottom-up-above-number``, which
    # names the node on its topdown.csv line); here those accounts just get 0.
    keep = Fraction(1) - Fraction(ts.blend_alpha) if ts.method == "blend" else Fraction(1)
    positive = pl.max_horizontal("R", pl.lit(0)).cast(I128)
    rem = rem.with_columns(
        _round_div(positive * _lit(keep.numerator), _lit(keep.denominator)).alias("_R")
    )
    if acc.filter(~pl.col("bottom_up") & pl.col("anchor_id").is_null()).height:
        problems.append(Problem(
            SETTINGS_FILE, None, "targets.topdown",
            f"method {ts.method!r} splits a top-down number, but no node above some accounts has "
            f"one; set [targets] topdown (the root's number) or add the root to topdown.csv",
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
        acc = _with_weights(acc, ts, problems)
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


def _with_weights(frame: pl.DataFrame, ts: TargetsSection, problems: list[Problem]) -> pl.DataFrame:
    """``_w`` (Int64 ≥ 0, any scale; 0 off the ``_share`` rows) and ``_w_bad`` (in error).

    Weights are checked only on the ``_share`` rows, the accounts whose weight is used.
    """
    name = ts.weight
    share = pl.col("_share")
    if name == "prior_bookings":
        return frame.with_columns(
            _w=pl.when(share).then(pl.col("_b")).otherwise(0), _w_bad=pl.lit(False)
        )
    schema_kind = ACCOUNTS.column(name).kind if name in ACCOUNTS.names else None
    dtype = frame.schema.get(name)
    numeric = dtype is not None and (dtype == pl.String or dtype.is_integer())
    if name == "line" or not numeric or schema_kind not in (None, "number", "amount"):
        what = "has no column" if dtype is None or name == "line" else "has a non-numeric column"
        problems.append(Problem(
            SETTINGS_FILE, None, "targets.weight",
            f"targets.weight: accounts.csv {what} {name!r}; name a numeric column (annual_revenue, "
            "employees, …) or prior_bookings", "error", "weight-column",
        ))
        return frame.with_columns(_w=pl.lit(0, dtype=pl.Int64), _w_bad=pl.lit(True))
    if dtype == pl.String:
        valid, value = parse_scaled(pl.col(name), NUMBER_SCALE)
    else:
        valid, value = pl.lit(True), pl.col(name).cast(pl.Int64)
    frame = frame.with_columns(valid.alias("_valid"), value.alias("_w"))
    invalid = share & ~pl.col("_valid")
    negative = share & pl.col("_valid") & (pl.col("_w") < 0)
    missing = share & pl.col("_valid") & pl.col("_w").is_null()
    problems += _listed(frame.filter(invalid), name, lambda row: (
        f"{row[name]!r} is not a plain number, so it cannot weigh account {row['account_id']}; "
        "write digits with an optional '.'"), "number")
    problems += _listed(frame.filter(negative), name, lambda row: (
        f"{row[name]} is negative; a weight must be 0 or more (account {row['account_id']})"),
        "negative")
    bad = invalid | negative
    if ts.missing_weight == "error":
        problems += _listed(frame.filter(missing), name, lambda row: (
            f"account {row['account_id']} has no {name}, which weighs its target; fill it in or "
            'set [targets] missing_weight = "zero"'), "missing-weight")
        bad = bad | missing
    usable = share & ~bad
    return frame.with_columns(
        pl.when(usable).then(pl.col("_w").fill_null(0)).otherwise(0).cast(pl.Int64).alias("_w"),
        bad.alias("_w_bad"),
    ).drop("_valid")


def _bucketed(
    acc: pl.DataFrame, ts: TargetsSection, where: _Where, problems: list[Problem]
) -> pl.DataFrame:
    """R over the buckets present (by share), then over each bucket's accounts: ``_t``."""
    column = ts.bucket_by or ""
    if acc.schema.get(column) != pl.String:
        problems.append(Problem(
            SETTINGS_FILE, None, "targets.bucket_by",
            f"targets.bucket_by: accounts.csv has no text column {column!r}; name one such as grade "
            "or segment", "error", "bucket-column",
        ))
        return acc.with_columns(pl.lit(0, dtype=pl.Int64).alias("_t"))
    names = sorted(ts.buckets)
    scale = max((_decimals(ts.buckets[n]) for n in names), default=0)
    shares = pl.DataFrame(
        {"_bucket": names, "_bucket_share": [int(ts.buckets[n].scaleb(scale)) for n in names]},
        schema={"_bucket": pl.String, "_bucket_share": pl.Int64},
    )
    acc = acc.with_columns(pl.col(column).alias("_bucket")).join(
        shares, on="_bucket", how="left", maintain_order="left"
    )
    unshared = (
        acc.filter(pl.col("_share") & pl.col("_bucket_share").is_null())
        .group_by("_bucket")
        .agg(pl.col("line").min(), pl.len().alias("_n"))
        .sort("_bucket", nulls_last=True)
    )
    for row in unshared.iter_rows(named=True):
        what = f"{column} {row['_bucket']!r} has no share" if row["_bucket"] is not None else (
            f"an empty {column} has no bucket")
        problems.append(Problem(
            ACCOUNTS_FILE, row["line"], column,
            f"{what} in [targets] buckets ({row['_n']} account(s), the first on this line); add "
            f"its share to [targets] buckets or change their {column}", "error", "bucket-share",
        ))
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
        acc = _with_weights(acc, ts, problems)
    else:
        acc = acc.with_columns(_w=share.cast(pl.Int64), _w_bad=pl.lit(False))
    return _split(acc, "_bucket_R", where, problems, bucket=True)


def _decimals(value: Decimal) -> int:
    """Digits after the point of a finite ``Decimal`` (0 for whole numbers)."""
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def _listed(
    hits: pl.DataFrame,
    column: str | None,
    message: Callable[[dict[str, Any]], str],
    code: str,
    severity: Severity = "error",
) -> list[Problem]:
    """One problem per account row (the first :data:`~quotaplan.problems.MAX_LISTED` by line),
    then one record that counts the rest."""
    if hits.height == 0:
        return []
    hits = hits.sort("line", "account_id")
    count = listed(hits.height)
    found = [
        Problem(ACCOUNTS_FILE, row["line"], column, message(row), severity, code)
        for row in hits.head(count).iter_rows(named=True)
    ]
    if hits.height > count:
        rest = hits.height - count
        found.append(more(ACCOUNTS_FILE, hits.get_column("line")[count], column,
                          f"… and {rest} more accounts like this", severity, code, rest))
    return found
