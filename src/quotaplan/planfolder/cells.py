"""Text cells → typed columns: the one place where a plan table's text becomes its types.

A table of text cells (every column ``String``, plus ``line``: where each row came from) is
converted column by column to the kinds of :mod:`quotaplan.schemas` — amounts exact to the cent,
numbers to the millionth, ISO dates, rates, enums — and every bad cell becomes a located problem
with a hint at what to write. The exact CSV reader (:mod:`.csvfile`) and plans built from tables
of any source (:mod:`quotaplan.fromtables`) both come here; the quick CSV path
(:mod:`.quickread`) uses :func:`quick_column` inside its streaming query and steps aside for any
cell it flags, so that a flagged cell is always told apart here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from quotaplan.money import DECIMAL_PATTERN, MAX_INT_DIGITS, parse_scaled
from quotaplan.planfolder.hints import (
    FIRST_DATE,
    LAST_DATE,
    column_key,
    date_hint,
    number_hint,
    outside_years,
)
from quotaplan.problems import Problem, each_listed, error, show_value
from quotaplan.schemas import NUMBER_SCALE, Column, TableSchema

#: Largest integer part of an amount converted through a double by the quick conversion.
FLOAT_EXACT_DIGITS = 13
#: Largest integer part of a ``number`` cell: stored as 10^-6 units in Int64 (below 9.2 x 10^18).
MAX_NUMBER_DIGITS = 12
#: Largest integer part of a rate (a fraction: 0.10 = +10 %); a larger one is a typing slip.
MAX_RATE_DIGITS = 3
RATE_PATTERN = rf"^-?[0-9]{{1,{MAX_RATE_DIGITS}}}(\.[0-9]+)?$"
#: Decimal places Polars parses exactly (38-digit decimals, at most 15 digits before the point).
EXACT_DECIMALS = 18


def dtype(col: Column) -> pl.DataType:
    """The in-memory type of a column's values."""
    return {
        "amount": pl.Int64(), "number": pl.Int64(), "date": pl.Date(),
    }.get(col.kind, pl.String())


def quick_column(col: Column, may_pad: bool) -> tuple[pl.Expr, pl.Expr | None]:
    """(the quick conversion, a flag for cells it may not convert right: ``None`` = never).

    ``may_pad``: the file has spaces or tabs at all (when it has none, no cell needs stripping).
    """
    raw = pl.col(col.name)
    missing = raw.is_null() | (raw == "")
    # A leading space or tab is found by comparing (text that begins with " " sorts from " " up
    # to "!"), which reads only the first bytes of each cell.
    padded = (
        ((raw >= " ") & (raw < "!")) | ((raw >= "\t") & (raw < "\n"))
        | raw.str.ends_with(" ") | raw.str.ends_with("\t")
    ) if may_pad else pl.lit(False)
    need = missing if col.required else pl.lit(False)
    if col.kind in ("id", "text"):
        # A required cell that is empty is flagged (the careful pass reads it), so it is taken as
        # it is: no copy of a million ids just to turn none of them into nulls.
        value = raw if col.required else pl.when(raw == "").then(None).otherwise(raw)
        if col.kind == "text":
            return value, (need if col.required else None)
        return value, need | padded
    if col.kind == "enum":
        lowered = raw.str.to_lowercase()
        return (pl.when(missing).then(pl.lit(col.values[0])).otherwise(lowered),
                need | (~missing & ~lowered.is_in(list(col.values))))
    if col.kind == "date":
        # Without Polars' cache of parsed texts: keeping it costs twice the parse itself.
        parsed = raw.str.to_date("%Y-%m-%d", strict=False, cache=False)
        return parsed, need | (~missing & (parsed.is_null() | (raw.str.len_bytes() != 10)
                                           | ~parsed.is_between(FIRST_DATE, LAST_DATE)))
    if col.kind == "rate":
        return (pl.when(missing).then(None).otherwise(raw),
                need | (~missing & ~raw.str.contains(RATE_PATTERN)))
    if col.kind == "amount":
        # Cents through a double: exact for plain amounts of up to 13 integer digits (below 2^50
        # cents, the parse and the × 100 are each within half an ulp, so the product is within
        # 0.25 of the integer and rounds to it). Larger ones (up to MAX_INT_DIGITS) are flagged
        # and converted by the careful pass, exactly; a double is cheaper than a decimal here.
        plain = raw.str.contains(rf"^-?[0-9]{{1,{FLOAT_EXACT_DIGITS}}}(?:\.[0-9]{{1,2}})?$")
        value = (raw.cast(pl.Float64, strict=False) * 100).round(0).cast(pl.Int64, strict=False)
    else:
        plain = raw.str.contains(
            rf"^-?[0-9]{{1,{MAX_NUMBER_DIGITS}}}(\.[0-9]{{1,{NUMBER_SCALE}}})?$")
        # With at most NUMBER_SCALE decimals the decimal cast is exact: no rounding is involved.
        # A cell too large for Int64 becomes null here (it is flagged: too many digits).
        value = (raw.cast(pl.Decimal(38, NUMBER_SCALE), strict=False)
                 * 10**NUMBER_SCALE).cast(pl.Int64, strict=False)
    odd = ~missing & ~plain
    if not col.negative:
        odd = odd | raw.str.starts_with("-")
    return value, need | odd




def _listed(
    file: str,
    frame: pl.DataFrame,
    mask: pl.Series,
    column: str,
    message: str | Callable[[str], str],
    code: str,
) -> list[Problem]:
    """One problem per row where ``mask`` holds (the first :data:`~quotaplan.problems.MAX_LISTED` unless every
    problem is listed, then one record for the rest).

    ``message`` may hold ``{value}`` (the cell as written, shortened), or be a function of the cell.
    """
    def say(row: dict[str, Any]) -> str:
        value = row.get(column)
        return message(str(value)) if callable(message) else message.format(value=show_value(value))

    return each_listed(file, frame.filter(mask), column, say, code)


@dataclass(frozen=True, slots=True)
class _Issue:
    """A kind of bad cell in one column: where ``mask`` holds, ``message`` (with ``{value}``)."""

    mask: pl.Expr
    column: str
    message: str | Callable[[str], str]
    code: str


def convert(
    file: str, frame: pl.DataFrame, schema: TableSchema, *, may_pad: bool = True
) -> tuple[pl.DataFrame, list[Problem]]:
    """All-text table → typed table per ``schema``; bad cells become null and a problem each.

    Two phases, so that a clean file costs one cheap pass: first every column gets its quick
    conversion and one flag for any cell that is not in the plain form (empty where required,
    white space around it, more decimals than the scale, a minus sign, anything odd); then only
    the flagged columns are converted again carefully (stripped, rounded exactly, every kind of
    bad cell told apart and listed from the cells as written). ``may_pad``: the file has spaces
    or tabs at all (when it has none, no cell can need stripping).
    """
    known = set(schema.names)
    extra = [c for c in frame.columns if c not in known and c != "line"]
    present = [c for c in schema.columns if c.name in frame.columns]
    values: list[pl.Expr] = []
    for col in schema.columns:
        if col.name not in frame.columns:
            default = col.values[0] if col.kind == "enum" else None
            values.append(pl.lit(default, dtype=dtype(col)).alias(col.name))
    quick = {c.name: quick_column(c, may_pad) for c in present}
    flags = {f"__odd_{name}": flag.fill_null(False) for name, (_, flag) in quick.items()
             if flag is not None}
    staged = frame.lazy().select(
        [pl.col("line"), *values, *[expr.alias(name) for name, (expr, _) in quick.items()],
         *[pl.col(c) for c in extra], *[flag.alias(name) for name, flag in flags.items()]]
    ).collect()
    odd = staged.select(pl.col(list(flags)).any()).row(0, named=True) if flags and staged.height else {}
    staged = staged.drop(list(flags))
    careful = [c for c in present if odd.get(f"__odd_{c.name}")]
    issues: list[_Issue] = []
    redo: list[pl.Expr] = []
    for col in careful:
        expr, found = _convert_column(frame, col, may_pad)
        issues.extend(found)
        redo.append(expr.alias(col.name))
    marks = [issue.mask.fill_null(False).alias(f"__bad{i}") for i, issue in enumerate(issues)]
    if redo:
        # Lazy, so that an expression shared by a value and its mark (a regex) runs once.
        again = frame.lazy().select([*redo, *marks]).collect()
        staged = staged.with_columns(again.get_columns())
    kept = [c.name for c in schema.kept] + (extra if schema.keep_others else [])
    staged = staged.select(["line", *kept, *[
        f"__bad{i}" for i in range(len(issues))]])
    problems: list[Problem] = []
    mark_names = [f"__bad{i}" for i in range(len(issues))]
    if mark_names and staged.height:
        counts = staged.select(pl.col(mark_names).sum()).row(0)
        for name, issue, count in zip(mark_names, issues, counts, strict=True):
            if count:
                problems += _listed(file, frame, staged.get_column(name), issue.column,
                                    issue.message, issue.code)
    return staged.drop(mark_names), problems


def _convert_column(
    frame: pl.DataFrame, col: Column, padded: bool
) -> tuple[pl.Expr, list[_Issue]]:
    """The typed expression of one column and the kinds of bad cell it can have.

    ``padded``: some cell has white space around it, so the column is stripped first.
    """
    name = col.name
    text = pl.col(name).str.strip_chars() if padded else pl.col(name)
    empty = text.is_null() | (text == "")
    issues: list[_Issue] = []
    if col.required:
        issues.append(_Issue(empty, name, f"{name} is empty; every row needs one", "required"))
    if col.kind in ("id", "text"):
        return pl.when(empty).then(None).otherwise(text), issues
    if col.kind == "enum":
        allowed = list(col.values)
        lowered = text.str.to_lowercase()
        issues.append(_Issue(~empty & ~lowered.is_in(allowed), name,
                             f"{{value!r}} is not a valid {name}; use one of {', '.join(allowed)}",
                             "enum"))
        return pl.when(empty).then(pl.lit(allowed[0])).otherwise(lowered), issues
    if col.kind == "date":
        parsed = text.str.to_date("%Y-%m-%d", strict=False, cache=False)
        # to_date also takes 2026-1-5: ten bytes pins the ISO form (digits are all it parsed).
        bad = ~empty & (parsed.is_null() | (text.str.len_bytes() != 10)
                        | ~parsed.is_between(FIRST_DATE, LAST_DATE))
        issues.append(_Issue(bad, name, _say_date, "date"))
        return pl.when(bad).then(None).otherwise(parsed), issues
    if col.kind == "rate":
        bad = ~empty & ~text.str.contains(DECIMAL_PATTERN)
        issues.append(_Issue(bad, name, _say_number("is not a number", "write a plain decimal "
                                                    "such as 0.05 or -0.02"), "number"))
        large = ~empty & ~bad & ~text.str.contains(RATE_PATTERN)
        issues.append(_Issue(large, name, f"{{value!r}} is too large for a {name}: a rate is a "
                             f"fraction (0.10 = +10 %) with at most {MAX_RATE_DIGITS} digits "
                             "before the point", "number"))
        return pl.when(bad | large | empty).then(None).otherwise(text), issues
    scale = 2 if col.kind == "amount" else NUMBER_SCALE
    most = MAX_INT_DIGITS if col.kind == "amount" else MAX_NUMBER_DIGITS
    ok = text.str.contains(rf"^-?[0-9]{{1,{most}}}(\.[0-9]+)?$")

    plain = _say_number("is not a plain number", "write digits with an optional '-' and '.', "
                        "without thousands separators, exponents, NaN or inf")

    def say(cell: str) -> str:
        if re.match(DECIMAL_PATTERN, cell.strip()):
            return (f"{show_value(cell)!r} is too large; {name} takes at most {most} digits "
                    "before the decimal point")
        return plain(cell)

    issues.append(_Issue(~empty & ~ok, name, say, "number"))
    if not col.negative:
        negative = ok & text.str.starts_with("-") & text.str.contains("[1-9]")
        issues.append(_Issue(negative, name, f"{{value}} is negative; {name} must be 0 or more",
                             "negative"))
    return pl.when(ok).then(_scaled(frame, name, text, scale)), issues


def _say_date(cell: str) -> str:
    if outside_years(cell):
        return (f"{show_value(cell)!r} is outside the years {FIRST_DATE.year}–{LAST_DATE.year}; "
                "check the year")
    hint = date_hint(cell)
    return f"{show_value(cell)!r} is not a date; " + (
        hint or "write dates as YYYY-MM-DD (e.g. 2026-02-01)")


def _say_number(what: str, otherwise: str) -> Callable[[str], str]:
    """A bad number cell's message: ``what`` it is not, then what it looks like (a decimal
    comma, …) and what to write, or else ``otherwise``."""

    def say(cell: str) -> str:
        return f"{show_value(cell)!r} {what}; {number_hint(cell) or otherwise}"

    return say


def _scaled(frame: pl.DataFrame, name: str, text: pl.Expr, scale: int) -> pl.Expr:
    """Plain decimal text → Int64 at ``10**scale``, rounded half away from zero, exactly.

    Polars' own decimal parsing is exact up to :data:`EXACT_DECIMALS` decimal places; a column
    with a cell that has more takes :func:`quotaplan.money.parse_scaled` (exact, slower).
    """
    decimals = text.str.len_bytes() - text.str.find(".", literal=True) - 1
    most = frame.select(decimals.max()).item() or 0
    factor: int = 10**scale
    if most <= scale:  # the common case: no rounding needed, the cast is exact
        return (text.cast(pl.Decimal(38, scale), strict=False) * factor).cast(pl.Int64)
    if most > EXACT_DECIMALS:
        exact_but_slow: pl.Expr = parse_scaled(text, scale)[1]
        return exact_but_slow
    exact = text.cast(pl.Decimal(38, EXACT_DECIMALS), strict=False)
    return (exact.round(scale, mode="half_away_from_zero") * factor).cast(pl.Int64)


def misnamed_columns(
    file: str, header: list[str], schema: TableSchema, *, optional_only: bool = False
) -> list[Problem]:
    """Header cells that mean a column of the schema but do not name it exactly (``Grade``,
    ``Bottom Up Target``): not read, so each is an error. O(columns): cheap for any file."""
    present = set(header)
    wanted = {column_key(c.name): c.name for c in schema.columns
              if c.name not in present and not (optional_only and c.required)}
    return [
        error(file, 1, h, f"column {h!r} is not read: column names are exact; rename it to "
              f"{wanted[column_key(h)]}", "column-name")
        for h in header if h and column_key(h) in wanted
    ]


def header_problems(file: str, header: list[str], schema: TableSchema) -> list[Problem]:
    """A table's column names against its schema: a name given twice, a required column
    missing (naming the near miss when there is one), an optional one misnamed."""
    seen: dict[str, int] = defaultdict(int)
    for h in header:
        seen[h] += 1
    problems = [error(file, 1, h, f"column {h!r} appears {n} times in the header; keep one",
                      "duplicate-column") for h, n in seen.items() if n > 1 and h]
    meant = {column_key(h): h for h in header if h}
    for name in missing_columns(header, schema):
        near = meant.get(column_key(name))
        problems.append(error(file, 1, name, f"required column {name!r} is missing from the header; "
                              f"it has {near!r}: rename it to {name} (column names are exact)"
                              if near else f"required column {name!r} is missing from the header "
                              f"(it has: {', '.join(h for h in header if h) or 'nothing'})",
                              "missing-column"))
    return problems + misnamed_columns(file, header, schema, optional_only=True)


def missing_columns(header: list[str], schema: TableSchema) -> list[str]:
    """The schema's required columns that ``header`` lacks."""
    return [c.name for c in schema.columns if c.required and c.name not in header]
