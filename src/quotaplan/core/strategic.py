"""Strategic focus: each book's factor from the rules that match its accounts (SPEC "Quotas",
step 2), and the book sums, from one grouping of the account targets. Pure and exact."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

import polars as pl

from quotaplan.core.ledger import ONE, _exact
from quotaplan.money import format_cents_grouped, round_ratio
from quotaplan.settings import StrategicFocusRule


def books_and_strategic(
    account_targets: pl.DataFrame, rules: Sequence[StrategicFocusRule]
) -> tuple[pl.DataFrame, dict[str, tuple[Fraction, str]]]:
    """One grouping of the accounts by leaf (and by the combination of rules they match): the
    books — territory_id, book_target (cents), accounts (count) per leaf — and
    :func:`_strategic`'s factors."""
    masks = [rule_mask(rule, account_targets.columns) for rule in rules]
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


def rule_mask(rule: StrategicFocusRule, columns: Iterable[str]) -> pl.Expr:
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
                          f"Σ target × factor = {format_cents_grouped(round_ratio(weighted, scale))}"
                          f" over a book of {format_cents_grouped(book)}")
    return out
