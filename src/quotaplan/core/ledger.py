"""One carrier's quota, exactly: the ledger of SPEC "Quotas" steps 1–4 and its figures.

Pure. :func:`carrier_ledger` computes a carrier's quota with ``Fraction`` and keeps every step as a
:class:`LedgerLine`; :func:`carrier_figures` computes the same written figures (to the cent) with
integers over a common denominator, several times faster, for whole plans; :class:`LazyLedgers`
builds ledgers only when one is asked for. Both are the what-if entry points: change one carrier's
:class:`CarrierInputs` (``dataclasses.replace``) and call them again. The conventions (splits,
rounding, rates, phasing) are in :mod:`quotaplan.core.quotas`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

import polars as pl

from quotaplan.core.ramp import period_months, plan_periods
from quotaplan.money import round_half_away, round_ratio, round_shares
from quotaplan.plan import FOLDER_SOURCES
from quotaplan.settings import Settings

ONE = Fraction(1)
ZERO = Fraction(0)


@dataclass(frozen=True)
class LedgerLine:
    """One step of a carrier's quota.

    ``step``: base | over_assignment | seniority | strategic | manual_rate | manual_amount |
    full_year | ramp | final. ``factor``: the multiplier of the step (1 + rate for rate lines;
    ``None`` for amounts and summary lines). ``amount``: cents the step changed (see the module
    docstring). ``value``: the exact running value after the step, in cents.
    """

    step: str
    label: str
    factor: Decimal | Fraction | None
    amount: int | None
    value: Fraction
    reason: str


@dataclass(frozen=True)
class PeriodLine:
    """One period's quota: ``start``/``end`` inclusive; ``weight`` and ``ramp_factor`` in 0–1 (ramp
    may exceed 1 with a profile above 1); ``exact`` in cents; ``quota`` the rounded cents."""

    start: date
    end: date
    weight: Fraction
    ramp_factor: Fraction
    exact: Fraction
    quota: int


@dataclass(frozen=True)
class QuotaLedger:
    """A carrier's quota, line by line. Amounts in cents; ``full_year_quota`` exact."""

    seller_id: str
    territory_id: str
    book_target: int
    lines: tuple[LedgerLine, ...]
    periods: tuple[PeriodLine, ...]
    full_year_quota: Fraction
    final_quota: int

    def line(self, step: str) -> LedgerLine:
        """The first line of ``step`` (KeyError when absent)."""
        for item in self.lines:
            if item.step == step:
                return item
        raise KeyError(step)


@dataclass(frozen=True)
class ManualLine:
    """One adjustment line: exactly one of ``rate`` (0.10 = +10 %) or ``amount`` (cents).

    ``source``: where the line came from (the plan's adjustments source), shown with its ``line``;
    a line made without one (a what-if edit) is located as in a plan folder."""

    line: int | None
    rate: Decimal | None
    amount: int | None
    reason: str
    author: str | None = None
    source: str = FOLDER_SOURCES["adjustments"]


@dataclass(frozen=True)
class CarrierInputs:
    """Everything one carrier's quota depends on; amounts in cents, factors exact.

    ``padding``: (depth, rate) for each depth from below the anchor down to the leaf that has a rate.
    ``months``: the 12 plan months' ramp factors (:func:`quotaplan.core.ramp.monthly_factors`).
    """

    seller_id: str
    territory_id: str
    book_target: int
    base: int
    base_reason: str
    padding: tuple[tuple[int, Decimal], ...]
    padding_reason: str
    seniority_factor: Decimal
    seniority_reason: str
    strategic_factor: Fraction
    strategic_reason: str
    manual: tuple[ManualLine, ...]
    months: tuple[Fraction, ...]
    ramp_reason: str


@dataclass(frozen=True)
class QuotaRules:
    """The plan-wide rules of steps 3–4: how rates combine, the periods and their weights."""

    mode: str
    periods: tuple[tuple[date, date], ...]
    groups: tuple[tuple[int, ...], ...]
    weights: tuple[Fraction, ...]


# ---------------------------------------------------------------------------------------------
# One carrier, exactly


def quota_rules(settings: Settings) -> QuotaRules:
    """The rules of steps 3–4 from the settings (weights normalised to sum to exactly 1)."""
    period = settings.plan.period
    periods = tuple(plan_periods(settings.plan.fiscal_year_start, period))
    return QuotaRules(mode=settings.quotas.adjustment_mode, periods=periods,
                      groups=tuple(period_months(period)), weights=seasonality_weights(settings))


def seasonality_weights(settings: Settings) -> tuple[Fraction, ...]:
    """``[seasonality] weights`` as exact fractions (4 or 12 of them) normalised to sum to exactly
    1 (they are checked to 1e-6 when the plan is read); even weights when absent."""
    raw = settings.seasonality.weights
    if raw is None:
        count = settings.periods_per_year
        return tuple(Fraction(1, count) for _ in range(count))
    total = sum((Fraction(w) for w in raw), ZERO)
    return tuple(Fraction(w) / total for w in raw)


def round_together(exacts: Sequence[Fraction], total: int) -> list[int]:
    """Round exact values (cents, ``Fraction``) so they sum to ``total`` = round(Σ exacts).

    Floors first; the units left over go one each to the largest remainders, ties to the lower
    index. All values ≥ 0 or all ≤ 0 (a negative set is rounded as its mirror).
    """
    if any(x < 0 for x in exacts):
        return [-p for p in round_together([-x for x in exacts], -total)]
    # Integer arithmetic only: the values over one common denominator.
    common = math.lcm(*(x.denominator for x in exacts)) if exacts else 1
    return round_shares([x.numerator * (common // x.denominator) for x in exacts], common, total)


@lru_cache(maxsize=4096)
def _exact(value: Decimal) -> Fraction:
    return Fraction(value)


@lru_cache(maxsize=4096)
def _padding_factor(padding: tuple[tuple[int, Decimal], ...]) -> Fraction:
    factor = ONE
    for _, rate in padding:
        factor *= 1 + _exact(rate)
    return factor


class Shape(NamedTuple):
    """A carrier's phasing: per period the ramp factor and the share weight × ramp of the full
    year; ``ramp`` = Σ shares (the year's ramp factor). ``den`` and ``parts`` hold the shares over
    one common denominator (share = part ÷ den, integers), for the integer path of
    :func:`carrier_figures`; ``signed``: some part is below 0."""

    period_ramp: tuple[Fraction, ...]
    shares: tuple[Fraction, ...]
    ramp: Fraction
    den: int
    parts: tuple[int, ...]
    parts_sum: int
    signed: bool


#: Shapes by the identity of (months, rules): carriers of one plan share their months tuples, so
#: this skips hashing twelve fractions per carrier. Entries keep both objects, so an id is never
#: reused while its entry lives; the table is emptied when it grows large.
_SHAPES: dict[tuple[int, int], tuple[tuple[Fraction, ...], QuotaRules, Shape]] = {}
_SHAPES_MAX = 4096


def _shape(months: tuple[Fraction, ...], rules: QuotaRules) -> Shape:
    """The :class:`Shape` of a carrier's 12 monthly ramp factors under the plan's rules."""
    key = (id(months), id(rules))
    hit = _SHAPES.get(key)
    if hit is not None and hit[0] is months and hit[1] is rules:
        return hit[2]
    ramp = tuple(sum((months[m] for m in g), ZERO) / len(g) for g in rules.groups)
    shares = tuple(w * r for w, r in zip(rules.weights, ramp, strict=True))
    den = math.lcm(*(s.denominator for s in shares)) if shares else 1
    parts = tuple(s.numerator * (den // s.denominator) for s in shares)
    shape = Shape(ramp, shares, sum(shares, ZERO), den, parts, sum(parts),
                  any(part < 0 for part in parts))
    if len(_SHAPES) >= _SHAPES_MAX:
        _SHAPES.clear()
    _SHAPES[key] = (months, rules, shape)
    return shape


def carrier_ledger(inputs: CarrierInputs, rules: QuotaRules) -> QuotaLedger:
    """One carrier's quota ledger (SPEC steps 1–4), exact; well under a millisecond.

    Steps that change nothing (a factor of exactly 1) cost no arithmetic but keep their line.
    """
    lines: list[LedgerLine] = []
    written = [0]  # the running value as written (rounded), for each line's change

    def add(step: str, label: str, factor: Decimal | Fraction | None, value: Fraction,
            reason: str, amount: int | None = None) -> None:
        rounded = round_half_away(value)
        changed = rounded - written[0] if amount is None else amount
        written[0] = rounded
        lines.append(LedgerLine(step, label, factor, changed, value, reason))

    value = Fraction(inputs.base)
    add("base", "Base quota", None, value, inputs.base_reason, amount=inputs.base)
    padding = _padding_factor(inputs.padding)
    if padding != 1:
        value *= padding
    add("over_assignment", "Over-assignment", padding, value, inputs.padding_reason)
    padded = value

    rates: list[tuple[str, str, Fraction, Decimal | Fraction, str]] = [
        ("seniority", "Seniority", _exact(inputs.seniority_factor) - 1,
         inputs.seniority_factor, inputs.seniority_reason),
        ("strategic", "Strategic focus", inputs.strategic_factor - 1, inputs.strategic_factor,
         inputs.strategic_reason),
    ]
    for item in inputs.manual:
        if item.rate is not None:
            rates.append(("manual_rate", "Manual rate", _exact(item.rate), 1 + item.rate,
                          _manual_reason(item)))
    multiplicative = rules.mode == "multiplicative"
    for step, label, rate, factor, reason in rates:
        if rate != 0:
            value = value * (1 + rate) if multiplicative else value + padded * rate
        add(step, label, factor, value, reason)
    for item in inputs.manual:
        if item.amount is not None:
            value += item.amount
            add("manual_amount", "Manual amount", None, value, _manual_reason(item))
    full_year = value
    add("full_year", "Full-year quota", None, full_year,
        "base after over-assignment and adjustments; what a seller employed and ramped all "
        "year carries", amount=round_half_away(full_year))

    period_ramp, shares, ramp, *_ = _shape(inputs.months, rules)
    exacts = [full_year * share for share in shares]
    year = full_year * ramp
    final = round_half_away(year)
    quotas = round_together(exacts, final)
    periods = tuple(
        PeriodLine(start, end, w, r, x, q)
        for (start, end), w, r, x, q in zip(rules.periods, rules.weights, period_ramp, exacts,
                                            quotas, strict=True)
    )
    add("ramp", "Ramp", ramp, year, inputs.ramp_reason)
    add("final", "Final quota", None, year,
        f"the {len(periods)} periods rounded together to sum exactly to this figure", amount=final)
    return QuotaLedger(inputs.seller_id, inputs.territory_id, inputs.book_target, tuple(lines),
                       periods, full_year, final)


def _manual_reason(item: ManualLine) -> str:
    where = f"{item.source} line {item.line}" if item.line is not None else "adjustment"
    who = f", by {item.author}" if item.author else ""
    return f"{item.reason} ({where}{who})"


def ledger_row(ledger: QuotaLedger, inputs: CarrierInputs) -> dict[str, Any]:
    """The quota-table figures of one ledger (the columns of :data:`QUOTAS_SCHEMA` it owns)."""
    full_year = ledger.line("full_year").amount or 0
    manual = sum(
        line.amount or 0 for line in ledger.lines if line.step in ("manual_rate", "manual_amount")
    )
    return {
        "seller_id": ledger.seller_id,
        "territory_id": ledger.territory_id,
        "book_target": ledger.book_target,
        "base_quota": round_half_away(ledger.line("over_assignment").value),
        "seniority_factor": float(inputs.seniority_factor),
        "strategic_factor": float(inputs.strategic_factor),
        "manual_adjustment": manual,
        "full_year_quota": full_year,
        "ramp_factor": ledger.final_quota / full_year if full_year != 0 else None,
        "final_quota": ledger.final_quota,
    }


def manual_lines(
    adjustments: pl.DataFrame, source: str = FOLDER_SOURCES["adjustments"]
) -> dict[str, tuple[ManualLine, ...]]:
    """The adjustments by seller id, in file order (by line; lines without a number last): one
    :class:`ManualLine` per rate and per amount, the text rate parsed to ``Decimal``. ``source``:
    where the table came from (:meth:`~quotaplan.plan.Plan.source`)."""
    out: dict[str, list[ManualLine]] = {}
    columns = ["seller_id", "line", "amount", "rate", "reason", "author"]
    present = [c for c in columns if c in adjustments.columns]
    for row in adjustments.select(present).sort("line", nulls_last=True).iter_rows(named=True):
        rate = _rate(row.get("rate"))
        amount = row.get("amount")
        reason = str(row.get("reason") or "")
        line = row.get("line")
        author = row.get("author")
        if rate is not None:
            out.setdefault(str(row["seller_id"]), []).append(
                ManualLine(line, rate, None, reason, author, source))
        if amount is not None:
            out.setdefault(str(row["seller_id"]), []).append(
                ManualLine(line, None, int(amount), reason, author, source))
    return {k: tuple(v) for k, v in out.items()}


def _rate(text: object) -> Decimal | None:
    if text is None or not str(text).strip():
        return None
    try:
        return Decimal(str(text).strip())
    except InvalidOperation:
        return None


# ---------------------------------------------------------------------------------------------
# The same figures with integers, and ledgers on demand


class Figures(NamedTuple):
    """The written figures of one carrier, in cents: what :func:`ledger_row` and the ledger's
    periods give, without the ledger. ``negative``: the exact full-year quota is below 0."""

    base_quota: int
    manual_adjustment: int
    full_year_quota: int
    final_quota: int
    period_quotas: tuple[int, ...]
    negative: bool


def _ledger_figures(ledger: QuotaLedger) -> Figures:
    manual = sum(line.amount or 0 for line in ledger.lines
                 if line.step in ("manual_rate", "manual_amount"))
    return Figures(round_half_away(ledger.line("over_assignment").value), manual,
                   ledger.line("full_year").amount or 0, ledger.final_quota,
                   tuple(p.quota for p in ledger.periods), ledger.full_year_quota < 0)


def carrier_figures(inputs: CarrierInputs, rules: QuotaRules) -> Figures:
    """:class:`Figures` equal to those of ``carrier_ledger(inputs, rules)``, computed as one integer
    numerator over one positive denominator per value (no ``Fraction`` per step): a few
    microseconds per carrier."""
    shape = _shape(inputs.months, rules)
    if shape.signed:  # a share below 0 (a profile below 0): let the ledger decide the signs
        return _ledger_figures(carrier_ledger(inputs, rules))
    padding = _padding_factor(inputs.padding)
    num, den = inputs.base * padding.numerator, padding.denominator
    base_quota = round_ratio(num, den)
    seniority = _exact(inputs.seniority_factor)
    strategic = inputs.strategic_factor
    manual = inputs.manual
    rates = [_exact(item.rate) for item in manual if item.rate is not None] if manual else []
    if rules.mode == "multiplicative":
        num *= seniority.numerator * strategic.numerator
        den *= seniority.denominator * strategic.denominator
        focused = round_ratio(num, den)
        for rate in rates:
            factor = 1 + rate
            num, den = num * factor.numerator, den * factor.denominator
    else:  # additive: padded × (1 + Σ rates), the same as adding padded × rate one by one
        focus = seniority + strategic - 1
        focused = round_ratio(num * focus.numerator, den * focus.denominator)
        total = focus + sum(rates, ZERO)
        num, den = num * total.numerator, den * total.denominator
    for item in manual:
        if item.amount is not None:
            num += item.amount * den
    full_year = round_ratio(num, den) if manual else focused
    whole = den * shape.den
    final = round_ratio(num * shape.parts_sum, whole)
    # round_together over one denominator: floors, then the largest remainders (ties: earlier);
    # a negative year is rounded as its mirror.
    size = -num if num < 0 else num
    floors = round_shares([size * part for part in shape.parts], whole,
                          -final if num < 0 else final)
    # The manual lines' changes add up to the change from the focused value to the full year.
    return Figures(base_quota, full_year - focused, full_year, final,
                   tuple(-f for f in floors) if num < 0 else tuple(floors), num < 0)


class LazyLedgers(Mapping[str, QuotaLedger]):
    """seller_id → :class:`QuotaLedger`, each computed by :func:`carrier_ledger` on first access
    (then kept). Iterates the sellers of ``inputs`` in their order."""

    def __init__(self, inputs: Mapping[str, CarrierInputs], rules: QuotaRules) -> None:
        self._inputs = inputs
        self._rules = rules
        self._done: dict[str, QuotaLedger] = {}

    def __getitem__(self, seller_id: str) -> QuotaLedger:
        hit = self._done.get(seller_id)
        if hit is None:
            hit = self._done[seller_id] = carrier_ledger(self._inputs[seller_id], self._rules)
        return hit

    def __iter__(self) -> Iterator[str]:
        return iter(self._inputs)

    def __len__(self) -> int:
        return len(self._inputs)


__all__ = [
    "CarrierInputs",
    "Figures",
    "LazyLedgers",
    "LedgerLine",
    "ManualLine",
    "PeriodLine",
    "QuotaLedger",
    "QuotaRules",
    "Shape",
    "carrier_figures",
    "carrier_ledger",
    "ledger_row",
    "manual_lines",
    "quota_rules",
    "round_together",
]
