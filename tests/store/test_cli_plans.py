"""Stored plans through the command line: load, change, log, fork and compare, explain with events,
and the folder commands on a stored plan — as a planner types them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotaplan.cli import app
from quotaplan.generate import GenerateOptions, generate_plan, write_generated

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=150, sellers=6, seed=9, levels=3,
                                                  history_years=2, bookings_per_account=3)), out)
    return out


@pytest.fixture
def db(db_url: str, folder: Path) -> str:
    code, output = run("load", str(folder), "--name", "fy27", "--db", db_url)
    assert code == 0, output
    assert "Loaded" in output
    assert "scenario baseline at seq 0" in output
    return db_url


def first_carrier(folder: Path) -> tuple[str, str]:
    with (folder / "sellers.csv").open() as f:
        row = next(r for r in csv.DictReader(f) if r["seller_id"].startswith("S"))
    with (folder / "accounts.csv").open() as f:
        account = next(r for r in csv.DictReader(f) if r["territory_id"] == row["territory_id"])
    return row["seller_id"], account["account_id"]


def test_load_refuses_an_invalid_plan_with_validates_messages(db_url: str, folder: Path,
                                                              tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for path in folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    (broken / "accounts.csv").write_text("account_id,name\nA1,x\n")
    expected = runner.invoke(app, ["validate", str(broken)])
    code, output = run("load", str(broken), "--name", "bad", "--db", db_url)
    assert (code, expected.exit_code) == (1, 1)
    assert [line for line in output.splitlines() if "error" in line] == [
        line for line in expected.output.splitlines() if "error" in line]
    assert run("plans", "--db", db_url)[1].count("bad") == 0


def test_adjust_prints_the_effect_and_log_lists_it_with_who_and_why(db: str, folder: Path) -> None:
    seller, _ = first_carrier(folder)
    code, output = run("adjust", "fy27", seller, "--rate", "0.05", "--reason", "pipeline", "--db", db)
    assert code == 0, output
    assert f"seq 1: adjustment.add seller_id={seller}, rate=0.05 — pipeline" in output
    assert f"{seller}: final quota" in output
    code, output = run("log", "fy27", "--db", db, "--json")
    (event,) = [json.loads(line) for line in output.splitlines()]
    assert (event["seq"], event["kind"], event["reason"]) == (1, "adjustment.add", "pipeline")
    assert event["payload"] == {"seller_id": seller, "rate": "0.05"}
    assert run("log", "fy27", "--db", db, "--seller", "NOBODY")[1].startswith("No events")


def test_bad_values_are_refused_naming_the_field_and_saying_what_to_write(db: str, folder: Path) -> None:
    seller, account = first_carrier(folder)
    code, output = run("adjust", "fy27", seller, "--amount", "12,50", "--reason", "x", "--db", db)
    assert code == 1
    assert "amount" in output
    assert "write 12.50" in output
    code, output = run("override", "fy27", account, "40000.00", "--db", db)
    assert code == 2
    assert "--reason" in output
    code, output = run("move", "fy27", account, "NOWHERE", "--reason", "x", "--db", db)
    assert code == 1
    assert "no territory 'NOWHERE'" in output
    code, output = run("adjust", "nope", seller, "--rate", "0.1", "--reason", "x", "--db", db)
    assert code == 1
    assert "nope" in output
    assert run("log", "fy27", "--db", db)[1].startswith("No events")


def test_fork_and_compare_show_the_headline_the_carriers_and_the_events(
        db: str, folder: Path, tmp_path: Path) -> None:
    seller, _ = first_carrier(folder)
    assert run("scenario", "fork", "fy27", "baseline", "stretch", "--db", db)[0] == 0
    assert run("adjust", "fy27", seller, "--amount", "25000.00", "--reason", "stretch goal",
               "--scenario", "stretch", "--db", db)[0] == 0
    code, output = run("compare", "fy27", "baseline", "stretch", "--csv", str(tmp_path / "c.csv"),
                       "--db", db)
    assert code == 0, output
    assert "street quota" in output
    assert "+25,000.00" in output
    assert "Events only in stretch: 1" in output
    assert "stretch goal" in output
    with (tmp_path / "c.csv").open() as f:
        (row,) = list(csv.DictReader(f))
    assert row["seller_id"] == seller
    assert row["final_quota_diff"] == "25000.00"
    listed = run("scenario", "list", "fy27", "--db", db)[1]
    assert "stretch" in listed
    assert "baseline at seq 0" in listed


def test_explain_of_a_stored_plan_names_the_event_behind_each_line(db: str, folder: Path) -> None:
    seller, account = first_carrier(folder)
    run("override", "fy27", account, "40000.00", "--reason", "strategic deal", "--db", db)
    run("seller", "fy27", seller, "--end-date", "2027-06-30", "--reason", "leaving", "--db", db)
    code, output = run("explain", "fy27", seller, "--db", db)
    assert code == 0, output
    lines = output.splitlines()
    base = next(line for line in lines if line.startswith(" Base quota"))
    assert "target.override" in base
    assert "strategic deal" in base
    ramp = next(line for line in lines if line.startswith(" Ramp"))
    assert "end_date=2027-06-30" in ramp
    assert "as loaded" in next(line for line in lines if line.startswith(" Seniority"))


def test_build_of_a_stored_plan_equals_the_build_of_its_exported_folder(
        db: str, folder: Path, tmp_path: Path) -> None:
    seller, account = first_carrier(folder)
    run("move", "fy27", account, "ROOT-NOT-A-LEAF", "--reason", "x", "--db", db)  # refused
    run("adjust", "fy27", seller, "--rate", "-0.02", "--reason", "x", "--db", db)
    assert run("build", "fy27", "--db", db, "--out", str(tmp_path / "stored"))[0] == 0
    assert run("export", "folder", "fy27", "--db", db, "--out", str(tmp_path / "exported"))[0] == 0
    assert run("build", str(tmp_path / "exported"), "--out", str(tmp_path / "folder"))[0] == 0
    for name in ("quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv", "summary.json",
                 "account_targets.csv"):
        assert (tmp_path / "stored" / name).read_bytes() == (tmp_path / "folder" / name).read_bytes()
