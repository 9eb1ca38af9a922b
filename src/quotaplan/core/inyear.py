"""In-year changes: the period arithmetic of version N+1 of published quotas. Pure and exact.

SPEC "Workflow: review, approve, publish". Approving an in-year change with an effective date D
publishes version N+1, whose period quota for each carrier and period is version N's figure for
every period that ends before D (exactly, to the cent); for the others, version N's figure plus
the change's delta:

- **account move**: − the relief on the losing carrier, + the same on the gaining carrier;
- **seller leaving on E**: their periods after E become 0, the period containing E pro-rated by
  days; the book is uncovered, or goes to a named successor with the relief rule;
- **new hire / tbh filled on S**: their periods as the engine computes them for that start;
- **manual amount or rate**: the full-year change × the remaining share of the year;
- **top-down change**: none to quotas.

The **remaining share of the year** from D is Σ over the periods from D of the period's seasonality
weight, the period containing D multiplied by (its days from D) ÷ (its days) — D included, so a
change effective on a period's first day takes the whole period. Amounts are spread over those
periods in proportion to their shares by largest remainder on cents (ties to the earlier period),
the total being the amount × Σ remaining shares rounded once, half away from zero.

The periods and weights are the engine's (:func:`quotaplan.core.ledger.quota_rules`); amounts are
integer cents, shares ``Fraction``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

from quotaplan.core.ledger import QuotaRules
from quotaplan.money import largest_remainder, round_half_away

#: The values of ``[changes] relief``.
RELIEFS = ("target", "quota_share", "none")

Periods = Sequence[tuple[date, date]]


def days(start: date, end: date) -> int:
    """Days from ``start`` to ``end``, both included (0 when ``end`` is before ``start``)."""
    return max((end - start).days + 1, 0)


def days_from(period: tuple[date, date], effective: date) -> Fraction:
    """The share of ``period``'s days from ``effective`` on (``effective`` included): 1 for a
    period that starts on or after it, 0 for one that ends before it."""
    start, end = period
    return Fraction(days(max(start, effective), end), days(start, end))


def remaining_shares(rules: QuotaRules, effective: date) -> tuple[Fraction, ...]:
    """Per period, its share of the year from ``effective`` (D): its seasonality weight (the
    weights sum to exactly 1) for a period starting on or after D, × (its days from D, D
    included) ÷ (its days) for the period containing D, 0 for a period ending before D."""
    return tuple(weight * days_from(period, effective)
                 for period, weight in zip(rules.periods, rules.weights, strict=True))


def remaining_share(rules: QuotaRules, effective: date) -> Fraction:
    """The remaining share of the year from ``effective``: Σ :func:`remaining_shares`."""
    return sum(remaining_shares(rules, effective), Fraction(0))


def spread(amount: Fraction | int, shares: Sequence[Fraction], periods: Periods) -> list[int]:
    """``amount`` (cents, exact) × the remaining ``shares``, per period, in cents.

    The total is ``amount × Σ shares`` rounded once (half away from zero); it is split over the
    periods in proportion to their shares by largest remainder on cents, ties to the earlier
    period, so the parts sum exactly to it. A period with no share gets 0."""
    exact = Fraction(amount) * sum(shares, Fraction(0))
    total = round_half_away(exact)
    if total == 0 or not any(shares):
        return [0] * len(shares)
    common = math.lcm(*(share.denominator for share in shares))
    weights = [int(share * common) for share in shares]
    return largest_remainder(total, weights, [start.isoformat() for start, _ in periods])


def move_relief(
    relief: str,
    *,
    account_target: int,
    book_target: int,
    full_year_quota: int,
    shares: Sequence[Fraction],
    periods: Periods,
) -> list[int]:
    """What moves with an account, per period (cents, ≥ 0 for a positive target): the losing
    carrier's period quotas go down by it and the gaining carrier's go up by it, to the cent.

    ``"target"``: the account's target × the remaining share of the year. ``"quota_share"``: the
    same with (the account's target ÷ the losing carrier's book target) × the losing carrier's
    full-year quota instead of its target (nothing moves from an empty book). ``"none"``: the
    book moves, no quota does."""
    if relief == "target":
        return spread(account_target, shares, periods)
    if relief == "quota_share":
        if book_target == 0:
            return [0] * len(shares)
        return spread(Fraction(account_target, book_target) * full_year_quota, shares, periods)
    if relief == "none":
        return [0] * len(shares)
    raise ValueError(f"relief {relief!r} is not one of {', '.join(RELIEFS)}")


def leaving_from(effective: date, end: date) -> date:
    """The first day a leaver no longer carries quota: the day after their end date E, or the
    effective date D when that is later (periods that end before D never change)."""
    return max(effective, end + timedelta(days=1))


def leaving_delta(previous: Sequence[int], end: date, effective: date,
                  periods: Periods) -> list[int]:
    """A seller leaving on ``end`` (E): their periods after E become 0 and the period containing
    E keeps version N's figure × (its days up to E, E included) ÷ (its days), rounded half away
    from zero; the delta is that minus version N's figure. Periods that end before D (and
    before E) are unchanged."""
    first = leaving_from(effective, end)
    delta = []
    for figure, period in zip(previous, periods, strict=True):
        if period[1] < first:
            delta.append(0)
            continue
        kept = round_half_away(figure * (1 - days_from(period, end + timedelta(days=1))))
        delta.append(kept - figure)
    return delta


def restart(previous: Sequence[int], engine: Sequence[int], effective: date,
            periods: Periods) -> list[int]:
    """A new hire or a filled ``tbh`` seat starting on S, effective D: version N's figure for
    the periods that end before D, the engine's figure (computed for that start, with the ramp
    and cut-off rules) for the others."""
    return [old if period[1] < effective else new
            for old, new, period in zip(previous, engine, periods, strict=True)]


def apply(previous: Sequence[int], delta: Sequence[int], effective: date,
          periods: Periods) -> list[int]:
    """Version N+1's periods of one carrier: version N's figure for every period that ends before
    D (exactly); version N's figure plus the delta for the others."""
    return [old if period[1] < effective else old + change
            for old, change, period in zip(previous, delta, periods, strict=True)]


__all__ = [
    "RELIEFS",
    "apply",
    "days",
    "days_from",
    "leaving_delta",
    "leaving_from",
    "move_relief",
    "remaining_share",
    "remaining_shares",
    "restart",
    "spread",
]
