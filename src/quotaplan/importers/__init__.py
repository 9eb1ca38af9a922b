"""Other formats → plan folders (``quotaplan import FORMAT SOURCE --out PLAN``).

Each importer reads a source (a file or a folder), derives what the source does not say (who owns
an account, the territory tree, the plan year, the top-down number, …), writes a plan folder
atomically and returns an :class:`ImportReport` listing every such choice as a
:class:`Derivation`, so the planner can check them. A missing or malformed source is a
:class:`~quotaplan.errors.UsageError` naming the file and what is expected.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from quotaplan.errors import UsageError
from quotaplan.generate import add_months, money, write_generated
from quotaplan.money import cents_to_decimal, round_half_away
from quotaplan.outputs import neutralise
from quotaplan.problems import Problem

#: Growth applied to last year's bookings to propose the root's top-down number.
DEFAULT_UPLIFT = Decimal("1.10")


@dataclass(frozen=True)
class Derivation:
    """One choice an importer made: ``what`` was derived, ``how``, and for how many rows."""

    what: str
    how: str
    count: int | None = None


@dataclass(frozen=True)
class ImportReport:
    """Where the plan was written, every derivation made, row counts by plan file stem, and the
    warnings about the source (each naming its file, line and column)."""

    out: Path
    derivations: tuple[Derivation, ...]
    counts: dict[str, int]
    problems: tuple[Problem, ...] = ()


def slug(expr: pl.Expr) -> pl.Expr:
    """Text → a lower-case id: letters and digits, runs of anything else as one ``-``."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "-").str.strip_chars("-")


def slug_text(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def read_source_csv(path: Path, required: Sequence[str], what: str) -> pl.DataFrame:
    """Read a source CSV as text columns; a missing file, bad CSV or missing column is a
    :class:`UsageError` naming the file and the columns expected."""
    expected = ", ".join(required)
    if not path.is_file():
        raise UsageError(f"{path} is missing; expected {what} with columns {expected}")
    try:
        data = path.read_bytes()
        data.decode("utf-8")
        if b"\x00" in data:
            raise ValueError("it contains NUL bytes")
        frame = pl.read_csv(io.BytesIO(data), infer_schema=False)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line} is not UTF-8 text; expected {what} as UTF-8 CSV "
                         f"with columns {expected}") from exc
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{path} is not a readable CSV file ({first}); expected {what} "
                         f"as UTF-8 CSV with columns {expected}") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise UsageError(f"{path} lacks column(s) {', '.join(missing)}; expected {what} with "
                         f"columns {expected}")
    return frame


def malformed(path: Path, frame: pl.DataFrame, bad: pl.Expr, column: str, expected: str) -> None:
    """Raise a :class:`UsageError` naming the first row (file line, header = 1) where ``bad``."""
    hits = frame.with_row_index("_line", offset=2).filter(bad)
    if hits.height:
        line = int(hits.get_column("_line")[0])
        value = hits.get_column(column)[0]
        raise UsageError(f"{path}:{line}: {column} {value!r} is not {expected} "
                         f"({hits.height} row(s) like this); fix the source or export it again")


def parse_dates(path: Path, frame: pl.DataFrame, column: str) -> pl.Expr:
    """The ISO date column ``column`` as ``Date``; any other value is a :class:`UsageError`."""
    text = pl.col(column).str.strip_chars()
    parsed = text.str.to_date("%Y-%m-%d", strict=False)
    malformed(path, frame, text.is_not_null() & parsed.is_null(), column, "an ISO date (YYYY-MM-DD)")
    return parsed


def plan_year(last: date, given: date | None) -> tuple[date, Derivation]:
    if given is not None:
        return given, Derivation("plan year", f"starts {given.isoformat()} as asked")
    start = date(last.year + 1, 1, 1)
    return start, Derivation("plan year", f"the calendar year after the last booking "
                             f"({last.isoformat()}): starts {start.isoformat()}")


def proposed_topdown(bookings: pl.DataFrame, start: date) -> tuple[int, Derivation]:
    """Root number = bookings of the 12 months before ``start`` × :data:`DEFAULT_UPLIFT`, in cents
    (rounded half away from zero)."""
    window = add_months(start, -12)
    base = int(bookings.filter((pl.col("date") >= window) & (pl.col("date") < start))
               .get_column("amount").sum())
    number = round_half_away(base * DEFAULT_UPLIFT)
    how = (f"bookings from {window.isoformat()} to the day before {start.isoformat()} "
           f"({cents_to_decimal(base)}) × {DEFAULT_UPLIFT} = {cents_to_decimal(number)}; "
           "replace it with the company number")
    return number, Derivation("top-down number at the root", how)


def plan_toml(name: str, start: date, topdown_cents: int, currency: str = "USD") -> str:
    return (
        f"# Made by `quotaplan import`; check the derivations it reported.\n"
        f"[plan]\nname = \"{name}\"\nfiscal_year_start = {start.isoformat()}\n"
        f"currency = \"{currency}\"\nperiod = \"quarter\"\n\n"
        f"[targets]\nmethod = \"weighted\"\nweight = \"prior_bookings\"\n"
        f"topdown = {cents_to_decimal(topdown_cents)}\n\n"
        f"[quotas]\nbasis = \"targets\"\n"
    )


#: Free-text columns of the plan files (never ids, which must match across files).
TEXT_COLUMNS = ("name", "product", "role", "level", "reason")


def write_plan(out: Path, name: str, start: date, topdown_cents: int,
               tables: dict[str, pl.DataFrame], currency: str = "USD") -> dict[str, int]:
    """Write the plan folder atomically; amounts in ``*_cents`` columns are written as decimals.
    Returns row counts by file stem."""
    files: dict[str, pl.DataFrame | str] = {"plan.toml": plan_toml(name, start, topdown_cents, currency)}
    for file, frame in tables.items():
        cents = [c for c in frame.columns if c.endswith("_cents")]
        # Free text a spreadsheet would run as a formula is neutralised; ids are kept as they are
        # (they must match across files).
        texts = [c for c in TEXT_COLUMNS if c in frame.columns and frame.schema[c] == pl.String]
        files[file] = frame.with_columns(
            *(money(pl.col(c)).alias(c.removesuffix("_cents")) for c in cents),
            *(neutralise(pl.col(c)).alias(c) for c in texts),
        ).drop(cents).select([c.removesuffix("_cents") for c in frame.columns])
    write_generated(files, out)
    return {file.removesuffix(".csv"): frame.height for file, frame in tables.items()}


# The importers use the records above, so they are imported after them.
from quotaplan.importers.maven_crm import import_maven_crm  # noqa: E402
from quotaplan.importers.salesforce import import_salesforce  # noqa: E402
from quotaplan.importers.superstore import import_superstore  # noqa: E402
from quotaplan.importers.xlsx import import_xlsx  # noqa: E402

IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "maven_crm": import_maven_crm,
    "salesforce": import_salesforce,
    "superstore": import_superstore,
    "xlsx": import_xlsx,
}

__all__ = ["IMPORTERS", "Derivation", "ImportReport", "import_maven_crm", "import_salesforce",
           "import_superstore", "import_xlsx"]
