"""The command line contract: exit codes, messages, atomic builds, explain, demo."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotaplan.cli import app

runner = CliRunner()

VALID = {
    "plan.toml": """
        [plan]
        name = "CLI plan"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 1000
    """,
    "territories.csv": "territory_id,name,parent_id\nR,Root,\nA,Alpha,R\nB,Beta,R\n",
    "sellers.csv": "seller_id,name,territory_id,ote\ns1,Ann,A,100\ns2,Bob,B,100\nm1,Meg,R,\n",
    "accounts.csv": "account_id,territory_id\na1,A\na2,A\na3,B\n",
}


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_valid_plan_exits_0(plan_dir: Callable[[dict[str, str]], Path]) -> None:
    code, output = run("validate", str(plan_dir(VALID)))
    assert code == 0, output
    assert "valid" in output


def test_plan_with_errors_exits_1_and_names_file_line_column(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    broken = VALID | {"accounts.csv": "account_id,territory_id\na1,A\na2,NOWHERE\n"}
    code, output = run("validate", str(plan_dir(broken)))
    assert code == 1
    assert "accounts.csv:3 (territory_id)" in output
    assert "Traceback" not in output


def test_missing_plan_folder_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run("validate", str(tmp_path / "nope"))
    assert code == 2
    assert "does not exist" in output


def test_missing_plan_toml_is_a_plan_error(plan_dir: Callable[[dict[str, str]], Path]) -> None:
    files = {k: v for k, v in VALID.items() if k != "plan.toml"}
    code, output = run("validate", str(plan_dir(files)))
    assert code == 1
    assert "plan.toml" in output


def test_unknown_option_is_a_usage_error(plan_dir: Callable[[dict[str, str]], Path]) -> None:
    code, _ = run("build", str(plan_dir(VALID)), "--bogus")
    assert code == 2


def test_build_writes_every_output(plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = run("build", str(plan_dir(VALID)), "--out", str(out))
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir()) == [
        ".quotaplan-output.json", "account_targets.csv", "gap.csv", "quota_periods.csv",
        "quotas.csv", "rollup.csv", "summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["topdown"] == "1000.00"
    assert summary["account_target_sum"] == "1000.00"
    targets = (out / "account_targets.csv").read_text().splitlines()
    # 1000.00 split evenly over three accounts: the extra cent goes to the smallest id.
    assert [line.split(",")[4] for line in targets[1:]] == ["333.34", "333.33", "333.33"]


def test_failed_build_leaves_the_previous_output(
    plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert run("build", str(plan_dir(VALID)), "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = VALID | {"territories.csv": "territory_id,parent_id\nR,\nA,R\nB,A\nA,B\n"}
    code, _ = run("build", str(plan_dir(broken)), "--out", str(out))
    assert code == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan"]


def test_explain_shows_the_ledger_and_book(plan_dir: Callable[[dict[str, str]], Path]) -> None:
    code, output = run("explain", str(plan_dir(VALID)), "s1")
    assert code == 0, output
    assert "666.67" in output  # s1's book: a1 333.34 + a2 333.33
    assert "a1" in output


def test_explain_unknown_seller_exits_1(plan_dir: Callable[[dict[str, str]], Path]) -> None:
    code, output = run("explain", str(plan_dir(VALID)), "nobody")
    assert code == 1
    assert "seller 'nobody' is not in sellers.csv" in output
    assert "run `quotaplan report`" in output


def test_explain_a_carrier_states_start_coverage_and_names(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    files = VALID | {
        "sellers.csv": "seller_id,name,territory_id,ote,hire_date\ns1,Ann,A,100,2025-11-20\n"
                       "s2,Bob,B,100,\nm1,Meg,R,,\n",
        "accounts.csv": "account_id,name,territory_id\na1,Acme,A\na2,Bolt,A\na3,Cask,B\n",
    }
    code, output = run("explain", str(plan_dir(files)), "s1")
    assert code == 0, output
    assert ("First ramp month: December 2025 (hired November 20; cut-off month_end: a hire "
            "ramps from the month after the hire month); before the plan year, so 1 month(s) of "
            "tenure are behind them when it starts") in output
    # s1's book 666.67 is their quota: coverage 1, gap 0, risk low (as in gap.csv).
    assert "Coverage 1.000000 (100.0 %: book 666.67 ÷ quota 666.67) · gap +0.00" in output
    assert "risk low" in output
    assert re.search(r"a1\s+│\s+Acme", output)


def test_explain_a_manager_gives_the_roll_up_of_rollup_csv(
    plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    files = VALID | {"plan.toml": VALID["plan.toml"] + "\n[quotas]\nhedge = { 0 = 0.125 }\n"}
    folder = plan_dir(files)
    out = tmp_path / "out"
    assert run("build", str(folder), "--out", str(out))[0] == 0
    rollup = {r["territory_id"]: r for r in read_csv(out / "rollup.csv")}
    quotas = {r["seller_id"]: r["final_quota"] for r in read_csv(out / "quotas.csv")}
    code, output = run("explain", str(folder), "m1")
    assert code == 0, output
    assert "Rolled-up quota of m1 — Meg" in output
    # 666.67 + 333.33 = 1,000.00, less the 12.5 % hedge at depth 0 = 875.00.
    assert (quotas["s1"], quotas["s2"], rollup["R"]["manager_quota"]) == (
        "666.67", "333.33", "875.00")
    assert re.search(r"A — Alpha\s+│\s+s1 — Ann\s+│.*│\s+666\.67", output)
    assert re.search(r"Sum of the 2 children\s.*1,000\.00", output)
    assert re.search(r"Hedge at depth 0\s.*12\.5 % held back\s.*×0\.875\s.*-125\.00", output)
    assert re.search(r"Rolled-up quota \(manager_quota\)\s.*875\.00", output)
    assert re.search(r"Attainment factor\s.*1\.0000", output)


def test_a_seller_who_starts_after_the_year_is_uncovered_in_the_outputs(
    plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path
) -> None:
    files = VALID | {
        "sellers.csv": "seller_id,name,territory_id,ote,hire_date\ns1,Ann,A,100,\n"
                       "s2,Bob,B,100,2027-01-04\nm1,Meg,R,,\n",
    }
    out = tmp_path / "out"
    code, output = run("build", str(plan_dir(files)), "--out", str(out))
    assert code == 0, output
    assert "sellers.csv:3 (hire_date): warning: seller s2 (hired 2027-01-04" in output
    rollup = {r["territory_id"]: r for r in read_csv(out / "rollup.csv")}
    assert (rollup["R"]["uncovered_target"], rollup["B"]["uncovered_target"]) == ("333.33",
                                                                                 "333.33")
    summary = json.loads((out / "summary.json").read_text())
    assert (summary["uncovered_target"], summary["uncovered_accounts"]) == ("333.33", 1)
    quotas = {r["seller_id"]: r for r in read_csv(out / "quotas.csv")}
    assert (quotas["s2"]["final_quota"], quotas["s2"]["starts_after_year"]) == ("0.00", "true")
    assert quotas["s1"]["starts_after_year"] == "false"
    targets = {r["account_id"]: r for r in read_csv(out / "account_targets.csv")}
    assert targets["a3"]["seller_id"] == ""
    code, output = run("explain", str(plan_dir(files)), "s2")
    assert code == 0, output
    assert "after the plan year: they carry 0 this year and the book is reported as uncovered" in (
        output)


@pytest.mark.parametrize("command", ["report", "explain"])
def test_commands_on_a_broken_plan_list_problems_without_traceback(
    plan_dir: Callable[[dict[str, str]], Path], command: str
) -> None:
    broken = VALID | {"sellers.csv": "seller_id,territory_id\ns1,A\ns1,B\n"}
    args = [command, str(plan_dir(broken))] + (["s1"] if command == "explain" else [])
    code, output = run(*args)
    assert code == 1
    assert "sellers.csv:3" in output
    assert "Traceback" not in output


def test_a_problem_on_line_100_prints_its_line_not_an_emoji(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    rows = "".join(f"a{i},A\n" for i in range(1, 99)) + "a99,A,extra\n"
    broken = VALID | {"accounts.csv": "account_id,territory_id\n" + rows}
    code, output = run("validate", str(plan_dir(broken)))
    assert code == 1
    assert "accounts.csv:100: error" in output  # ":100:" is also an emoji code


def test_text_from_the_plan_prints_as_written_not_as_markup(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    broken = VALID | {"accounts.csv": "account_id,territory_id\na1,A\na2,[bold]X[/bold]\n"}
    code, output = run("validate", str(plan_dir(broken)))
    assert code == 1
    assert "'[bold]X[/bold]'" in output


@pytest.mark.parametrize(
    ("argv0", "preset", "kept", "ours"),
    [
        ("/somewhere/bin/quotaplan", None, None, True),
        ("/somewhere/bin/quotaplan", "narenas:2", "narenas:2", False),  # the user's setting wins
        ("my_app.py", None, None, False),  # a library user's process is left alone
    ],
)
def test_only_the_command_tunes_the_allocator(
    argv0: str, preset: str | None, kept: str | None, ours: bool
) -> None:
    """Polars reads _RJEM_MALLOC_CONF when it loads (adding its own defaults in front); NumPy's
    BLAS reads OPENBLAS_NUM_THREADS."""
    code = (f"import sys; sys.argv = [{argv0!r}]; import os, quotaplan; "
            "print(os.environ.get('_RJEM_MALLOC_CONF')); "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'))")
    env = {k: v for k, v in os.environ.items()
           if k not in ("_RJEM_MALLOC_CONF", "OPENBLAS_NUM_THREADS")}
    if preset is not None:
        env["_RJEM_MALLOC_CONF"] = preset
        env["OPENBLAS_NUM_THREADS"] = "2"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True)
    conf, blas = done.stdout.strip().splitlines()
    assert conf.endswith("dirty_decay_ms:-1,muzzy_decay_ms:-1") == ours
    # BLAS is kept to one thread for the command only, and never over the user's setting.
    assert blas == ("1" if ours else "2" if preset is not None else "None")
    if kept is not None:
        assert conf.endswith(kept)


def _many_bad_bookings(plan_dir: Callable[[dict[str, str]], Path], n: int) -> Path:
    rows = "".join(f"a1,2025-01-01,x{i}\n" for i in range(n))
    return plan_dir(VALID | {"bookings.csv": "account_id,date,amount\n" + rows})


def test_the_count_is_of_problems_not_of_printed_lines(
    plan_dir: Callable[[dict[str, str]], Path],
) -> None:
    code, output = run("validate", str(_many_bad_bookings(plan_dir, 2000)))
    assert code == 1
    assert "2000 error(s), 0 warning(s); 1980 of them counted but not printed (`quotaplan " \
        "validate --all` prints every one)" in output
    assert output.count("is not a plain number") == 20


@pytest.mark.parametrize("command", ["validate", "build", "report"])
def test_all_prints_every_problem(
    plan_dir: Callable[[dict[str, str]], Path], tmp_path: Path, command: str
) -> None:
    folder = _many_bad_bookings(plan_dir, 300)
    extra = ["--out", str(tmp_path / "out")] if command == "build" else []
    code, output = run(command, str(folder), *extra, "--all")
    assert code == 1
    assert output.count("is not a plain number") == 300
    assert "300 error(s), 0 warning(s)\n" in output
    assert "more rows like this" not in output
