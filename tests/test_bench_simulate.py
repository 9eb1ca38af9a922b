"""bench/simulate.py on a small generated plan: every step runs and the files are written."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_simulate_benchmark_times_every_step_on_a_small_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    from quotaplan.generate import GenerateOptions, generate_plan, write_generated

    plan = tmp_path / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=1500, sellers=15, seed=3)), plan)
    spec = importlib.util.spec_from_file_location("bench_simulate", BENCH / "simulate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main(["--plan", str(plan), "--runs", "300", "--work", str(tmp_path / "work")])
    output = capsys.readouterr().out
    assert code == 0, output
    for step in ("read + build", "back-test", "Monte Carlo (300 runs)", "accuracy", "write"):
        assert step in output
    assert "peak resident memory" in output
    summary = json.loads((tmp_path / "work" / "sim-out" / "simulation.json").read_text("utf-8"))
    assert summary["runs"] == 300
    assert summary["carriers"] == 15
    assert summary["backtest"]["accuracy"]["available"] is True
