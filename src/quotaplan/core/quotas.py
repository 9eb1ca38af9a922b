"""Quotas for every carrier: base → over-assignment → adjustments → full year → ramp → periods.

SPEC "Quotas", steps 1–4. Pure. Book sums, strategic sums and the allocation of top-down numbers are
columnar (Polars); then each carrier (at most a few thousand) runs through :func:`carrier_ledger`,
which computes everything exactly with ``Fraction`` and keeps every step as a :class:`LedgerLine`.
:func:`carrier_ledger` is also the what-if entry point: change one carrier's
:class:`CarrierInputs` (``dataclasses.replace``) and call it again.

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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.core.ramp import first_ramp_month, monthly_factors, period_months, plan_periods
from quotaplan.money import format_cents_grouped, round_half_away, split_frame
from quotaplan.plan import Plan
from quotaplan.problems import Problem, error, warning
from quotaplan.settings import Settings, StrategicFocusRule

ONE = Fraction(1)
ZERO = Fraction(0)
#: At most this many ids are named in one problem message.
NAMED = 5


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
    """One ``adjustments.csv`` line: exactly one of ``rate`` (0.10 = +10 %) or ``amount`` (cents)."""

    line: int | None
    rate: Decimal | None
    amount: int | None
    reason: str
    author: str | None = None


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


@dataclass(frozen=True)
class QuotasResult:
    """``quotas``: one row per carrier; ``periods``: one row per carrier and period; ``ledgers`` and
    ``inputs`` by seller id (inputs serve what-ifs); ``problems``: what computing found."""

    quotas: pl.DataFrame
    periods: pl.DataFrame
    ledgers: dict[str, QuotaLedger]
    problems: list[Problem]
    inputs: dict[str, CarrierInputs] = field(default_factory=dict)


QUOTAS_SCHEMA: dict[str, pl.DataType] = {
    "seller_id": pl.String(),
    "territory_id": pl.String(),
    "book_target": pl.Int64(),
    "base_quota": pl.Int64(),
    "seniority_factor": pl.Float64(),
    "strategic_factor": pl.Float64(),
    "manual_adjustment": pl.Int64(),
    "full_year_quota": pl.Int64(),
    "ramp_factor": pl.Float64(),
    "final_quota": pl.Int64(),
    "quota_to_ote": pl.Float64(),
    "ote": pl.Int64(),
    "depth": pl.Int64(),
    "anchor_id": pl.String(),
    "status": pl.String(),
}
PERIODS_SCHEMA: dict[str, pl.DataType] = {
    "seller_id": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "quota": pl.Int64(),
}


# ---------------------------------------------------------------------------------------------
# One carrier, exactly


def quota_rules(settings: Settings) -> QuotaRules:
    """The rules of steps 3–4 from the settings (weights normalised to sum to exactly 1)."""
    period = settings.plan.period
    periods = tuple(plan_periods(settings.plan.fiscal_year_start, period))
    raw = settings.seasonality.weights
    if raw is None:
        weights = tuple(Fraction(1, len(periods)) for _ in periods)
    else:
        total = sum((Fraction(w) for w in raw), ZERO)
        weights = tuple(Fraction(w) / total for w in raw)
    return QuotaRules(mode=settings.quotas.adjustment_mode, periods=periods,
                      groups=tuple(period_months(period)), weights=weights)


def round_together(exacts: Sequence[Fraction], total: int) -> list[int]:
    """Round exact values (cents, ``Fraction``) so they sum to ``total`` = round(Σ exacts).

    Floors first; the units left over go one each to the largest remainders, ties to the lower
    index. All values ≥ 0 or all ≤ 0 (a negative set is rounded as its mirror).
    """
    if any(x < 0 for x in exacts):
        return [-p for p in round_together([-x for x in exacts], -total)]
    # Integer arithmetic only: floor and remainder of each n/d; remainders compared as r/d.
    parts = [divmod(x.numerator, x.denominator) for x in exacts]
    floors = [q for q, _ in parts]
    left = total - sum(floors)
    if left:
        order = sorted(range(len(exacts)),
                       key=lambda i: (-Fraction(parts[i][1], exacts[i].denominator), i))
        for i in order[:left]:
            floors[i] += 1
    return floors


@lru_cache(maxsize=4096)
def _exact(value: Decimal) -> Fraction:
    return Fraction(value)


@lru_cache(maxsize=4096)
def _padding_factor(padding: tuple[tuple[int, Decimal], ...]) -> Fraction:
    factor = ONE
    for _, rate in padding:
        factor *= 1 + _exact(rate)
    return factor


Shape = tuple[tuple[Fraction, ...], tuple[Fraction, ...], Fraction]
#: Shapes by the identity of (months, rules): carriers of one plan share their months tuples, so
#: this skips hashing twelve fractions per carrier. Entries keep both objects, so an id is never
#: reused while its entry lives; the table is emptied when it grows large.
_SHAPES: dict[tuple[int, int], tuple[tuple[Fraction, ...], QuotaRules, Shape]] = {}
_SHAPES_MAX = 4096


def _shape(months: tuple[Fraction, ...], rules: QuotaRules) -> Shape:
    """(period ramp factors, weight × ramp per period, their sum = the year's ramp factor)."""
    key = (id(months), id(rules))
    hit = _SHAPES.get(key)
    if hit is not None and hit[0] is months and hit[1] is rules:
        return hit[2]
    ramp = tuple(sum((months[m] for m in g), ZERO) / len(g) for g in rules.groups)
    shares = tuple(w * r for w, r in zip(rules.weights, ramp, strict=True))
    shape = (ramp, shares, sum(shares, ZERO))
    if len(_SHAPES) >= _SHAPES_MAX:
        _SHAPES.clear()
    _SHAPES[key] = (months, rules, shape)
    return shape


def _round(value: Fraction) -> int:
    """:func:`~quotaplan.money.round_half_away` for a ``Fraction``, without the conversion."""
    num, den = value.numerator, value.denominator
    if den == 1:
        return num
    whole, rest = divmod(abs(num), den)
    if 2 * rest >= den:
        whole += 1
    return whole if num >= 0 else -whole


def carrier_ledger(inputs: CarrierInputs, rules: QuotaRules) -> QuotaLedger:
    """One carrier's quota ledger (SPEC steps 1–4), exact; well under a millisecond.

    Steps that change nothing (a factor of exactly 1) cost no arithmetic but keep their line.
    """
    lines: list[LedgerLine] = []
    written = [0]  # the running value as written (rounded), for each line's change

    def add(step: str, label: str, factor: Decimal | Fraction | None, value: Fraction,
            reason: str, amount: int | None = None) -> None:
        rounded = _round(value)
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
        "year carries", amount=_round(full_year))

    period_ramp, shares, ramp = _shape(inputs.months, rules)
    exacts = [full_year * share for share in shares]
    year = full_year * ramp
    final = _round(year)
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
    where = f"adjustments.csv line {item.line}" if item.line is not None else "adjustment"
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


# ---------------------------------------------------------------------------------------------
# The whole plan


def compute_quotas(plan: Plan, hierarchy: Hierarchy, account_targets: pl.DataFrame) -> QuotasResult:
    """Every carrier's quota (SPEC "Quotas" steps 1–4).

    ``account_targets``: account_id, territory_id, target (Int64 cents; null counts 0) and the
    columns strategic focus rules match on (segment, industry, grade; absent columns match nothing).
    """
    settings = plan.settings
    problems: list[Problem] = []
    carriers = hierarchy.carriers
    books = _books(account_targets)
    strategic = _strategic(account_targets, settings.strategic_focus,
                           dict(books.select("territory_id", "book_target").iter_rows()))
    bases = _bases(plan, hierarchy, books, problems)
    frame = (
        carriers.join(books, on="territory_id", how="left")
        .join(bases, on="seller_id", how="left")
        .with_columns(pl.col("book_target").fill_null(0), pl.col("accounts").fill_null(0))
        .sort("seller_id")
    )
    rules = quota_rules(settings)
    manual = _manual_lines(plan.adjustments)
    no_match = ("no account in the book matches a strategic focus rule: factor 1"
                if settings.strategic_focus else "no [[strategic_focus]] rules in the plan")
    ramp_cache: dict[tuple[Any, ...], tuple[tuple[Fraction, ...], str]] = {}
    ledgers: dict[str, QuotaLedger] = {}
    inputs_by_seller: dict[str, CarrierInputs] = {}
    rows: list[dict[str, Any]] = []
    period_rows: dict[str, list[Any]] = {name: [] for name in PERIODS_SCHEMA}
    unknown_levels: list[tuple[str, int | None, str]] = []
    for row in frame.iter_rows(named=True):
        seller = str(row["seller_id"])
        seniority, seniority_reason = _seniority(row, settings, unknown_levels)
        factor, strategic_reason = strategic.get(row["territory_id"], (ONE, no_match))
        if row["book_target"] == 0:
            factor, strategic_reason = ONE, "empty book (target 0): factor 1"
        months, ramp_reason = _ramp(row, settings, ramp_cache, problems)
        inputs = CarrierInputs(
            seller_id=seller,
            territory_id=str(row["territory_id"]),
            book_target=int(row["book_target"]),
            base=int(row["base"] or 0),
            base_reason=str(row["base_reason"] or ""),
            padding=_padding(row, settings),
            padding_reason=_padding_reason(row, settings),
            seniority_factor=seniority,
            seniority_reason=seniority_reason,
            strategic_factor=factor,
            strategic_reason=strategic_reason,
            manual=manual.get(seller, ()),
            months=months,
            ramp_reason=ramp_reason,
        )
        ledger = carrier_ledger(inputs, rules)
        if ledger.full_year_quota < 0:
            problems.append(warning("adjustments.csv", None, "amount", f"seller {seller}'s "
                                    "full-year quota is below 0 after manual amounts; check their "
                                    "adjustments", "negative-quota"))
        ledgers[seller] = ledger
        inputs_by_seller[seller] = inputs
        out = ledger_row(ledger, inputs)
        ote = row["ote"]
        out |= {
            "quota_to_ote": ledger.final_quota / ote if ote else None,
            "ote": ote,
            "depth": row["depth"],
            "anchor_id": row["anchor_id"],
            "status": row["status"],
        }
        rows.append(out)
        for p in ledger.periods:
            period_rows["seller_id"].append(seller)
            period_rows["period_start"].append(p.start)
            period_rows["period_end"].append(p.end)
            period_rows["quota"].append(p.quota)
    for seller, line, level in unknown_levels:
        problems.append(error("sellers.csv", line, "seniority", f"seniority level {level!r} of "
                              f"seller {seller} is not in [seniority] factors; add it there or "
                              "correct the level", "unknown-seniority"))
    quotas = pl.DataFrame(rows, schema=QUOTAS_SCHEMA, orient="row") if rows else pl.DataFrame(
        schema=QUOTAS_SCHEMA)
    periods = pl.DataFrame(period_rows, schema=PERIODS_SCHEMA)
    return QuotasResult(quotas, periods, ledgers, problems, inputs_by_seller)


def _books(account_targets: pl.DataFrame) -> pl.DataFrame:
    """territory_id, book_target (cents), accounts (count) per leaf."""
    return account_targets.group_by("territory_id").agg(
        pl.col("target").fill_null(0).sum().cast(pl.Int64).alias("book_target"),
        pl.len().cast(pl.Int64).alias("accounts"),
    )


def _rule_mask(rule: StrategicFocusRule, columns: Iterable[str]) -> pl.Expr:
    """Accounts a rule matches: every key of ``match`` holds (a list matches any of its values)."""
    present = set(columns)
    mask = pl.lit(True)
    for key, wanted in rule.match.items():
        column = "account_id" if key == "accounts" else key
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if column not in present:
            return pl.lit(False)
        mask = mask & pl.col(column).cast(pl.String).is_in(values).fill_null(False)
    return mask


#: Rules per Int64 bit mask when combinations of matched rules are grouped.
RULE_BITS = 62


def _strategic(
    account_targets: pl.DataFrame, rules: Sequence[StrategicFocusRule], books: Mapping[str, int]
) -> dict[str, tuple[Fraction, str]]:
    """Per leaf with a matched account and a book above 0: (strategic factor, reason).

    Σ(target × Π matching factors) = book + Σ over matched accounts of target × (Π factors − 1).
    Matched accounts are summed per leaf and per combination of rules (a bit mask, columnar), so the
    exact arithmetic runs once per combination present in a leaf, never per account.
    """
    if not rules:
        return {}
    masks = [_rule_mask(rule, account_targets.columns) for rule in rules]
    chunks = [masks[i:i + RULE_BITS] for i in range(0, len(masks), RULE_BITS)]
    codes = [
        pl.sum_horizontal([m.cast(pl.Int64) * (1 << bit) for bit, m in enumerate(chunk)])
        .alias(f"_c{k}")
        for k, chunk in enumerate(chunks)
    ]
    names = [f"_c{k}" for k in range(len(chunks))]
    matched = (
        account_targets.lazy()
        .select("territory_id", pl.col("target").fill_null(0).cast(pl.Int64), *codes)
        .filter(pl.any_horizontal([pl.col(n) > 0 for n in names]))
        .group_by("territory_id", *names)
        .agg(pl.col("target").sum().alias("_sum"), pl.len().alias("_n"))
        .sort("territory_id", *names)
        .collect()
    )
    products: dict[tuple[int, ...], tuple[Fraction, tuple[int, ...]]] = {}

    def product_of(code: tuple[int, ...]) -> tuple[Fraction, tuple[int, ...]]:
        if code not in products:
            hit = tuple(k * RULE_BITS + bit for k, bits in enumerate(code)
                        for bit in range(RULE_BITS) if bits >> bit & 1)
            factor = ONE
            for i in hit:
                factor *= _exact(rules[i].factor)
            products[code] = (factor, hit)
        return products[code]

    extra: dict[str, Fraction] = {}
    counts: dict[str, int] = {}
    used: dict[str, set[int]] = {}
    for territory, *code, total, n in matched.iter_rows():
        factor, hit = product_of(tuple(code))
        extra[territory] = extra.get(territory, ZERO) + total * (factor - 1)
        counts[territory] = counts.get(territory, 0) + n
        used.setdefault(territory, set()).update(hit)
    out: dict[str, tuple[Fraction, str]] = {}
    for territory, more in extra.items():
        book = books.get(territory, 0)
        if book <= 0:
            continue
        named = "; ".join(
            f"{rules[i].reason or 'rule ' + str(i + 1)} ×{rules[i].factor}"
            for i in sorted(used[territory])
        )
        out[territory] = ((book + more) / book,
                          f"{counts[territory]} account(s) in the book match ({named}): "
                          f"Σ target × factor = {format_cents_grouped(_round(book + more))} "
                          f"over a book of {format_cents_grouped(book)}")
    return out


def _bases(
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
            problems.append(error("assigned_quotas.csv", None, "seller_id", f"{len(missing)} "
                                  f"carrier(s) have no assigned quota ({_names(missing)}); basis "
                                  "'assigned' needs a line for every carrier", "missing-assigned"))
        reason = pl.concat_str(
            pl.lit("assigned quota (assigned_quotas.csv line "), pl.col("line").cast(pl.String),
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
        problems.append(error("plan.toml", None, "quotas.basis", f"basis {basis!r} splits top-down "
                              f"numbers, but {len(unanchored)} carrier(s) have no numbered "
                              f"territory above them ({_names(unanchored)}); give the root a "
                              "number ([targets] topdown) or number their territories in "
                              "topdown.csv", "no-number"))
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
            "topdown.csv" if line is not None else "plan.toml", line,
            "amount" if line is not None else "targets.topdown",
            f"the numbers of the territories beneath {territory} exceed its own by "
            f"{format_cents_grouped(-remainder)}; its carriers outside them get a base of 0",
            "negative-remainder"))


def _names(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:NAMED])
    return shown + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


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


def _manual_lines(adjustments: pl.DataFrame) -> dict[str, tuple[ManualLine, ...]]:
    """adjustments.csv by seller, in file order; the text rate parsed to ``Decimal``."""
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
                ManualLine(line, rate, None, reason, author))
        if amount is not None:
            out.setdefault(str(row["seller_id"]), []).append(
                ManualLine(line, None, int(amount), reason, author))
    return {k: tuple(v) for k, v in out.items()}


def _rate(text: object) -> Decimal | None:
    if text is None or not str(text).strip():
        return None
    try:
        return Decimal(str(text).strip())
    except InvalidOperation:
        return None


def _ramp(
    row: Mapping[str, Any],
    settings: Settings,
    cache: dict[tuple[Any, ...], tuple[tuple[Fraction, ...], str]],
    problems: list[Problem],
) -> tuple[tuple[Fraction, ...], str]:
    """The 12 monthly factors of a carrier and why."""
    ramp = settings.ramp
    name = row["ramp_profile"] or ramp.default_profile
    if name is not None and name not in ramp.profiles:
        problems.append(error("sellers.csv", row["line"], "ramp_profile", f"ramp profile {name!r} "
                              f"of seller {row['seller_id']} is not in [ramp] profiles; add it "
                              "there or correct the name", "unknown-profile"))
        name = None
    profile = tuple(Fraction(f) for f in ramp.profiles[name]) if name is not None else None
    hire, end, status = row["hire_date"], row["end_date"], row["status"]
    if status == "tbh" and hire is None:
        problems.append(warning("sellers.csv", row["line"], "hire_date", f"vacant seat "
                                f"{row['seller_id']} has no planned start (hire_date); it carries "
                                "quota for the whole year", "tbh-no-start"))
    if ramp.cutoff == "prorate":
        key: tuple[Any, ...] = (hire, end, name)
    else:
        # Only the months matter: the first ramp month and the end month.
        first = first_ramp_month(hire, ramp.cutoff)[0] if hire is not None else None
        key = (first, end.replace(day=1) if end is not None else None, name)
    if key not in cache:
        months = monthly_factors(year_start=settings.plan.fiscal_year_start, hire_date=hire,
                                 end_date=end, profile=profile, cutoff=ramp.cutoff)
        cache[key] = (months, "monthly factors " + " ".join(_short(f) for f in months))
    months, shown = cache[key]
    parts: list[str] = []
    if hire is None:
        parts.append("no hire date: fully ramped")
    else:
        started = "planned start" if status == "tbh" else "hired"
        parts.append(f"{started} {hire.isoformat()}, cut-off {ramp.cutoff}")
        parts.append(f"profile {name!r} [{', '.join(str(f) for f in ramp.profiles[name])}]"
                     if name is not None else "no ramp profile: 0 before the start, then 1")
    if end is not None:
        parts.append(f"ends {end.isoformat()}: later months count 0")
    parts.append(shown)
    return months, "; ".join(parts)


def _short(value: Fraction) -> str:
    """A factor for people: exact when short (0, 1, 0.25), else 4 decimals."""
    if value.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 50, 100):
        return f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    return f"{float(value):.4f}"


__all__ = [
    "CarrierInputs",
    "LedgerLine",
    "ManualLine",
    "PeriodLine",
    "QuotaLedger",
    "QuotaRules",
    "QuotasResult",
    "carrier_ledger",
    "compute_quotas",
    "ledger_row",
    "quota_rules",
    "round_together",
]
