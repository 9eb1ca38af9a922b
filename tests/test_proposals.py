"""The edge of `quotaplan optimize`: lock files read with their lines named, the goals run on a
built plan, and the files written."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.build import BuildResult, build
from quotaplan.core.linear import LinearProgram, Solution
from quotaplan.demo import demo_plan_path
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.planfolder.read import read_plan
from quotaplan.proposals import OptimizeOptions, optimize, read_lock_file, write_proposals

KNOWN = frozenset({"a1", "a2", "a3"})


@pytest.fixture(scope="module")
def demo() -> BuildResult:
    plan, _ = read_plan(demo_plan_path())
    assert plan is not None
    return build(plan)


def lock(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "lock.csv"
    path.write_bytes(content)
    return path


def test_a_lock_file_gives_its_account_ids(tmp_path: Path) -> None:
    path = lock(tmp_path, b'\xef\xbb\xbfname,account_id\r\n"Acme, Inc.",a1\r\n\r\nBeta, a3 \r\n')
    assert read_lock_file(path, KNOWN) == {"a1", "a3"}


@pytest.mark.parametrize(("content", "line", "words"), [
    (b"id\na1\n", 1, "account_id column"),
    (b"account_id\na1\n\nzz\n", 4, "'zz' is not in accounts.csv"),
    (b"account_id,name\n,Acme\n", 2, "empty account id"),
    (b"account_id\na1\n\xff\xfe\n", 3, "not UTF-8"),
    (b"account_id\na1\x00\n", 2, "NUL byte"),
    (b'account_id\n"a1\n', 2, "not CSV text"),
    (b"account_id\n" + b"a" * (2 << 20) + b"\n", 2, "longer than 1 MiB"),
])
def test_a_bad_lock_line_is_named(tmp_path: Path, content: bytes, line: int, words: str) -> None:
    path = lock(tmp_path, content)
    with pytest.raises(PlanInvalid) as caught:
        read_lock_file(path, KNOWN)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.line == line
    assert words in problem.message


def test_every_bad_line_is_named_in_one_go(tmp_path: Path) -> None:
    path = lock(tmp_path, b"account_id\nx1\na1\nx2\n")
    with pytest.raises(PlanInvalid) as caught:
        read_lock_file(path, KNOWN)
    assert [p.line for p in caught.value.problems] == [2, 4]


def test_a_missing_lock_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"--lock .* does not exist"):
        read_lock_file(tmp_path / "nope.csv", KNOWN)
    with pytest.raises(UsageError, match="is a folder"):
        read_lock_file(tmp_path, KNOWN)


def test_within_an_unknown_territory_names_the_option(demo: BuildResult) -> None:
    with pytest.raises(UsageError, match="--within 'NOPE'"):
        optimize(demo, OptimizeOptions(goal="fix-coverage", within="NOPE"))


def test_balance_refuses_options_of_fix_coverage(demo: BuildResult) -> None:
    with pytest.raises(UsageError, match="fix-coverage only"):
        optimize(demo, OptimizeOptions(goal="balance-quotas", locked=frozenset({"A0001"})))


def test_the_files_say_what_the_tables_hold(demo: BuildResult, tmp_path: Path) -> None:
    proposed = optimize(demo, OptimizeOptions(goal="fix-coverage"))
    write_proposals(proposed, tmp_path)
    with (tmp_path / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["kind", "seller_id", "quota_before", "quota_after", "account_id",
                             "from_seller", "to_seller", "target", "coverage_before",
                             "coverage_after", "from_coverage_before", "from_coverage_after",
                             "node"]
    assert rows
    assert all(r["kind"] == "move" and re.fullmatch(r"\d+\.\d\d", r["target"]) for r in rows)
    assert all(r["quota_before"] == "" and r["seller_id"] == "" for r in rows)
    assert all(re.fullmatch(r"\d+\.\d{6}", r["coverage_after"]) for r in rows)
    headline = json.loads((tmp_path / "optimize.json").read_text(encoding="utf-8"))
    assert headline["moves"] == len(rows)
    moved = sum(int(r["target"].replace(".", "")) for r in rows)
    assert headline["target_moved"] == f"{moved // 100}.{moved % 100:02d}"
    assert headline["before"]["street_quota"] == headline["after"]["street_quota"]
    # The moves are proven the fewest; the tie-break on target has a short budget (it may stop
    # early on a busy machine, which makes the status "feasible").
    assert headline["solver"]["status"] in ("optimal", "feasible")
    assert headline["solver"]["gap"] == 0.0


def test_balance_writes_quota_rows(demo: BuildResult, tmp_path: Path) -> None:
    proposed = optimize(demo, OptimizeOptions(goal="balance-quotas"))
    write_proposals(proposed, tmp_path)
    with (tmp_path / "proposals.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert all(r["kind"] == "quota" and r["account_id"] == "" for r in rows)
    before = sum(int(r["quota_before"].replace(".", "")) for r in rows)
    after = sum(int(r["quota_after"].replace(".", "")) for r in rows)
    assert before == after  # the changed quotas alone already keep the totals


@settings(max_examples=200, deadline=None)
@given(content=st.one_of(
    st.binary(max_size=300),
    st.lists(st.lists(st.text(max_size=8), max_size=4), max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in [["account_id", "x"], *rows]).encode()),
))
def test_any_lock_file_gives_ids_or_named_problems(content: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "lock.csv"
        path.write_bytes(content)
        problems = []
        try:
            ids = read_lock_file(path, KNOWN)
        except PlanInvalid as exc:
            problems, ids = exc.problems, frozenset()
        assert ids <= KNOWN
        assert all(p.file == str(path) and p.severity == "error" for p in problems)


class OutOfTime:
    """A solver whose every program runs out of time before an answer."""

    def solve(self, program: LinearProgram, time_limit: float) -> Solution:
        return Solution("no_solution", None, seconds=time_limit)


@pytest.mark.parametrize("goal", ["balance-quotas", "fix-coverage"])
def test_programs_without_an_answer_propose_nothing_and_say_so(
    demo: BuildResult, goal: str
) -> None:
    from rich.console import Console

    from quotaplan.report.optimize import render_optimisation

    proposed = optimize(demo, OptimizeOptions(goal=goal), OutOfTime())
    assert proposed.proposals.is_empty()
    solver = proposed.headline["solver"]
    assert solver["unsolved"] == solver["programs"] > 0
    assert solver["status"] == "no_solution"
    assert solver["gap"] is None
    assert proposed.headline["after"] == proposed.headline["before"]
    console = Console(record=True, width=200)
    for item in render_optimisation(proposed):
        console.print(item)
    text = console.export_text()
    assert "ran out of time with no answer" in text
    assert "Nothing to propose." in text
