"""Problems in a user's plan: returned as data, never raised.

A :class:`Problem` names where it is (file, line, column or key) and says in a plain sentence what is
wrong and what to do. Checks return lists of them; the CLI renders them; the web API will serialise
them. ``line`` is the physical line of the file, the header being line 1; for ``plan.toml`` the
``column`` holds the dotted key and ``line`` is the key's line when it can be found.

Problems of one kind (one check on one column) are listed one by one up to :data:`MAX_LISTED`;
one more record then stands for the rest (its ``count``), so that a file with a million bad rows
does not make a million records. :func:`listing_every_problem` lifts the limit (``--all``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import polars as pl

Severity = Literal["error", "warning"]

#: Problems of one kind listed one by one before the rest are counted in one record.
MAX_LISTED = 20
_LIMIT: ContextVar[int | None] = ContextVar("quotaplan_listed_limit", default=MAX_LISTED)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (error) or worth a look (warning) in a plan."""

    file: str
    line: int | None
    column: str | None
    message: str
    severity: Severity = "error"
    code: str = "invalid"
    #: 0 for a problem; above 0, this record is the line "… and N more" that stands for that many
    #: problems of its kind which were counted but not listed.
    more: int = 0

    @property
    def count(self) -> int:
        """How many problems this record stands for."""
        return self.more or 1

    def location(self) -> str:
        """``accounts.csv:12 (territory_id)`` or ``plan.toml (targets.method)``."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" ({self.column})"
        return where

    def render(self) -> str:
        return f"{self.location()}: {self.severity}: {self.message}"


def error(file: str, line: int | None, column: str | None, message: str, code: str) -> Problem:
    return Problem(file, line, column, message, "error", code)


def warning(file: str, line: int | None, column: str | None, message: str, code: str) -> Problem:
    return Problem(file, line, column, message, "warning", code)


def listed(total: int) -> int:
    """How many of ``total`` problems of one kind are listed one by one (the rest are counted)."""
    limit = _LIMIT.get()
    return total if limit is None else min(total, limit)


@contextmanager
def listing_every_problem(every: bool = True) -> Iterator[None]:
    """Within this block (when ``every``), every problem is listed: none is only counted."""
    token = _LIMIT.set(None if every else _LIMIT.get())
    try:
        yield
    finally:
        _LIMIT.reset(token)


def counts(problems: Iterable[Problem]) -> tuple[int, int, int]:
    """(errors, warnings, how many of them are counted but not listed): true counts, not records."""
    errors = warnings = unlisted = 0
    for p in problems:
        if p.severity == "error":
            errors += p.count
        else:
            warnings += p.count
        unlisted += p.more
    return errors, warnings, unlisted


def more(file: str, line: int | None, column: str | None, message: str, severity: Severity,
         code: str, count: int) -> Problem:
    """The record that stands for ``count`` problems of one kind that are not listed."""
    return Problem(file, line, column, message, severity, code, count)


def each_listed(source: str, rows: pl.DataFrame, column: str | None,
                say: Callable[[dict[str, Any]], str], code: str, severity: Severity = "error",
                *, noun: str = "rows") -> list[Problem]:
    """One problem per row of ``rows`` (in their order; a ``line`` column locates each), the
    first :func:`listed` of them, then one :func:`more` record that counts the rest ("… and N
    more ``noun`` like this"). ``say(row)`` is the row's message."""
    if rows.height == 0:
        return []
    count = listed(rows.height)
    found = [Problem(source, line_of(row["line"]), column, say(row), severity, code)
             for row in rows.head(count).iter_rows(named=True)]
    if rows.height > count:
        rest = rows.height - count
        found.append(more(source, line_of(rows.get_column("line")[count]), column,
                          f"… and {rest} more {noun} like this", severity, code, rest))
    return found


def each_by_line(source: str, rows: pl.DataFrame, column: str | None,
                 say: Callable[[dict[str, Any]], str], code: str, severity: Severity = "error",
                 *, noun: str = "rows") -> list[Problem]:
    """:func:`each_listed` over ``rows`` in the order of their lines (rows without a line last;
    rows on one line by ``account_id`` where they have one)."""
    ties = ["account_id"] if "account_id" in rows.columns else []
    return each_listed(source, rows.sort("line", *ties, nulls_last=True), column, say, code,
                       severity, noun=noun)


def show_value(value: object) -> str:
    """A cell for a message: as written, cut to 40 characters."""
    text = "" if value is None else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def quoted(value: object) -> str:
    """A cell for a message, in quotes: ``'…'``."""
    return f"'{show_value(value)}'"


def line_of(value: object) -> int | None:
    """A row's ``line`` cell as a line number (``None`` when the row has none)."""
    return int(value) if isinstance(value, int) else None


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def sort_key(problem: Problem) -> tuple[int, str, int, str, str]:
    """Errors first, then by file, line and column, for stable reports."""
    return (
        0 if problem.severity == "error" else 1,
        problem.file,
        problem.line if problem.line is not None else 0,
        problem.column or "",
        problem.message,
    )
