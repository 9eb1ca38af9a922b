"""Reading the CSV files that Data Loader or the Bulk API write, with every problem located.

Headers are Salesforce API field names, matched ignoring case (Data Loader writes ``ID``,
``NAME``; the Bulk API ``Id``, ``Name``); file names are matched ignoring case too. Cells are
read as text (a BOM, CRLF line ends, quoted cells holding commas, quotes or line breaks are all
fine) and each row keeps its physical line, the header being line 1. The parsers below turn a
column into ids (18 characters), booleans (``true``/``false`` or ``1``/``0``), dates
(``YYYY-MM-DD`` or a UTC datetime ``YYYY-MM-DDTHH:MM:SS.000Z``, whose date part is kept) or
cents, and add one :class:`~quotaplan.problems.Problem` per bad cell (the first
:data:`~quotaplan.problems.MAX_LISTED` of a kind, then a count).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import polars as pl

from quotaplan.interop.sfid import normalise
from quotaplan.money import MAX_INT_DIGITS, parse_scaled, round_half_away
from quotaplan.planfolder.csvfile import check_bytes, show_value, split_rows
from quotaplan.problems import Problem, Severity, each_listed, error

TRUE = ("true", "1")
FALSE = ("false", "0")
DATE_OR_DATETIME = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
                    r"(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$")


def find_file(folder: Path, name: str) -> Path | None:
    """``folder/name``, or the one file whose name differs from it only in case."""
    exact = folder / name
    if exact.exists():
        return exact
    matches = sorted(p for p in folder.iterdir() if p.name.lower() == name.lower())
    return matches[0] if matches else None


def read_export(folder: Path, name: str, required: Sequence[str], optional: Sequence[str],
                problems: list[Problem], *, what: str, must_exist: bool = True,
                fix: str | None = None) -> pl.DataFrame | None:
    """The file ``name`` of ``folder`` as text columns named as asked (+ ``line``), or ``None``
    when it is absent (a problem unless optional) or cannot be read (a problem)."""
    path = find_file(folder, name)
    fields = ", ".join([*required, *optional])
    if path is None:
        if must_exist:
            problems.append(error(name, None, None, "the file is missing; " + (
                fix or f"export {what} with the fields {fields} into the folder"), "missing-file"))
        return None
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(error(file, None, None, f"the file cannot be read ({exc.strerror}); "
                              "check that it is a readable file", "unreadable"))
        return None
    found = check_bytes(file, data)
    if found:
        problems.extend(found)
        return None
    header, frame, found = split_rows(file, data)
    if found:
        problems.extend(found)
        return None
    lowered = [h.lower() for h in header]
    twice = sorted({h for h, low in zip(header, lowered, strict=True)
                    if h and lowered.count(low) > 1})
    if twice:
        problems.append(error(file, 1, twice[0], f"the header names {twice[0]!r} twice (ignoring "
                              "case); export each field once", "repeated-column"))
        return None
    assert frame is not None
    by_lower = {h.lower(): h for h in header if h}
    missing = [c for c in required if c.lower() not in by_lower]
    for column in missing:
        problems.append(error(file, 1, column, f"the column {column} is missing; " + (
            fix or f"export {what} with the fields {fields}"), "missing-column"))
    if missing:
        return None
    wanted = [c for c in [*required, *optional] if c.lower() in by_lower]
    return frame.select(
        pl.col("line"),
        *(pl.col(by_lower[c.lower()]).str.strip_chars().alias(c) for c in wanted),
    ).with_columns(pl.lit(file).alias("_file"))


def file_of(frame: pl.DataFrame) -> str:
    if "_file" in frame.columns and frame.height:
        return str(frame.get_column("_file")[0])
    return ""


def listed(frame: pl.DataFrame, mask: pl.Expr, column: str, message: Callable[[str], str],
           problems: list[Problem], code: str, severity: Severity = "error",
           shown: str | None = None) -> int:
    """One problem per row where ``mask`` holds (the first :data:`~quotaplan.problems.MAX_LISTED`,
    unless every problem is listed, then one record that counts the rest),
    located at ``column``; ``message`` gets the cell of ``shown`` (default ``column``). Returns
    how many rows matched."""
    hits = frame.filter(mask)
    source = shown or column

    def say(row: dict[str, Any]) -> str:
        value = row.get(source, "")
        return message(show_value(value) if shown is None else str(value))  # a cell is cut, a phrase not

    problems += each_listed(file_of(frame), hits, column, say, code, severity)
    return hits.height


def present(column: str) -> pl.Expr:
    return pl.col(column).is_not_null() & (pl.col(column) != "")


def ids(frame: pl.DataFrame, column: str, problems: list[Problem], *, required: bool) -> pl.Series:
    """The column as 18-character ids (null where empty); bad ids and empty required cells are
    problems."""
    valid, id18 = normalise(frame.get_column(column))
    checked = frame.select("line", "_file", column).with_columns(_valid=valid, _id=id18)
    listed(checked, ~pl.col("_valid"), column, lambda v: f"{v!r} is not a Salesforce id (15 or 18 "
           "letters and digits, the last 3 of an 18-character id matching the first 15); export "
           "the id field again without editing it", problems, "bad-id")
    if required:
        listed(checked, ~present(column), column, lambda v: "the id is empty; every row needs one",
               problems, "empty-id")
    return checked.get_column("_id").alias(column)


def booleans(frame: pl.DataFrame, column: str, problems: list[Problem]) -> pl.Series:
    """``true``/``false`` or ``1``/``0`` (any case) → Boolean; anything else (empty included) is
    a problem and null."""
    low = pl.col(column).str.to_lowercase()
    value = pl.when(low.is_in(TRUE)).then(True).when(low.is_in(FALSE)).then(False)
    listed(frame, value.is_null(), column, lambda v: f"{v!r} is not a Salesforce checkbox value "
           "(true/false or 1/0)", problems, "bad-boolean")
    return frame.select(value.alias(column)).get_column(column)


def dates(frame: pl.DataFrame, column: str, problems: list[Problem], *, required: bool) -> pl.Series:
    """A date or UTC datetime column → ``Date`` (a datetime keeps its date part)."""
    text = pl.col(column)
    shaped = text.str.contains(DATE_OR_DATETIME)
    parsed = pl.when(shaped).then(text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
    ok = parsed.is_not_null() & parsed.dt.year().is_between(1900, 2200)
    listed(frame, present(column) & ~ok, column, lambda v: f"{v!r} is not a date (YYYY-MM-DD, or "
           "a datetime YYYY-MM-DDTHH:MM:SS.000Z, in the years 1900–2200)", problems, "bad-date")
    if required:
        listed(frame, ~present(column), column, lambda v: "the date is empty; every row needs one",
               problems, "empty-date")
    return frame.select(pl.when(ok).then(parsed).alias(column)).get_column(column)


def _cents_of_text(text: str) -> int | None:
    """A number Salesforce may write with an exponent (``1.5E7``) → cents, or ``None``."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value) >= Decimal(10) ** MAX_INT_DIGITS:
        return None
    return round_half_away(value * 100)


def cents(frame: pl.DataFrame, column: str, problems: list[Problem], *, what: str = "an amount",
          negative: bool = True) -> pl.Series:
    """A money or number column → Int64 cents (null where empty); a cell that is not a number
    is a problem (so is a negative one unless ``negative``)."""
    valid, value = parse_scaled(pl.col(column), 2)
    staged = frame.with_columns(value.alias("_cents"), valid.alias("_valid"))
    odd = staged.filter(~pl.col("_valid"))
    if odd.height:
        # Exponents (1.5E7) are rare: those few cells are read exactly with Decimal.
        fixed = odd.select("line", pl.col(column).map_elements(
            _cents_of_text, return_dtype=pl.Int64).alias("_fixed"))
        staged = staged.join(fixed, on="line", how="left").with_columns(
            pl.coalesce("_cents", "_fixed").alias("_cents"),
            (pl.col("_valid") | pl.col("_fixed").is_not_null()).alias("_valid"),
        ).sort("line")
    listed(staged, ~pl.col("_valid"), column, lambda v: f"{v!r} is not {what} (a plain number such "
           f"as 1234.50, at most {MAX_INT_DIGITS} digits before the point)", problems, "bad-number")
    if not negative:
        listed(staged, pl.col("_cents") < 0, column, lambda v: f"{v} is negative; {what} cannot be",
               problems, "negative")
    return staged.get_column("_cents")
