"""Version N+1 of published quotas when an in-year change is approved (SPEC "Workflow: review,
approve, publish").

Approving an in-year change applies it **prospectively**: version N+1's period quota for each
carrier and period is version N's figure for every period that ends before the effective date D
(exactly, to the cent), and version N's figure plus the change's delta for the others (the
period arithmetic is :mod:`quotaplan.core.inyear`). Each carrier's final quota is then the sum
of their new periods, and "manager roll-ups and every feasibility figure are recomputed from the
new periods" with the engine's own functions (gap, roll-up, summary), so nothing published
disagrees with the periods.

Inputs are three tables of figures: version N's published periods, the engine's build of the plan
state before the change (``before``: where a moved account was, its target, the losing carrier's
book and full-year quota) and its build after it (``new``: the plan state with the account moved,
the end date set, …). No store, no file, no clock.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core import capacity, feasibility, rollup
from quotaplan.core import inyear as arithmetic
from quotaplan.core.ledger import quota_rules
from quotaplan.core.quotas import PERIODS_SCHEMA
from quotaplan.errors import UsageError
from quotaplan.money import parse_scaled
from quotaplan.outputs import FORMULA_START

PERIODS_FILE = "quota_periods.csv"
#: Change kinds whose delta is a relief, a leaver, a start, a full-year change, or none.
MOVE, LEAVE_OR_START, HIRE = "account.move", "seller.set", "seller.add"
FULL_YEAR = ("adjustment.add", "adjustment.remove")
NO_QUOTA = ("topdown.set", "topdown.clear")
KINDS = (MOVE, LEAVE_OR_START, HIRE, *FULL_YEAR, *NO_QUOTA)


def periods_from_csv(data: bytes) -> pl.DataFrame:
    """A published ``quota_periods.csv`` (as ``quotaplan build`` writes it) → the table of
    :data:`~quotaplan.core.quotas.PERIODS_SCHEMA`: amounts as ``Int64`` cents read exactly (at
    most two decimals), dates ISO, a seller id that was written with ``'`` before a leading
    ``=``, ``+``, ``-`` or ``@`` given back as it was. Raises :class:`UsageError` naming the
    line and column of a cell that is not one."""
    try:
        raw = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise UsageError(f"{PERIODS_FILE} cannot be read as CSV ({exc}); publish the version "
                         "again") from exc
    missing = [c for c in PERIODS_SCHEMA if c not in raw.columns]
    if missing:
        raise UsageError(f"{PERIODS_FILE} has no column {', '.join(missing)}; it is not a "
                         "quota_periods.csv written by quotaplan")
    seller = pl.col("seller_id")
    quoted = seller.str.starts_with("'") & pl.any_horizontal(
        seller.str.slice(1, 1) == start for start in FORMULA_START)
    valid, cents = parse_scaled(pl.col("quota"), 2)
    frame = raw.select(
        pl.when(quoted).then(seller.str.slice(1)).otherwise(seller).alias("seller_id"),
        pl.col("period_start").str.to_date("%Y-%m-%d", strict=False),
        pl.col("period_end").str.to_date("%Y-%m-%d", strict=False),
        cents.alias("quota"),
        (valid & pl.col("quota").str.contains(r"^-?[0-9]+(\.[0-9]{1,2})?$")).alias("_ok"),
    )
    wrong = {
        "seller_id": pl.col("seller_id").fill_null("") == "",
        "period_start": pl.col("period_start").is_null(),
        "period_end": pl.col("period_end").is_null(),
        "quota": ~pl.col("_ok").fill_null(False) | pl.col("quota").is_null(),
    }
    for column, test in wrong.items():
        bad = frame.with_row_index("_row").filter(test)
        if bad.height:
            row = int(bad.get_column("_row")[0])
            raise UsageError(f"{PERIODS_FILE} line {row + 2}, column {column}: "
                             f"{raw.get_column(column)[row]!r} is not {_WHAT[column]}; the "
                             "published version is damaged, publish it again")
    return frame.drop("_ok").cast(PERIODS_SCHEMA)  # type: ignore[arg-type]


_WHAT = {"seller_id": "a seller id", "period_start": "an ISO date", "period_end": "an ISO date",
         "quota": "an amount with at most two decimals"}


def next_version(
    previous_periods: pl.DataFrame,
    change_kind: str,
    change_payload: Mapping[str, Any],
    effective: date,
    new: BuildResult,
    *,
    before: BuildResult,
) -> BuildResult:
    """Version N+1: ``new`` (the engine's build of the plan state after the change) with its
    quota periods replaced by version N's figures plus the change's delta from ``effective``
    (D), its quotas' final quota the sum of each carrier's new periods, and gap, roll-up and
    summary recomputed from them.

    ``previous_periods``: version N's quota_periods (:func:`periods_from_csv`); ``before``: the
    engine's build of the state before the change. ``change_kind`` / ``change_payload``: the
    approved change as the store holds it (amounts as decimal text, dates ISO):

    - ``account.move`` — the relief of ``[changes] relief`` moves from the account's carrier
      before the move to its carrier after it (nobody gains on a leaf without a carrier: the
      relief is unassigned and the account reported as uncovered);
    - ``seller.set`` with ``end_date`` E — the seller leaves on E; with ``"successor"``: a
      seller id, that carrier takes the book's relief from the day after E;
    - ``seller.set`` with ``hire_date`` or ``status`` (a filled ``tbh`` seat, a start moved)
      and ``seller.add`` (a new hire) — the engine's periods from D;
    - ``adjustment.add`` / ``adjustment.remove``, and any other ``seller.set`` (e.g. seniority)
      — the carrier's full-year change × the remaining share of the year;
    - ``topdown.set`` / ``topdown.clear`` — no quota moves; gaps and attainment factors follow.

    Raises :class:`UsageError` for another kind or a payload that names no known seller or
    account, and when version N's periods are not the plan's periods."""
    rules = quota_rules(new.plan.settings)
    periods = rules.periods
    previous = _previous_by_seller(previous_periods, periods, new)
    shares = arithmetic.remaining_shares(rules, effective)
    count = len(periods)
    zeros = [0] * count
    figures = {seller: list(previous.get(seller, zeros)) for seller in _carriers(new)}
    deltas: dict[str, list[int]] = {}

    def add(seller: str | None, delta: Sequence[int]) -> None:
        if seller is not None:
            deltas[seller] = [a + b for a, b in zip(deltas.get(seller, zeros), delta, strict=True)]

    if change_kind == MOVE:
        account = _text(change_payload, "account_id")
        loser, target = _account(before, account)
        gainer, _ = _account(new, account)
        relief = _relief(before, loser, target, shares, periods)
        if loser != gainer:
            add(loser, [-part for part in relief])
            add(gainer, relief)
    elif change_kind == LEAVE_OR_START and change_payload.get("end_date"):
        seller = _text(change_payload, "seller_id")
        end = _date(change_payload, "end_date")
        _known(figures, seller, "seller_id")
        add(seller, arithmetic.leaving_delta(figures[seller], end, effective, periods))
        successor = change_payload.get("successor")
        if successor:
            _known(figures, str(successor), "successor")
            book = int(_row(before, seller)["book_target"])
            start = arithmetic.leaving_from(effective, end)
            add(str(successor), _relief(before, seller, book,
                                        arithmetic.remaining_shares(rules, start), periods))
    elif change_kind == HIRE or (change_kind == LEAVE_OR_START
                                 and ({"hire_date", "status", "end_date"} & set(change_payload))):
        seller = _text(change_payload, "seller_id")
        _known(figures, seller, "seller_id")
        engine = _engine_periods(new, seller, count)
        figures[seller] = arithmetic.restart(figures[seller], engine, effective, periods)
    elif change_kind in FULL_YEAR or change_kind == LEAVE_OR_START:
        seller = _text(change_payload, "seller_id")
        _known(figures, seller, "seller_id")
        change = int(_row(new, seller)["full_year_quota"]) - _full_year(before, seller)
        add(seller, arithmetic.spread(change, shares, periods))
    elif change_kind not in NO_QUOTA:
        raise UsageError(f"change kind {change_kind!r} is not an in-year change; use one of "
                         f"{', '.join(KINDS)}")
    for seller, delta in deltas.items():
        figures[seller] = arithmetic.apply(figures[seller], delta, effective, periods)
    table = pl.DataFrame({
        "seller_id": [s for s in sorted(figures) for _ in range(count)],
        "period_start": [start for start, _ in periods] * len(figures),
        "period_end": [end for _, end in periods] * len(figures),
        "quota": [q for s in sorted(figures) for q in figures[s]],
    }, schema=PERIODS_SCHEMA)
    return with_periods(new, table)


def with_periods(result: BuildResult, periods: pl.DataFrame) -> BuildResult:
    """``result`` with its quota periods replaced by ``periods`` (one row per carrier and period,
    :data:`~quotaplan.core.quotas.PERIODS_SCHEMA`): each carrier's final quota is the sum of
    their periods (ramp_factor = final ÷ full-year quota and quota_to_ote = final ÷ OTE follow
    it), and gap, roll-up and summary are recomputed from those quotas by the engine's own
    functions, as a build computes them."""
    plan = result.plan
    finals = periods.group_by("seller_id").agg(pl.col("quota").sum().alias("_final"))
    final, full_year = pl.col("final_quota"), pl.col("full_year_quota")
    quotas = (
        result.quotas.join(finals, on="seller_id", how="left", maintain_order="left")
        .with_columns(pl.col("_final").fill_null(0).cast(pl.Int64).alias("final_quota"))
        .with_columns(
            pl.when(full_year != 0).then(final / full_year).alias("ramp_factor"),
            pl.when(pl.col("ote").fill_null(0) != 0).then(final / pl.col("ote"))
            .alias("quota_to_ote"),
        )
        .drop("_final")
        .select(result.quotas.columns)
        .cast(dict(result.quotas.schema))  # type: ignore[arg-type]
    )
    books = result.books
    if books is None:
        raise ValueError("the build result has no books (concentration) table")
    gap = feasibility.gap_table(plan, quotas, books).sort("seller_id")
    accounts = result.account_targets
    nodes = rollup.rollup_table(plan, result.hierarchy, accounts, quotas,
                                books=rollup.book_sums(accounts))
    factors = capacity.hire_factors(plan, plan.settings.plan.fiscal_year_start)
    summary = rollup.summary(plan, result.hierarchy, nodes, gap, hire_monthly_factors=factors)
    return replace(result, quotas=quotas,
                   quota_periods=periods.sort("seller_id", "period_start"), gap=gap,
                   rollup=nodes, summary=dict(summary))


def _carriers(result: BuildResult) -> list[str]:
    return [str(s) for s in result.quotas.get_column("seller_id").to_list()]


def _previous_by_seller(frame: pl.DataFrame, periods: Sequence[tuple[date, date]],
                        new: BuildResult) -> dict[str, list[int]]:
    """Version N's periods by seller, in the plan's period order; refuses periods that are not
    the plan's and a carrier of version N who carries no quota in the new state."""
    expected = list(periods)
    out: dict[str, list[int]] = {}
    for (seller,), rows in frame.sort("period_start").group_by("seller_id", maintain_order=True):
        got = list(zip(rows.get_column("period_start").to_list(),
                       rows.get_column("period_end").to_list(), strict=True))
        if got != expected:
            raise UsageError(f"version N's periods of seller {seller} are not the plan's periods "
                             f"({expected[0][0]} to {expected[-1][1]}, [plan] period = "
                             f"{new.plan.settings.plan.period!r}); in-year changes keep the "
                             "plan's calendar")
        out[str(seller)] = [int(q) for q in rows.get_column("quota").to_list()]
    gone = sorted(set(out) - set(_carriers(new)))
    if gone:
        raise UsageError(f"seller {gone[0]} carries quota in version N but is no carrier after the "
                         "change; end their year with an end date instead of removing them")
    return out


def _text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if value is None or str(value).strip() == "":
        raise UsageError(f"the change has no {key}; give one")
    return str(value)


def _date(payload: Mapping[str, Any], key: str) -> date:
    text = _text(payload, key)
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"the change's {key} {text!r} is not a date YYYY-MM-DD") from exc


def _known(figures: Mapping[str, Any], seller: str, key: str) -> None:
    if seller not in figures:
        raise UsageError(f"the change's {key} {seller!r} is no quota carrier of the plan; check "
                         "the seller id")


def _row(result: BuildResult, seller: str) -> dict[str, Any]:
    rows = result.quotas.filter(pl.col("seller_id") == seller)
    if rows.is_empty():
        raise UsageError(f"seller {seller!r} is no quota carrier of the plan; check the seller id")
    return rows.row(0, named=True)


def _full_year(result: BuildResult, seller: str) -> int:
    """The carrier's full-year quota in ``result`` (0 for a seller who carried none)."""
    rows = result.quotas.filter(pl.col("seller_id") == seller)
    return 0 if rows.is_empty() else int(rows.get_column("full_year_quota")[0])


def _account(result: BuildResult, account: str) -> tuple[str | None, int]:
    """The account's carrier (``None`` when uncovered) and target (cents) in ``result``."""
    rows = result.account_targets.filter(pl.col("account_id") == account)
    if rows.is_empty():
        raise UsageError(f"the change's account_id {account!r} is no account of the plan")
    row = rows.row(0, named=True)
    seller = row.get("seller_id")
    return (None if seller is None else str(seller)), int(row.get("target") or 0)


def _relief(before: BuildResult, loser: str | None, target: int,
            shares: Sequence[Any], periods: Sequence[tuple[date, date]]) -> list[int]:
    """What moves with ``target`` from ``loser``'s book under ``[changes] relief``."""
    book, full_year = 0, 0
    if loser is not None:
        row = _row(before, loser)
        book, full_year = int(row["book_target"]), int(row["full_year_quota"])
    return arithmetic.move_relief(before.plan.settings.changes.relief, account_target=target,
                                  book_target=book, full_year_quota=full_year, shares=shares,
                                  periods=periods)


def _engine_periods(result: BuildResult, seller: str, count: int) -> list[int]:
    rows = result.quota_periods.filter(pl.col("seller_id") == seller).sort("period_start")
    quotas = [int(q) for q in rows.get_column("quota").to_list()]
    return quotas if len(quotas) == count else [0] * count


__all__ = ["KINDS", "next_version", "periods_from_csv", "with_periods"]
