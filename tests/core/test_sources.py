"""The core never names a plan file: its problems carry the sources the plan names."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import quotaplan.core
from quotaplan.build import build
from quotaplan.plan import FOLDER_SOURCES, Plan

LoadPlan = Callable[[dict[str, str]], Plan]

CORE = Path(quotaplan.core.__file__).parent
#: What names a plan or output file in a string.
FILE_MARKS = (".csv", "plan.toml", ".toml")


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (module, class, function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def code_strings(source: str) -> Iterator[tuple[int, str]]:
    """(line, text) of every string constant of ``source`` that is code, not a docstring (comments
    are not in the tree); the literal parts of f-strings included."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value


def test_the_finder_sees_literals_and_f_strings_but_not_docstrings() -> None:
    source = ('"""Reads plan.toml."""\n'
              'def f(n: int) -> str:\n'
              '    """From sellers.csv."""\n'
              '    # accounts.csv\n'
              '    return f"adjustments.csv line {n}" + "topdown.csv"\n')
    found = [text for _, text in code_strings(source) if any(m in text for m in FILE_MARKS)]
    assert sorted(found) == ["adjustments.csv line ", "topdown.csv"]


def test_no_code_path_in_core_names_a_file() -> None:
    named = [
        f"{path.name}:{line}: {text!r}"
        for path in sorted(CORE.rglob("*.py"))
        for line, text in code_strings(path.read_text(encoding="utf-8"))
        if any(mark in text for mark in FILE_MARKS)
    ]
    assert list(CORE.rglob("*.py")), "the core's modules were not found"
    assert named == []


# --- a plan from elsewhere shows its own sources ------------------------------------------------

SOURCES = {table: f"store:{table}" for table in FOLDER_SOURCES}


def problem_files(plan: Plan) -> set[str]:
    return {p.file for p in build(plan).problems}


def test_core_problems_name_the_plans_sources(load_plan: LoadPlan) -> None:
    files = {
        "plan.toml": """
            [plan]
            name = "Sources"
            fiscal_year_start = 2026-01-01
            [targets]
            method = "growth"
            [ramp]
            profiles = { fast = [1.0] }
        """,
        "territories.csv": "territory_id,parent_id\nR,\nL1,R\nL2,R\n",
        "sellers.csv": """
            seller_id,territory_id,status,hire_date,ramp_profile
            s1,L1,active,2020-01-01,
            s2,L2,tbh,,
        """,
        "accounts.csv": "account_id,territory_id\na1,L1\na2,L2\n",
        "bookings.csv": "account_id,date,amount\na1,2025-03-01,-100\na2,2026-02-01,50\n",
        "adjustments.csv": "seller_id,amount,reason\ns1,-5000,carve-out\n",
    }
    plan = load_plan(files)
    on_folder = build(plan)
    assert {p.file for p in on_folder.problems} >= {"sellers.csv", "bookings.csv",
                                                    "accounts.csv", "adjustments.csv"}
    renamed = build(replace(plan, sources=SOURCES))
    # The same problems, each located by the plan's source for its file.
    back = {v: k for k, v in FOLDER_SOURCES.items()}
    assert [(SOURCES[back[p.file]], p.line, p.code) for p in on_folder.problems] == [
        (p.file, p.line, p.code) for p in renamed.problems]
    assert all(".csv" not in p.message for p in renamed.problems), [
        p.render() for p in renamed.problems]
    # The ledger's adjustment reasons name the source too.
    ledger = renamed.ledgers["s1"]
    reasons = [line.reason for line in ledger.lines]
    assert any("store:adjustments line 2" in r for r in reasons), reasons
