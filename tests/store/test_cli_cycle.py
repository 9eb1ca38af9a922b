"""The planning cycle through the command line: submit, approve, reject, publish with its refusals;
in-year change requests approved into new versions with SPEC's relief worked checks to the cent."""

from __future__ import annotations

import csv
import hashlib
import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotaplan.cli import app

runner = CliRunner()

#: SPEC's worked check: year from January 1, quarterly, even weights, an account a1 with a target of
#: 40,000.00 carried by s1 (leaf L1), moved to L2 (s2).
FILES = {
    "plan.toml": """
        [plan]
        name = "Worked check"
        fiscal_year_start = 2027-01-01
        [targets]
        method = "even"
        topdown = 400000.00
        """,
    "territories.csv": "territory_id,parent_id\nW,\nM,W\nL1,M\nL2,M\nL3,W\n",
    "sellers.csv": "seller_id,territory_id\nboss,M\ns1,L1\ns2,L2\ns3,L3\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L1\na3,L2\na4,L3\n",
    "bookings.csv": "account_id,date,amount\n",
    "overrides.csv": "account_id,target,reason\na1,40000.00,key account\n",
}


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def ok(*args: str) -> str:
    code, output = run(*args)
    assert code == 0, output
    return output


@pytest.fixture
def team(db_url: str, tmp_path: Path) -> str:
    """Plan fy27 loaded; ana (admin, planner) and ben (planner) and mia (viewer)."""
    folder = tmp_path / "plan"
    folder.mkdir()
    for name, text in FILES.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    password = tmp_path / "pw"
    password.write_text("a long enough password\n")
    ok("load", str(folder), "--name", "fy27", "--db", db_url)
    ok("user", "add", "ana", "--password-file", str(password), "--db", db_url)
    for name, role in (("ben", "planner"), ("mia", "viewer")):
        ok("user", "add", name, "--password-file", str(password), "--db", db_url, "--as", "ana")
        ok("user", "grant", name, role, "--plan", "fy27", "--db", db_url, "--as", "ana")
    ok("user", "grant", "ana", "planner", "--plan", "fy27", "--db", db_url, "--as", "ana")
    return db_url


def periods(folder: Path) -> dict[tuple[str, str], str]:
    with (folder / "quota_periods.csv").open() as f:
        return {(r["seller_id"], r["period_start"]): r["quota"] for r in csv.DictReader(f)}


def publish(db: str) -> None:
    ok("submit", "fy27", "--db", db, "--as", "ana")
    ok("approve", "fy27", "--db", db, "--as", "ben")
    out = ok("publish", "fy27", "--db", db, "--as", "ben")
    assert "Version 1 published" in out


def test_the_workflow_and_its_refusals(team: str) -> None:
    db = team
    code, output = run("approve", "fy27", "--db", db, "--as", "ana")
    assert code == 1
    assert "draft" in output
    ok("submit", "fy27", "--db", db, "--as", "ana")
    code, output = run("adjust", "fy27", "s1", "--rate", "0.1", "--reason", "x", "--db", db, "--as", "ben")
    assert code == 1
    assert "only a draft takes changes" in output
    code, output = run("approve", "fy27", "--db", db, "--as", "ana")
    assert code == 1
    assert "nobody approves their own submission" in output
    code, output = run("approve", "fy27", "--db", db, "--as", "mia")
    assert code == 1
    assert "viewer" in output
    assert run("reject", "fy27", "--db", db, "--as", "ben")[0] == 2  # a rejection needs a reason
    ok("reject", "fy27", "--reason", "S1 too high", "--db", db, "--as", "ben")
    ok("adjust", "fy27", "s1", "--rate", "-0.05", "--reason", "as asked", "--db", db, "--as", "ana")
    publish(db)
    code, output = run("override", "fy27", "a2", "1.00", "--reason", "x", "--db", db, "--as", "ana")
    assert code == 1
    assert "fork a scenario" in output
    code, output = run("adjust", "fy27", "s1", "--rate", "0.1", "--reason", "x", "--db", db, "--as", "ana")
    assert code == 2
    assert "--effective" in output
    ok("scenario", "fork", "fy27", "baseline", "next", "--db", db, "--as", "ana")
    ok("submit", "fy27", "--scenario", "next", "--db", db, "--as", "ana")
    ok("approve", "fy27", "--scenario", "next", "--db", db, "--as", "ben")
    code, output = run("publish", "fy27", "--scenario", "next", "--db", db, "--as", "ben")
    assert code == 1
    assert "already has a published scenario" in output
    log = ok("log", "fy27", "--db", db, "--json", "--as", "mia")
    kinds = [json.loads(line)["kind"] for line in log.splitlines()]
    assert kinds == ["scenario.publish", "scenario.approve", "scenario.submit", "adjustment.add",
                     "scenario.reject", "scenario.submit"]


@pytest.mark.parametrize(("effective", "moved", "q3", "q4"), [
    ("2027-07-01", "20000.00", "10000.00", "10000.00"),
    ("2027-08-17", "14891.30", "4891.30", "10000.00"),
])
def test_an_approved_account_move_publishes_the_next_version_with_the_relief_to_the_cent(
        team: str, tmp_path: Path, effective: str, moved: str, q3: str, q4: str) -> None:
    db = team
    publish(db)
    out = ok("move", "fy27", "a1", "L2", "--effective", effective, "--reason", "re-cut", "--db", db,
             "--as", "ana")
    change_id = out.split("in-year change request ")[1].split()[0]
    code, output = run("change", "approve", "fy27", change_id, "--db", db, "--as", "ana")
    assert code == 1
    assert "nobody approves their own request" in output
    listed = json.loads(ok("changes", "fy27", "--json", "--db", db, "--as", "mia").splitlines()[0])
    assert (listed["kind"], listed["status"], listed["effective"]) == ("account.move", "requested",
                                                                        effective)
    out = ok("change", "approve", "fy27", change_id, "--reason", "agreed", "--db", db, "--as", "ben")
    assert f"Version 2 published, effective {effective}" in out
    ok("published", "fy27", "--version", "1", "--out", str(tmp_path / "v1"), "--db", db, "--as", "mia")
    ok("published", "fy27", "--out", str(tmp_path / "v2"), "--db", db, "--as", "mia")
    v1, v2 = periods(tmp_path / "v1"), periods(tmp_path / "v2")
    cents = {k: round(float(v) * 100) for k, v in v1.items()}
    after = {k: round(float(v) * 100) for k, v in v2.items()}
    change = {k: after[k] - cents[k] for k in cents if after[k] != cents[k]}
    c3, c4 = int(q3.replace(".", "")), int(q4.replace(".", ""))
    expected = {("s1", "2027-07-01"): -c3, ("s1", "2027-10-01"): -c4,
                ("s2", "2027-07-01"): c3, ("s2", "2027-10-01"): c4}
    assert change == expected
    assert sum(-d for k, d in change.items() if k[0] == "s1") == int(moved.replace(".", ""))
    # periods before the date are version 1's to the cent
    assert v2[("s1", "2027-01-01")] == v1[("s1", "2027-01-01")]
    assert v2[("s1", "2027-04-01")] == v1[("s1", "2027-04-01")]
    versions = ok("versions", "fy27", "--db", db, "--as", "mia")
    assert "request" in versions
    assert "2027" in versions
    # the published hash is the SHA-256 of the tables as written
    digest = hashlib.sha256()
    for name in sorted(p.name for p in (tmp_path / "v2").iterdir() if not p.name.startswith(".")):
        digest.update(name.encode() + b"\0" + hashlib.sha256((tmp_path / "v2" / name).read_bytes())
                      .hexdigest().encode() + b"\n")
    assert digest.hexdigest() in ok("published", "fy27", "--out", str(tmp_path / "v2b"), "--db", db,
                                    "--as", "mia")
    code, output = run("change", "approve", "fy27", change_id, "--db", db, "--as", "ben")
    assert code == 1
    assert "decided once" in output


def test_letters_of_a_stored_plan_are_of_its_published_version(team: str, tmp_path: Path) -> None:
    from pypdf import PdfReader

    db = team
    code, output = run("letters", "fy27", "--out", str(tmp_path / "none"), "--db", db, "--as", "ana")
    assert code == 2
    assert "published version" in output
    publish(db)
    out = ok("move", "fy27", "a1", "L2", "--effective", "2027-08-17", "--reason", "re-cut", "--db", db,
             "--as", "ana")
    change_id = out.split("in-year change request ")[1].split()[0]
    ok("change", "approve", "fy27", change_id, "--db", db, "--as", "ben")
    ok("letters", "fy27", "--seller", "s2", "--out", str(tmp_path / "v2"), "--db", db, "--as", "ana")
    ok("letters", "fy27", "--seller", "s2", "--version", "1", "--out", str(tmp_path / "v1"), "--db", db,
       "--as", "ana")
    ok("published", "fy27", "--out", str(tmp_path / "tables"), "--db", db, "--as", "ana")
    with (tmp_path / "tables" / "quotas.csv").open() as f:
        quota = next(r for r in csv.DictReader(f) if r["seller_id"] == "s2")["final_quota"]
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "v2" / "s2.pdf").pages)
    grouped = f"{int(quota.split('.')[0]):,}.{quota.split('.')[1]}"
    assert grouped in text
    assert "version 2" in text
    first = " ".join(page.extract_text() for page in PdfReader(tmp_path / "v1" / "s2.pdf").pages)
    assert grouped not in first
    assert "version 1" in first


def test_a_seller_leaving_in_year_keeps_the_past_and_zeroes_what_follows(team: str,
                                                                         tmp_path: Path) -> None:
    db = team
    publish(db)
    code, output = run("seller", "fy27", "s3", "--end-date", "2027-06-30", "--reason", "leaving",
                       "--db", db, "--as", "ana")
    assert code == 2
    assert "--effective" in output
    out = ok("seller", "fy27", "s3", "--end-date", "2027-06-30", "--effective", "2027-07-01",
             "--reason", "leaving", "--db", db, "--as", "ana")
    change_id = out.split("in-year change request ")[1].split()[0]
    ok("change", "approve", "fy27", change_id, "--db", db, "--as", "ben")
    ok("published", "fy27", "--version", "1", "--out", str(tmp_path / "v1"), "--db", db, "--as", "mia")
    ok("published", "fy27", "--out", str(tmp_path / "v2"), "--db", db, "--as", "mia")
    v1, v2 = periods(tmp_path / "v1"), periods(tmp_path / "v2")
    assert v2[("s3", "2027-01-01")] == v1[("s3", "2027-01-01")] != "0.00"
    assert v2[("s3", "2027-04-01")] == v1[("s3", "2027-04-01")]
    assert (v2[("s3", "2027-07-01")], v2[("s3", "2027-10-01")]) == ("0.00", "0.00")
    assert {k: v for k, v in v2.items() if k[0] != "s3"} == {k: v for k, v in v1.items() if k[0] != "s3"}


def test_a_stale_change_to_the_same_seller_is_refused_naming_who_changed_it(team: str) -> None:
    db = team
    ok("adjust", "fy27", "s1", "--rate", "0.02", "--reason", "first", "--db", db, "--as", "ben")
    code, output = run("adjust", "fy27", "s1", "--rate", "0.03", "--reason", "second", "--based-on", "0",
                       "--db", db, "--as", "ana")
    assert code == 1
    assert "ben" in output
    assert "seller s1" in output
    ok("adjust", "fy27", "s2", "--rate", "0.03", "--reason", "other seller", "--based-on", "0",
       "--db", db, "--as", "ana")
    events = ok("log", "fy27", "--json", "--db", db, "--as", "mia").splitlines()
    assert [json.loads(e)["reason"] for e in events] == ["other seller", "first"]
