"""Feasibility per carrier: gap analysis, remedies, and concentration within each book.

A *book* is the accounts of one leaf territory (a leaf without a carrier is a book too). Every
figure is computed on whole columns: money stays in exact ``Int64`` cents, shares and coverage are
``Float64`` ratios, and every band edge (risk, ABC, Pareto 80 %) is decided by exact integer
comparisons, never by a rounded float.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl

from quotaplan.core.capacity import (
    quota_to_ote_flag,
    ratio_below,
    times_rate,
    top_decile_threshold,
)
from quotaplan.plan import Plan
from quotaplan.schemas import OUTPUT_EXTRAS, OUTPUTS

#: Pareto share: the smallest count of accounts whose cumulative share reaches it.
PARETO = Fraction(4, 5)
#: ABC classes: A while the cumulative share before the account is below 0.80, B below 0.95.
ABC_A = Fraction(4, 5)
ABC_B = Fraction(19, 20)

GAP_COLUMNS = OUTPUTS["gap.csv"]
#: Columns gap_table adds after the contract ones.
GAP_EXTRA = OUTPUT_EXTRAS["gap.csv"]

BOOK_SCHEMA: dict[str, pl.DataType] = {
    "territory_id": pl.String(),
    "accounts": pl.Int64(),
    "book_target": pl.Int64(),
    "top1_share": pl.Float64(),
    "top3_share": pl.Float64(),
    "top10_share": pl.Float64(),
    "accounts_for_80pct": pl.Int64(),
    "hhi": pl.Float64(),
    "median_target": pl.Float64(),
    "median_target_x2": pl.Int64(),
    "high_value_accounts": pl.Int64(),
    "high_value_target_sum": pl.Int64(),
    "prior_bookings": pl.Int64(),
}


def growth_ask_expr(amount: pl.Expr, prior: pl.Expr) -> pl.Expr:
    """The growth ask: ``amount ÷ prior − 1`` (a ratio; 0.40 = +40 %), null where ``prior ≤ 0``
    or either is null. Both are cents. The difference ``amount − prior`` is exact (Int128) and
    one division follows, so the ratio is the exact fraction correctly rounded to a float for
    amounts below 2^53 cents (about 90 trillion currency units)."""
    diff = amount.cast(pl.Int128) - prior.cast(pl.Int128)
    return (
        pl.when(prior > 0)
        .then(diff.cast(pl.Float64) / prior.cast(pl.Float64))
        .otherwise(None)
        .cast(pl.Float64)
    )


def _reaches(cents: pl.Expr, total: pl.Expr, share: Fraction) -> pl.Expr:
    """Exactly ``cents / total ≥ share`` (for total > 0)."""
    return cents.cast(pl.Int128) * share.denominator >= total.cast(pl.Int128) * share.numerator


def _in_target_order(account_targets: pl.DataFrame) -> pl.DataFrame:
    """``_row`` (the input row), ``_c`` (the territory's rank among the frame's territories) and
    ``_t`` (target, null as 0) in book order: by ``_c``, target descending, account_id ascending.
    Only integer columns travel (reordering text is the costly part).

    One sort on one packed integer key (code, then target descending, then the id's rank) instead
    of a multi-column sort with text: several times faster on a million accounts. The id rank is
    the row when the input is already sorted by account_id (as account targets are), else the rank
    of the id as text. Targets below 0 order as 0. When the three fit in 62 bits (codes, targets
    and ranks of a real plan do), the key is ``Int64`` and is sorted itself, not arg-sorted: the row
    and the code are read back from the sorted key. Otherwise an ``Int128`` key is arg-sorted.
    """
    ids = account_targets.get_column("account_id")
    in_id_order = ids.is_sorted()
    id_rank = (
        pl.int_range(pl.len(), dtype=pl.Int64)
        if in_id_order
        else pl.col("account_id").rank("ordinal").cast(pl.Int64) - 1
    )
    # Dense codes 0 … books − 1 in territory order (an Enum of this frame's territories; the codes
    # of a Categorical are global to the process and grow with every table it has seen).
    books = account_targets.get_column("territory_id").drop_nulls().unique().sort()
    code = pl.col("territory_id").cast(pl.Enum(books)).to_physical().cast(pl.Int64)
    work = account_targets.select(
        code.fill_null(books.len()).alias("_c"),
        pl.col("target").fill_null(0).alias("_t"),
        id_rank.alias("_id"),
    )
    c_max, t_max = work.select(pl.col("_c").max(), pl.col("_t").clip(0).max()).row(0)
    c_bits, t_bits = int(c_max or 0).bit_length(), int(t_max or 0).bit_length()
    id_bits = work.height.bit_length()
    if c_bits + t_bits + id_bits > 62:
        key = (
            pl.col("_c").cast(pl.Int128) * 2**95
            + (2**63 - 1 - pl.col("_t").clip(0).cast(pl.Int128)) * 2**32
            + pl.col("_id").cast(pl.Int128)
        )
        work = work.with_row_index("_row")
        order = work.select(key.arg_sort()).to_series()
        return work.select("_row", "_c", "_t").gather(order)
    # Descending target as (t_max − target), ascending in the key.
    shift_t, shift_c = 2**id_bits, 2 ** (id_bits + t_bits)
    key = (
        pl.col("_c") * shift_c + (pl.lit(t_max or 0) - pl.col("_t").clip(0)) * shift_t
        + pl.col("_id")
    )
    ranked = work.select(key.sort().alias("_key")).select(
        (pl.col("_key") % shift_t).alias("_row"),  # the id rank, here
        (pl.col("_key") // shift_c).alias("_c"),
    )
    if not in_id_order:  # the row holding each id rank
        row_of_rank = pl.repeat(0, work.height, dtype=pl.Int64, eager=True).scatter(
            work.get_column("_id"), pl.int_range(work.height, dtype=pl.Int64, eager=True)
        )
        ranked = ranked.with_columns(row_of_rank.gather(ranked.get_column("_row")).alias("_row"))
    ranked = ranked.with_columns(pl.col("_row").cast(pl.UInt32))
    return ranked.with_columns(work.get_column("_t").gather(ranked.get_column("_row")))


def concentration(
    account_targets: pl.DataFrame, *, high_value_target: int | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Concentration of every book, and the ABC class of every account.

    Returns ``(books, account_targets)``:

    - ``books``, one row per territory_id holding accounts, sorted by territory_id: accounts
      (count), book_target (Σ target, cents), top1_share / top3_share / top10_share (share of the
      book from its 1, 3, 10 largest targets), accounts_for_80pct (smallest count whose cumulative
      share reaches 0.80), hhi (Σ share², 0–1), median_target (cents, Float64; an even count gives
      the mean of the two middle targets) and median_target_x2 (twice the median, exact cents),
      high_value_accounts and high_value_target_sum (targets ≥ ``high_value_target`` cents; by
      default the plan-wide top-10 % rule of :func:`~quotaplan.core.capacity.high_value_threshold`
      without a ``[capacity]`` setting — pass the plan's threshold), prior_bookings (Σ the
      accounts' ``base_bookings``, cents, negative totals as they are; null when the frame has no
      ``base_bookings`` column).
      A book whose targets sum to 0 has empty shares, hhi and accounts_for_80pct.
    - ``account_targets`` in its own row order with ``abc_class``, ``book_share`` (target ÷ book
      target) and ``cumulative_share`` (through this account) added: accounts in target order
      (target descending, ties by account_id ascending) are ``A`` while the cumulative share
      before them is below 0.80, ``B`` below 0.95, ``C`` after; all three empty in a zero book.
    """
    if high_value_target is None:
        high_value_target = top_decile_threshold(account_targets)
    ranked = _in_target_order(account_targets)
    has_prior = "base_bookings" in account_targets.columns
    prior = (
        account_targets.get_column("base_bookings").fill_null(0).cast(pl.Int64)
        .gather(ranked.get_column("_row")).alias("_p")
        if has_prior else pl.lit(None, dtype=pl.Int64).alias("_p")
    )
    ranked = ranked.with_columns(prior).with_columns(
        pl.int_range(pl.len()).over("_c").alias("_rank"),
        pl.len().over("_c").cast(pl.Int64).alias("_n"),
        pl.col("_t").sum().over("_c").alias("_total"),
        pl.col("_t").cum_sum().over("_c").alias("_cum"),
    ).with_columns((pl.col("_cum") - pl.col("_t")).alias("_before"))
    total, before = pl.col("_total"), pl.col("_before")
    abc = (
        pl.when(total <= 0)
        .then(pl.lit(None, dtype=pl.String))
        .when(~_reaches(before, total, ABC_A))
        .then(pl.lit("A"))
        .when(~_reaches(before, total, ABC_B))
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
    def of_book(cents: pl.Expr) -> pl.Expr:
        return pl.when(total <= 0).then(None).otherwise(
            cents.cast(pl.Float64) / total.cast(pl.Float64)
        )

    # Two integer columns travel back to the input's row order (by the inverse of the sort), and
    # the new columns are computed there: no text column is reordered.
    positions = ranked.get_column("_row")
    inverse = pl.repeat(0, ranked.height, dtype=pl.UInt32, eager=True).scatter(
        positions, pl.int_range(ranked.height, dtype=pl.UInt32, eager=True)
    )
    back = ranked.select("_total", "_cum").gather(inverse).with_columns(
        account_targets.get_column("target").fill_null(0).alias("_t")
    ).with_columns((pl.col("_cum") - pl.col("_t")).alias("_before"))
    added = back.select(
        abc.alias("abc_class"),
        of_book(pl.col("_t")).alias("book_share"),
        of_book(pl.col("_cum")).alias("cumulative_share"),
    )
    classed = account_targets.hstack(added)

    rank, t = pl.col("_rank"), pl.col("_t")
    lo, hi = (pl.col("_n") - 1) // 2, pl.col("_n") // 2
    middle = pl.when(rank == lo).then(t).otherwise(0) + pl.when(rank == hi).then(t).otherwise(0)
    share = t.cast(pl.Float64) / total.cast(pl.Float64)
    high = t >= high_value_target
    books = ranked.group_by("_c").agg(
        pl.col("_row").first(),
        pl.len().cast(pl.Int64).alias("accounts"),
        total.first().cast(pl.Int64).alias("book_target"),
        pl.when(rank < 1).then(t).otherwise(0).sum().alias("_top1"),
        pl.when(rank < 3).then(t).otherwise(0).sum().alias("_top3"),
        pl.when(rank < 10).then(t).otherwise(0).sum().alias("_top10"),
        pl.when(_reaches(pl.col("_cum"), total, PARETO))
        .then(rank + 1)
        .otherwise(None)
        .min()
        .cast(pl.Int64)
        .alias("accounts_for_80pct"),
        (share * share).sum().alias("hhi"),
        middle.sum().cast(pl.Int64).alias("median_target_x2"),
        high.sum().cast(pl.Int64).alias("high_value_accounts"),
        pl.when(high).then(t).otherwise(0).sum().cast(pl.Int64).alias("high_value_target_sum"),
        (pl.col("_p").sum() if has_prior else pl.col("_p").first()).alias("prior_bookings"),
    )
    zero = pl.col("book_target") <= 0

    def part(name: str) -> pl.Expr:
        frac = pl.col(name).cast(pl.Float64) / pl.col("book_target").cast(pl.Float64)
        return pl.when(zero).then(None).otherwise(frac)

    territory = account_targets.get_column("territory_id").gather(books.get_column("_row"))
    books = (
        books.with_columns(
            territory.alias("territory_id"),
            part("_top1").alias("top1_share"),
            part("_top3").alias("top3_share"),
            part("_top10").alias("top10_share"),
            pl.when(zero).then(None).otherwise(pl.col("accounts_for_80pct")).alias(
                "accounts_for_80pct"
            ),
            pl.when(zero).then(None).otherwise(pl.col("hhi")).alias("hhi"),
            (pl.col("median_target_x2").cast(pl.Float64) / 2).alias("median_target"),
        )
        .select(
            pl.col(name).cast(dtype) for name, dtype in BOOK_SCHEMA.items()
        )
        .sort("territory_id")
    )
    return books, classed


def risk_expr(plan: Plan, book_target: str = "book_target", quota: str = "final_quota") -> pl.Expr:
    """``"high"`` if coverage = book_target ÷ quota is below ``[risk] high_below``, ``"medium"``
    if below ``[risk] medium_below``, else ``"low"``; null for a zero quota. Decided exactly."""
    risk = plan.settings.risk
    b, q = pl.col(book_target), pl.col(quota)
    return (
        pl.when(q.is_null() | (q == 0))
        .then(pl.lit(None, dtype=pl.String))
        .when(ratio_below(b, q, risk.high_below))
        .then(pl.lit("high"))
        .when(ratio_below(b, q, risk.medium_below))
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
    )


def gap_table(plan: Plan, quotas: pl.DataFrame, books: pl.DataFrame) -> pl.DataFrame:
    """gap.csv: one row per carrier (sorted by seller_id), contract columns then extras.

    ``quotas`` needs seller_id, territory_id, book_target, final_quota (cents) and may have ote and
    quota_to_ote; ``books`` is the first result of :func:`concentration`. Per carrier:
    gap = final_quota − book_target (cents); coverage = book_target ÷ final_quota and risk (empty
    for a zero quota). Remedies when gap > 0: accounts_to_add = ⌈gap ÷ median target of the book⌉
    (empty for an empty book or a median of 0); pipeline_needed = gap × ``[capacity]
    pipeline_coverage`` (cents, half away from zero). When gap ≤ 0 both are 0.
    quota_at_target_coverage = book_target ÷ ``[risk] medium_below`` (cents) is always given.
    A carrier whose leaf has no accounts has an empty book: 0 accounts, empty shares.
    The growth ask: prior_bookings = Σ the book's bookings in the base window (cents, negative
    totals as they are; 0 for an empty book) and growth_ask = final_quota ÷ prior_bookings − 1
    (empty where prior_bookings ≤ 0).
    Extras after the contract columns: territory_id, accounts, median_target (cents), quota_to_ote,
    ote_flag (``"below"`` / ``"above"`` ``[capacity] quota_to_ote``, else empty) and
    accounts_to_add_exceeds_book (accounts_to_add > the book's accounts: a remedy the book cannot
    absorb by itself; empty where accounts_to_add is).
    """
    settings = plan.settings
    frame = quotas
    if "ote" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("ote"))
    if "quota_to_ote" not in frame.columns:
        ote = pl.col("ote")
        frame = frame.with_columns(
            pl.when(ote.is_null() | (ote == 0))
            .then(None)
            .otherwise(pl.col("final_quota").cast(pl.Float64) / ote.cast(pl.Float64))
            .alias("quota_to_ote")
        )
    # The book's own columns win over any copies the quota table carries (e.g. accounts).
    shared = [c for c in books.columns if c in frame.columns and c not in ("territory_id",
                                                                          "book_target")]
    joined = frame.drop(shared).join(
        books.drop("book_target"), on="territory_id", how="left"
    ).with_columns(
        pl.col("accounts").fill_null(0),
        pl.col("high_value_accounts").fill_null(0),
        pl.col("high_value_target_sum").fill_null(0),
        (pl.col("final_quota") - pl.col("book_target")).alias("gap"),
        # An empty book booked nothing.
        pl.when(pl.col("accounts").is_null()).then(0).otherwise(pl.col("prior_bookings"))
        .cast(pl.Int64).alias("prior_bookings"),
    )
    gap, book, quota = pl.col("gap"), pl.col("book_target"), pl.col("final_quota")
    twice_median = pl.col("median_target_x2").cast(pl.Int128)
    # ⌈gap ÷ median⌉ = ⌈2·gap ÷ 2·median⌉, for gap > 0 and median > 0.
    ceil_div = (2 * gap.cast(pl.Int128) + twice_median - 1) // twice_median
    medium = Fraction(settings.risk.medium_below)
    return (
        joined.with_columns(
            pl.when(quota == 0)
            .then(None)
            .otherwise(book.cast(pl.Float64) / quota.cast(pl.Float64))
            .alias("coverage"),
            risk_expr(plan).alias("risk"),
            pl.when(gap <= 0)
            .then(0)
            .when((pl.col("accounts") == 0) | twice_median.is_null() | (twice_median <= 0))
            .then(None)
            .otherwise(ceil_div)
            .cast(pl.Int64)
            .alias("accounts_to_add"),
            pl.when(gap <= 0)
            .then(0)
            .otherwise(times_rate(gap, settings.capacity.pipeline_coverage))
            .cast(pl.Int64)
            .alias("pipeline_needed"),
            times_rate(book, 1 / medium).alias("quota_at_target_coverage"),
            quota_to_ote_flag(plan),
            # An amount in the gap table: cents, a half cent rounded away from zero (targets ≥ 0).
            ((pl.col("median_target_x2") + 1) // 2).cast(pl.Int64).alias("median_target"),
            growth_ask_expr(quota, pl.col("prior_bookings")).alias("growth_ask"),
        )
        .with_columns(
            (pl.col("accounts_to_add") > pl.col("accounts")).alias("accounts_to_add_exceeds_book"),
        )
        .select(*GAP_COLUMNS, *GAP_EXTRA)
        .sort("seller_id")
    )
