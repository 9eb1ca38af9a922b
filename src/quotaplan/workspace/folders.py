"""Plan folders through the workspace: what ``validate`` and ``build`` of a folder do.

Reading checks every file and row; building runs the computation, which finds the errors reading
could not (a quota that overflows, a split with nothing to split). ``validate`` reports both; a
build of a plan with errors is refused with both (:class:`~quotaplan.errors.PlanInvalid`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from quotaplan.build import BuildResult, build
from quotaplan.errors import PlanInvalid
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem, has_errors


def check_folder(folder: Path, *, read: Callable[[Plan], object] | None = None
                 ) -> tuple[Plan | None, BuildResult | None, list[Problem]]:
    """(the plan, its build, every problem ``validate`` lists): the plan and build are ``None``
    when reading or computing found errors. ``read`` is called with the plan once it has been
    read without errors, before it is computed (to start work on it beside the computation)."""
    plan, problems = read_plan(folder)
    if plan is None or has_errors(problems):
        return None, None, problems
    if read is not None:
        read(plan)
    try:
        result = build(plan)
    except PlanInvalid as exc:
        return plan, None, problems + exc.problems
    return plan, result, problems + result.problems


def build_folder(folder: Path) -> BuildResult:
    """The build of a valid plan folder, its reading's warnings among its problems;
    PlanInvalid with every problem otherwise."""
    _, result, problems = check_folder(folder)
    if result is None or has_errors(problems):
        raise PlanInvalid(problems)
    return replace(result, problems=problems)
