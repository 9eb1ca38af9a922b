"""Edits of a plan: each returns a new :class:`~quotaplan.plan.Plan` and leaves the old one as it was.

An edit replaces only the tables it changes (the others stay the very same frames), which is what
lets a :class:`~quotaplan.pipeline.Pipeline` rebuild only the stages the edit reaches. A row an edit
adds has the next line number of its table (one past the largest), so that problems and ledgers
can point at it as at a row of the file. Amounts are integer cents. An edit checks the ids it is
given against the plan (KeyError for an unknown one) and the shape of its values (ValueError); the
plan checks of reading (allowed statuses, known ramp profiles and seniority levels, …) are not
repeated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from quotaplan.core.ledger import ManualLine
from quotaplan.plan import Plan

#: The columns of sellers.csv a seller change may set.
SELLER_FIELDS = ("hire_date", "end_date", "ote", "seniority", "ramp_profile", "status")


def add_adjustment(plan: Plan, seller_id: str, *, amount: int | None = None,
                   rate: Decimal | None = None, reason: str = "",
                   author: str | None = None) -> Plan:
    """A manual adjustment line for ``seller_id``: exactly one of ``amount`` (cents) or ``rate``
    (a fraction of the quota, e.g. ``Decimal("0.05")``)."""
    if (amount is None) == (rate is None):
        raise ValueError("an adjustment has exactly one of amount or rate")
    _known(plan.sellers, "seller_id", seller_id)
    row = {"line": next_line(plan.adjustments), "seller_id": seller_id, "amount": amount,
           "rate": None if rate is None else str(rate), "reason": reason, "author": author}
    return plan.with_tables(adjustments=append_rows(plan.adjustments, row))


def remove_adjustment(plan: Plan, line: int) -> Plan:
    """The plan without the adjustment line numbered ``line``."""
    table = plan.adjustments
    _known(table, "line", line)
    return plan.with_tables(adjustments=table.filter(pl.col("line") != line))


def set_adjustments(plan: Plan, seller_id: str, lines: Sequence[ManualLine]) -> Plan:
    """``seller_id``'s adjustment lines replaced by ``lines`` (one row per :class:`ManualLine`,
    its ``line`` kept), in line order."""
    table = plan.adjustments
    rows = [{"line": a.line, "seller_id": seller_id, "amount": a.amount,
             "rate": None if a.rate is None else str(a.rate), "reason": a.reason,
             "author": a.author} for a in lines]
    kept = table.filter(pl.col("seller_id") != seller_id)
    return plan.with_tables(adjustments=append_rows(kept, *rows).sort(
        "line", nulls_last=True, maintain_order=True))


def set_override(plan: Plan, account_id: str, target: int | None, reason: str = "") -> Plan:
    """``account_id``'s target override set to ``target`` cents (its row changed in place, or
    added), or cleared with ``None``."""
    _known(plan.accounts, "account_id", account_id)
    row = {"account_id": account_id, "target": target, "reason": reason}
    return plan.with_tables(overrides=_set_row(plan.overrides, "account_id", row))


def set_topdown(plan: Plan, territory_id: str, amount: int | None) -> Plan:
    """The top-down number of ``territory_id`` set to ``amount`` cents (its row changed in place,
    or added), or cleared with ``None``."""
    _known(plan.territories, "territory_id", territory_id)
    row = {"territory_id": territory_id, "amount": amount}
    return plan.with_tables(topdown=_set_row(plan.topdown, "territory_id", row))


def change_seller(plan: Plan, seller_id: str, **changes: Any) -> Plan:
    """``seller_id``'s row with some of :data:`SELLER_FIELDS` changed (``None`` clears one):
    hire_date and end_date are dates, ote is cents, the others text."""
    unknown = sorted(set(changes) - set(SELLER_FIELDS))
    if unknown:
        raise ValueError(f"a seller change sets only {', '.join(SELLER_FIELDS)}, not "
                         f"{', '.join(unknown)}")
    for name in ("hire_date", "end_date"):
        if changes.get(name) is not None and not isinstance(changes[name], date):
            raise ValueError(f"{name} is a date")
    table = plan.sellers
    _known(table, "seller_id", seller_id)
    mine = pl.col("seller_id") == seller_id
    return plan.with_tables(sellers=table.with_columns(
        pl.when(mine).then(pl.lit(value, dtype=table.schema[name])).otherwise(pl.col(name))
        .alias(name) for name, value in changes.items()))


def move_account(plan: Plan, account_id: str, territory_id: str) -> Plan:
    """``account_id`` moved to the leaf ``territory_id``."""
    _known(plan.accounts, "account_id", account_id)
    _known(plan.territories, "territory_id", territory_id)
    if territory_id in plan.territories.get_column("parent_id").to_list():
        raise ValueError(f"territory {territory_id} is not a leaf: accounts sit on leaves")
    table = plan.accounts
    return plan.with_tables(accounts=table.with_columns(
        pl.when(pl.col("account_id") == account_id).then(pl.lit(territory_id))
        .otherwise(pl.col("territory_id")).alias("territory_id")))


def _known(table: pl.DataFrame, column: str, value: object) -> None:
    if table.filter(pl.col(column) == value).is_empty():
        raise KeyError(f"no {column} {value!r} in the plan")


def _set_row(table: pl.DataFrame, key: str, row: dict[str, Any]) -> pl.DataFrame:
    """``table`` with the row of ``row[key]`` given ``row``'s values (in place; its line kept), a
    row added when there is none, or the row removed when the value (the second item) is
    ``None``."""
    mine = pl.col(key) == row[key]
    value = list(row)[1]
    if row[value] is None:
        return table.filter(~mine)
    if table.filter(mine).is_empty():
        return append_rows(table, {"line": next_line(table), **row})
    return table.with_columns(
        pl.when(mine).then(pl.lit(v, dtype=table.schema[c])).otherwise(pl.col(c)).alias(c)
        for c, v in row.items() if c != key)


def next_line(table: pl.DataFrame) -> int:
    last = table.get_column("line").max()
    return 2 if last is None else int(last) + 1  # type: ignore[arg-type]


def append_rows(table: pl.DataFrame, *rows: dict[str, Any]) -> pl.DataFrame:
    """``table`` with ``rows`` added (missing columns null), in its schema."""
    added = pl.DataFrame([{c: row.get(c) for c in table.columns} for row in rows],
                         schema=table.schema, orient="row")
    return pl.concat([table, added])
