"""The scale benchmark: ``quotaplan validate``, ``quotaplan build`` and the floor, as whole processes.

Usage::

    python bench/run.py [--sizes 100000,300000,1000000] [--runs 3] [--work DIR] [--plan PATH ...]

For each size N (accounts) it generates ``DIR/plan-N`` with ``quotaplan generate --accounts N
--sellers N/200 --bookings-per-account 10`` unless that folder already holds a plan, then runs
``quotaplan validate PLAN``, ``quotaplan build PLAN --out …`` and ``python bench/floor.py PLAN …``
``--runs`` times each under ``/usr/bin/time -v``, and reports the median wall time (seconds) and
the median peak resident memory (MiB) of each command, the ratio build ÷ floor, and the log-log
growth exponent of wall time from the smallest to the largest size. ``--plan PATH`` (repeatable)
measures existing plan folders instead of generating; their size is their number of accounts.
Results also go to ``DIR/results.json``. Timings are warm-cache: the first run reads the files
into the page cache for the others, and quotaplan's modules are compiled to bytecode first, as an
installed package's are.

The ``quotaplan`` executable is the one next to the running Python (the virtualenv's ``bin``).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIME = Path("/usr/bin/time")
#: SPEC's limits for a plan of 1,000,000 accounts on a 2-core machine.
LIMIT_WALL_S = 10.0
LIMIT_PEAK_MIB = 4096.0
LIMIT_RATIO = 1.5
LIMIT_EXPONENT = 1.15
ACCOUNTS_PER_SELLER = 200
COMMANDS = ("validate", "build", "floor")


@dataclass
class Measure:
    """One command at one size: every run's wall time (s), peak RSS (MiB) and exit code."""

    size: int
    plan: str
    command: str
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def peak(self) -> float:
        return statistics.median(self.peaks)

    @property
    def ok(self) -> bool:
        return all(code == 0 for code in self.codes)


def quotaplan_exe() -> Path:
    """The ``quotaplan`` script installed next to the running interpreter."""
    name = "quotaplan.exe" if os.name == "nt" else "quotaplan"
    return Path(sys.executable).parent / name


def count_accounts(plan: Path) -> int:
    """Data rows of ``accounts.csv`` (newlines less the header; quoted newlines are not expected)."""
    lines = 0
    last = b"\n"
    with (plan / "accounts.csv").open("rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n") - 1


def generate(size: int, plan: Path) -> None:
    """Generate ``plan`` for ``size`` accounts unless it already holds a plan (exits on failure)."""
    if (plan / "plan.toml").is_file():
        print(f"using the plan already in {plan}", flush=True)
        return
    sellers = max(1, size // ACCOUNTS_PER_SELLER)
    print(f"generating {size:,} accounts, {sellers:,} sellers into {plan} …", flush=True)
    done = subprocess.run(
        [str(quotaplan_exe()), "generate", "--accounts", str(size), "--sellers", str(sellers),
         "--bookings-per-account", "10", "--out", str(plan)],
        check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"quotaplan generate failed (exit {done.returncode}):\n{done.stderr}")


def timed(argv: list[str], report: Path) -> tuple[float, float, int, str]:
    """Run ``argv`` under ``/usr/bin/time -v`` (its report to the file ``report``):
    (wall s, peak RSS MiB, exit code, the command's stderr)."""
    began = time.perf_counter()
    done = subprocess.run([str(TIME), "-v", "-o", str(report), *argv], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=False)
    wall = time.perf_counter() - began
    text = report.read_text(encoding="utf-8", errors="replace") if report.is_file() else ""
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    peak = int(found.group(1)) / 1024 if found else math.nan
    return wall, peak, done.returncode, done.stderr


def command_line(command: str, plan: Path, out: Path) -> list[str]:
    if command == "validate":
        return [str(quotaplan_exe()), "validate", str(plan)]
    if command == "build":
        return [str(quotaplan_exe()), "build", str(plan), "--out", str(out)]
    return [sys.executable, str(HERE / "floor.py"), str(plan), str(out)]


def measure(size: int, plan: Path, work: Path, runs: int) -> list[Measure]:
    results = {c: Measure(size, str(plan), c) for c in COMMANDS}
    for run in range(1, runs + 1):
        for command in COMMANDS:
            out = work / f"out-{plan.name}-{command}"
            wall, peak, code, stderr = timed(command_line(command, plan, out),
                                             work / f"time-{plan.name}-{command}.txt")
            m = results[command]
            m.walls.append(wall)
            m.peaks.append(peak)
            m.codes.append(code)
            print(f"  {size:>9,} {command:<8} run {run}: {wall:7.2f} s {peak:8.0f} MiB"
                  + ("" if code == 0 else f"  exit {code}"), flush=True)
            if code != 0:
                tail = "\n".join(stderr.splitlines()[-8:])
                print(f"    {command} failed:\n{tail}", flush=True)
    return list(results.values())


def exponent(points: list[tuple[int, float]]) -> float | None:
    """log(t_large / t_small) ÷ log(n_large / n_small); ``None`` with fewer than two sizes."""
    if len(points) < 2:
        return None
    points = sorted(points)
    (n0, t0), (n1, t1) = points[0], points[-1]
    if n1 == n0 or t0 <= 0 or t1 <= 0:
        return None
    return math.log(t1 / t0) / math.log(n1 / n0)


def report(measures: list[Measure]) -> dict[str, object]:
    """Print the table and the verdicts; return them for results.json."""
    floor = {m.size: m.wall for m in measures if m.command == "floor" and m.ok}
    ratios: dict[str, float] = {}
    print()
    print(f"{'size':>10}  {'command':<8}  {'median wall s':>13}  {'peak MiB':>9}  "
          f"{'build/floor':>11}")
    for m in sorted(measures, key=lambda m: (m.size, COMMANDS.index(m.command))):
        ratio = ""
        if m.command == "build" and m.ok and floor.get(m.size):
            ratios[str(m.size)] = m.wall / floor[m.size]
            ratio = f"{ratios[str(m.size)]:.2f}"
        flag = "" if m.ok else "  (failed)"
        print(f"{m.size:>10,}  {m.command:<8}  {m.wall:>13.2f}  {m.peak:>9.0f}  {ratio:>11}{flag}")
    growth: dict[str, float | None] = {}
    for command in COMMANDS:
        points = [(m.size, m.wall) for m in measures if m.command == command and m.ok]
        growth[command] = exponent(points)
    print()
    sizes = sorted({m.size for m in measures})
    if len(sizes) >= 2:
        span = f"{sizes[0]:,} → {sizes[-1]:,} accounts"
        for command in ("build", "validate", "floor"):
            value = growth[command]
            shown = "n/a" if value is None else f"{value:.3f}"
            limit = f"  (SPEC ≤ {LIMIT_EXPONENT})" if command == "build" else ""
            print(f"growth exponent of {command} wall time, {span}: {shown}{limit}")
    else:
        print("growth exponent: needs two sizes or more")
    largest = [m for m in measures if m.size == sizes[-1] and m.command == "build"]
    if largest and largest[0].ok:
        m = largest[0]
        print(f"build at {m.size:,} accounts: {m.wall:.2f} s (SPEC ≤ {LIMIT_WALL_S:g} s at "
              f"1,000,000), {m.peak:.0f} MiB (SPEC ≤ {LIMIT_PEAK_MIB:g}), build/floor "
              f"{ratios.get(str(m.size), math.nan):.2f} (SPEC ≤ {LIMIT_RATIO})")
    return {"ratio_build_floor": ratios, "growth_exponent": growth}


def machine() -> dict[str, object]:
    try:
        import polars

        polars_version = polars.__version__
    except ImportError:  # pragma: no cover - polars is a dependency
        polars_version = None
    return {"cpus": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "polars": polars_version}


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: write numbers separated by commas, "
                                         "e.g. 100000,300000,1000000") from None
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("--sizes: every size must be 1 or more")
    return sizes


def compile_package() -> None:
    """Compile quotaplan's modules to bytecode, as installing a package does. An editable install
    leaves them as source, and where PYTHONDONTWRITEBYTECODE is set (as on CI machines) every
    run would compile them again: about 0.1 s of each measured command."""
    spec = importlib.util.find_spec("quotaplan")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            compileall.compile_dir(folder, quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--sizes", type=parse_sizes, default=[100_000, 300_000, 1_000_000],
                        help="accounts per generated plan, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs of each command (median)")
    parser.add_argument("--work", type=Path, default=HERE / "work",
                        help="folder for plans, outputs and results.json (default bench/work)")
    parser.add_argument("--plan", type=Path, action="append", default=[],
                        help="measure this existing plan folder instead of generating (repeatable)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    if not TIME.is_file():
        print(f"{TIME} is missing: it measures peak memory. Install Debian's `time` package "
              "(sudo apt-get install time) and run again.", file=sys.stderr)
        return 2
    if not quotaplan_exe().is_file():
        print(f"{quotaplan_exe()} is missing: run this with the Python of the virtualenv where "
              "quotaplan is installed (e.g. .venv/bin/python bench/run.py).", file=sys.stderr)
        return 2
    compile_package()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    plans: list[tuple[int, Path]] = []
    for plan in args.plan:
        if not (plan / "plan.toml").is_file():
            parser.error(f"--plan {plan}: no plan.toml there")
        plans.append((count_accounts(plan), plan.resolve()))
    if not args.plan:
        for size in args.sizes:
            plan = work / f"plan-{size}"
            generate(size, plan)
            plans.append((size, plan))
    measures: list[Measure] = []
    for size, plan in sorted(plans):
        print(f"measuring {plan} ({size:,} accounts), {args.runs} run(s) of each command",
              flush=True)
        measures += measure(size, plan, work, args.runs)
    verdicts = report(measures)
    results = {
        "machine": machine(),
        "runs": args.runs,
        "measures": [asdict(m) | {"median_wall_s": m.wall, "median_peak_mib": m.peak, "ok": m.ok}
                     for m in measures],
        **verdicts,
    }
    (work / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {work / 'results.json'}; outputs kept in {work}/out-*")
    return 0 if all(m.ok for m in measures) else 1


if __name__ == "__main__":
    sys.exit(main())
