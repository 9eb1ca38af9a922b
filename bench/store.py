"""The store benchmark: loading, opening and changing a stored plan, against ``quotaplan build``.

Usage::

    python bench/store.py [--accounts 1000000] [--runs 3] [--work DIR] [--db URL]

It writes ``DIR/store-plan-N`` with ``bench/independent.py OUT --accounts N --seed 11`` (plain
style) unless that folder already holds a plan, then measures, ``--runs`` times each:

* whole processes (wall seconds, and peak resident memory from ``wait4``):
  ``quotaplan build PLAN --out …`` (the reference), ``quotaplan load PLAN --name … --db URL``
  (SPEC: at most 2× build) and a process that opens the stored plan with
  ``Workspace(url).open(name)`` and nothing else (SPEC: at most 1× build; the open's own time
  inside that process is reported too);
* in one process that opened the plan: the what-if of one adjustment (``Workspace.preview`` of an
  ``adjustment.add``: the edited plan built through the kept pipeline, nothing stored), one
  adjustment round trip (``Workspace.change`` of an ``adjustment.add``, then ``Workspace.open`` of
  the new head; SPEC: at most 100 ms on top of the what-if), an account move in the draft
  (``change`` of an ``account.move``, then ``open``), and publishing (``Workspace.transition`` to
  ``publish`` after a submit and an approval: opening the new head, the published tables and
  their hashes, stored as version 1), once.

The store is a new SQLite file ``DIR/store-N.db`` unless ``--db`` names another (an empty
PostgreSQL database, say). It prints a markdown table of medians and SPEC's verdicts; the exit
code is 0 when every command succeeded. Timings mean something only on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from run import compile_package, quotaplan_exe

HERE = Path(__file__).resolve().parent
SEED = 11
LIMIT_LOAD = 2.0  # × build
LIMIT_OPEN = 1.0  # × build
LIMIT_ROUND_TRIP_MS = 100.0  # on top of the what-if


@dataclass
class Row:
    """One measure: every run's value (seconds, or milliseconds when ``unit`` says so)."""

    what: str
    unit: str = "s"
    values: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    failed: bool = False

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else float("nan")


# --- the children: one opens, one changes -------------------------------------------------------

def child_open(url: str, name: str, report: Path) -> None:
    """Open the stored plan; write how long the open took in here (seconds) as JSON."""
    from quotaplan.workspace import Workspace

    started = time.perf_counter()
    with Workspace(url) as ws:
        opened = ws.open(name)
        took = time.perf_counter() - started
    report.write_text(json.dumps({"open_s": took, "accounts": opened.plan.accounts.height}),
                      encoding="utf-8")


def child_changes(url: str, name: str, runs: int, report: Path) -> None:
    """Open the plan, then time what-ifs, adjustment round trips, moves and publishing (ms);
    write them as JSON."""
    from quotaplan.workspace import Workspace

    rng = random.Random(SEED)
    timings: dict[str, list[float]] = {"whatif": [], "round_trip": [], "move": []}
    with Workspace(url) as ws:
        head = ws.open(name)
        carriers = sorted(head.result.quotas.get_column("seller_id").to_list())
        accounts = head.plan.accounts.select("account_id", "territory_id")
        parents = set(head.plan.territories.get_column("parent_id").drop_nulls().to_list())
        leaves = sorted(set(head.plan.territories.get_column("territory_id").to_list()) - parents)
        # Different sellers for the what-ifs and the round trips: a round trip after a what-if of
        # the same change would find that build already made.
        sellers = (rng.sample(carriers, 2 * runs) if len(carriers) >= 2 * runs
                   else [rng.choice(carriers) for _ in range(2 * runs)])
        for seller in sellers[:runs]:
            adjustment = {"seller_id": seller, "amount": f"{rng.randrange(1, 99)}000.00"}
            started = time.perf_counter()
            ws.preview(name, "baseline", "adjustment.add", adjustment, reason="bench what-if")
            timings["whatif"].append((time.perf_counter() - started) * 1000)
        for seller in sellers[runs:]:
            adjustment = {"seller_id": seller, "amount": f"{rng.randrange(1, 99)}000.00"}
            started = time.perf_counter()
            event = ws.change(name, "baseline", "adjustment.add", adjustment, reason="bench")
            opened = ws.open(name)
            timings["round_trip"].append((time.perf_counter() - started) * 1000)
            assert opened.seq == event.seq
        for _ in range(runs):
            account, territory = accounts.row(rng.randrange(accounts.height))
            move = {"account_id": account, "effective": None,
                    "territory_id": rng.choice([leaf for leaf in leaves if leaf != territory])}
            started = time.perf_counter()
            event = ws.change(name, "baseline", "account.move", move, reason="bench")
            opened = ws.open(name)
            timings["move"].append((time.perf_counter() - started) * 1000)
            assert opened.seq == event.seq
        # Submitted and approved by two people (the store has no users: OS user names), then
        # published: the new head opened, its published tables and their hashes stored.
        for actor, step in (("bench-planner", "submit"), ("bench-reviewer", "approve")):
            os.environ["LOGNAME"] = actor
            ws.transition(name, "baseline", step, reason="bench")
        started = time.perf_counter()
        _event, version = ws.transition(name, "baseline", "publish", reason="bench")
        timings["publish"] = [(time.perf_counter() - started) * 1000]
        assert version is not None
        assert version.number == 1
    report.write_text(json.dumps({"timings": timings}), encoding="utf-8")


# --- the whole processes ------------------------------------------------------------------------

def make_plan(accounts: int, plan: Path) -> None:
    if (plan / "plan.toml").is_file():
        print(f"using the plan already in {plan}", flush=True)
        return
    print(f"writing {accounts:,} accounts into {plan} (bench/independent.py, seed {SEED}) …",
          flush=True)
    done = subprocess.run([sys.executable, str(HERE / "independent.py"), str(plan), "--accounts",
                           str(accounts), "--seed", str(SEED)], capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench/independent.py failed (exit {done.returncode}):\n{done.stderr}")


def timed(argv: list[str]) -> tuple[float, float, int, str]:
    """Run ``argv``: (wall s, its peak resident memory MiB, exit code, its stderr)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as errors:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        return wall, usage.ru_maxrss / 1024, proc.returncode, errors.read()


def whole(row: Row, argv: list[str], report: Path | None = None) -> str:
    """Run ``argv`` once into ``row``; for a child of this script, what it wrote to its
    ``--report`` file (``report``), empty when it failed."""
    if report is not None:
        report.unlink(missing_ok=True)
        argv = [*argv, "--report", str(report)]
    wall, peak, code, stderr = timed(argv)
    row.values.append(wall)
    row.peaks.append(peak)
    print(f"  {row.what:<28} {wall:8.2f} s {peak:8.0f} MiB" + ("" if code == 0 else f"  exit {code}"),
          flush=True)
    if code != 0:
        row.failed = True
        print("    " + "\n    ".join(stderr.splitlines()[-8:]), flush=True)
        return ""
    return report.read_text(encoding="utf-8") if report is not None and report.is_file() else ""


def measure(plan: Path, url: str, work: Path, runs: int) -> tuple[list[Row], list[str]]:
    exe = str(quotaplan_exe())
    me = str(Path(__file__).resolve())
    build, load, open_process = Row("quotaplan build"), Row("quotaplan load"), Row("open (process)")
    open_inside = Row("open (inside the process)")
    names = []
    for run in range(1, runs + 1):
        whole(build, [exe, "build", str(plan), "--out", str(work / "store-build-out")])
        name = f"bench-{run}-{int(time.time())}"
        whole(load, [exe, "load", str(plan), "--name", name, "--db", url])
        if load.failed:
            break
        names.append(name)
        said = whole(open_process, [sys.executable, me, "--child-open", url, name],
                     work / "store-open.json")
        if said:
            open_inside.values.append(json.loads(said)["open_s"])
    rows = [build, load, open_process, open_inside]
    if not names:
        return rows, ["nothing was loaded: no change measured"]
    changes = [Row("what-if of one adjustment", "ms"), Row("adjustment round trip", "ms"),
               Row("account move in a draft", "ms"), Row("publishing", "ms")]
    said = whole(Row("changes (process)"), [sys.executable, me, "--child-changes", url, names[0],
                                            "--runs", str(runs)], work / "store-changes.json")
    if not said:
        for row in changes:
            row.failed = True
        return rows + changes, ["the changes process failed"]
    got = json.loads(said)
    for row, key in zip(changes, ("whatif", "round_trip", "move", "publish"), strict=True):
        row.values = got["timings"].get(key, [])
    return rows + changes, []


def table(rows: list[Row], notes: list[str], accounts: int, runs: int) -> None:
    by = {r.what: r for r in rows}
    build = by["quotaplan build"].median
    limits = {
        "quotaplan load": (f"≤ {LIMIT_LOAD:g}× build", by["quotaplan load"].median / build,
                           LIMIT_LOAD),
        "open (process)": (f"≤ {LIMIT_OPEN:g}× build", by["open (process)"].median / build,
                           LIMIT_OPEN),
        "open (inside the process)": (f"≤ {LIMIT_OPEN:g}× build",
                                      by["open (inside the process)"].median / build, LIMIT_OPEN),
    }
    print(f"\n{accounts:,} accounts, median of {runs} run(s)\n")
    print("| measure | median | peak MiB | SPEC | verdict |")
    print("|---|---:|---:|---|---|")
    for row in rows:
        shown = "failed" if row.failed else (f"{row.median:.2f} s" if row.unit == "s"
                                             else f"{row.median:.0f} ms")
        peak = f"{statistics.median(row.peaks):.0f}" if row.peaks else ""
        spec, verdict = "", ""
        if row.what in limits and not row.failed:
            spec, ratio, limit = limits[row.what]
            verdict = f"{ratio:.2f}× build: {'within' if ratio <= limit else 'OVER'}"
        if row.what == "adjustment round trip" and "what-if of one adjustment" in by:
            extra = row.median - by["what-if of one adjustment"].median
            spec = f"≤ {LIMIT_ROUND_TRIP_MS:.0f} ms on top of the what-if"
            verdict = f"+{extra:.0f} ms: {'within' if extra <= LIMIT_ROUND_TRIP_MS else 'OVER'}"
        print(f"| {row.what} | {shown} | {peak} | {spec} | {verdict} |")
    for note in notes:
        print(f"\nNote — {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=1_000_000, help="accounts of the plan")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (median)")
    parser.add_argument("--work", type=Path, default=HERE / "work",
                        help="folder for the plan, the store and reports (default bench/work)")
    parser.add_argument("--db", help="the store's URL (default: a new SQLite file in --work)")
    parser.add_argument("--child-open", nargs=2, metavar=("URL", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--child-changes", nargs=2, metavar=("URL", "NAME"), help=argparse.SUPPRESS)
    parser.add_argument("--report", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_open:
        child_open(*args.child_open, args.report)
        return 0
    if args.child_changes:
        child_changes(*args.child_changes, args.runs, args.report)
        return 0
    if args.runs < 1 or args.accounts < 20:
        parser.error("--runs must be 1 or more and --accounts 20 or more")
    compile_package()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    plan = work / f"store-plan-{args.accounts}"
    make_plan(args.accounts, plan)
    url = args.db
    if url is None:
        db = work / f"store-{args.accounts}.db"
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
        url = f"sqlite:///{db}"
    print(f"measuring {plan} into {url.split('@')[-1]}, {args.runs} run(s) of each", flush=True)
    rows, notes = measure(plan, url, work, args.runs)
    table(rows, notes, args.accounts, args.runs)
    return 1 if any(r.failed for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
