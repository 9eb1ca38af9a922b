"""What a top-down split reads from the accounts, and when it cannot: the weight and bucket rules.

SPEC "Account targets": ``weight`` is ``prior_bookings`` or a numeric column of the accounts (a
plain decimal, 0 or more; an empty one on an account that shares a number is an error unless
``missing_weight = "zero"``); ``bucket_by`` is a text column, and every bucket value among the
accounts that share a number needs a share. One definition, used when a plan is checked
(:mod:`quotaplan.planfolder.checks.amounts`, on every account) and when its number is split
(:mod:`quotaplan.core.topdown_split`, on the accounts that share it; a plan that was checked
meets none of these problems there). Each caller hands in where the settings and the accounts came
from; the messages never name a file themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from decimal import Decimal

import polars as pl

from quotaplan.money import DECIMAL_PATTERN, parse_scaled
from quotaplan.problems import Problem, each_by_line, error, quoted
from quotaplan.schemas import INPUTS, NUMBER_SCALE
from quotaplan.settings import TargetsSection

#: Largest integer part of a weight cell (weights are held as millionths in Int64).
MAX_WEIGHT_DIGITS = 12
#: The accounts' schema: which of their columns are numbers and which are text.
ACCOUNT_SCHEMA = INPUTS["accounts"]
#: Column kinds that hold text (a bucket's name).
TEXT_KINDS = frozenset({"id", "text", "enum"})

Hint = Callable[[str], str | None]


def weight_used(ts: TargetsSection) -> bool:
    """Does the method read ``weight``? (weighted, blend, and bucketed weighted within buckets)"""
    return ts.method in ("weighted", "blend") or (
        ts.method == "bucketed" and ts.within_bucket == "weighted"
    )


def weight_column_problem(
    ts: TargetsSection, columns: Collection[str], settings: str, accounts: str
) -> Problem | None:
    """``None`` when ``weight`` is ``prior_bookings`` or a numeric column among ``columns``;
    else the error on ``targets.weight``. A column the schema declares must be a ``number``
    column; any other column of the accounts is read as plain decimals."""
    name = ts.weight
    if name == "prior_bookings":
        return None
    key = "targets.weight"
    if name in ACCOUNT_SCHEMA.names and ACCOUNT_SCHEMA.column(name).kind != "number":
        numeric = [c.name for c in ACCOUNT_SCHEMA.columns if c.kind == "number"]
        return error(settings, None, key, f"weight {name!r} is not a numeric column of "
                     f"{accounts}; use prior_bookings, {', '.join(numeric)} or another "
                     "column of plain numbers", "weight")
    if name not in columns or name == "line":
        return error(settings, None, key, f"weight {name!r} is neither prior_bookings nor a "
                     f"column of {accounts}; add the column or correct the name", "weight")
    return None


def weight_cells(name: str, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """``(bad, negative, value)`` of the weight column ``name``: ``bad`` where a cell is not a
    plain decimal of at most :data:`MAX_WEIGHT_DIGITS` integer digits, ``negative`` where it is
    below 0, ``value`` the weight in millionths (null where empty or bad). A column of integers
    is already in millionths (a ``number`` column of the schema)."""
    if dtype.is_integer():
        value = pl.col(name).cast(pl.Int64)
        return pl.lit(False), value < 0, value
    text = pl.col(name).cast(pl.String).str.strip_chars()
    present = text.is_not_null() & (text != "")
    digits = text.str.extract(r"^-?([0-9]+)", 1).str.len_chars()
    plain = text.str.contains(DECIMAL_PATTERN) & (digits <= MAX_WEIGHT_DIGITS)
    bad = present & ~plain
    negative = present & plain & text.str.starts_with("-") & text.str.contains("[1-9]")
    _, value = parse_scaled(text, NUMBER_SCALE)
    return bad, negative, pl.when(plain).then(value)


def weight_cell_problems(
    frame: pl.DataFrame, name: str, rows: pl.Expr, accounts: str, hint: Hint | None = None
) -> list[Problem]:
    """A weight that is not a plain number, or is negative, on the ``rows`` of ``frame``; ``hint``
    says what a bad cell probably is (a reader's guess) when it can."""
    bad, negative, _ = weight_cells(name, frame.schema[name])
    # One pass over the column; the rows in error are few (none in a plan that was checked).
    shown = frame.select("line", "account_id", pl.col(name).alias("_w"),
                         (rows & bad).alias("_bad"), (rows & negative).alias("_negative"))

    def say(r: Mapping[str, object]) -> str:
        guess = hint(str(r["_w"])) if hint is not None else None
        return (f"{quoted(r['_w'])} is not a plain number, but [targets] weight uses {name}; " + (
            guess or f"write digits with an optional '.' (at most {MAX_WEIGHT_DIGITS} before it), "
            "without separators or exponents"))

    return each_by_line(accounts, shown.filter("_bad"), name, say, "weight") + each_by_line(
        accounts, shown.filter("_negative"), name,
        lambda r: f"{quoted(r['_w'])} is negative, but [targets] weight uses {name}; weights are 0 or "
        "more", "weight")


def unfilled_weight_problem(
    frame: pl.DataFrame, name: str, rows: pl.Expr, settings: str, accounts: str
) -> Problem | None:
    """The weight column is empty on every one of ``rows`` (the accounts that share a number)."""
    sharing = frame.filter(rows)
    if sharing.height and sharing.get_column(name).null_count() == sharing.height:
        return error(settings, None, "targets.weight", f"weight {name!r} has no values among the "
                     f"accounts that share a top-down number; fill the {name} column of "
                     f"{accounts} or choose another weight", "weight")
    return None


def missing_weight_problems(
    frame: pl.DataFrame, name: str, rows: pl.Expr, accounts: str
) -> list[Problem]:
    """Each of ``rows`` without a weight (an error under ``missing_weight = "error"``)."""
    return each_by_line(accounts, frame.filter(rows), name, lambda row: (
        f"account {row['account_id']} has no {name}, which weighs its target; fill it in or "
        'set [targets] missing_weight = "zero"'), "missing-weight", noun="accounts")


def bucket_column_problem(
    ts: TargetsSection, schema: Mapping[str, pl.DataType], settings: str, accounts: str
) -> Problem | None:
    """``None`` when ``bucket_by`` names a text column of the accounts (``schema``: their column
    types); else the error on ``targets.bucket_by``."""
    name = ts.bucket_by or ""
    key = "targets.bucket_by"
    if name not in schema or name == "line":
        return error(settings, None, key, f"bucket_by names column {name!r}, which {accounts} "
                     "does not have; add the column or correct the name", "bucket")
    declared = ACCOUNT_SCHEMA.column(name).kind if name in ACCOUNT_SCHEMA.names else None
    if schema[name] != pl.String or (declared is not None and declared not in TEXT_KINDS):
        return error(settings, None, key, f"targets.bucket_by: {accounts} has no text column "
                     f"{name!r}; name one such as grade or segment", "bucket-column")
    return None


def bucket_value(name: str) -> pl.Expr:
    """An account's bucket: its ``name`` cell without surrounding spaces, null when empty."""
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def bucket_problems(
    frame: pl.DataFrame, name: str, buckets: Mapping[str, Decimal], rows: pl.Expr, accounts: str
) -> list[Problem]:
    """Each of ``rows`` without a bucket, and each bucket among ``rows`` without a share (one
    problem per bucket, on the line of its first account)."""
    sharing = frame.filter(rows).with_columns(bucket_value(name).alias("_bucket"))
    problems = each_by_line(accounts, sharing.filter(pl.col("_bucket").is_null()), name,
                            lambda r: f"account {quoted(r['account_id'])} has no {name}, but targets "
                            f"are bucketed by {name}; give it a value that [targets.buckets] has a "
                            "share for", "bucket")
    shares = pl.DataFrame({"_bucket": sorted(buckets)}, schema={"_bucket": pl.String})
    unshared = (
        sharing.filter(pl.col("_bucket").is_not_null())
        .join(shares, on="_bucket", how="anti")
        .group_by("_bucket")
        .agg(pl.col("line").min(), pl.len().alias("_count"))
    )
    known = ", ".join(sorted(buckets))
    return problems + each_by_line(
        accounts, unshared, name,
        lambda r: f"{name} {quoted(r['_bucket'])} ({r['_count']} eligible account(s), the first "
        f"here) has no share in [targets.buckets] ({known}); add a share for it (the shares must "
        "still sum to 1) or change these accounts", "bucket")


__all__ = [
    "MAX_WEIGHT_DIGITS",
    "bucket_column_problem",
    "bucket_problems",
    "bucket_value",
    "missing_weight_problems",
    "unfilled_weight_problem",
    "weight_cell_problems",
    "weight_cells",
    "weight_column_problem",
    "weight_used",
]
