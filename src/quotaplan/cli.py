"""The ``quotaplan`` command: parse → call the library → render. Exit codes live here only.

Exit codes: 0 success (warnings allowed), 1 the plan has errors (or a seller is unknown),
2 usage errors (bad options, a PLAN path that does not exist). User errors never print a traceback.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from quotaplan.build import BuildResult, build
from quotaplan.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PlanInvalid,
    QuotaplanError,
    StoreError,
    UnknownSeller,
    UsageError,
)
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem, counts, has_errors, listing_every_problem
from quotaplan.store.policy import Grant

if TYPE_CHECKING:
    from quotaplan.core.simulate import SimulationResult

app = typer.Typer(
    name="quotaplan",
    help="Quota planning for sales organisations: account targets, quotas, feasibility, roll-ups.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# No emoji codes (":100:" in "accounts.csv:100:" is not a smiley) and no markup in user text.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
if not out.is_terminal:  # piped or captured: wide enough for the tables, not the 80-column default
    out.width = 160

EXIT_OK, EXIT_PLAN, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 3
T = TypeVar("T")

PlanArg = Annotated[Path, typer.Argument(help="The plan folder (plan.toml and the CSV files).")]
AllOption = Annotated[bool, typer.Option(
    "--all", help="Print every problem (by default 20 of a kind, then how many more).")]
ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace an output that an earlier run of the same command wrote (never a plan's "
    "input, never a folder or file quotaplan did not write).")]


def exit_code(exc: BaseException) -> int:
    """The one mapping from errors to exit codes."""
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, PlanInvalid | UnknownSeller):
        return EXIT_PLAN
    # The store: what does not exist (or may not be seen), a refused action, a conflict, a database
    # that cannot be used as it is — each names what and says what to do.
    if isinstance(exc, NotFound | Forbidden | Conflict | StoreError):
        return EXIT_PLAN
    if isinstance(exc, QuotaplanError):
        return EXIT_PLAN
    return EXIT_BUG


def fail(exc: QuotaplanError) -> NoReturn:
    if isinstance(exc, PlanInvalid):
        print_problems(exc.problems, err)
    else:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(exit_code(exc))


@contextmanager
def step(label: str) -> Iterator[None]:
    """A spinner with elapsed time on a terminal; nothing when piped."""
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    ) as progress:
        progress.add_task(label, total=None)
        yield


def print_problems(problems: Sequence[Problem], console: Console) -> None:
    for p in problems:
        colour = "red" if p.severity == "error" else "yellow"
        console.print(f"{escape(p.location())}: [{colour}]{p.severity}[/]: {escape(p.message)}",
                      markup=True,
                      soft_wrap=True)
    errors, warnings, unlisted = counts(problems)
    console.print(f"{errors} error(s), {warnings} warning(s)" + (
        f"; {unlisted} of them counted but not printed (`quotaplan validate --all` prints every "
        "one)" if unlisted
        else ""))


def _load(folder: Path) -> tuple[Plan | None, list[Problem]]:
    with step(f"Reading {folder}"):
        return read_plan(folder)


def _build(folder: Path) -> BuildResult:
    """Read, check and compute; PlanInvalid carries every problem when anything is wrong."""
    plan, problems = _load(folder)
    if plan is None or has_errors(problems):
        raise PlanInvalid(problems)
    with step("Computing targets, quotas and feasibility"):
        try:
            result = build(plan)
        except PlanInvalid as exc:
            raise PlanInvalid(problems + exc.problems) from None
    return replace(result, problems=problems + result.problems)


def guarded(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except QuotaplanError as exc:
        fail(exc)


@app.command()
def validate(plan: PlanArg, every: AllOption = False) -> None:
    """Check a plan folder and list every problem (file, line, column). Exit 0 valid, 1 errors."""
    def run() -> None:
        loaded, problems = read_plan(plan)
        if loaded is not None:
            try:
                with step("Checking the computation"):
                    problems = problems + build(loaded).problems
            except PlanInvalid as exc:
                problems = problems + exc.problems
        if problems:
            print_problems(problems, out)
        if has_errors(problems):
            raise typer.Exit(EXIT_PLAN)
        out.print(f"{plan}: the plan is valid" + (" (with warnings)" if problems else ""),
                  markup=False)

    with listing_every_problem(every):
        guarded(run)


@app.command("build")
def build_cmd(
    plan: PlanArg,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Output folder: new, empty, or an earlier build's output (replaced on success).")],
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    every: AllOption = False,
    force: ForceOpt = False,
) -> None:
    """Validate, compute and write account_targets, quotas, periods, gap, rollup and summary."""
    from quotaplan.outputs import write_outputs
    from quotaplan.outsafe import check_file, check_folder, html_written_by_quotaplan

    def run() -> None:
        # Refuse a bad --out or --html before the work, not after it.
        check_folder(out_dir, "build", force=force, protect=[plan])
        if html is not None:
            check_file(html, recognise=html_written_by_quotaplan, force=force, protect=[plan],
                       option="--html")
        result = _build(plan)
        with step(f"Writing {out_dir}"):
            write_outputs(result, out_dir, force=force, protect=[plan])
        if html is not None:
            _write_html(result, html, force=force, protect=[plan])
        if result.problems:
            print_problems(result.problems, err)
        out.print(f"Wrote {out_dir}: " + ", ".join(
            ["account_targets.csv", "quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv",
             "summary.json"]), markup=False)

    with listing_every_problem(every):
        guarded(run)


def _write_html(result: BuildResult, path: Path, *, force: bool, protect: Sequence[Path],
                simulation: SimulationResult | None = None) -> None:
    from quotaplan.outsafe import html_written_by_quotaplan, write_file
    from quotaplan.report.html import render_html

    page = render_html(result, simulation=simulation)
    write_file(path, "report", lambda tmp: tmp.write_text(page, encoding="utf-8"),
               recognise=html_written_by_quotaplan, force=force, protect=protect, option="--html")


@app.command()
def report(
    plan: PlanArg,
    html: Annotated[Path | None, typer.Option(help="Write one self-contained HTML report here.")] = None,
    top: Annotated[int, typer.Option(min=1, help="How many riskiest sellers and gaps to list.")] = 10,
    every: AllOption = False,
    force: ForceOpt = False,
) -> None:
    """Headline figures, the riskiest sellers and the largest strategic gaps."""
    from quotaplan.outsafe import check_file, html_written_by_quotaplan
    from quotaplan.report.terminal import render_terminal

    def run() -> None:
        if html is not None:
            check_file(html, recognise=html_written_by_quotaplan, force=force, protect=[plan],
                       option="--html")
        result = _build(plan)
        for item in render_terminal(result, top=top):
            out.print(item)
        if html is not None:
            _write_html(result, html, force=force, protect=[plan])
            out.print(f"HTML report: {html}", markup=False)

    with listing_every_problem(every):
        guarded(run)


@app.command()
def simulate(
    plan: PlanArg,
    runs: Annotated[int, typer.Option(min=1, max=1_000_000, help="Monte Carlo runs.")] = 10_000,
    seed: Annotated[int, typer.Option(min=0, help="Random seed: the same seed gives the same figures.")] = 1,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Write simulation.csv and simulation.json into this folder.")] = None,
    html: Annotated[Path | None, typer.Option(
        help="Write the HTML report with the simulation's section here.")] = None,
    every: AllOption = False,
    force: ForceOpt = False,
) -> None:
    """Will these quotas be hit? Back-test last year, then simulate every seller's attainment."""
    from quotaplan.outsafe import check_file, check_folder, html_written_by_quotaplan
    from quotaplan.report.simulation import render_simulation
    from quotaplan.simulation import run_simulation, write_simulation

    def run() -> None:
        if out_dir is not None:
            check_folder(out_dir, "simulate", force=force, protect=[plan])
        if html is not None:
            check_file(html, recognise=html_written_by_quotaplan, force=force, protect=[plan],
                       option="--html")
        result = _build(plan)
        if result.problems:
            print_problems(result.problems, err)
        with step(f"Back-testing and simulating {runs:,} runs"):
            sim = run_simulation(result, runs=runs, seed=seed)
        for item in render_simulation(sim):
            out.print(item)
        if out_dir is not None:
            write_simulation(sim, out_dir, force=force, protect=[plan])
            out.print(f"Wrote {out_dir}: simulation.csv, simulation.json", markup=False)
        if html is not None:
            _write_html(result, html, force=force, protect=[plan], simulation=sim)
            out.print(f"HTML report: {html}", markup=False)

    with listing_every_problem(every):
        guarded(run)


@app.command()
def explain(
    plan: PlanArg,
    seller_id: Annotated[str, typer.Argument(
        help="The seller's id in sellers.csv: a quota carrier or a manager.")],
) -> None:
    """One seller's quota line by line (base → adjustments → periods → final) and their book; for
    a manager, their rolled-up quota child by child."""
    from quotaplan.core.explain import explain_node, explain_seller, managed_node
    from quotaplan.core.targets import base_window
    from quotaplan.report.explain import render_explanation, render_node_explanation

    def run() -> None:
        result = _build(plan)
        currency = result.plan.settings.plan.currency
        ledger = result.ledgers.get(seller_id)
        if ledger is None:
            node = managed_node(result.hierarchy, seller_id)
            if node is None:
                raise UnknownSeller(seller_id, "run `quotaplan report` to see the sellers, or "
                                    "open sellers.csv for a carrier's or a manager's id")
            explained = explain_node(result.plan, result.rollup, result.quotas, node)
            for item in render_node_explanation(explained, currency):
                out.print(item)
            return
        row = result.plan.sellers.filter(result.plan.sellers["seller_id"] == seller_id).row(
            0, named=True)
        start = result.plan.settings.plan.fiscal_year_start
        first, _ = base_window(start, result.plan.settings.targets.base_window_months)
        explanation = explain_seller(ledger, result.account_targets, row,
                                     settings=result.plan.settings, gap=result.gap,
                                     account_names=result.plan.accounts,
                                     base_window=(first, start - timedelta(days=1)))
        for item in render_explanation(explanation, currency):
            out.print(item)

    guarded(run)


@app.command()
def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the plan into.")],
    accounts: Annotated[int, typer.Option(min=1, help="Number of accounts.")] = 2000,
    sellers: Annotated[int, typer.Option(min=1, help="Number of quota carriers.")] = 40,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same plan.")] = 7,
    bookings_per_account: Annotated[float, typer.Option(min=0, help="Booking rows per account.")] = 10.0,
    fiscal_year_start: Annotated[str, typer.Option(help="Plan year start, YYYY-MM-DD.")] = "2027-01-01",
    force: ForceOpt = False,
) -> None:
    """Write a realistic synthetic plan (seeded): hierarchy, sellers, accounts, 3 years of bookings."""
    from quotaplan.generate import GenerateOptions, generate_plan, write_generated
    from quotaplan.outsafe import check_folder

    def run() -> None:
        check_folder(out_dir, "generate", force=force)
        try:
            start = date.fromisoformat(fiscal_year_start)
        except ValueError:
            raise UsageError(f"--fiscal-year-start {fiscal_year_start!r} is not a date; "
                             "write YYYY-MM-DD") from None
        options = GenerateOptions(accounts=accounts, sellers=sellers, seed=seed,
                                  bookings_per_account=bookings_per_account,
                                  fiscal_year_start=start)
        with step("Generating"):
            files = generate_plan(options)
        with step(f"Writing {out_dir}"):
            write_generated(files, out_dir, command="generate", force=force)
        out.print(f"Wrote a plan of {accounts:,} accounts and {sellers:,} sellers to {out_dir}",
                  markup=False)

    guarded(run)


@app.command("import")
def import_cmd(
    format: Annotated[str, typer.Argument(
        help="Source format: maven_crm | salesforce | superstore | xlsx.")],
    source: Annotated[Path, typer.Argument(help="The source folder or file.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Plan folder to write (new or empty).")],
    force: ForceOpt = False,
    model: Annotated[str | None, typer.Option(
        help="salesforce: the Territory2Model to read (Id, DeveloperName or Name).")] = None,
    ote_field: Annotated[str | None, typer.Option(help="salesforce: the User field with the OTE.")] = None,
    hire_date_field: Annotated[str | None, typer.Option(
        help="salesforce: the User field with the hire date.")] = None,
    seniority_field: Annotated[str | None, typer.Option(
        help="salesforce: the User field with the seniority level.")] = None,
    roles: Annotated[str | None, typer.Option(
        help="salesforce: RoleInTerritory2 values that take a seat, comma-separated (default: all).")
    ] = None,
    fiscal_year_start: Annotated[str | None, typer.Option(
        help="Plan year start, YYYY-MM-DD (default: the year after the last booking).")] = None,
) -> None:
    """Turn another format into a plan folder, reporting every derivation made."""
    import inspect

    from quotaplan.importers import IMPORTERS, PLAN_IMPORTERS, ImportReport
    from quotaplan.outsafe import check_folder, write_folder

    def run() -> None:
        importer = IMPORTERS.get(format)
        if importer is None:
            raise UsageError(f"unknown format {format!r}; use one of {', '.join(sorted(IMPORTERS))}")
        if not source.exists():
            raise UsageError(f"source {str(source)!r} does not exist")
        options: dict[str, object] = {k: v for k, v in {
            "model": model, "ote_field": ote_field, "hire_date_field": hire_date_field,
            "seniority_field": seniority_field, "roles": roles}.items() if v is not None}
        if fiscal_year_start is not None:
            try:
                options["fiscal_year_start"] = date.fromisoformat(fiscal_year_start)
            except ValueError:
                raise UsageError(f"--fiscal-year-start {fiscal_year_start!r} is not a date; "
                                 "write YYYY-MM-DD") from None
        accepted = inspect.signature(importer).parameters
        for name in options:
            if name not in accepted:
                raise UsageError(f"--{name.replace('_', '-')} does not apply to {format}")
        check_folder(out_dir, "import", force=force, protect=[source])
        reports: list[ImportReport] = []
        with step(f"Importing {source}"):
            if format in PLAN_IMPORTERS:  # a plan, written by the plan writer
                imported = PLAN_IMPORTERS[format](source, **options)
                reports.append(imported.write(out_dir, force=force, protect=(source,)))
            else:
                # The importer writes into a fresh staging folder, swapped into place once complete.
                write_folder(out_dir, "import",
                             lambda staging: reports.append(importer(source, staging, **options)),
                             force=force, protect=[source])
        result = reports[0]
        table = Table(title=escape(f"Imported {format} into {out_dir}"), show_lines=False)
        table.add_column("what")
        table.add_column("how")
        table.add_column("count", justify="right")
        for d in result.derivations:
            table.add_row(escape(d.what), escape(d.how), "" if d.count is None else f"{d.count:,}")
        out.print(table)
        out.print(", ".join(f"{k}: {v:,}" for k, v in result.counts.items()))
        if result.problems:
            print_problems(result.problems, err)

    guarded(run)


export_app = typer.Typer(help="Write a plan or its build outputs in another tool's format.", no_args_is_help=True, rich_markup_mode=None)  # noqa: E501
app.add_typer(export_app, name="export")


@export_app.command("salesforce")
def export_salesforce(
    source: Annotated[Path, typer.Argument(help="A plan folder (built first) or a build's output folder.")],
    forecast_type: Annotated[str, typer.Option(help="The ForecastingType Id the quotas belong to.")],
    out_file: Annotated[Path, typer.Option("--out", help="The CSV file to write for Data Loader.")],
    period: Annotated[str | None, typer.Option(
        help="The org's forecast period: month | quarter (default: the plan's).")] = None,
    currency: Annotated[str | None, typer.Option(
        help="CurrencyIsoCode for every row (default: the plan's currency; empty for an output folder).")
    ] = None,
    product_family: Annotated[str | None, typer.Option(help="ProductFamily for every row.")] = None,
    force: ForceOpt = False,
) -> None:
    """ForecastingQuota rows (carriers and managers, per period) to load with Data Loader."""
    from quotaplan.interop import salesforce_export as sf
    from quotaplan.outsafe import csv_written_by_quotaplan, write_file

    def run() -> None:
        options = sf.ExportOptions.parse(forecast_type, period, currency, product_family)
        if (source / "plan.toml").is_file():
            quotas = sf.from_build(_build(source))
        elif (source / "quotas.csv").is_file():
            quotas = sf.read_outputs(source)
        else:
            raise UsageError(f"{str(source)!r} is neither a plan folder (plan.toml) nor a build's "
                             "output folder (quotas.csv); pass one of them")
        rows = sf.forecasting_quotas(quotas, options)
        write_file(out_file, "export salesforce", lambda tmp: sf.write_rows(rows, tmp),
                   recognise=csv_written_by_quotaplan(",".join(sf.HEADER)), force=force,
                   protect=[source])
        owners, foreign = sf.owners(rows)
        out.print(f"Wrote {out_file}: {rows.height:,} ForecastingQuota rows for {owners:,} users",
                  markup=False)
        if foreign:
            err.print(f"note: {len(foreign):,} quota owner id(s) are not Salesforce user ids (e.g. "
                      f"{foreign[0]!r}); Data Loader needs user Ids: replace them (a vacant seat by the "
                      "user who fills it) or delete their rows before loading", markup=False)

    guarded(run)


@export_app.command("xlsx")
def export_xlsx(
    source: Annotated[Path, typer.Argument(
        help="A plan folder (built in memory) or a build's output folder.")],
    out_file: Annotated[Path, typer.Option("--out", help="The workbook to write (FILE.xlsx).")],
    plan_sheets: Annotated[bool, typer.Option(
        "--plan-sheets", help="Write the plan's own files instead (a sheet per file and a sheet "
        "plan of settings), the layout `quotaplan import xlsx` reads.")] = False,
    force: ForceOpt = False,
) -> None:
    """Write an Excel workbook: Summary, Sellers, Periods, Accounts, Roll-up and Ledger sheets."""
    from quotaplan.interop.workbook import MAX_DATA_ROWS
    from quotaplan.outsafe import check_file, write_file, xlsx_written_by_quotaplan

    def run() -> None:
        if not source.is_dir():
            raise UsageError(f"{str(source)!r} is not a folder; pass a plan folder or a build's "
                             "output folder")
        if out_file.suffix.lower() != ".xlsx":
            raise UsageError(f"--out {str(out_file)!r} must end in .xlsx (Excel opens a workbook "
                             "by its extension)")
        is_plan = (source / "plan.toml").is_file()
        if not is_plan and (plan_sheets or not (source / "quotas.csv").is_file()):
            raise UsageError(f"{str(source)!r} holds no plan.toml" + (
                "; --plan-sheets needs a plan folder" if plan_sheets else
                " and no quotas.csv; pass a plan folder or the --out folder of `quotaplan build`"))
        protect = [source] if is_plan else []
        check_file(out_file, recognise=xlsx_written_by_quotaplan, force=force, protect=protect)
        sheets: list[str] = []
        if plan_sheets:
            from quotaplan.interop.xlsx_plan import write_plan_sheets

            plan, problems = _load(source)
            if plan is None or has_errors(problems):
                raise PlanInvalid(problems)
            with step(f"Writing {out_file}"):
                write_file(out_file, "export", lambda tmp: sheets.extend(
                    write_plan_sheets(source, tmp)), recognise=xlsx_written_by_quotaplan,
                    force=force, protect=protect)
        else:
            from quotaplan.interop.xlsx_export import (
                tables_from_folder,
                tables_from_result,
                write_workbook,
            )

            tables = tables_from_result(_build(source)) if is_plan else tables_from_folder(source)
            with step(f"Writing {out_file}"):
                write_file(out_file, "export", lambda tmp: sheets.extend(
                    write_workbook(tables, tmp)), recognise=xlsx_written_by_quotaplan,
                    force=force, protect=protect)
        split = [name for name in sheets if name[-1].isdigit() and " " in name]
        out.print(f"Wrote {out_file}: sheets " + ", ".join(sheets), markup=False)
        if split:
            out.print(f"A table longer than a sheet ({MAX_DATA_ROWS:,} rows) continues on "
                      + ", ".join(split), markup=False)

    guarded(run)


@app.command()
def letters(
    plan: PlanArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the letters into.")],
    seller: Annotated[str | None, typer.Option(
        "--seller", help="Only this seller's letter (a quota carrier or a manager).")] = None,
    version_label: Annotated[str | None, typer.Option(
        help="The version the letters are of (default: draft, not yet published).")] = None,
    effective: Annotated[str | None, typer.Option(
        help="The date the quotas take effect, YYYY-MM-DD.")] = None,
    force: ForceOpt = False,
) -> None:
    """Write a quota letter for every carrier and manager: <seller_id>.pdf and <seller_id>.html."""
    from quotaplan.letters import Version, select_letters, write_letters
    from quotaplan.outsafe import check_folder, write_folder

    def run() -> None:
        day = None
        if effective is not None:
            try:
                day = date.fromisoformat(effective)
            except ValueError:
                raise UsageError(f"--effective {effective!r} is not a date; write YYYY-MM-DD"
                                 ) from None
        label = version_label.strip() if version_label is not None else None
        if label == "":
            raise UsageError("--version-label is empty; name the version, or leave the option "
                             "out for a draft")
        check_folder(out_dir, "letters", force=force, protect=[plan])
        result = _build(plan)
        chosen = select_letters(result, Version(label, day), seller)
        notes: list[str] = []
        with step(f"Writing {len(chosen):,} letter(s) to {out_dir}"):
            write_folder(out_dir, "letters", lambda staging: notes.extend(
                write_letters(chosen, staging)), force=force, protect=[plan])
        for note in notes:
            err.print(f"note: {note}", markup=False)
        carriers = sum(1 for letter in chosen if letter.kind == "carrier")
        out.print(f"Wrote {len(chosen):,} quota letter(s) to {out_dir} ({carriers:,} carrier(s), "
                  f"{len(chosen) - carriers:,} manager(s)), each as PDF and HTML", markup=False)

    guarded(run)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to build the demo.")] = Path(
        "quotaplan-demo"),
) -> None:
    """Build the embedded demo plan end to end and show what a planner should look at first."""
    from quotaplan.demo import demo_plan_path
    from quotaplan.outputs import write_outputs
    from quotaplan.outsafe import check_folder, write_folder
    from quotaplan.report.html import render_html
    from quotaplan.report.terminal import render_terminal

    def run() -> None:
        source = demo_plan_path()
        check_folder(out_dir, "demo")
        result = _build(source)
        outputs = out_dir / "outputs"

        def write(staging: Path) -> None:
            write_outputs(result, staging / "outputs")
            (staging / "report.html").write_text(render_html(result), encoding="utf-8")

        with step(f"Writing {out_dir}"):
            write_folder(out_dir, "demo", write)
        for item in render_terminal(result, top=8):
            out.print(item)
        out.print()
        out.print(f"Demo plan:   {source}", markup=False)
        out.print(f"Outputs:     {outputs}/ (account_targets.csv, quotas.csv, gap.csv, rollup.csv, …)",
                  markup=False)
        out.print(f"HTML report: {out_dir / 'report.html'} (open it in a browser)", markup=False)
        riskiest = result.gap.filter(result.gap["risk"] == "high").sort("coverage")
        if riskiest.height:
            sid = riskiest.get_column("seller_id")[0]
            out.print(f"Next:        quotaplan explain {source} {sid}", markup=False)

    guarded(run)


@app.command()
def settings() -> None:
    """Every plan.toml setting with its default and meaning."""
    from quotaplan.settings import settings_table

    table = Table(title="plan.toml settings")
    table.add_column("key")
    table.add_column("default")
    table.add_column("meaning")
    for row in settings_table():
        table.add_row(escape(row.key), escape(row.default), escape(row.help))
    out.print(table)

# --- The store: database, users, roles, tokens --------------------------------------------------------
# Thin: parse, call quotaplan.store.admin (which opens the store, finds the actor and asks the
# policy), print.

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (default: $QUOTAPLAN_DB, else sqlite:///quotaplan.db; for a team: "
    "postgresql+psycopg://USER@HOST/NAME).")]
AsOpt = Annotated[str | None, typer.Option(
    "--as", help="Act as this user of the store (default: the OS user's name).")]


def _sub(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


db_app = _sub("The store's database: bring it to the current schema.")
user_app = _sub("Users of the store and their roles per plan.")
token_app = _sub("API tokens for scripts (shown once, stored hashed).")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@db_app.command("upgrade")
def db_upgrade(db: DbOpt = None) -> None:
    """Create or upgrade the store's tables (one transaction). A database of a newer quotaplan is refused."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url, safe_url

    def run() -> None:
        url = resolve_url(db)
        before, after = admin.db_upgrade(url)
        if before == after:
            out.print(f"{safe_url(url)} is at the current schema ({after})", markup=False)
        else:
            out.print(f"Upgraded {safe_url(url)} from {before or 'an empty database'} to schema {after}",
                      markup=False)

    guarded(run)


def _read_password(path: Path) -> str:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"--password-file {str(path)!r} cannot be read: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
    return text.removesuffix("\n").removesuffix("\r")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The user's name (what --as and sign-in use).")],
    password_file: Annotated[Path, typer.Option(
        "--password-file", help="A file holding the password (its last line feed is dropped); - reads "
        "standard input. Never on the command line, where other users of the machine can see it.")],
    email: Annotated[str | None, typer.Option(help="The user's e-mail address.")] = None,
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Add a user. The store's first user is its admin; after that, only an admin adds users."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        password = _read_password(password_file)
        user, is_admin = admin.add_user(resolve_url(db), name, password, email=email, as_user=as_user)
        out.print(f"Added user {user.name}" + (" (admin: the store's first user)" if is_admin else ""),
                  markup=False)

    guarded(run)


@user_app.command("list")
def user_list(db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The users, whether they are active, and their roles."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        table = Table(title="Users")
        for column in ("user", "email", "active", "roles"):
            table.add_column(column)
        for user, grants in admin.list_users(resolve_url(db), as_user=as_user):
            roles = "; ".join(_grant_text(g) for g in grants) or "-"
            table.add_row(escape(user.name), escape(user.email or ""), "yes" if user.active else "no",
                          escape(roles))
        out.print(table)

    guarded(run)


def _grant_text(grant: Grant) -> str:
    text = grant.role
    if grant.node:
        text += f" of node {grant.node}"
    if grant.seller:
        text += f" (seller {grant.seller})"
    return text + (f" on plan {grant.plan}" if grant.plan else " of the store")


@user_app.command("disable")
def user_disable(
    name: Annotated[str, typer.Argument(help="The user to disable.")],
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Disable a user: they can no longer sign in or act, their tokens stop working; history stays."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        user = admin.disable_user(resolve_url(db), name, as_user=as_user)
        out.print(f"Disabled {user.name}; their API tokens no longer work", markup=False)

    guarded(run)


@user_app.command("grant")
def user_grant(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help="admin | planner | manager | seller | viewer.")],
    plan: Annotated[str | None, typer.Option(help="The plan the role is on (every role but admin).")] = None,
    node: Annotated[str | None, typer.Option(help="A manager's node (territory_id).")] = None,
    seller: Annotated[str | None, typer.Option(
        help="A seller's own seller_id (for a manager: their own seat, whose quota they never change).")
    ] = None,
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Grant a role on a plan (admin: on the whole store). Needs an admin or a planner of that plan."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        grant, added = admin.grant(resolve_url(db), name, role, plan=plan, node=node, seller=seller,
                                   as_user=as_user)
        what = _grant_text(grant)
        out.print(f"Granted {name} {what}" if added else f"{name} is already {what}", markup=False)

    guarded(run)


@app.command("plans")
def plans_cmd(db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The plans in the store that you have a role on."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        stored = admin.list_plans(resolve_url(db), as_user=as_user)
        if not stored:
            out.print("No plans in this store that you have a role on.", markup=False)
            return
        table = Table(title="Plans")
        for column in ("plan", "loaded", "by"):
            table.add_column(column)
        for plan in stored:
            table.add_row(escape(plan.name), plan.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                          escape(plan.created_by))
        out.print(table)

    guarded(run)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Create an API token for a user (themself, or any user for an admin). Printed once: keep it."""
    from quotaplan.store import admin
    from quotaplan.store.db import resolve_url

    def run() -> None:
        token = admin.create_token(resolve_url(db), name, as_user=as_user)
        print(token)  # alone on standard output, for a script to capture
        err.print(f"This token acts as {escape(name)}. It is shown only now: store it safely.")

    guarded(run)


class Goal(StrEnum):
    """What ``quotaplan optimize`` proposes."""

    balance_quotas = "balance-quotas"
    fix_coverage = "fix-coverage"


@app.command()
def optimize(
    plan: PlanArg,
    goal: Annotated[Goal, typer.Option(
        help="balance-quotas: re-split each numbered node's quotas toward its coverage (LP); "
        "fix-coverage: account moves between sibling carriers for high-risk carriers (MILP).")],
    max_change: Annotated[float, typer.Option(
        min=0, help="balance-quotas: each quota within ± this share of its current one.")] = 0.15,
    within: Annotated[str | None, typer.Option(
        help="fix-coverage: moves between any carriers beneath this territory (default: between "
        "carriers under the same parent).")] = None,
    lock: Annotated[Path | None, typer.Option(
        help="fix-coverage: a CSV file with an account_id column; those accounts never move.")
    ] = None,
    time_limit: Annotated[float, typer.Option(
        min=0.01, help="Seconds the optimisation may take in all; the solver stops there "
        "and reports its gap to optimal.")] = 60.0,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Write proposals.csv and optimize.json into this folder.")] = None,
    force: ForceOpt = False,
    top: Annotated[int, typer.Option(min=0, help="How many proposals to show.")] = 15,
) -> None:
    """Propose better quotas or account moves (never applied: a planner reviews them)."""
    from decimal import Decimal
    from fractions import Fraction

    from quotaplan.outsafe import check_folder, write_folder
    from quotaplan.proposals import OptimizeOptions, read_lock_file, write_proposals
    from quotaplan.proposals import optimize as run_goal
    from quotaplan.report.optimize import render_optimisation

    def run() -> None:
        for option, value in (("--max-change", max_change), ("--time-limit", time_limit)):
            if not math.isfinite(value):
                raise UsageError(f"{option} {value} is not a finite number; pass e.g. "
                                 + ("0.15 (±15 %)" if option == "--max-change" else "60 (seconds)"))
        if out_dir is not None:
            check_folder(out_dir, "optimize", force=force, protect=[plan])
        result = _build(plan)
        accounts = frozenset(result.plan.accounts.get_column("account_id").to_list())
        locked = read_lock_file(lock, accounts) if lock is not None else frozenset()
        options = OptimizeOptions(goal=goal.value, max_change=Fraction(Decimal(repr(max_change))),
                                  within=within, locked=locked, time_limit=time_limit)
        with step(f"Optimising ({goal.value})"):
            optimisation = run_goal(result, options)
        if out_dir is not None:
            with step(f"Writing {out_dir}"):
                write_folder(out_dir, "optimize", lambda staging: write_proposals(
                    optimisation, staging), force=force, protect=[plan])
        for item in render_optimisation(optimisation, top=top):
            out.print(item)
        if out_dir is not None:
            out.print(f"Wrote {out_dir}: proposals.csv, optimize.json", markup=False)

    guarded(run)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: never a traceback for user errors; a short note for bugs."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug in quotaplan, not in the plan
        if os.environ.get("QUOTAPLAN_DEBUG"):
            raise
        err.print(f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
                  "This is a bug in quotaplan, not in your plan. Set QUOTAPLAN_DEBUG=1 to see the "
                  "traceback and report it.")
        sys.exit(EXIT_BUG)


if __name__ == "__main__":
    main()
