"""Commands that look ahead from a built plan: simulate (will the quotas be hit?) and optimize
(proposals a planner reviews).

Registered on the app, in the order of ``quotaplan --help``, by :mod:`quotaplan.cli`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from quotaplan.cli.common import (
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
from quotaplan.errors import UsageError
from quotaplan.problems import listing_every_problem


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
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
) -> None:
    """Will these quotas be hit? Back-test last year, then simulate every seller's attainment."""
    from quotaplan.outsafe import check_folder
    from quotaplan.report.simulation import render_simulation
    from quotaplan.simulation import run_simulation, write_simulation

    def run() -> None:
        if out_dir is not None:
            check_folder(out_dir, "simulate", force=force, protect=[plan])
        check_html(html, force=force, protect=[plan])
        result = _build(plan, Stored(db, scenario, as_user))
        if result.problems:
            print_problems(result.problems, err)
        with step(f"Back-testing and simulating {runs:,} runs"):
            sim = run_simulation(result, runs=runs, seed=seed)
        for item in render_simulation(sim):
            out.print(item)
        if out_dir is not None:
            write_simulation(sim, out_dir, force=force, protect=[plan])
            out.print(f"Wrote {out_dir}: simulation.csv, simulation.json", markup=False)
        _write_html(result, html, force=force, protect=[plan], simulation=sim, say=True)

    with listing_every_problem(every):
        guarded(run)


class Goal(StrEnum):
    """What ``quotaplan optimize`` proposes."""

    balance_quotas = "balance-quotas"
    fix_coverage = "fix-coverage"


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
    db: StoreOpt = None,
    scenario: ScenarioOpt = "baseline",
    as_user: AsOpt = None,
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
        result = _build(plan, Stored(db, scenario, as_user))
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
