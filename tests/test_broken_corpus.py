"""The corpus of broken plan folders: each folder breaks one rule, ``expected.txt`` says how.

Every line of ``expected.txt`` must appear in one rendered problem (``file:line (column): severity:
message``). A folder that expects an error must be rejected; one that expects only warnings must
still give a plan.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quotaplan.planfolder.read import read_plan

CORPUS = Path(__file__).parent / "data" / "broken"
FOLDERS = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def expected_lines(folder: Path) -> list[str]:
    text = (folder / "expected.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def test_corpus_is_there() -> None:
    assert len(FOLDERS) >= 50
    for folder in FOLDERS:
        assert expected_lines(folder), f"{folder.name}/expected.txt lists nothing"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_broken_plan_reports_every_expected_problem(folder: Path) -> None:
    plan, problems = read_plan(folder)
    rendered = [p.render() for p in problems]
    for line in expected_lines(folder):
        assert any(line in r for r in rendered), f"{line!r} not among:\n" + "\n".join(rendered)
    expects_error = any(": error: " in line for line in expected_lines(folder))
    if expects_error:
        assert plan is None
    else:
        assert plan is not None, "only warnings were expected, but the plan was rejected:\n" + (
            "\n".join(rendered))
        assert all(p.severity == "warning" for p in problems)


def test_every_problem_names_its_file() -> None:
    for folder in FOLDERS:
        for problem in read_plan(folder)[1]:
            assert problem.file.lower().endswith((".csv", ".toml")), problem
            if problem.file.endswith(".csv") and problem.line is not None:
                assert problem.line >= 1
