"""Reading a plan once for an in-process benchmark, the time it took printed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan


def read_timed(path: Path) -> Plan | None:
    """The plan folder at ``path``, read (the time printed), or ``None`` (said on stderr) when it
    has errors."""
    started = time.perf_counter()
    plan, _ = read_plan(path)
    if plan is None:
        print(f"{path}: the plan has errors", file=sys.stderr)
        return None
    print(f"read {path.name}: {time.perf_counter() - started:.1f} s "
          f"({plan.accounts.height} accounts, {plan.sellers.height} sellers)")
    return plan
