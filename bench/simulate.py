"""The attainment simulation at scale, timed in one process: SPEC's 10,000 runs for 5,000
carriers and a million accounts in at most 30 s on 2 cores.

Usage::

    python bench/simulate.py [--accounts 1000000] [--sellers 5000] [--runs 10000] [--seed 1]
                             [--plan PLAN] [--work bench/work]

Without ``--plan`` it uses ``WORK/sim-plan-ACCOUNTS-SELLERS``, made once with ``quotaplan generate
--accounts ACCOUNTS --sellers SELLERS`` (three years of bookings, so the back-test and its own
accuracy both have history). It then times, in this process, each step ``quotaplan simulate``
takes: reading and building the plan, the back-test (targets one year back against last year's
bookings), the Monte Carlo of ``--runs`` runs over every carrier, the back-test's accuracy (last
year's simulation, :data:`quotaplan.core.simulate.ACCURACY_RUNS` runs) and writing
simulation.csv / simulation.json to ``WORK/sim-out``. It prints each step's wall time, the
simulation's total (back-test + Monte Carlo + accuracy) against SPEC's 30 s, the draws made one
by one per run, each step's CPU time (all threads; on a busy machine the wall time is longer than
the work), the process's peak resident memory (``resource.getrusage``) and the load average.
Wall times mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
LIMIT_S = 30.0


def _generate(folder: Path, accounts: int, sellers: int) -> None:
    if (folder / "plan.toml").exists():
        return
    command = [str(Path(sys.executable).with_name("quotaplan")), "generate", "--accounts",
               str(accounts), "--sellers", str(sellers), "--out", str(folder)]
    print("generating:", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--sellers", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plan", type=Path, default=None, help="an existing plan folder")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    args = parser.parse_args(argv)

    folder = args.plan or args.work / f"sim-plan-{args.accounts}-{args.sellers}"
    if args.plan is None:
        _generate(folder, args.accounts, args.sellers)

    from quotaplan.build import build
    from quotaplan.core.hierarchy import build_hierarchy
    from quotaplan.core.simulate import (
        ACCURACY_RUNS,
        accuracy,
        backtest,
        simulate_quotas,
        summarise,
        with_carriers,
    )
    from quotaplan.planfolder.read import read_plan
    from quotaplan.simulation import write_simulation

    steps: dict[str, float] = {}
    began = time.perf_counter()
    cpu = [time.process_time()]

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        steps[name] = now - since
        used, cpu[0] = time.process_time() - cpu[0], time.process_time()
        print(f"{name:<40} {steps[name]:7.2f} s wall {used:7.2f} s CPU", flush=True)
        return now

    mark = time.perf_counter()
    plan, _ = read_plan(folder)
    if plan is None:
        print(f"{folder}: the plan has errors", file=sys.stderr)
        return 1
    result = build(plan)
    mark = lap("read + build", mark)
    hierarchy = build_hierarchy(plan)
    bt = backtest(plan, hierarchy)
    mark = lap("back-test", mark)
    targets = with_carriers(result.account_targets, hierarchy)
    run = simulate_quotas(targets, result.quotas, bt, runs=args.runs, seed=args.seed)
    mark = lap(f"Monte Carlo ({args.runs:,} runs)", mark)
    accurate = accuracy(bt, seed=args.seed)
    mark = lap(f"accuracy ({ACCURACY_RUNS:,} runs, one year back)", mark)
    sim = summarise(bt, run, accurate, topdown=result.summary.get("topdown"), runs=args.runs,
                    seed=args.seed)
    write_simulation(sim, args.work / "sim-out", force=True)
    lap("write simulation.csv / .json", mark)
    total = sum(steps.values())
    simulation = sum(v for k, v in steps.items() if k != "read + build" and not k.startswith("write"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    carriers_n = run.carriers.height
    accounts_n = targets.filter(pl.col("seller_id").is_not_null()).height
    print(f"plan: {plan.accounts.height:,} accounts ({accounts_n:,} in books), {carriers_n:,} carriers,"
          f" {plan.bookings.height:,} booking rows")
    print(f"draws one by one per run: {run.outcome.individual:,} (the rest of each book in aggregate)")
    print(f"simulation (back-test + Monte Carlo + accuracy): {simulation:.1f} s "
          f"({'within' if simulation <= LIMIT_S else 'OVER'} SPEC's {LIMIT_S:.0f} s); "
          f"with reading, building and writing: {total:.1f} s; "
          f"process wall {time.perf_counter() - began:.1f} s")
    print(f"peak resident memory: {peak:,.0f} MiB; load average over the last minute "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times need an idle machine)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
