"""Commands that write for other tools: export salesforce, export xlsx, and quota letters.

``export_app`` holds the ``export`` sub-commands; :mod:`quotaplan.cli` adds it and ``letters`` to
the app, in the order of ``quotaplan --help``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from quotaplan.build import BuildResult
from quotaplan.cli.common import (
    AsOpt,
    DbOpt,
    ForceOpt,
    PlanArg,
    ScenarioOpt,
    Stored,
    StoreOpt,
    _build,
    _load,
    err,
    guarded,
    out,
    step,
)
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.problems import has_errors

export_app = typer.Typer(help="Write a plan or its build outputs in another tool's format.", no_args_is_help=True, rich_markup_mode=None)  # noqa: E501


@export_app.command("folder")
def export_folder(
    plan: Annotated[str, typer.Argument(help="The stored plan's name (`quotaplan plans`).")],
    out_dir: Annotated[Path, typer.Option("--out", help="The plan folder to write.")],
    scenario: Annotated[str, typer.Option("--scenario", help="The scenario (default: baseline).")
                        ] = "baseline",
    as_of: Annotated[int | None, typer.Option(
        "--as-of", help="The state at this seq (default: the scenario's head; 0: as loaded).")] = None,
    force: ForceOpt = False,
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Write a stored plan's state as a plan folder (it builds to the store's own figures)."""
    from quotaplan.workspace import Workspace

    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            opened = ws.open(plan, scenario, as_of=as_of)
            ws.export_folder(plan, scenario, out_dir, as_of=opened.seq, force=force)
        out.print(f"Wrote {out_dir}: plan {plan}, scenario {scenario} at seq {opened.seq}",
                  markup=False)

    guarded(run)


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
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """ForecastingQuota rows (carriers and managers, per period) to load with Data Loader."""
    from quotaplan.interop import salesforce_export as sf
    from quotaplan.outsafe import csv_written_by_quotaplan, write_file

    def run() -> None:
        options = sf.ExportOptions.parse(forecast_type, period, currency, product_family)
        stored = Stored(db, scenario, as_user)
        if stored.names(source):
            quotas = sf.from_build(stored.result(source))
        elif (source / "plan.toml").is_file():
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
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """Write an Excel workbook: Summary, Sellers, Periods, Accounts, Roll-up and Ledger sheets."""
    from quotaplan.interop.xlsx_export import tables_from_folder, tables_from_result
    from quotaplan.outsafe import check_file, write_file, xlsx_written_by_quotaplan

    def run() -> None:
        if out_file.suffix.lower() != ".xlsx":
            raise UsageError(f"--out {str(out_file)!r} must end in .xlsx (Excel opens a workbook "
                             "by its extension)")
        stored = Stored(db, scenario, as_user)
        if stored.names(source):
            if plan_sheets:
                raise UsageError("--plan-sheets writes a plan folder's files: for a stored plan, "
                                 "`quotaplan export folder` writes them")
            _workbook(tables_from_result(stored.result(source)), out_file, force)
            return
        if not source.is_dir():
            raise UsageError(f"{str(source)!r} is not a folder; pass a plan folder or a build's "
                             "output folder")
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
            _said(out_file, sheets)
        else:
            tables = tables_from_result(_build(source)) if is_plan else tables_from_folder(source)
            _workbook(tables, out_file, force, protect)

    guarded(run)


def _workbook(tables: Any, out_file: Path, force: bool, protect: Sequence[Path] = ()) -> None:
    from quotaplan.interop.xlsx_export import write_workbook
    from quotaplan.outsafe import write_file, xlsx_written_by_quotaplan

    sheets: list[str] = []
    with step(f"Writing {out_file}"):
        write_file(out_file, "export", lambda tmp: sheets.extend(write_workbook(tables, tmp)),
                   recognise=xlsx_written_by_quotaplan, force=force, protect=protect)
    _said(out_file, sheets)


def _said(out_file: Path, sheets: list[str]) -> None:
    from quotaplan.interop.workbook import MAX_DATA_ROWS

    split = [name for name in sheets if name[-1].isdigit() and " " in name]
    out.print(f"Wrote {out_file}: sheets " + ", ".join(sheets), markup=False)
    if split:
        out.print(f"A table longer than a sheet ({MAX_DATA_ROWS:,} rows) continues on "
                  + ", ".join(split), markup=False)


def _published(stored: Stored, plan: Path, number: int | None, label: str | None,
               day: date | None) -> tuple[BuildResult, str, date]:
    """A stored plan's letters are of a published version (the latest unless ``number``)."""
    from quotaplan.workspace import Workspace

    with Workspace(stored.db, as_user=stored.as_user) as ws:
        if not ws.versions(str(plan)):
            raise UsageError(f"plan {plan} has no published version: a seller's quota letter is "
                             "always of a published version (`quotaplan publish`)")
        found, result = ws.version_result(str(plan), number)
    start = result.plan.settings.plan.fiscal_year_start
    return result, label or f"version {found.number}", day or found.effective or start


def letters(
    plan: PlanArg,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the letters into.")],
    seller: Annotated[str | None, typer.Option(
        "--seller", help="Only this seller's letter (a quota carrier or a manager).")] = None,
    version_label: Annotated[str | None, typer.Option(
        help="The version the letters are of (default: draft, not yet published; of a stored "
        "plan: its published version's number).")] = None,
    version: Annotated[int | None, typer.Option(
        "--version", help="Of a stored plan: the published version (default: the latest).")] = None,
    effective: Annotated[str | None, typer.Option(
        help="The date the quotas take effect, YYYY-MM-DD.")] = None,
    force: ForceOpt = False,
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
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
        stored = Stored(db, scenario, as_user)
        if stored.names(plan):
            result, label, day = _published(stored, plan, version, label, day)
        else:
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
