"""Other formats → plans (``quotaplan import FORMAT SOURCE --out PLAN``).

Each importer reads a source (a file or a folder) and derives what the source does not say (who
owns an account, the territory tree, the plan year, the top-down number, …), listing every such
choice as a :class:`Derivation` in its :class:`ImportReport`, so the planner can check them. The
Maven CRM, Salesforce and Superstore importers return a :class:`PlanImport`: a plan made by
:meth:`~quotaplan.plan.Plan.from_tables` (checked like a folder), written by the plan writer
(:mod:`quotaplan.planfolder.write`); the workbook importer, whose workbook is a plan folder in
another form, writes the workbook's files as they are. A missing or malformed source is a
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

from quotaplan.calendar import add_months
from quotaplan.errors import UsageError
from quotaplan.money import cents_to_decimal, round_half_away
from quotaplan.outputs import neutralise
from quotaplan.plan import Plan
from quotaplan.planfolder.write import scaled_text
from quotaplan.planfolder.write import write_plan as write_plan_folder
from quotaplan.problems import Problem
from quotaplan.schemas import INPUTS
from quotaplan.settings import settings_from_dict

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


#: Settings an imported plan.toml shows even at their default: what a planner checks first.
SHOWN_SETTINGS = ("plan.currency", "plan.period", "targets.method", "targets.weight",
                  "quotas.basis")
NOTE = "# Made by `quotaplan import`; check the derivations it reported.\n"

#: Free-text columns of the plan files (never ids, which must match across files).
TEXT_COLUMNS = ("name", "product", "role", "level", "reason")


@dataclass(frozen=True)
class PlanImport:
    """An imported plan (checked like any other) and what the import derived; :meth:`write`
    writes it as a plan folder."""

    plan: Plan
    derivations: tuple[Derivation, ...]
    counts: dict[str, int]
    problems: tuple[Problem, ...] = ()

    def report(self, out: Path) -> ImportReport:
        return ImportReport(out=out, derivations=self.derivations, counts=self.counts,
                            problems=self.problems)

    def write(self, out: Path, *, force: bool = False,
              protect: tuple[Path, ...] = ()) -> ImportReport:
        """Write the plan folder ``out`` (atomically; see :func:`quotaplan.outsafe.write_folder`)."""
        write_plan_folder(self.plan, out, command="import", force=force, protect=protect,
                          shown=SHOWN_SETTINGS, note=NOTE)
        return self.report(out)


def imported_plan(name: str, start: date, topdown_cents: int, tables: dict[str, pl.DataFrame],
                  derivations: list[Derivation], currency: str = "USD",
                  problems: Sequence[Problem] = ()) -> PlanImport:
    """The plan of typed tables by plan file name (amounts in ``*_cents`` columns), through
    :meth:`Plan.from_tables`: the same checks as a plan folder, rows located on the lines they
    will have in the written files. A plan with errors is a :class:`UsageError` listing them."""
    settings, found = settings_from_dict({
        "plan": {"name": name, "fiscal_year_start": start, "currency": currency,
                 "period": "quarter"},
        "targets": {"method": "weighted", "weight": "prior_bookings",
                    "topdown": cents_to_decimal(topdown_cents)},
        "quotas": {"basis": "targets"},
    })
    if settings is None:
        raise UsageError("the imported settings are invalid: "
                         + "; ".join(p.render() for p in found))
    by_file = {schema.file: table for table, schema in INPUTS.items()}
    plan, found = Plan.from_tables(
        settings, {by_file[file]: text_cells(frame) for file, frame in tables.items()},
        passthrough=True)
    if plan is None:
        errors = [p.render() for p in found if p.severity == "error"]
        raise UsageError(f"the imported plan has {len(errors)} error(s), e.g. "
                         f"{'; '.join(errors[:3])}; check the source")
    counts = {file.removesuffix(".csv"): frame.height for file, frame in tables.items()}
    return PlanImport(plan, tuple(derivations), counts, tuple(problems))


def booked_plan(source: str, start: date, territories: pl.DataFrame, sellers: pl.DataFrame,
                accounts: pl.DataFrame, bookings: pl.DataFrame,
                derivations: list[Derivation]) -> PlanImport:
    """The plan "``source`` FY… (imported)" of an importer's four tables (``bookings.amount`` in
    cents), the root's number proposed from the bookings (:func:`proposed_topdown`)."""
    number, derived = proposed_topdown(bookings, start)
    derivations.append(derived)
    return imported_plan(f"{source} FY{start.year} (imported)", start, number, {
        "territories.csv": territories,
        "sellers.csv": sellers,
        "accounts.csv": accounts,
        "bookings.csv": bookings.rename({"amount": "amount_cents"}),
    }, derivations)


def text_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """A typed table as a plan file's text cells, with ``line`` (header = 1): ``*_cents``
    columns as decimals without the suffix, dates ISO; free text a spreadsheet would run as a
    formula is neutralised, ids are kept as they are (they must match across files)."""
    texts = [c for c in TEXT_COLUMNS if c in frame.columns and frame.schema[c] == pl.String]
    cells = frame.with_columns(
        *(scaled_text(pl.col(c), 2).alias(c) for c in frame.columns if c.endswith("_cents")),
        *(neutralise(pl.col(c)).alias(c) for c in texts),
    ).rename({c: c.removesuffix("_cents") for c in frame.columns if c.endswith("_cents")})
    return cells.select(pl.all().cast(pl.String)).with_row_index("line", offset=2).with_columns(
        pl.col("line").cast(pl.Int64))


# The importers use the records above, so they are imported after them.
from quotaplan.importers.maven_crm import import_maven_crm, maven_crm_plan  # noqa: E402
from quotaplan.importers.salesforce import import_salesforce, salesforce_plan  # noqa: E402
from quotaplan.importers.superstore import import_superstore, superstore_plan  # noqa: E402
from quotaplan.importers.xlsx import import_xlsx  # noqa: E402

IMPORTERS: dict[str, Callable[..., ImportReport]] = {
    "maven_crm": import_maven_crm,
    "salesforce": import_salesforce,
    "superstore": import_superstore,
    "xlsx": import_xlsx,
}

#: The importers that return a plan (the command writes it with the plan writer); the others
#: still write their folder themselves.
PLAN_IMPORTERS: dict[str, Callable[..., PlanImport]] = {
    "maven_crm": maven_crm_plan,
    "salesforce": salesforce_plan,
    "superstore": superstore_plan,
}

__all__ = [
    "IMPORTERS",
    "PLAN_IMPORTERS",
    "Derivation",
    "ImportReport",
    "PlanImport",
    "import_maven_crm",
    "import_salesforce",
    "import_superstore",
    "import_xlsx",
]
