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

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.history_match import TREND_MONTHS, account_history, base_window
from quotaplan.core.textorder import sort_by_text
from quotaplan.core.topdown_split import lit128, split_topdown
from quotaplan.money import format_cents_grouped, round_div
from quotaplan.plan import Plan
from quotaplan.problems import Problem, each_by_line
from quotaplan.settings import TargetsSection

#: Int128 intermediate values are kept below this, so ``2·x + d`` cannot overflow.
INT128_LIMIT = 2**125

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


def compute_targets(plan: Plan, hierarchy: Hierarchy) -> TargetsResult:
    """Every eligible account's calculated and final target (see the module docstring)."""
    ts = plan.settings.targets
    start = plan.settings.plan.fiscal_year_start
    problems: list[Problem] = []
    # Only the columns used: an extra column of the accounts cannot collide with a working one.
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
        .with_columns(account_history(plan.bookings, active.get_column("account_id"), start, ts))
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
        problems += _negative_bases(acc, start, ts.base_window_months, plan.source("accounts"))
    growth_part: pl.Expr = pl.lit(0, dtype=pl.Int64)
    if ts.method in ("growth", "blend"):
        alpha = Fraction(1) if ts.method == "growth" else Fraction(ts.blend_alpha)
        acc = _growth_part(acc, ts, alpha, problems, plan)
        growth_part = pl.col("_g")
    topdown_part: pl.Expr = pl.lit(0, dtype=pl.Int64)
    if ts.method != "growth":
        acc = split_topdown(plan, hierarchy, acc, ts, problems)
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


def _negative_bases(acc: pl.DataFrame, start: date, months: int, source: str) -> list[Problem]:
    first, end = base_window(start, months)
    last = end - timedelta(days=1)
    hits = acc.filter(~pl.col("bottom_up") & (pl.col("_base") < 0))
    return each_by_line(
        source,
        hits,
        None,
        lambda row: (
            f"account {row['account_id']}: its bookings from {first} to {last} (the base window) "
            f"sum to {format_cents_grouped(row['_base'])}, below 0; its base counts as 0"
        ),
        "negative-base",
        "warning",
        noun="accounts",
    )


# --- growth -----------------------------------------------------------------------------------


def _one_plus(rate: Decimal) -> Fraction:
    """``1 + rate`` as an exact fraction, never below 0."""
    return max(Fraction(1) + Fraction(rate), Fraction(0))


def _growth_part(
    acc: pl.DataFrame, ts: TargetsSection, alpha: Fraction, problems: list[Problem], plan: Plan
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
        below = y2 * lit128(low.denominator) < lit128(low.numerator) * y1
        above = y2 * lit128(high.denominator) > lit128(high.numerator) * y1
        readable = pl.col("_y1") > 0
        num = (
            pl.when(~readable).then(num).when(below).then(lit128(low.numerator))
            .when(above).then(lit128(high.numerator)).otherwise(y2)
        )
        den = (
            pl.when(~readable).then(den).when(below).then(lit128(low.denominator))
            .when(above).then(lit128(high.denominator)).otherwise(y1)
        )
        fallback = acc.filter(~pl.col("bottom_up") & (pl.col("_y1") <= 0)).height
        if fallback:
            problems.append(Problem(
                plan.source("settings"), None, "targets.trend",
                f"{fallback} account(s) have no positive bookings in the year before last, so no "
                "trend can be read; they grow at the plan's growth rate (their segment's, else "
                "[targets] growth)", "warning", "trend-fallback",
            ))
    acc = acc.with_columns(num.alias("_mnum"), den.alias("_mden"))
    biggest = acc.select(pl.col("_b").max(), pl.col("_mnum").max(), pl.col("_mden").max()).row(0)
    largest = (biggest[0] or 0) * (biggest[1] or 0) * alpha.numerator
    if 2 * largest + (biggest[2] or 1) * alpha.denominator >= INT128_LIMIT:
        problems.append(Problem(
            plan.source("settings"), None, "targets.growth",
            "bookings or rates are too large to compute growth targets exactly; check "
            f"{plan.source('bookings')} for amounts out of scale and write rates with fewer "
            "decimals", "error", "overflow",
        ))
        return acc.with_columns(pl.lit(0, dtype=pl.Int64).alias("_g"))
    numerator = pl.col("_b").cast(I128) * pl.col("_mnum") * lit128(alpha.numerator)
    denominator = pl.col("_mden") * lit128(alpha.denominator)
    return acc.with_columns(round_div(numerator, denominator).alias("_g"))


# Re-exported: the history windows and the booking match live in history_match.
__all__ = ["TREND_MONTHS", "TargetsResult", "base_window", "compute_targets"]
