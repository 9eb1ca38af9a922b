"""The weight and bucket rules, one definition: validating a plan and splitting its number (on a
plan that was never validated) say the same thing about the same cells, and the edges the two
used to disagree on are decided as SPEC "Account targets" says."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from tests.core.test_targets import memory_plan

from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.core.split_inputs import MAX_WEIGHT_DIGITS
from quotaplan.core.targets import compute_targets
from quotaplan.plan import Plan
from quotaplan.planfolder.checks import run_checks
from quotaplan.problems import Problem
from quotaplan.schemas import INPUTS

Problems = Callable[[dict[str, str]], list[Problem]]


def said(problems: list[Problem], *codes: str) -> list[tuple[str, int | None, str | None, str, str]]:
    return [(p.file, p.line, p.column, p.code, p.message) for p in problems if p.code in codes]


def checked(plan: Plan) -> list[Problem]:
    return run_checks(plan.settings, {name: getattr(plan, name) for name in INPUTS})


def computed(plan: Plan) -> list[Problem]:
    return compute_targets(plan, build_hierarchy(plan)).problems


def with_potential(section: dict[str, Any], cells: list[str | None]) -> Plan:
    ids = [f"a{i}" for i in range(len(cells))]
    plan = memory_plan(section, {"account_id": ids, "territory_id": ["l1"] * len(ids)}, {"root": 100})
    return plan.with_tables(accounts=plan.accounts.with_columns(pl.Series("potential", cells)))


WEIGHTED = {"method": "weighted", "weight": "potential"}


def test_bad_and_negative_weights_are_said_alike_by_validation_and_by_the_split() -> None:
    plan = with_potential(WEIGHTED, ["1", "lots", "-2", "3"])
    found = said(checked(plan), "weight")
    assert [(line, message.split(" is ")[0]) for _, line, _, _, message in found] == [
        (3, "'lots'"), (4, "'-2'")]
    assert said(computed(plan), "weight") == found


def test_a_weight_too_long_for_millionths_is_an_error_when_split_too() -> None:
    # Was: the split read up to 15 integer digits, whose millionths overflow Int64; validation
    # already stopped at 12. Both stop at 12 now.
    longest = "9" * MAX_WEIGHT_DIGITS
    plan = with_potential(WEIGHTED, [longest, "1" + longest])
    found = said(computed(plan), "weight")
    assert [(line, code) for _, line, _, code, _ in found] == [(3, "weight")]
    assert f"at most {MAX_WEIGHT_DIGITS} before it" in found[0][4]
    assert found == said(checked(plan), "weight")


def test_a_negative_weight_below_a_millionth_is_negative_when_split_too() -> None:
    # Was: the split rounded -0.0000001 to 0 millionths and weighed the account 0; validation
    # said it is negative. Both say so now, and the account takes no part.
    plan = with_potential(WEIGHTED, ["-0.0000001", "1"])
    result = compute_targets(plan, build_hierarchy(plan))
    assert [(p.line, p.code) for p in result.problems] == [(2, "weight")]
    assert "is negative" in result.problems[0].message
    assert said(result.problems, "weight") == said(checked(plan), "weight")


def test_an_amount_column_does_not_weigh_targets() -> None:
    # Was: the split accepted an amount column (bottom_up_target) as a weight; validation said it
    # is not a numeric column of the accounts. The split says so now.
    plan = with_potential({"method": "weighted", "weight": "bottom_up_target"}, ["1"])
    found = said(computed(plan), "weight")
    assert [(file, column) for file, _, column, _, _ in found] == [("plan.toml", "targets.weight")]
    assert "is not a numeric column" in found[0][4]
    assert found == said(checked(plan), "weight")


BUCKETS: dict[str, Any] = {"method": "bucketed", "bucket_by": "grade",
                           "buckets": {"A": Decimal("0.5"), "B": Decimal("0.5")}}


def test_bucket_problems_are_said_alike_by_validation_and_by_the_split() -> None:
    plan = memory_plan(BUCKETS, {"account_id": ["a1", "a2", "d1", "d2"],
                                 "territory_id": ["l1", "l2", "l3", "l4"],
                                 "grade": ["A", None, "D", "D"]}, {"root": 100})
    found = said(checked(plan), "bucket")
    assert [(line, code) for _, line, _, code, _ in found] == [(3, "bucket"), (4, "bucket")]
    assert "has no grade" in found[0][4]
    assert "'D' (2 eligible account(s)" in found[1][4]
    assert said(computed(plan), "bucket") == found


def test_a_numeric_bucket_column_is_refused_when_the_plan_is_read(problems_of: Problems) -> None:
    # SPEC: bucket_by is a text column. Was: validation read employees (millionths) as bucket
    # names ("'5000000' has no share"), and only the build refused the column. Now reading does,
    # with the build's sentence.
    toml = textwrap.dedent("""
        [plan]
        name = "p"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "bucketed"
        bucket_by = "employees"
        buckets = { A = 1 }
        topdown = 100
    """)
    problems = problems_of({
        "plan.toml": toml,
        "territories.csv": "territory_id,parent_id\nroot,\nl1,root\n",
        "sellers.csv": "seller_id,territory_id\ns1,l1\n",
        "accounts.csv": "account_id,territory_id,employees\na1,l1,5\n",
    })
    assert [(p.file, p.column, p.code, p.message) for p in problems if p.severity == "error"] == [
        ("plan.toml", "targets.bucket_by", "bucket-column",
         "targets.bucket_by: accounts.csv has no text column 'employees'; name one such as grade "
         "or segment")]


@pytest.mark.parametrize("cells", [["1", "2"], ["0.5", ""]])
def test_good_weights_raise_nothing_anywhere(cells: list[str | None]) -> None:
    plan = with_potential(WEIGHTED | {"missing_weight": "zero"}, cells)
    assert said(checked(plan), "weight") == []
    assert computed(plan) == []
