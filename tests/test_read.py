"""Reading a plan folder: every plan file that is there is read, or is an error naming it.

A plan file that exists but cannot be read (a folder, a broken link, a pipe, no permission) is an
error, never "absent"; a file whose name differs from a plan file's only in case is an error that
names the expected name.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem

OVERRIDE = "account_id,target,reason\na1,5,leader's call\n"
VALID = {
    "plan.toml": """
        [plan]
        name = "Reading plan"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 1000
    """,
    "territories.csv": "territory_id,name,parent_id\nR,Root,\nA,Alpha,R\n",
    "sellers.csv": "seller_id,name,territory_id\ns1,Ann,A\n",
    "accounts.csv": "account_id,territory_id\na1,A\na2,A\n",
}

PlanDir = Callable[[dict[str, str]], Path]


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def test_the_valid_plan_reads(plan_dir: PlanDir) -> None:
    plan, problems = read_plan(plan_dir(VALID))
    assert plan is not None, problems


def test_a_folder_named_like_a_plan_file_is_an_error_not_absent(plan_dir: PlanDir) -> None:
    folder = plan_dir(VALID)
    (folder / "overrides.csv").mkdir()
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == "overrides.csv"
    assert "is a folder, not a file" in found.message


def test_a_broken_link_is_an_error_naming_its_target(plan_dir: PlanDir) -> None:
    folder = plan_dir(VALID)
    (folder / "bookings.csv").symlink_to(folder / "gone.csv")
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == "bookings.csv"
    assert "gone.csv" in found.message
    assert "does not exist" in found.message


def test_a_link_that_loops_cannot_be_read_even_by_root(plan_dir: PlanDir) -> None:
    folder = plan_dir(VALID)
    (folder / "overrides.csv").symlink_to(folder / "overrides.csv")
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == "overrides.csv"
    assert "cannot be read" in found.message


def test_a_pipe_is_refused_without_being_opened(plan_dir: PlanDir) -> None:
    """Opening a named pipe would wait for a writer forever: it is refused by its kind."""
    folder = plan_dir(VALID)
    os.mkfifo(folder / "adjustments.csv")
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert (found.file, "not a plain file" in found.message) == ("adjustments.csv", True)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file without read permission; the "
                    "loop and pipe cases cover what root cannot read")
def test_a_file_without_read_permission_is_an_error(plan_dir: PlanDir) -> None:
    folder = plan_dir(VALID | {"overrides.csv": OVERRIDE})
    (folder / "overrides.csv").chmod(0)
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == "overrides.csv"
    assert "permission denied" in found.message


def test_plan_toml_as_a_folder_is_that_error_and_not_also_missing(plan_dir: PlanDir) -> None:
    files = dict(VALID)
    del files["plan.toml"]
    folder = plan_dir(files)
    (folder / "plan.toml").mkdir()
    plan, problems = read_plan(folder)
    assert plan is None
    assert [(p.file, "is a folder" in p.message) for p in errors(problems)] == [
        ("plan.toml", True)]


@pytest.mark.parametrize(("written", "expected"), [
    ("Overrides.csv", "overrides.csv"),
    ("bookings.CSV", "bookings.csv"),
    ("ACCOUNTS.csv", "accounts.csv"),
    ("Plan.toml", "plan.toml"),
])
def test_a_name_differing_only_in_case_is_an_error_naming_the_expected_name(
    plan_dir: PlanDir, written: str, expected: str
) -> None:
    contents = VALID | {"overrides.csv": OVERRIDE, "bookings.csv": "account_id,date,amount\n"}
    folder = plan_dir({written if name == expected else name: text
                       for name, text in contents.items()})
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == written
    assert f"rename it to {expected}" in found.message


def test_a_case_twin_beside_the_right_name_is_still_an_error(plan_dir: PlanDir) -> None:
    folder = plan_dir(VALID | {"overrides.csv": OVERRIDE, "Overrides.csv": OVERRIDE})
    if len(os.listdir(folder)) == len(VALID) + 1:
        pytest.skip("this file system does not tell names apart by case")
    plan, problems = read_plan(folder)
    assert plan is None
    [found] = errors(problems)
    assert found.file == "Overrides.csv"
    assert "keep one" in found.message
