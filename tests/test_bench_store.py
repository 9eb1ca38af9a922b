"""The store benchmark (bench/store.py) runs end to end on a small plan: every measure in its table,
the plan really loaded and changed in the store it names. Its timings are not looked at."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from quotaplan.store import journal, plans, versions
from quotaplan.store.db import open_store

BENCH = Path(__file__).resolve().parents[1] / "bench"
MEASURES = ("quotaplan build", "quotaplan load", "open (process)", "open (inside the process)",
            "what-if of one adjustment", "adjustment round trip", "account move in a draft",
            "publishing")


def test_the_store_benchmark_measures_load_open_and_changes_of_a_stored_plan(tmp_path: Path) -> None:
    work = tmp_path / "work"
    done = subprocess.run([sys.executable, str(BENCH / "store.py"), "--accounts", "2000",
                           "--runs", "2", "--work", str(work)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| ([^|]+?) \| ([^|]+?) \|", done.stdout,
                                                        re.MULTILINE)}
    for measure in MEASURES:
        assert re.fullmatch(r"\d+(\.\d\d s| ms)", rows.get(measure, "")), (measure, done.stdout)
    assert re.search(r"\| quotaplan load \|.*\| ≤ 2× build \| \d+\.\d\d× build: (within|OVER) \|",
                     done.stdout)
    assert re.search(r"\| adjustment round trip \|.*\| [+-]\d+ ms: (within|OVER) \|", done.stdout)

    # Two loads of the same folder, byte for byte; the first got two adjustments and two moves,
    # then was submitted, approved and published as version 1.
    store = open_store(f"sqlite:///{work / 'store-2000.db'}")
    try:
        with store.read() as conn:
            stored = plans.list_plans(conn)
            assert len(stored) == 2
            folder = work / "store-plan-2000"
            assert plans.read_file(conn, stored[0].id, "accounts.csv") == (
                folder / "accounts.csv").read_bytes()
            first = min(stored, key=lambda p: p.name).name
            kinds = [e.kind for e in journal.read(conn, first, "baseline")]
            assert kinds == ["adjustment.add"] * 2 + ["account.move"] * 2 + [
                "scenario.submit", "scenario.approve", "scenario.publish"]
            assert [v.number for v in versions.list_versions(conn, first)] == [1]
    finally:
        store.close()
