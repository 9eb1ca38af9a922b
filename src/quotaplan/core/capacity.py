"""Capacity: quota : OTE, high-value accounts, productive capacity, headcount and attrition.

Pure functions over tables and exact numbers. Amounts are integer cents; rates and factors are
exact fractions (``Decimal`` settings are turned into :class:`~fractions.Fraction`); every amount
computed from a rate is the exact value rounded once, half away from zero. Ratios are ``Float64``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl

from quotaplan.core.ledger import seasonality_weights
from quotaplan.core.ramp import monthly_factors
from quotaplan.money import times_rate, to_cents
from quotaplan.plan import Plan

MONTHS = 12


def ratio_below(numerator: pl.Expr, denominator: pl.Expr, bound: Fraction | Decimal) -> pl.Expr:
    """Exactly ``numerator / denominator < bound`` for integer columns (null where denominator is
    0 or null). No float rounding decides a band edge."""
    return _compare(numerator, denominator, bound, below=True)


def ratio_above(numerator: pl.Expr, denominator: pl.Expr, bound: Fraction | Decimal) -> pl.Expr:
    """Exactly ``numerator / denominator > bound`` (null where denominator is 0 or null)."""
    return _compare(numerator, denominator, bound, below=False)


def _compare(numerator: pl.Expr, denominator: pl.Expr, bound: Fraction | Decimal, *,
             below: bool) -> pl.Expr:
    """n/d against p/q in integers: n·q against d·p, the sense flipped for a negative d."""
    frac = Fraction(bound)
    n = numerator.cast(pl.Int128) * frac.denominator
    d = denominator.cast(pl.Int128) * frac.numerator
    less, more = n < d, n > d
    return (
        pl.when(denominator == 0)
        .then(None)
        .when(denominator > 0)
        .then(less if below else more)
        .otherwise(more if below else less)
    )


# --- quota : OTE ---------------------------------------------------------------------------------


def quota_to_ote_flag(plan: Plan, final_quota: str = "final_quota", ote: str = "ote") -> pl.Expr:
    """``"below"`` / ``"above"`` where final_quota ÷ ote is outside ``[capacity] quota_to_ote``
    (compared exactly, the band's ends inside the band), else null; null without an OTE (or OTE 0).
    """
    low, high = plan.settings.capacity.quota_to_ote
    q, o = pl.col(final_quota), pl.col(ote)
    usable = o.is_not_null() & (o != 0)
    return (
        pl.when(usable & ratio_below(q, o, low))
        .then(pl.lit("below"))
        .when(usable & ratio_above(q, o, high))
        .then(pl.lit("above"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("ote_flag")
    )


# --- high-value accounts -------------------------------------------------------------------------


def high_value_threshold(plan: Plan, account_targets: pl.DataFrame) -> int:
    """Target in cents at or above which an account is high-value.

    ``[capacity] high_value_target`` when given; otherwise the smallest target among the top 10 %
    of accounts by target (⌈10 %⌉ accounts, at least 1). 0 when there are no accounts.
    """
    given = plan.settings.capacity.high_value_target
    if given is not None:
        return to_cents(given)
    return top_decile_threshold(account_targets)


def top_decile_threshold(account_targets: pl.DataFrame) -> int:
    """The smallest target (cents) among the top 10 % of accounts by target (⌈10 %⌉ accounts,
    at least 1); 0 when there are no accounts."""
    count = account_targets.height
    if count == 0:
        return 0
    top = -(-count // 10)
    smallest = account_targets.get_column("target").fill_null(0).top_k(top).min()
    return int(smallest) if isinstance(smallest, int) else 0


# --- productive capacity, attrition, headcount ---------------------------------------------------


def productive_capacity(quota_sum: pl.Expr, plan: Plan) -> pl.Expr:
    """Σ final quotas (cents, a column) × ``[capacity] expected_attainment``, rounded once."""
    return times_rate(quota_sum, Fraction(plan.settings.capacity.expected_attainment))


def attrition_loss(quota_sum: pl.Expr, plan: Plan) -> pl.Expr:
    """Expected capacity lost to attrition in cents (a column): productive capacity × attrition
    ÷ 2 (leavers spread evenly over the year), from the exact capacity, rounded once."""
    cap = plan.settings.capacity
    return times_rate(quota_sum, Fraction(cap.expected_attainment) * Fraction(cap.attrition) / 2)


def fully_ramped() -> pl.Expr:
    """Per carrier of a quotas table: is the carrier fully ramped, i.e. is its final quota its
    whole full-year quota (ramp factor exactly 1)? Decided on the integer cents, never on the
    ``ramp_factor`` float; false when the full-year quota is 0 (no ramp factor)."""
    full_year = pl.col("full_year_quota")
    return (full_year != 0) & (pl.col("final_quota") == full_year)


def headcount_to_close(
    strategic_gap: int | None,
    ramped_quota_sum: int,
    ramped_carriers: int,
    expected_attainment: Fraction | Decimal,
) -> int | None:
    """Hires needed to close a strategic gap (cents): ⌈max(0, gap) ÷ (average full-year quota of
    the fully ramped carriers × expected attainment)⌉.

    ``ramped_quota_sum`` is the Σ of those carriers' full-year quotas in cents, ``ramped_carriers``
    their count. None when the gap is None, or when it is positive and a hire's capacity is not
    positive (no ramped carriers, or their average quota is 0). A gap ≤ 0 needs 0 hires.
    """
    if strategic_gap is None:
        return None
    if strategic_gap <= 0:
        return 0
    if ramped_carriers <= 0:
        return None
    per_hire = Fraction(ramped_quota_sum, ramped_carriers) * Fraction(expected_attainment)
    if per_hire <= 0:
        return None
    need = Fraction(strategic_gap) / per_hire
    return -(-need.numerator // need.denominator)


def period_weights(plan: Plan) -> tuple[Fraction, ...]:
    """``[seasonality] weights`` as exact fractions, normalised to sum to exactly 1
    (:func:`quotaplan.core.ledger.seasonality_weights`, as the quotas phase them)."""
    return seasonality_weights(plan.settings)


def in_year_factor(monthly_factors: Sequence[Fraction], weights: Sequence[Fraction]) -> Fraction:
    """Share of a full-year quota carried in the plan year: Σ period weight × period ramp factor,
    a quarter's factor being the mean of its three months' factors (0–1 for profiles within 0–1).
    """
    if len(monthly_factors) != MONTHS:
        raise ValueError(f"expected {MONTHS} monthly factors, got {len(monthly_factors)}")
    if MONTHS % len(weights):
        raise ValueError(f"weights must be 4 or 12 per year, got {len(weights)}")
    size = MONTHS // len(weights)
    total = Fraction(0)
    for index, weight in enumerate(weights):
        months = monthly_factors[index * size : (index + 1) * size]
        total += weight * sum(months, Fraction(0)) / size
    return total


def hire_contribution(
    full_year_quota: Fraction | int,
    monthly_factors: Sequence[Fraction],
    weights: Sequence[Fraction],
    expected_attainment: Fraction | Decimal,
) -> Fraction:
    """Expected in-year bookings of one hire, in cents, exact: full-year quota × in-year ramp
    share (:func:`in_year_factor`) × expected attainment (written rounded half away from zero)."""
    return (
        Fraction(full_year_quota)
        * in_year_factor(monthly_factors, weights)
        * Fraction(expected_attainment)
    )


def hire_factors(plan: Plan, start: date) -> tuple[Fraction, ...]:
    """The 12 monthly factors (each 0–1 for profiles within 0–1) of a hire starting on ``start``
    under ``[ramp] default_profile`` and ``[ramp] cutoff``, by the rules of
    :func:`quotaplan.core.ramp.monthly_factors` (so a ``month_end`` hire ramps from the next month).
    """
    ramp = plan.settings.ramp
    profile = (
        None
        if ramp.default_profile is None
        else tuple(Fraction(f) for f in ramp.profiles[ramp.default_profile])
    )
    return monthly_factors(
        year_start=plan.settings.plan.fiscal_year_start,
        hire_date=start,
        end_date=None,
        profile=profile,
        cutoff=ramp.cutoff,
    )


# times_rate lives in money (the one rounding rule); it stays importable from here.
__all__ = [
    "MONTHS",
    "attrition_loss",
    "fully_ramped",
    "headcount_to_close",
    "high_value_threshold",
    "hire_contribution",
    "hire_factors",
    "in_year_factor",
    "period_weights",
    "productive_capacity",
    "quota_to_ote_flag",
    "ratio_above",
    "ratio_below",
    "times_rate",
    "top_decile_threshold",
]
