"""What every command shares: the app, the consoles, exit codes, options and the build helpers.

Exit codes: 0 success (warnings allowed), 1 the plan has errors (or a seller is unknown),
2 usage errors (bad options, a PLAN path that does not exist). User errors never print a traceback.
Errors map to exit codes here only (:func:`exit_code`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from quotaplan.build import BuildResult
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
from quotaplan.problems import Problem, counts

if TYPE_CHECKING:
    from quotaplan.core.simulate import SimulationResult
    from quotaplan.workspace import Opened

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


@dataclass(frozen=True)
class Stored:
    """Where a command's PLAN may be a stored plan's name: ``--db`` given (then PLAN is one),
    or PLAN is no folder and the default store (``$QUOTAPLAN_DB``, else ``quotaplan.db`` here)
    exists."""

    db: str | None = None
    scenario: str = "baseline"
    as_user: str | None = None

    def names(self, plan: Path) -> bool:
        if self.db is not None:
            return True
        if plan.exists():
            return False
        return bool(os.environ.get("QUOTAPLAN_DB")) or Path("quotaplan.db").is_file()

    def result(self, plan: Path) -> BuildResult:
        return self.open(plan).result

    def open(self, plan: Path) -> Opened:
        from quotaplan.workspace import Workspace

        with step(f"Opening {plan} ({self.scenario}) from the store"), \
                Workspace(self.db, as_user=self.as_user) as ws:
            return ws.open(str(plan), self.scenario)


def _build(folder: Path, stored: Stored | None = None) -> BuildResult:
    """Read, check and compute; PlanInvalid carries every problem when anything is wrong. With
    ``stored`` and a stored plan's name: that plan's scenario, from the store."""
    from quotaplan.workspace.folders import build_folder

    if stored is not None and stored.names(folder):
        return stored.result(folder)
    with step(f"Reading and computing {folder}"):
        return build_folder(folder)


def guarded(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except QuotaplanError as exc:
        fail(exc)


def check_html(html: Path | None, *, force: bool, protect: Sequence[Path]) -> None:
    """Refuse a bad ``--html`` before the work, not after it (nothing when it is not given)."""
    from quotaplan.outsafe import check_file, html_written_by_quotaplan

    if html is not None:
        check_file(html, recognise=html_written_by_quotaplan, force=force, protect=protect,
                   option="--html")


def _write_html(result: BuildResult, path: Path | None, *, force: bool, protect: Sequence[Path],
                simulation: SimulationResult | None = None, say: bool = False) -> None:
    """Write the HTML report to ``path`` (nothing when it is not given); ``say``: print where."""
    from quotaplan.outsafe import html_written_by_quotaplan, write_file
    from quotaplan.report.html import render_html

    if path is None:
        return
    page = render_html(result, simulation=simulation)
    write_file(path, "report", lambda tmp: tmp.write_text(page, encoding="utf-8"),
               recognise=html_written_by_quotaplan, force=force, protect=protect, option="--html")
    if say:
        out.print(f"HTML report: {path}", markup=False)


# The store's options, shared by every command on a store.
DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (default: $QUOTAPLAN_DB, else sqlite:///quotaplan.db; for a team: "
    "postgresql+psycopg://USER@HOST/NAME).")]
AsOpt = Annotated[str | None, typer.Option(
    "--as", help="Act as this user of the store (default: the OS user's name).")]
StoreOpt = Annotated[str | None, typer.Option(
    "--db", help="Read PLAN from this store (PLAN is then a stored plan's name; default: a folder, "
    "else $QUOTAPLAN_DB or ./quotaplan.db when PLAN is no folder).")]
ScenarioOpt = Annotated[str, typer.Option(
    "--scenario", help="The stored plan's scenario (default: baseline).")]
