"""`quotaplan optimize` through the real command: exit codes, messages, files, and the output
folder rules (a folder the user owns is refused and left byte for byte)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from quotaplan.cli import main
from quotaplan.demo import demo_plan_path
from quotaplan.outsafe import MARKER


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["optimize", *args])
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    return Path(shutil.copytree(demo_plan_path(), tmp_path / "plan",
                                ignore=shutil.ignore_patterns("__init__.py", "__pycache__")))


def test_fix_coverage_prints_the_headline_and_writes_its_files(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proposals"
    code, output = run(capsys, str(plan), "--goal", "fix-coverage", "--out", str(out))
    assert code == 0, output
    assert "Proposals only: the plan is not changed." in output
    assert "High risk (sellers)" in output
    assert f"Wrote {out}" in output
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "optimize.json",
                                                            "proposals.csv"])
    headline = json.loads((out / "optimize.json").read_text(encoding="utf-8"))
    with (out / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert headline["moves"] == len(rows) > 0
    assert f"{headline['moves']} account move(s)" in output


def test_balance_quotas_runs_without_an_output_folder(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, output = run(capsys, str(plan), "--goal", "balance-quotas", "--max-change", "0.1")
    assert code == 0, output
    assert "Largest gap to the node's coverage" in output
    assert "quota(s) changed" in output


def test_a_second_run_needs_force(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "proposals"
    assert run(capsys, str(plan), "--goal", "fix-coverage", "--out", str(out))[0] == 0
    code, output = run(capsys, str(plan), "--goal", "fix-coverage", "--out", str(out))
    assert code == 2
    assert "--force" in output
    assert run(capsys, str(plan), "--goal", "balance-quotas", "--out", str(out), "--force")[0] == 0
    with (out / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        assert {r["kind"] for r in csv.DictReader(handle)} == {"quota"}


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_the_user_owns_is_refused_and_left_intact(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], force: bool
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_bytes(b"my own notes\n")
    args = [str(plan), "--goal", "fix-coverage", "--out", str(out)] + (["--force"] if force else [])
    code, _ = run(capsys, *args)
    assert code == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_bytes() == b"my own notes\n"


def test_the_plan_folder_is_never_an_output(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p.name: p.read_bytes() for p in plan.iterdir()}
    code, _ = run(capsys, str(plan), "--goal", "fix-coverage", "--out", str(plan / "out"))
    assert code == 2
    assert {p.name: p.read_bytes() for p in plan.iterdir()} == before


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--goal", "fix-coverage", "--within", "NOPE"], 2, "--within 'NOPE'"),
    (["--goal", "shuffle"], 2, "shuffle"),
    (["--goal", "balance-quotas", "--max-change", "-0.1"], 2, "--max-change"),
    (["--goal", "fix-coverage", "--lock", "missing.csv"], 2, "does not exist"),
    (["--goal", "balance-quotas", "--within", "RG1"], 2, "fix-coverage only"),
    (["--goal", "balance-quotas", "--max-change", "inf"], 2, "--max-change inf"),
    (["--goal", "fix-coverage", "--time-limit", "inf"], 2, "--time-limit inf"),
    (["--goal", "fix-coverage", "--time-limit", "nan"], 2, "--time-limit"),
])
def test_usage_errors_name_the_option(
    plan: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, words: str
) -> None:
    got, output = run(capsys, str(plan), *args)
    assert got == code, output
    assert words in output
    assert "Traceback" not in output


def test_a_bad_lock_line_is_a_plan_error_naming_file_and_line(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = tmp_path / "lock.csv"
    lock.write_text("account_id\nA0001\nNOT-AN-ACCOUNT\n", encoding="utf-8")
    code, output = run(capsys, str(plan), "--goal", "fix-coverage", "--lock", str(lock))
    assert code == 1
    assert f"{lock}:3 (account_id): error: account 'NOT-AN-ACCOUNT' is not in accounts.csv" in output


def test_locked_accounts_stay_where_they_are(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, again = tmp_path / "first", tmp_path / "locked"
    assert run(capsys, str(plan), "--goal", "fix-coverage", "--out", str(out))[0] == 0
    with (out / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        moved = [r["account_id"] for r in csv.DictReader(handle)]
    lock = tmp_path / "lock.csv"
    lock.write_text("account_id\n" + "\n".join(moved) + "\n", encoding="utf-8")
    code, output = run(capsys, str(plan), "--goal", "fix-coverage", "--lock", str(lock),
                       "--out", str(again))
    assert code == 0, output
    with (again / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        assert not set(moved) & {r["account_id"] for r in csv.DictReader(handle)}

