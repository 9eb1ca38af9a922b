"""One seller's quota explained: the facts, the ledger line by line, and the book behind it.

Pure data for ``quotaplan explain`` (rendered by :mod:`quotaplan.report.explain`) and, later, the
web workbench. Nothing here formats text for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

import polars as pl

from quotaplan.core.quotas import QuotaLedger


@dataclass(frozen=True)
class BookRow:
    """One account of the book. ``target`` in cents; ``share`` and ``cumulative_share`` in 0–1 of
    the book target (``None`` when the book sums to 0); ``abc_class`` when the targets carry it."""

    account_id: str
    name: str | None
    target: int
    share: float | None
    cumulative_share: float | None
    abc_class: str | None


@dataclass(frozen=True)
class Explanation:
    """A carrier's quota, ready to show.

    ``seller``: the seller's facts (the sellers.csv columns: seller_id, name, territory_id, status,
    hire_date, end_date, ote in cents, seniority, ramp_profile, …). ``ledger``: base → final.
    ``book``: every account of the book, largest target first (ties by ascending account id), with
    ``book_target`` (cents) and ``accounts`` (count). The growth ask: ``prior_bookings`` (Σ the
    book's bookings in the base window, cents, negative as it is; ``None`` when not known),
    ``growth_ask`` (final quota ÷ prior_bookings − 1, ``None`` where prior_bookings ≤ 0) and
    ``base_window`` (first and last day, both inclusive, when given).
    """

    seller: Mapping[str, object]
    ledger: QuotaLedger
    book: tuple[BookRow, ...]
    book_target: int
    accounts: int
    prior_bookings: int | None = None
    growth_ask: float | None = None
    base_window: tuple[date, date] | None = None


def explain_seller(
    ledger: QuotaLedger,
    account_targets: pl.DataFrame,
    seller: Mapping[str, object],
    *,
    base_window: tuple[date, date] | None = None,
) -> Explanation:
    """The explanation of one carrier from their ledger, the account targets and their facts.

    ``account_targets`` needs account_id, territory_id and target (cents); ``name``,
    ``abc_class`` and ``base_bookings`` (the prior bookings) are used when present.
    ``base_window``: the first and last day of the base window, for the reader.
    """
    columns = account_targets.columns
    accounts = account_targets.filter(pl.col("territory_id") == ledger.territory_id)
    prior: int | None = None
    ask: float | None = None
    if "base_bookings" in columns:
        prior = int(accounts.get_column("base_bookings").fill_null(0).sum() or 0)
        if prior > 0:
            ask = float(Fraction(ledger.final_quota, prior) - 1)
    book = (
        accounts
        .select(
            pl.col("account_id").cast(pl.String),
            (pl.col("name") if "name" in columns else pl.lit(None)).cast(pl.String).alias("name"),
            pl.col("target").fill_null(0).cast(pl.Int64),
            (pl.col("abc_class") if "abc_class" in columns else pl.lit(None))
            .cast(pl.String).alias("abc_class"),
        )
        # Sort before the cumulative sum: the shares only mean something in target order.
        .sort(["target", "account_id"], descending=[True, False])
    )
    total = int(book.get_column("target").sum() or 0)
    if total != 0:
        book = book.with_columns(
            (pl.col("target") / total).alias("share"),
            (pl.col("target").cum_sum() / total).alias("cumulative_share"),
        )
    else:
        book = book.with_columns(
            pl.lit(None, dtype=pl.Float64).alias("share"),
            pl.lit(None, dtype=pl.Float64).alias("cumulative_share"),
        )
    rows = tuple(
        BookRow(r["account_id"], r["name"], r["target"], r["share"], r["cumulative_share"],
                r["abc_class"])
        for r in book.iter_rows(named=True)
    )
    return Explanation(seller=dict(seller), ledger=ledger, book=rows, book_target=total,
                       accounts=len(rows), prior_bookings=prior, growth_ask=ask,
                       base_window=base_window)


__all__ = ["BookRow", "Explanation", "explain_seller"]
