"""Quotas for every carrier: base → over-assignment → adjustments → full year → ramp → periods.

SPEC "Quotas", steps 1–4. Pure. Book sums, strategic sums (one grouping of the accounts) and the
allocation of top-down numbers are columnar (Polars); then each carrier (at most a few thousand)
gets its :class:`CarrierInputs` and its written figures from
:func:`~quotaplan.core.ledger.carrier_figures` (exact integer arithmetic). Ledgers — every step as a
:class:`LedgerLine`, exact with ``Fraction`` — are built by
:func:`~quotaplan.core.ledger.carrier_ledger` when one is asked for (:class:`LazyLedgers`); both
are the what-if entry points: change one carrier's :class:`CarrierInputs`
(``dataclasses.replace``) and call them again.

Conventions, pinned by tests:

- **Splits.** ``topdown`` and ``even`` split a number over the leaves with a carrier beneath it
  (one carrier per leaf, checked when the plan is read; were there two, each would get the leaf's
  share). Leftover cents go to the largest remainders, ties to the ascending territory id.
- **All-zero books** under ``topdown``: the number is split equally (as ``even``), since there is
  nothing to be proportional to. A remainder below 0 (deeper numbers exceed the node's) gives 0
  with a warning. A carrier with no numbered node above it under ``topdown``/``even`` gets 0 and an
  error.
- **Rounding.** Exact throughout; each written figure is the exact value rounded half away from
  zero. A ledger line's ``amount`` is the change in the written (rounded) running value, so the
  amounts of base and changes add up to the written full-year quota to the cent; on the summary
  lines (``base``, ``full_year``, ``final``) it is the figure itself.
- **Rates.** ``factor`` on a rate line is 1 + rate. Multiplicative mode applies it to the running
  value; additive mode applies the rate to the value after over-assignment. Manual amounts follow
  all rates, in file order. A negative full-year quota (large negative amounts) is kept, with a
  warning.
- **Phasing.** Seasonality weights are normalised to sum to exactly 1 (they are checked to 1e-6).
  Period quotas start as floors of the exact values; the cents left over to reach
  ``final_quota = round(exact year)`` go one each to the largest remainders, ties to the earlier
  period — so a period with nothing to carry stays 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.ledger import (
    ONE,
    CarrierInputs,
    Figures,
    LazyLedgers,
    QuotaLedger,
    carrier_figures,
    manual_lines,
    quota_rules,
)
from quotaplan.core.quota_bases import quota_bases
from quotaplan.core.ramp import RampCache, add_months, first_ramp_month, month_year, seller_ramp
from quotaplan.core.strategic import books_and_strategic
from quotaplan.money import MAX_CENTS, MAX_INT_DIGITS
from quotaplan.plan import Plan
from quotaplan.problems import Problem, error, listed, warning
from quotaplan.problems import more as more_like_this
from quotaplan.schemas import PERIODS_COLUMNS, QUOTAS_COLUMNS, QUOTAS_EXTRA
from quotaplan.settings import Settings


@dataclass(frozen=True)
class QuotasResult:
    """``quotas``: one row per carrier; ``periods``: one row per carrier and period; ``ledgers`` and
    ``inputs`` by seller id (inputs serve what-ifs; ledgers are built on first access);
    ``problems``: what computing found."""

    quotas: pl.DataFrame
    periods: pl.DataFrame
    ledgers: Mapping[str, QuotaLedger]
    problems: list[Problem]
    inputs: dict[str, CarrierInputs] = field(default_factory=dict)


#: The quota table's columns are those of quotas.csv (:mod:`quotaplan.schemas`); their types:
#: ids and status text, factors and ratios ``Float64``, starts_after_year a flag, every other
#: column ``Int64`` (cents; depth a count).
_TEXT = frozenset({"seller_id", "territory_id", "anchor_id", "status"})
_RATIOS = frozenset({"seniority_factor", "strategic_factor", "ramp_factor", "quota_to_ote"})


def _quota_type(name: str) -> pl.DataType:
    if name in _TEXT:
        return pl.String()
    if name in _RATIOS:
        return pl.Float64()
    return pl.Boolean() if name == "starts_after_year" else pl.Int64()


QUOTAS_SCHEMA: dict[str, pl.DataType] = {
    name: _quota_type(name) for name in (*QUOTAS_COLUMNS, *QUOTAS_EXTRA)
}
PERIODS_SCHEMA: dict[str, pl.DataType] = dict(
    zip(PERIODS_COLUMNS, (pl.String(), pl.Date(), pl.Date(), pl.Int64()), strict=True)
)


def compute_quotas(plan: Plan, hierarchy: Hierarchy, account_targets: pl.DataFrame) -> QuotasResult:
    """Every carrier's quota (SPEC "Quotas" steps 1–4).

    ``account_targets``: account_id, territory_id, target (Int64 cents; null counts 0) and the
    columns strategic focus rules match on (segment, industry, grade; absent columns match nothing).
    """
    settings = plan.settings
    problems: list[Problem] = []
    books, strategic = books_and_strategic(account_targets, settings.strategic_focus)
    bases = quota_bases(plan, hierarchy, books, problems)
    frame = (
        hierarchy.carriers.join(books, on="territory_id", how="left")
        .join(bases, on="seller_id", how="left")
        .with_columns(pl.col("book_target").fill_null(0), pl.col("accounts").fill_null(0))
        .sort("seller_id")
        .select("seller_id", "territory_id", "book_target", "base", "base_reason", "depth",
                "anchor_id", "anchor_depth", "seniority", "line", "ramp_profile", "hire_date",
                "end_date", "status", "ote", "starts_after_year")
    )
    problems += _late_starts(frame, settings, plan.source("sellers"))
    rules = quota_rules(settings)
    manual = manual_lines(plan.adjustments, plan.source("adjustments"))
    no_match = ("no account in the book matches a strategic focus rule: factor 1"
                if settings.strategic_focus else "no [[strategic_focus]] rules in the plan")
    ramps = RampCache()
    paddings: dict[tuple[Any, ...], tuple[tuple[tuple[int, Decimal], ...], str]] = {}
    inputs_by_seller: dict[str, CarrierInputs] = {}
    carriers: list[CarrierInputs] = []
    figured: list[Figures] = []
    unknown_levels: list[tuple[str, int | None, str]] = []
    too_large: list[tuple[str, int | None]] = []
    for row in frame.iter_rows(named=True):
        seller = str(row["seller_id"])
        seniority, seniority_reason = _seniority(row, settings, unknown_levels)
        factor, strategic_reason = strategic.get(row["territory_id"], (ONE, no_match))
        if row["book_target"] == 0:
            factor, strategic_reason = ONE, "empty book (target 0): factor 1"
        months, ramp_reason = seller_ramp(row, settings, ramps, problems, plan.source("sellers"))
        where = (row["anchor_id"], row["anchor_depth"], row["depth"])
        if where not in paddings:
            paddings[where] = (_padding(row, settings), _padding_reason(row, settings))
        padding, padding_reason = paddings[where]
        inputs = CarrierInputs(
            seller_id=seller,
            territory_id=str(row["territory_id"]),
            book_target=int(row["book_target"]),
            base=int(row["base"] or 0),
            base_reason=str(row["base_reason"] or ""),
            padding=padding,
            padding_reason=padding_reason,
            seniority_factor=seniority,
            seniority_reason=seniority_reason,
            strategic_factor=factor,
            strategic_reason=strategic_reason,
            manual=manual.get(seller, ()),
            months=months,
            ramp_reason=ramp_reason,
        )
        figures = carrier_figures(inputs, rules)
        if not _in_range(figures):
            too_large.append((seller, row["line"]))
        if figures.negative:
            problems.append(warning(plan.source("adjustments"), None, "amount", f"seller {seller}'s "
                                    "full-year quota is below 0 after manual amounts; check their "
                                    "adjustments", "negative-quota"))
        inputs_by_seller[seller] = inputs
        carriers.append(inputs)
        figured.append(figures)
    for seller, line, level in unknown_levels:
        problems.append(error(plan.source("sellers"), line, "seniority", f"seniority level {level!r} of "
                              f"seller {seller} is not in [seniority] factors; add it there or "
                              "correct the level", "unknown-seniority"))
    out_of_range = _out_of_range(too_large, plan)
    if not out_of_range and not _roll_ups_in_range(figured, settings):
        out_of_range.append(error(
            plan.source("settings"), None, "quotas.hedge", "the carriers' quotas rolled up through the "
            f"hierarchy grow to more than {MAX_INT_DIGITS} digits before the decimal point, beyond "
            "what quotaplan keeps exact; check the amounts, [quotas] over_assignment and hedge",
            "out-of-range"))
    if out_of_range:  # no table is built from figures out of range
        return QuotasResult(pl.DataFrame(schema=QUOTAS_SCHEMA), pl.DataFrame(schema=PERIODS_SCHEMA),
                            LazyLedgers({}, rules), problems + out_of_range, {})
    columns = quota_columns(carriers, figured, frame.get_column("ote").to_list())
    for name in ("depth", "anchor_id", "status", "starts_after_year"):
        columns[name] = frame.get_column(name).to_list()
    quotas = pl.DataFrame(columns, schema=QUOTAS_SCHEMA)
    sellers = columns["seller_id"]
    count = len(rules.periods)
    periods = pl.DataFrame({
        "seller_id": [seller for seller in sellers for _ in range(count)],
        "period_start": [start for start, _ in rules.periods] * len(sellers),
        "period_end": [end for _, end in rules.periods] * len(sellers),
        "quota": [q for f in figured for q in f.period_quotas],
    }, schema=PERIODS_SCHEMA)
    return QuotasResult(quotas, periods, LazyLedgers(inputs_by_seller, rules), problems,
                        inputs_by_seller)


def _out_of_range(sellers: Sequence[tuple[str, int | None]], plan: Plan) -> list[Problem]:
    """An error per carrier (seller id, line) whose quota is out of range, then a count."""
    shown = listed(len(sellers))
    source = plan.source("sellers")
    found = [error(source, line, "seller_id", f"seller {seller}'s quota grows to more than "
                   f"{MAX_INT_DIGITS} digits before the decimal point, beyond what quotaplan keeps "
                   "exact; check [quotas] over_assignment, the [seniority] and [[strategic_focus]] "
                   "factors, "
                   f"{plan.source('adjustments')} and the amounts behind the book", "out-of-range")
             for seller, line in sellers[:shown]]
    if len(sellers) > shown:
        rest = len(sellers) - shown
        found.append(more_like_this(source, sellers[shown][1], "seller_id",
                                    f"… and {rest} more sellers like this", "error",
                                    "out-of-range", rest))
    return found


def _in_range(figures: Figures) -> bool:
    """Is every figure of a carrier within :data:`~quotaplan.money.MAX_CENTS`?"""
    return max(abs(figures.base_quota), abs(figures.manual_adjustment),
               abs(figures.full_year_quota), abs(figures.final_quota),
               *(abs(q) for q in figures.period_quotas)) <= MAX_CENTS


def _roll_ups_in_range(figured: Sequence[Figures], settings: Settings) -> bool:
    """Do the roll-ups stay within :data:`~quotaplan.money.MAX_CENTS`? Bounded from above: all
    carriers' quotas together, times every hedge factor (1 − hedge) that raises a sum."""
    bound = Fraction(sum(abs(f.final_quota) for f in figured))
    for hedge in settings.quotas.hedge.values():
        bound *= max(Fraction(1), 1 - Fraction(hedge))
    return bound <= MAX_CENTS


def quota_columns(
    inputs: Sequence[CarrierInputs], figures: Sequence[Figures], ote: Sequence[int | None]
) -> dict[str, list[Any]]:
    """The :data:`QUOTAS_SCHEMA` columns that carriers' inputs, figures and OTE (cents) decide —
    all but depth, anchor_id and status —, one value per carrier, as :func:`ledger_row` gives them
    (ratios ``float``; ramp_factor and quota_to_ote ``None`` when their divisor is 0 or empty)."""
    return {
        "seller_id": [i.seller_id for i in inputs],
        "territory_id": [i.territory_id for i in inputs],
        "book_target": [i.book_target for i in inputs],
        "base_quota": [f.base_quota for f in figures],
        "seniority_factor": [float(i.seniority_factor) for i in inputs],
        "strategic_factor": [float(i.strategic_factor) for i in inputs],
        "manual_adjustment": [f.manual_adjustment for f in figures],
        "full_year_quota": [f.full_year_quota for f in figures],
        "ramp_factor": [f.final_quota / f.full_year_quota if f.full_year_quota != 0 else None
                        for f in figures],
        "final_quota": [f.final_quota for f in figures],
        "quota_to_ote": [f.final_quota / o if o else None for f, o in zip(figures, ote,
                                                                             strict=True)],
        "ote": list(ote),
    }


#: Sellers who start after the plan year are named one by one up to this many; the rest counted.
LATE_STARTS_LISTED = 20


def _late_starts(frame: pl.DataFrame, settings: Settings, source: str) -> list[Problem]:
    """A warning per carrier who starts after the plan year (SPEC "Bad input"): they carry 0 and
    their book is reported as uncovered. ``frame``: one row per carrier with starts_after_year;
    ``source``: where the sellers came from."""
    late = frame.filter(pl.col("starts_after_year")).sort("line", "seller_id")
    if late.height == 0:
        return []
    cutoff = settings.ramp.cutoff
    year_end = add_months(settings.plan.fiscal_year_start, 12) - timedelta(days=1)
    found: list[Problem] = []
    for row in late.head(LATE_STARTS_LISTED).iter_rows(named=True):
        hire = row["hire_date"]
        first, _ = first_ramp_month(hire, cutoff)
        who = (f"vacant seat {row['seller_id']} (planned start" if row["status"] == "tbh"
               else f"seller {row['seller_id']} (hired")
        found.append(warning(
            source, row["line"], "hire_date",
            f"{who} {hire.isoformat()}, cut-off {cutoff}: first ramp month {month_year(first)}) "
            f"starts after the plan year, which ends {year_end.isoformat()}: they carry 0 this "
            f"year and the accounts of territory {row['territory_id']} are reported as uncovered; "
            "correct the date if it is wrong", "starts-after-year"))
    if late.height > LATE_STARTS_LISTED:
        found.append(warning(
            source, late.get_column("line")[LATE_STARTS_LISTED], "hire_date",
            f"… and {late.height - LATE_STARTS_LISTED} more sellers who start after the plan year",
            "starts-after-year"))
    return found


def _padding(row: Mapping[str, Any], settings: Settings) -> tuple[tuple[int, Decimal], ...]:
    if settings.quotas.basis == "assigned":
        return ()
    top = row["anchor_depth"] if row["anchor_depth"] is not None else 0
    rates = settings.quotas.over_assignment
    return tuple((d, rates[d]) for d in range(top + 1, int(row["depth"]) + 1) if d in rates)


def _padding_reason(row: Mapping[str, Any], settings: Settings) -> str:
    if settings.quotas.basis == "assigned":
        return "assigned quotas are taken as given: no over-assignment"
    top = row["anchor_depth"] if row["anchor_depth"] is not None else 0
    where = f"below {row['anchor_id']} (depth {top})" if row["anchor_id"] else "below the root"
    padding = _padding(row, settings)
    if not padding:
        depth = int(row["depth"])
        if depth <= top:
            return "none: the carrier's own territory has a top-down number"
        span = f"depth {depth}" if depth == top + 1 else f"depths {top + 1}–{depth}"
        return f"none set for {span} {where}"
    steps = ", ".join(f"depth {d} {_percent(r)}" for d, r in padding)
    return f"over-assignment {where}: {steps}"


def _percent(rate: Decimal) -> str:
    pct = (rate * 100).normalize()
    text = f"{pct:f}"
    return f"+{text} %" if rate >= 0 else f"{text} %"


def _seniority(
    row: Mapping[str, Any], settings: Settings, unknown: list[tuple[str, int | None, str]]
) -> tuple[Decimal, str]:
    factors = settings.seniority.factors
    level = row["seniority"]
    if not factors:
        return Decimal(1), "no [seniority] factors in the plan"
    if level is None:
        return Decimal(1), "no seniority level: factor 1"
    if level not in factors:
        unknown.append((str(row["seller_id"]), row["line"], str(level)))
        return Decimal(1), f"level {level!r} has no factor: 1"
    return factors[level], f"level {level!r}: factor {factors[level]}"


__all__ = [
    "PERIODS_SCHEMA",
    "QUOTAS_SCHEMA",
    "QuotasResult",
    "compute_quotas",
    "quota_columns",
]
