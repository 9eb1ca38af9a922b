"""Both optimisation goals on one generated plan, timed in one process (after one build).

Usage::

    python bench/optimize.py [PLAN] [--time-limit 60] [--within NODE] [--report FILE]

PLAN defaults to ``bench/work/plan-1000000`` (1,000,000 accounts, 5,000 carriers; generated with
``quotaplan generate --accounts 1000000 --sellers 5000 --bookings-per-account 10`` when absent, as
``bench/run.py`` does). The plan is read and built once; then ``balance-quotas`` and
``fix-coverage`` (``--within`` passed on to it) each run with ``--time-limit`` seconds for the
solver, as ``quotaplan optimize`` does. For each goal it prints the wall time of the whole step
(candidates, programs, solves, proposals) and its CPU time (on a shared machine the two differ),
the solver's own seconds, its status and gap to
optimal (the largest, and by objective), the number of programs and proposals, and the
high-risk sellers before and after.
Everything also goes to ``--report`` (default ``bench/work/optimize.json``). Exit code 1 when a
goal's step took longer than its time limit.

Timings mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from quotaplan.build import build
from quotaplan.planfolder.read import read_plan
from quotaplan.proposals import OptimizeOptions, optimize

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
DEFAULT_PLAN = WORK / "plan-1000000"


def _generate(plan: Path) -> None:
    quotaplan = Path(sys.executable).with_name("quotaplan")
    print(f"generating {plan} (1,000,000 accounts, 5,000 carriers)")
    subprocess.run([str(quotaplan), "generate", "--accounts", "1000000", "--sellers", "5000",
                    "--bookings-per-account", "10", "--out", str(plan)], check=True)


def _goal(result: Any, goal: str, time_limit: float, within: str | None) -> dict[str, Any]:
    options = OptimizeOptions(goal=goal, time_limit=time_limit,
                              within=within if goal == "fix-coverage" else None)
    started, cpu = time.perf_counter(), time.process_time()
    proposed = optimize(result, options)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    headline = proposed.headline
    solver = headline["solver"]
    return {
        "goal": goal,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "time_limit_s": time_limit,
        "within_limit": wall <= time_limit,
        "solver_s": solver["seconds"],
        "status": solver["status"],
        "gap": solver["gap"],
        "gaps": solver["gaps"],
        "programs": solver["programs"],
        "unsolved": solver["unsolved"],
        "proposals": proposed.proposals.height,
        "high_before": headline["before"]["sellers_by_risk"]["high"],
        "high_after": headline["after"]["sellers_by_risk"]["high"],
        "extra": {k: v for k, v in headline.items()
                  if k in ("fixed", "candidates", "groups", "nodes", "largest_deviation_before",
                           "largest_deviation_after")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--within", default=None, help="fix-coverage: trade within this node")
    parser.add_argument("--report", type=Path, default=WORK / "optimize.json",
                        help="where the figures go as JSON")
    args = parser.parse_args(argv)
    if not (args.plan / "plan.toml").exists():
        if args.plan != DEFAULT_PLAN:
            print(f"{args.plan}: no plan.toml", file=sys.stderr)
            return 2
        _generate(args.plan)

    started = time.perf_counter()
    plan, _ = read_plan(args.plan)
    if plan is None:
        print(f"{args.plan}: the plan has errors", file=sys.stderr)
        return 1
    result = build(plan)
    built = time.perf_counter() - started
    carriers = result.quotas.height
    print(f"read and built {args.plan.name}: {plan.accounts.height:,} accounts, "
          f"{carriers:,} carriers, {built:.1f} s")
    rows = [_goal(result, goal, args.time_limit, args.within)
            for goal in ("balance-quotas", "fix-coverage")]
    print(f"{'goal':<16}{'wall s':>8}{'solver s':>10}{'status':>13}{'gap':>10}{'programs':>10}"
          f"{'proposals':>11}{'high before→after':>20}")
    for r in rows:
        gap = "—" if r["gap"] is None else f"{r['gap']:.2e}"
        print(f"{r['goal']:<16}{r['wall_s']:>8.2f}{r['solver_s']:>10.2f}{r['status']:>13}"
              f"{gap:>10}{r['programs']:>10}{r['proposals']:>11}"
              f"{str(r['high_before']) + ' → ' + str(r['high_after']):>20}")
        print(f"{'':<16}cpu {r['cpu_s']:.2f} s; programs without an answer: {r['unsolved']}; "
              f"gap by objective: {r['gaps']}; {r['extra']}")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    report = {"plan": str(args.plan), "accounts": plan.accounts.height, "carriers": carriers,
              "build_s": round(built, 2), "goals": rows, "machine": platform.platform(),
              "python": platform.python_version()}
    args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    over = [r["goal"] for r in rows if not r["within_limit"]]
    if over:
        print(f"over the time limit: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
