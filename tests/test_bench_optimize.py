"""bench/optimize.py on a small generated plan: both goals run and their figures are written.

Not timed: speed is measured by the benchmark itself, never by tests.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from quotaplan.generate import GenerateOptions, generate_plan, write_generated

BENCH = Path(__file__).resolve().parents[1] / "bench"


def test_both_goals_report_their_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    spec = importlib.util.spec_from_file_location("bench_optimize", BENCH / "optimize.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    plan = tmp_path / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=3000, sellers=30, seed=3,
                                                  bookings_per_account=3)), plan,
                    command="generate")
    report = tmp_path / "optimize.json"
    code = module.main([str(plan), "--time-limit", "30", "--report", str(report)])
    assert code == 0
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert [g["goal"] for g in figures["goals"]] == ["balance-quotas", "fix-coverage"]
    assert figures["carriers"] == 30
    for goal in figures["goals"]:
        assert goal["within_limit"]
        assert goal["status"] in ("optimal", "feasible", "not_needed")
        assert goal["high_after"] <= goal["high_before"]
    assert "fix-coverage" in capsys.readouterr().out
