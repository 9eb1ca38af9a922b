"""The in-process benchmarks of edits and what-ifs run on a small generated plan and find every
edited build equal to a fresh build (their timings are not looked at: tests never time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from quotaplan.generate import GenerateOptions, generate_plan, write_generated

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench") / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=2000, sellers=20, seed=13)), folder)
    return folder


def _run(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_every_kind_of_edit_is_timed_and_equals_a_fresh_build(plan: Path) -> None:
    out = _run("edits.py", str(plan), "--runs", "2", "--check", "2")
    for kind in ("adjustment", "override", "topdown", "seller ote", "seller hire_date", "move"):
        assert any(line.startswith(kind + " ") for line in out.splitlines()), kind
    assert "checked against a fresh build: all equal" in out


def test_the_what_if_benchmark_checks_against_a_rebuild(plan: Path) -> None:
    out = _run("whatif.py", str(plan), "--runs", "1", "--whatifs", "3", "--check", "3")
    assert out.count("what-if equals a full rebuild: yes") == 3
