"""Ids: each table's key appears once, and every id that names a row of another table names one
that exists (anti-joins, with a hashed probe for the largest tables)."""

from __future__ import annotations

import polars as pl

from quotaplan.planfolder.checks.registry import (
    ACCOUNTS,
    ADJUSTMENTS,
    ASSIGNED,
    BOOKINGS,
    OVERRIDES,
    SELLERS,
    TERRITORIES,
    TOPDOWN,
    Tables,
    check,
    each_row,
)
from quotaplan.problems import Problem, error, listed, more, quoted
from quotaplan.settings import FILE as SETTINGS_FILE

#: From this many rows on, unknown ids are looked for by their hashes first (see :func:`unknown_ids`).
HASHED_PROBE_ROWS = 1_000_000


def unknown_ids(
    frame: pl.DataFrame | None,
    file: str,
    column: str,
    known: pl.DataFrame | None,
    known_column: str,
    known_file: str,
    noun: str,
) -> list[Problem]:
    """Rows of ``frame`` whose ``column`` names no row of ``known`` (anti-join).

    Only the line and the id travel through the anti-join. From :data:`HASHED_PROBE_ROWS` rows up
    (bookings), the ids are first compared by their 64-bit hashes, which costs about half the
    anti-join: a row whose hash is not among the known ids' is certainly unknown, and only those
    rows go through the exact anti-join. An unknown id whose hash equals a known id's would pass
    (odds about 1 in 10^13 for one unknown id against a million accounts); its rows then match
    no account and count nowhere. When ``frame`` is much smaller than ``known`` (overrides
    against a million accounts), the known ids are first narrowed to those ``frame`` names,
    so that the anti-join does not build a table of all of them.
    """
    if frame is None or known is None or column not in frame.columns:
        return []
    keys = known.select(pl.col(known_column).alias(column))
    if 8 * frame.height < keys.height:
        # A few ids against many (overrides against a million accounts): the known ids are
        # probed against the few, instead of a table of all of them built for the anti-join.
        known_ids = keys.get_column(column)
        keys = known_ids.filter(known_ids.is_in(frame.get_column(column).implode())).to_frame()
    given = pl.col(column).is_not_null()
    if frame.height >= HASHED_PROBE_ROWS:
        hashes = keys.get_column(column).drop_nulls().hash().implode()
        given = given & ~pl.col(column).hash().is_in(hashes)
    rows = frame.select("line", column).filter(given)
    rows = rows.join(keys, on=column, how="anti", maintain_order="left")
    return each_row(file, rows, column,
                 lambda r: f"{noun} {quoted(r[column])} is not in {known_file}; add it there or "
                 "correct the id", "unknown-reference")


def repeated_ids(frame: pl.DataFrame | None, file: str, column: str, what: str) -> list[Problem]:
    if frame is None or column not in frame.columns:
        return []
    ids = pl.col(column).drop_nulls()
    # Distinct 64-bit hashes prove distinct ids (and cost a fraction of comparing the text); only
    # when two hashes agree are the ids themselves compared.
    if frame.select(ids.hash().n_unique() == ids.len()).item():
        return []
    if frame.select(ids.n_unique() == ids.len()).item():
        return []
    rows = (
        frame.filter(pl.col(column).is_not_null())
        .with_columns(pl.col("line").min().over(column).alias("_first"))
        .filter(pl.col("line") != pl.col("_first"))
    )
    return each_row(file, rows, column,
                 lambda r: f"{what} {quoted(r[column])} is already on line {r['_first']}; each "
                 f"{column} may appear once — remove or rename this row", "duplicate")


@check("duplicate-ids")
def duplicate_ids(t: Tables) -> list[Problem]:
    """Repeated ids in every table keyed by one (reported on the repeated line)."""
    return (
        repeated_ids(t.territories, TERRITORIES, "territory_id", "territory")
        + repeated_ids(t.sellers, SELLERS, "seller_id", "seller")
        + repeated_ids(t.accounts, ACCOUNTS, "account_id", "account")
        + repeated_ids(t.topdown, TOPDOWN, "territory_id", "territory")
        + repeated_ids(t.overrides, OVERRIDES, "account_id", "account")
        + repeated_ids(t.assigned_quotas, ASSIGNED, "seller_id", "seller")
    )


@check("unknown-references")
def unknown_references(t: Tables) -> list[Problem]:
    """Every id that names a row of another file names one that exists."""
    return (
        unknown_ids(t.sellers, SELLERS, "territory_id", t.territories, "territory_id", TERRITORIES,
                 "territory")
        + unknown_ids(t.accounts, ACCOUNTS, "territory_id", t.territories, "territory_id",
                   TERRITORIES, "territory")
        + unknown_ids(t.bookings, BOOKINGS, "account_id", t.accounts, "account_id", ACCOUNTS,
                   "account")
        + unknown_ids(t.overrides, OVERRIDES, "account_id", t.accounts, "account_id", ACCOUNTS,
                   "account")
        + unknown_ids(t.adjustments, ADJUSTMENTS, "seller_id", t.sellers, "seller_id", SELLERS,
                   "seller")
        + unknown_ids(t.assigned_quotas, ASSIGNED, "seller_id", t.sellers, "seller_id", SELLERS,
                   "seller")
        + unknown_ids(t.topdown, TOPDOWN, "territory_id", t.territories, "territory_id",
                   TERRITORIES, "territory")
    )


@check("strategic-focus-accounts")
def strategic_focus_accounts(t: Tables) -> list[Problem]:
    """``[[strategic_focus]] match.accounts`` names accounts of accounts.csv."""
    if t.settings is None or t.accounts is None:
        return []
    problems: list[Problem] = []
    for number, rule in enumerate(t.settings.strategic_focus, start=1):
        ids = rule.match.get("accounts")
        if ids is None:
            continue
        wanted = pl.Series("account_id", [ids] if isinstance(ids, str) else ids, dtype=pl.String)
        # The accounts are probed against the rule's few ids (no table of a million ids built).
        ids_column = t.accounts.get_column("account_id")
        present = set(ids_column.filter(ids_column.is_in(wanted.implode())).to_list())
        missing = [a for a in dict.fromkeys(wanted.to_list()) if a not in present]
        key = f"strategic_focus[{number}].match.accounts"
        problems += [
            error(SETTINGS_FILE, None, key, f"account {quoted(a)} in [[strategic_focus]] rule {number} "
                  f"is not in {ACCOUNTS}; correct the id or remove it", "unknown-reference")
            for a in missing[:listed(len(missing))]
        ]
        rest = len(missing) - listed(len(missing))
        if rest:
            problems.append(more(SETTINGS_FILE, None, key, f"… and {rest} more unknown accounts",
                                 "error", "unknown-reference", rest))
    return problems
