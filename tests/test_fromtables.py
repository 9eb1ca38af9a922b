"""Plans from tables of text cells (:func:`quotaplan.plan.Plan.from_tables`): the same typing and
checks as a plan folder's, every problem located by the table's source and the row's line."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from quotaplan.demo import demo_plan_path
from quotaplan.plan import Plan
from quotaplan.planfolder.csvrows import check_bytes, split_rows
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem
from quotaplan.schemas import INPUTS
from quotaplan.settings import Settings, parse_settings, read_settings

CORPUS = Path(__file__).parent / "data" / "broken"
#: Problems of files as files (names, bytes, separators, rows): the folder reader's alone.
FILE_CODES = {"file-name", "missing-file", "unreadable", "encoding", "line-too-long", "empty",
              "ragged", "quoting", "separator"}
STORE = {table: f"store:{table}" for table in ("settings", *INPUTS)}


def text_tables(folder: Path) -> dict[str, pl.DataFrame] | None:
    """A plan folder's CSV files as a CSV reader hands them (text cells and ``line``), or ``None``
    when a file cannot even be split into rows."""
    tables: dict[str, pl.DataFrame] = {}
    for table, schema in INPUTS.items():
        path = folder / schema.file
        if not path.is_file():
            continue
        data = path.read_bytes()
        if check_bytes(schema.file, data):
            return None
        _, frame, problems = split_rows(schema.file, data)
        if problems or frame is None:
            return None
        tables[table] = frame
    return tables


def settings_of(text: str) -> Settings:
    settings, problems = parse_settings(text)
    assert settings is not None, problems
    return settings


def said(problems: list[Problem]) -> list[tuple[str, int | None, str | None, str, str]]:
    # plan.toml keys are put on their lines only when there is a file to look in.
    return [(p.file, None if p.file == "plan.toml" else p.line, p.column, p.message, p.severity)
            for p in problems]


def test_the_demo_plan_from_its_text_tables_equals_the_folders_plan() -> None:
    folder = demo_plan_path()
    tables = text_tables(folder)
    settings, _ = read_settings(folder / "plan.toml")
    assert tables is not None
    assert settings is not None
    built, problems = Plan.from_tables(settings, tables)
    read, read_problems = read_plan(folder)
    assert built is not None
    assert read is not None
    assert said(problems) == said(read_problems)
    for table in INPUTS:
        assert getattr(built, table).equals(getattr(read, table)), table
    assert built.settings == read.settings


FOLDERS = sorted(p for p in CORPUS.iterdir() if p.is_dir() and (p / "plan.toml").is_file())


def test_broken_plans_from_tables_have_the_folders_problems() -> None:
    """Wherever the files split into rows and plan.toml is valid, the tables give exactly the
    problems the folder gives (the rest are problems of files as files: the reader's)."""
    compared = 0
    for folder in FOLDERS:
        read, read_problems = read_plan(folder)
        settings, toml_problems = read_settings(folder / "plan.toml")
        tables = text_tables(folder)
        if (settings is None or tables is None or toml_problems
                or any(p.code in FILE_CODES for p in read_problems)):
            continue
        built, problems = Plan.from_tables(settings, tables)
        assert said(problems) == said(read_problems), folder.name
        assert (built is None) == (read is None), folder.name
        compared += 1
    assert compared >= 40


def test_problems_name_the_store_table_and_row_id() -> None:
    settings = settings_of('[plan]\nname = "P"\nfiscal_year_start = 2026-01-01\n'
                           "[targets]\nmethod = \"even\"\ntopdown = 1000\n")
    territories = pl.DataFrame({"line": [11, 12], "territory_id": ["ROOT", "T1"],
                                "parent_id": ["", "ROOT"]})
    sellers = pl.DataFrame({"line": [21], "seller_id": ["S1"], "territory_id": ["T1"],
                            "ote": ["1.234,50"]})
    accounts = pl.DataFrame({"line": [31, 32], "account_id": ["A1", "A2"],
                             "territory_id": ["T1", "T9"]})
    plan, problems = Plan.from_tables(settings, {"territories": territories, "sellers": sellers,
                                                 "accounts": accounts}, STORE)
    assert plan is None
    where = {(p.file, p.line, p.column, p.code) for p in problems}
    assert ("store:sellers", 21, "ote", "number") in where
    assert ("store:accounts", 32, "territory_id", "unknown-reference") in where
    unknown = next(p for p in problems if p.code == "unknown-reference")
    assert "is not in store:territories" in unknown.message
    assert not any(".csv" in p.message or "plan.toml" in p.message for p in problems)
    ote = next(p for p in problems if p.column == "ote")
    assert "decimal comma" in ote.message or "1.234,50" in ote.message


def test_a_valid_plan_from_tables_is_typed_exactly_and_remembers_its_sources() -> None:
    settings = settings_of('[plan]\nname = "P"\nfiscal_year_start = 2026-01-01\n'
                           '[targets]\nmethod = "even"\ntopdown = 1000\n')
    plan, problems = Plan.from_tables(settings, {
        "territories": pl.DataFrame({"line": [1, 2], "territory_id": ["ROOT", "T1"],
                                     "parent_id": [None, "ROOT"]}),
        "sellers": pl.DataFrame({"line": [5], "seller_id": ["S1"], "territory_id": ["T1"],
                                 "hire_date": ["2025-03-01"], "ote": ["120000.005"]}),
        "accounts": pl.DataFrame({"line": [7], "account_id": ["007"], "territory_id": ["T1"]}),
        "bookings": pl.DataFrame({"line": [9], "account_id": ["007"], "date": ["2025-06-30"],
                                  "amount": ["-0.01"]}),
    }, STORE)
    assert problems == []
    assert plan is not None
    assert plan.sellers.get_column("ote").to_list() == [12_000_001]  # half away from zero
    assert plan.bookings.get_column("amount").to_list() == [-1]
    assert plan.accounts.get_column("account_id").to_list() == ["007"]
    assert plan.accounts.get_column("status").to_list() == ["active"]
    assert plan.source("accounts") == "store:accounts"
    assert plan.overrides.height == 0
    assert plan.overrides.schema["target"] == pl.Int64


def test_missing_tables_and_columns_are_problems_not_exceptions() -> None:
    settings = settings_of('[plan]\nname = "P"\nfiscal_year_start = 2026-01-01\n')
    plan, problems = Plan.from_tables(settings, {
        "territories": pl.DataFrame({"line": [1], "territory_id": ["ROOT"]}),
        "sellers": pl.DataFrame({"line": [1], "seller_id": ["S1"]}),
        "forecasts": pl.DataFrame({"line": [1], "x": ["1"]}),
    }, STORE)
    assert plan is None
    codes = {(p.file, p.column, p.code) for p in problems}
    assert ("store:accounts", None, "missing-file") in codes
    assert ("store:sellers", "territory_id", "missing-column") in codes
    assert ("forecasts", None, "unknown-table") in codes
