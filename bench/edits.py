"""Each kind of edit, built through a kept pipeline, timed on one plan in one process.

Usage::

    python bench/edits.py [PLAN] [--runs 5] [--seed 7] [--check 1]

PLAN defaults to ``bench/work/plan-1000000`` (make it with ``bench/run.py``, or
``quotaplan generate --accounts 1000000 --sellers 5000 --out PLAN``). It reads the plan once, builds
it through a fresh :class:`quotaplan.pipeline.Pipeline` (the full build: what ``quotaplan build``
computes, without reading and writing files), then for each kind of edit of
:mod:`quotaplan.edits` makes ``--runs`` edits in a row on ids drawn with ``--seed``, each applied to
the plan of the previous one and built through the same pipeline, and reports the median and
slowest time of making the edited plan (the edit) and of building it (the build), in milliseconds:

- ``adjustment``: a 1,000.00 amount line added for a carrier (SPEC: ≤ 100 ms);
- ``override``: an account's target override set;
- ``topdown``: a numbered node's number raised by 1 %;
- ``seller ote`` and ``seller hire_date``: a carrier's OTE, or hire date, changed;
- ``move``: an account moved to another leaf.

``--check N`` compares, for each kind, the last N edited plans' builds with a fresh pipeline's build
of the same plan (every table and the summary) and fails when one differs; each check is a full
build. Timings mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import polars as pl

from quotaplan import edits
from quotaplan.build import BuildResult
from quotaplan.pipeline import Pipeline
from quotaplan.plan import Plan
from timedread import read_timed

HERE = Path(__file__).resolve().parent
DEFAULT_PLAN = HERE / "work" / "plan-1000000"
LIMIT_MS = 100.0
TABLES = ("account_targets", "quotas", "quota_periods", "gap", "rollup")

Edit = Callable[[Plan, random.Random], Plan]


def _kinds(plan: Plan, result: BuildResult) -> dict[str, Edit]:
    carriers = sorted(result.quotas.get_column("seller_id").to_list())
    accounts = plan.accounts.get_column("account_id").to_list()
    parents = set(plan.territories.get_column("parent_id").drop_nulls().to_list())
    leaves = sorted(set(plan.territories.get_column("territory_id").to_list()) - parents)
    start = plan.settings.plan.fiscal_year_start

    def topdown(p: Plan, rng: random.Random) -> Plan:
        node, amount = rng.choice(sorted(p.topdown.select("territory_id", "amount").iter_rows()))
        return edits.set_topdown(p, node, amount + amount // 100)

    return {
        "adjustment": lambda p, rng: edits.add_adjustment(
            p, rng.choice(carriers), amount=100_000, reason="bench"),
        "override": lambda p, rng: edits.set_override(
            p, rng.choice(accounts), rng.randrange(1_000_000, 100_000_000), "bench"),
        "topdown": topdown,
        "seller ote": lambda p, rng: edits.change_seller(
            p, rng.choice(carriers), ote=rng.randrange(10_000_000, 30_000_000)),
        "seller hire_date": lambda p, rng: edits.change_seller(
            p, rng.choice(carriers), hire_date=start + timedelta(days=rng.randrange(-200, 200))),
        "move": lambda p, rng: edits.move_account(p, rng.choice(accounts), rng.choice(leaves)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--runs", type=int, default=5, help="edits of each kind (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--check", type=int, default=1,
                        help="edits of each kind compared with a fresh build (default 1)")
    args = parser.parse_args(argv)

    plan = read_timed(args.plan)
    if plan is None:
        return 1
    pipeline = Pipeline()
    started = time.perf_counter()
    result = pipeline.build(plan)
    print(f"full build: {time.perf_counter() - started:.2f} s")
    rng = random.Random(args.seed)
    failed = 0
    print(f"{'edit':<18}{'edit ms':>10}{'build ms (median)':>20}{'slowest':>10}  stages run")
    for kind, edit in _kinds(plan, result).items():
        made: list[float] = []
        built: list[float] = []
        current = plan
        for n in range(args.runs):
            started = time.perf_counter()
            edited = edit(current, rng)
            made.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            got = pipeline.build(edited)
            built.append((time.perf_counter() - started) * 1000)
            stages = list(pipeline.memo.ran)
            if n >= args.runs - args.check:
                same = _same(got, Pipeline().build(edited))
                failed += not same
                if not same:
                    print(f"  {kind}: the kept pipeline's build differs from a fresh build")
            current = edited
        median = statistics.median(built)
        note = ""
        if kind == "adjustment":
            note = f"  ({'within' if median <= LIMIT_MS else 'OVER'} SPEC's {LIMIT_MS:.0f} ms)"
        print(f"{kind:<18}{statistics.median(made):>10.1f}{median:>20.1f}{max(built):>10.1f}  "
              f"{', '.join(stages)}{note}")
        pipeline.build(plan)  # the next kind starts from the plan as read
    if args.check:
        print(f"checked against a fresh build: {'all equal' if not failed else f'{failed} differ'}")
    return 1 if failed else 0


def _same(got: BuildResult, want: BuildResult) -> bool:
    tables = all(isinstance(getattr(got, n), pl.DataFrame) and getattr(got, n).equals(
        getattr(want, n)) for n in TABLES)
    return tables and got.summary == want.summary


if __name__ == "__main__":
    sys.exit(main())
