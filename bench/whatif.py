"""The quota step and what-ifs on one plan, timed in one process (warm, after reading once).

Usage::

    python bench/whatif.py [PLAN] [--runs 7] [--whatifs 20] [--check 1] [--seed 7]

PLAN defaults to ``bench/work/plan-1000000`` (make it with ``bench/run.py``). It reads the plan once,
builds the hierarchy and the account targets as ``quotaplan build`` does, then reports:

- ``compute_quotas``: the median and fastest of ``--runs`` calls (seconds);
- what-if: a full build through a :class:`quotaplan.pipeline.Pipeline`, a
  :class:`quotaplan.whatif.WhatIf` over it (its construction time), then
  ``--whatifs`` what-ifs on sellers drawn with ``--seed`` (each adding a +5 % rate and a 1,000.00
  amount to the seller's own adjustments); the median and slowest (milliseconds) against SPEC's
  100 ms. ``--check N`` compares the first N what-ifs with a full rebuild of the changed plan
  (every table, the summary and the seller's ledger) and fails when one differs.

Timings mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from quotaplan.build import BuildResult, build
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.ledger import ManualLine
from quotaplan.core.quotas import compute_quotas
from quotaplan.core.targets import compute_targets
from quotaplan.edits import set_adjustments
from quotaplan.pipeline import Pipeline
from quotaplan.whatif import WhatIf
from timedread import read_timed

HERE = Path(__file__).resolve().parent
DEFAULT_PLAN = HERE / "work" / "plan-1000000"
LIMIT_MS = 100.0
TABLES = ("account_targets", "quotas", "quota_periods", "gap", "rollup")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", nargs="?", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--runs", type=int, default=7, help="compute_quotas calls (default 7)")
    parser.add_argument("--whatifs", type=int, default=20, help="what-ifs timed (default 20)")
    parser.add_argument("--check", type=int, default=1,
                        help="what-ifs compared with a full rebuild (default 1)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    plan = read_timed(args.plan)
    if plan is None:
        return 1
    hierarchy = build_hierarchy(plan)
    targets = compute_targets(plan, hierarchy)
    carriers = hierarchy.carriers.select("territory_id", "seller_id")
    accounts = targets.accounts.join(carriers, on="territory_id", how="left").sort("account_id")
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        quota_result = compute_quotas(plan, hierarchy, accounts)
        times.append(time.perf_counter() - started)
    print(f"compute_quotas ({quota_result.quotas.height} carriers, {accounts.height} accounts): "
          f"median {statistics.median(times):.3f} s, fastest {min(times):.3f} s "
          f"over {args.runs} runs")

    started = time.perf_counter()
    pipeline = Pipeline()
    result = pipeline.build(plan)
    print(f"build: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    whatif = WhatIf(result, pipeline)
    print(f"WhatIf index: {time.perf_counter() - started:.2f} s")
    sellers = sorted(quota_result.inputs)
    chosen = random.Random(args.seed).sample(sellers, min(args.whatifs, len(sellers)))
    lines_in_file = plan.adjustments.get_column("line").drop_nulls().to_list()
    last = max(lines_in_file, default=1)
    took: list[float] = []
    failed = 0
    for n, seller in enumerate(chosen):
        lines = (*quota_result.inputs[seller].manual,
                 ManualLine(last + 1, Decimal("0.05"), None, "what-if rate", "bench"),
                 ManualLine(last + 2, None, 100_000, "what-if amount", "bench"))
        started = time.perf_counter()
        changed = whatif.with_adjustments(seller, lines)
        took.append((time.perf_counter() - started) * 1000)
        if n < args.check:
            same = _same(changed, build(set_adjustments(plan, seller, lines)), seller)
            print(f"  {seller}: what-if equals a full rebuild: {'yes' if same else 'NO'}")
            failed += not same
    median = statistics.median(took)
    verdict = "within" if median <= LIMIT_MS else "OVER"
    print(f"what-if: median {median:.1f} ms, slowest {max(took):.1f} ms over {len(took)} "
          f"sellers ({verdict} SPEC's {LIMIT_MS:.0f} ms)")
    return 1 if failed else 0


def _same(got: BuildResult, want: BuildResult, seller: str) -> bool:
    for name in TABLES:
        if not getattr(got, name).equals(getattr(want, name)):
            print(f"    {name} differs")
            return False
    return got.summary == want.summary and got.ledgers[seller] == want.ledgers[seller]


if __name__ == "__main__":
    sys.exit(main())
