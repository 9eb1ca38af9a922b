"""Bookings matched to accounts: each account's sum in each window of history the targets read.

The targets read every booking row once (a million accounts carry ten million rows), so the match
is columnar and avoids text: a 64-bit hash of the id joins bookings to accounts and a second,
independent hash confirms each match; the sums by account are exact integer sums
(:func:`quotaplan.money.sums_by_index`). Two accounts whose ids share a hash fall back to joining
on the text. Pure: tables in, columns out.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from quotaplan.calendar import months_before
from quotaplan.money import (
    sums_by_index,
)
from quotaplan.settings import TargetsSection

#: Length of each of the two yearly windows read by ``trend = true``.
TREND_MONTHS = 12


def base_window(plan_start: date, months: int) -> tuple[date, date]:
    """The base window ``[start, end)``: ``months`` months before the plan start, end exclusive."""
    return months_before(plan_start, months), plan_start


def history_windows(start: date, ts: TargetsSection) -> dict[str, tuple[date, date]]:
    """The windows of bookings the targets read, by column: ``_base`` (the base window), and with
    ``trend``, ``_y2`` and ``_y1`` (the two 12-month windows before the plan start)."""
    windows = {"_base": base_window(start, ts.base_window_months)}
    if ts.trend:
        y2_start = months_before(start, TREND_MONTHS)
        windows["_y2"] = (y2_start, start)
        windows["_y1"] = (months_before(start, 2 * TREND_MONTHS), y2_start)
    return windows


#: Seeds of the two 64-bit hashes of account ids :func:`account_history` matches on (a seed keys the
#: hash, so the two are independent).
JOIN_SEED = 17
CHECK_SEED = 29


def account_history(bookings: pl.DataFrame, ids: pl.Series, start: date,
             ts: TargetsSection) -> list[pl.Series]:
    """Per account of ``ids`` (row i is ``ids[i]``): its bookings in each window of
    :func:`history_windows` (cents, 0 when none), one column per window.

    Bookings are matched to accounts by a 64-bit hash of the id, then each match is confirmed by
    a second, independent hash (a row whose second hash differs names another id and counts
    nowhere, as an unknown id does); an integer join and a grouped sum by row number are several
    times cheaper than grouping and joining on text. When two accounts' ids share a hash, the
    text is matched instead (:func:`_history_by_text`).
    """
    windows = history_windows(start, ts)
    first = min(lo for lo, _ in windows.values())
    day = pl.col("date")
    account = pl.col("account_id")
    keys = ids.to_frame("account_id").select(
        _id_hash(account, JOIN_SEED).alias("_h"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_at"),  # NumPy's index type, no copy
    )
    if keys.get_column("_h").n_unique() != keys.height:
        return _history_by_text(bookings, ids, windows)
    rows = (
        bookings.lazy()
        .filter((day >= first) & (day < start))
        .select(_id_hash(account, JOIN_SEED).alias("_h"),
                _id_hash(account, CHECK_SEED).alias("_check"), "date", "amount")
        .join(keys.lazy(), on="_h", how="inner")
        .collect()
    )
    checks = ids.to_frame("account_id").select(_id_hash(account, CHECK_SEED)).to_series()
    rows = rows.filter(rows.get_column("_check") == checks.gather(rows.get_column("_at")))
    columns = []
    for name, (lo, hi) in windows.items():
        # The rows were taken from ``first`` to the plan start: a window that spans them all
        # (the base window without trend) needs no filter.
        inside = rows if (lo, hi) == (first, start) else rows.filter((day >= lo) & (day < hi))
        sums = sums_by_index(inside.get_column("_at").to_numpy(),
                             inside.get_column("amount").to_numpy(), ids.len())
        columns.append(pl.Series(name, sums, dtype=pl.Int64))
    return columns


def _id_hash(ids: pl.Expr, seed: int) -> pl.Expr:
    """A 64-bit hash of each id, keyed by ``seed``."""
    return ids.hash(seed)


def _history_by_text(bookings: pl.DataFrame, ids: pl.Series,
                     windows: dict[str, tuple[date, date]]) -> list[pl.Series]:
    """:func:`account_history` by grouping and joining on the ids' text."""
    day = pl.col("date")
    first = min(lo for lo, _ in windows.values())
    last = max(hi for _, hi in windows.values())
    sums = (
        bookings.lazy()
        .filter((day >= first) & (day < last))
        .group_by("account_id")
        .agg(pl.when((day >= lo) & (day < hi)).then(pl.col("amount")).otherwise(0).sum()
             .alias(name) for name, (lo, hi) in windows.items())
    )
    frame = (ids.to_frame("account_id").lazy()
             .join(sums, on="account_id", how="left", maintain_order="left")
             .select(pl.col(name).fill_null(0) for name in windows)
             .collect())
    return frame.get_columns()
