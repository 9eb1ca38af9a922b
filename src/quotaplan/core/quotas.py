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

import math
from collections.abc import Iterable, Mapping, Sequence
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
    LedgerLine,
    ManualLine,
    PeriodLine,
    QuotaLedger,
    QuotaRules,
    _exact,
    _round_ratio,
    carrier_figures,
    carrier_ledger,
    ledger_row,
    manual_lines,
    quota_rules,
    round_together,
)
from quotaplan.core.ramp import RampCache, add_months, first_ramp_month, month_year, seller_ramp
from quotaplan.money import MAX_CENTS, MAX_INT_DIGITS, format_cents_grouped, split_frame
from quotaplan.plan import Plan
from quotaplan.problems import Problem, error, listed, warning
from quotaplan.problems import more as more_like_this
from quotaplan.settings import Settings, StrategicFocusRule

#: At most this many ids are named in one problem message.
NAMED = 5


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
    "starts_after_year": pl.Boolean(),
}
PERIODS_SCHEMA: dict[str, pl.DataType] = {
    "seller_id": pl.String(),
    "period_start": pl.Date(),
    "period_end": pl.Date(),
    "quota": pl.Int64(),
}




def compute_quotas(plan: Plan, hierarchy: Hierarchy, account_targets: pl.DataFrame) -> QuotasResult:
    """Every carrier's quota (SPEC "Quotas" steps 1–4).

    ``account_targets``: account_id, territory_id, target (Int64 cents; null counts 0) and the
    columns strategic focus rules match on (segment, industry, grade; absent columns match nothing).
    """
    settings = plan.settings
    problems: list[Problem] = []
    books, strategic = _books_and_strategic(account_targets, settings.strategic_focus)
    bases = _bases(plan, hierarchy, books, problems)
    frame = (
        hierarchy.carriers.join(books, on="territory_id", how="left")
        .join(bases, on="seller_id", how="left")
        .with_columns(pl.col("book_target").fill_null(0), pl.col("accounts").fill_null(0))
        .sort("seller_id")
        .select("seller_id", "territory_id", "book_target", "base", "base_reason", "depth",
                "anchor_id", "anchor_depth", "seniority", "line", "ramp_profile", "hire_date",
                "end_date", "status", "ote", "starts_after_year")
    )
    problems += _late_starts(frame, settings)
    rules = quota_rules(settings)
    manual = manual_lines(plan.adjustments)
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
        months, ramp_reason = seller_ramp(row, settings, ramps, problems)
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
            problems.append(warning("adjustments.csv", None, "amount", f"seller {seller}'s "
                                    "full-year quota is below 0 after manual amounts; check their "
                                    "adjustments", "negative-quota"))
        inputs_by_seller[seller] = inputs
        carriers.append(inputs)
        figured.append(figures)
    for seller, line, level in unknown_levels:
        problems.append(error("sellers.csv", line, "seniority", f"seniority level {level!r} of "
                              f"seller {seller} is not in [seniority] factors; add it there or "
                              "correct the level", "unknown-seniority"))
    out_of_range = _out_of_range(too_large)
    if not out_of_range and not _roll_ups_in_range(figured, settings):
        out_of_range.append(error(
            "plan.toml", None, "quotas.hedge", "the carriers' quotas rolled up through the "
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


def _out_of_range(sellers: Sequence[tuple[str, int | None]]) -> list[Problem]:
    """An error per carrier (seller id, line) whose quota is out of range, then a count."""
    shown = listed(len(sellers))
    found = [error("sellers.csv", line, "seller_id", f"seller {seller}'s quota grows to more than "
                   f"{MAX_INT_DIGITS} digits before the decimal point, beyond what quotaplan keeps "
                   "exact; check [quotas] over_assignment, the [seniority] and [[strategic_focus]] "
                   "factors, adjustments.csv and the amounts behind the book", "out-of-range")
             for seller, line in sellers[:shown]]
    if len(sellers) > shown:
        rest = len(sellers) - shown
        found.append(more_like_this("sellers.csv", sellers[shown][1], "seller_id",
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


def _books_and_strategic(
    account_targets: pl.DataFrame, rules: Sequence[StrategicFocusRule]
) -> tuple[pl.DataFrame, dict[str, tuple[Fraction, str]]]:
    """One grouping of the accounts by leaf (and by the combination of rules they match): the
    books — territory_id, book_target (cents), accounts (count) per leaf — and
    :func:`_strategic`'s factors."""
    masks = [_rule_mask(rule, account_targets.columns) for rule in rules]
    chunks = [masks[i:i + RULE_BITS] for i in range(0, len(masks), RULE_BITS)]
    codes = [
        pl.sum_horizontal([m.cast(pl.Int64) * (1 << bit) for bit, m in enumerate(chunk)])
        .alias(f"_c{k}")
        for k, chunk in enumerate(chunks)
    ]
    names = [f"_c{k}" for k in range(len(chunks))]
    grouped = (
        account_targets.lazy()
        .select("territory_id", pl.col("target").fill_null(0).cast(pl.Int64), *codes)
        .group_by("territory_id", *names)
        .agg(pl.col("target").sum().alias("_sum"), pl.len().alias("_n"))
        .collect()
    )
    books = grouped.group_by("territory_id").agg(
        pl.col("_sum").sum().cast(pl.Int64).alias("book_target"),
        pl.col("_n").sum().cast(pl.Int64).alias("accounts"),
    )
    if not rules:
        return books, {}
    matched = (
        grouped.filter(pl.any_horizontal([pl.col(n) > 0 for n in names]))
        .sort("territory_id", *names)
        .select("territory_id", *names, "_sum", "_n")
    )
    totals = dict(books.select("territory_id", "book_target").iter_rows())
    return books, _strategic(matched, rules, totals)


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
    matched: pl.DataFrame, rules: Sequence[StrategicFocusRule], books: Mapping[str, int]
) -> dict[str, tuple[Fraction, str]]:
    """Per leaf with a matched account and a book above 0: (strategic factor, reason).

    ``matched``: territory_id, the rule bit masks, _sum (Σ target, cents) and _n (accounts) per
    leaf and combination of matched rules. Σ(target × Π matching factors) = book + Σ over matched
    accounts of target × (Π factors − 1), so the exact arithmetic runs once per combination
    present in a leaf, never per account.
    """
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

    # Each combination's lift (Π factors − 1) as an integer over one common scale, so the sums per
    # leaf are integers: Σ target × lift ÷ scale.
    codes = [c for c in matched.columns if c.startswith("_c")]
    for combination in matched.select(codes).unique().iter_rows():
        product_of(tuple(combination))
    scale = math.lcm(*(factor.denominator for factor, _ in products.values()))
    lifts = {code: int((factor - 1) * scale) for code, (factor, _) in products.items()}
    extra: dict[str, int] = {}
    counts: dict[str, int] = {}
    used: dict[str, set[int]] = {}
    for territory, *bits, total, n in matched.iter_rows():
        key = tuple(bits)
        extra[territory] = extra.get(territory, 0) + total * lifts[key]
        counts[territory] = counts.get(territory, 0) + n
        used.setdefault(territory, set()).update(products[key][1])
    named: dict[tuple[int, ...], str] = {}
    out: dict[str, tuple[Fraction, str]] = {}
    for territory, more in extra.items():
        book = books.get(territory, 0)
        if book <= 0:
            continue
        hit = tuple(sorted(used[territory]))
        if hit not in named:
            named[hit] = "; ".join(
                f"{rules[i].reason or 'rule ' + str(i + 1)} ×{rules[i].factor}" for i in hit
            )
        weighted = book * scale + more
        out[territory] = (Fraction(weighted, book * scale),
                          f"{counts[territory]} account(s) in the book match ({named[hit]}): "
                          f"Σ target × factor = {format_cents_grouped(_round_ratio(weighted, scale))}"
                          f" over a book of {format_cents_grouped(book)}")
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


#: Sellers who start after the plan year are named one by one up to this many; the rest counted.
LATE_STARTS_LISTED = 20


def _late_starts(frame: pl.DataFrame, settings: Settings) -> list[Problem]:
    """A warning per carrier who starts after the plan year (SPEC "Bad input"): they carry 0 and
    their book is reported as uncovered. ``frame``: one row per carrier with starts_after_year."""
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
            "sellers.csv", row["line"], "hire_date",
            f"{who} {hire.isoformat()}, cut-off {cutoff}: first ramp month {month_year(first)}) "
            f"starts after the plan year, which ends {year_end.isoformat()}: they carry 0 this "
            f"year and the accounts of territory {row['territory_id']} are reported as uncovered; "
            "correct the date if it is wrong", "starts-after-year"))
    if late.height > LATE_STARTS_LISTED:
        found.append(warning(
            "sellers.csv", late.get_column("line")[LATE_STARTS_LISTED], "hire_date",
            f"… and {late.height - LATE_STARTS_LISTED} more sellers who start after the plan year",
            "starts-after-year"))
    return found


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


__all__ = [
    "PERIODS_SCHEMA",
    "QUOTAS_SCHEMA",
    "CarrierInputs",
    "Figures",
    "LazyLedgers",
    "LedgerLine",
    "ManualLine",
    "PeriodLine",
    "QuotaLedger",
    "QuotaRules",
    "QuotasResult",
    "carrier_figures",
    "carrier_ledger",
    "compute_quotas",
    "ledger_row",
    "quota_columns",
    "quota_rules",
    "round_together",
]
