"""Commands on a plan folder: validate, build, report, explain, generate, import, demo, settings.

Registered on the app, in the order of ``quotaplan --help``, by :mod:`quotaplan.cli`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from quotaplan.cli.common import (
    EXIT_PLAN,
    AllOption,
    AsOpt,
    ForceOpt,
    PlanArg,
    ScenarioOpt,
    Stored,
    StoreOpt,
    _build,
    _write_html,
    check_html,
    err,
    guarded,
    out,
    print_problems,
    step,
)

if TYPE_CHECKING:
    from quotaplan.workspace import Opened

from quotaplan.errors import UsageError
from quotaplan.problems import has_errors, listing_every_problem


def validate(plan: PlanArg, every: AllOption = False) -> None:
    """Check a plan folder and list every problem (file, line, column). Exit 0 valid, 1 errors."""
    from quotaplan.workspace.folders import check_folder

    def run() -> None:
        with step(f"Checking {plan}"):
            _, _, problems = check_folder(plan)
        if problems:
            print_problems(problems, out)
        if has_errors(problems):
            raise typer.Exit(EXIT_PLAN)
        out.print(f"{plan}: the plan is valid" + (" (with warnings)" if problems else ""),
                  markup=False)

    with listing_every_problem(every):
        guarded(run)


def build_cmd(
    plan: PlanArg,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Output folder: new, empty, or an earlier build's output (replaced on success).")],
    html: Annotated[Path | None, typer.Option(help="Also write the HTML report here.")] = None,
    every: AllOption = False,
    force: ForceOpt = False,
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """Validate, compute and write account_targets, quotas, periods, gap, rollup and summary."""
    from quotaplan.outputs import write_outputs
    from quotaplan.outsafe import check_folder

    def run() -> None:
        # Refuse a bad --out or --html before the work, not after it.
        check_folder(out_dir, "build", force=force, protect=[plan])
        check_html(html, force=force, protect=[plan])
        result = _build(plan, Stored(db, scenario, as_user))
        with step(f"Writing {out_dir}"):
            write_outputs(result, out_dir, force=force, protect=[plan])
        _write_html(result, html, force=force, protect=[plan])
        if result.problems:
            print_problems(result.problems, err)
        out.print(f"Wrote {out_dir}: " + ", ".join(
            ["account_targets.csv", "quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv",
             "summary.json"]), markup=False)

    with listing_every_problem(every):
        guarded(run)


def report(
    plan: PlanArg,
    html: Annotated[Path | None, typer.Option(help="Write one self-contained HTML report here.")] = None,
    top: Annotated[int, typer.Option(min=1, help="How many riskiest sellers and gaps to list.")] = 10,
    every: AllOption = False,
    force: ForceOpt = False,
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """Headline figures, the riskiest sellers and the largest strategic gaps."""
    from quotaplan.report.terminal import render_terminal

    def run() -> None:
        check_html(html, force=force, protect=[plan])
        result = _build(plan, Stored(db, scenario, as_user))
        for item in render_terminal(result, top=top):
            out.print(item)
        _write_html(result, html, force=force, protect=[plan], say=True)

    with listing_every_problem(every):
        guarded(run)


def explain(
    plan: PlanArg,
    seller_id: Annotated[str, typer.Argument(
        help="The seller's id in sellers.csv: a quota carrier or a manager.")],
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """One seller's quota line by line (base → adjustments → periods → final) and their book; for
    a manager, their rolled-up quota child by child. Of a stored plan: with the event behind each
    line (who, when, why)."""
    from quotaplan.core.explain import NodeExplanation
    from quotaplan.report.explain import render_explanation, render_node_explanation
    from quotaplan.workspace.explaining import explain as explained_quota

    def run() -> None:
        stored = Stored(db, scenario, as_user)
        opened = stored.open(plan) if stored.names(plan) else None
        result = opened.result if opened is not None else _build(plan)
        currency = result.plan.settings.plan.currency
        explanation = (explained_quota(result, seller_id) if opened is None else explained_quota(
            result, seller_id, hint=f"`quotaplan report {plan} --scenario {scenario}` lists the "
            "sellers"))
        if isinstance(explanation, NodeExplanation):
            for item in render_node_explanation(explanation, currency):
                out.print(item)
            return
        for item in render_explanation(explanation, currency):
            out.print(item)
        if opened is not None:
            out.print(provenance_table(opened, seller_id))

    guarded(run)


def provenance_table(opened: Opened, seller_id: str) -> Table:
    """The event behind each line of a stored seller's quota (or "as loaded")."""
    from quotaplan.workspace.provenance import provenance

    table = Table("Step", "seq", "When (UTC)", "Who", "Change", "Why", box=None,
                  title=f"Where each line comes from: plan {opened.plan_name}, scenario "
                  f"{opened.scenario.name} at seq {opened.seq}", title_justify="left")
    for t in provenance(opened.state, opened.events, opened.result.account_targets, seller_id):
        e = t.event
        table.add_row(t.step, str(e.seq) if e else "—", f"{e.at:%Y-%m-%d %H:%M}" if e else "",
                      escape(e.actor) if e else "", escape((f"{e.kind} " if e else "") + t.detail),
                      escape(e.reason or "") if e else "")
    return table


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
