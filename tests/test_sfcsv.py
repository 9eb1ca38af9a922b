"""Reading Data Loader / Bulk API files: headers in any case, Salesforce's booleans, dates and
datetimes, numbers with exponents; every bad cell located by file, line and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from quotaplan.interop.sfcsv import booleans, cents, dates, ids, read_export
from quotaplan.problems import MAX_LISTED, Problem, counts, listing_every_problem


def one_column(tmp_path: Path, cells: list[str], header: str = "Value") -> pl.DataFrame:
    body = "\n".join([header, *(f'"{c}"' for c in cells)]) + "\n"
    (tmp_path / "Thing.csv").write_text(body, encoding="utf-8")
    problems: list[Problem] = []
    frame = read_export(tmp_path, "Thing.csv", ("Value",), (), problems, what="things")
    assert frame is not None
    assert problems == []
    return frame


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-03-15", date(2026, 3, 15)),
    ("2026-03-15T23:30:00.000Z", date(2026, 3, 15)),
    ("2026-03-15T23:30:00Z", date(2026, 3, 15)),
    ("2026-03-15T23:30:00.000+0000", date(2026, 3, 15)),
    ("", None),
])
def test_dates_and_datetimes(tmp_path: Path, cell: str, expected: date | None) -> None:
    problems: list[Problem] = []
    got = dates(one_column(tmp_path, [cell]), "Value", problems, required=False)
    assert got.to_list() == [expected]
    assert problems == []


@pytest.mark.parametrize("cell", ["15/03/2026", "2026-02-30", "2026-03-15 10:00", "1899-12-31"])
def test_what_is_not_a_date(tmp_path: Path, cell: str) -> None:
    problems: list[Problem] = []
    got = dates(one_column(tmp_path, ["2026-01-01", cell]), "Value", problems, required=False)
    assert got.to_list() == [date(2026, 1, 1), None]
    assert [(p.file, p.line, p.column) for p in problems] == [("Thing.csv", 3, "Value")]


@pytest.mark.parametrize(("cell", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("false", False), ("False", False), ("0", False),
])
def test_checkbox_values(tmp_path: Path, cell: str, expected: bool) -> None:
    problems: list[Problem] = []
    assert booleans(one_column(tmp_path, [cell]), "Value", problems).to_list() == [expected]
    assert problems == []


@pytest.mark.parametrize("cell", ["yes", "", "2", "t"])
def test_what_is_not_a_checkbox_value(tmp_path: Path, cell: str) -> None:
    problems: list[Problem] = []
    booleans(one_column(tmp_path, [cell]), "Value", problems)
    assert [(p.line, p.column, p.code) for p in problems] == [(2, "Value", "bad-boolean")]


@pytest.mark.parametrize(("cell", "expected"), [
    ("1234.5", 123450), ("1234.505", 123451), ("-0.005", -1), ("1.5E7", 1_500_000_000),
    ("15000000.0", 1_500_000_000), ("2.5e-1", 25), ("", None),
])
def test_amounts_to_cents(tmp_path: Path, cell: str, expected: int | None) -> None:
    problems: list[Problem] = []
    assert cents(one_column(tmp_path, [cell]), "Value", problems).to_list() == [expected]
    assert problems == []


@pytest.mark.parametrize("cell", ["1,234.50", "NaN", "inf", "12 USD", "1e16"])
def test_what_is_not_an_amount(tmp_path: Path, cell: str) -> None:
    problems: list[Problem] = []
    cents(one_column(tmp_path, ["1", "2", cell]), "Value", problems)
    assert [(p.line, p.column) for p in problems] == [(4, "Value")]


def test_ids_of_both_lengths_and_bad_ones(tmp_path: Path) -> None:
    problems: list[Problem] = []
    frame = one_column(tmp_path, ["001A0000006Vm9r", "001A0000006Vm9rIAC", "001A0000006Vm9rIAB", ""])
    got = ids(frame, "Value", problems, required=True)
    assert got.to_list() == ["001A0000006Vm9rIAC", "001A0000006Vm9rIAC", None, None]
    assert [(p.line, p.code) for p in problems] == [(4, "bad-id"), (5, "empty-id")]


def test_headers_and_file_names_in_any_case(tmp_path: Path) -> None:
    (tmp_path / "territory2.CSV").write_bytes(b'\xef\xbb\xbf"ID","NAME"\r\n"a","b, c"\r\n')
    problems: list[Problem] = []
    frame = read_export(tmp_path, "Territory2.csv", ("Id",), ("Name", "DeveloperName"), problems,
                        what="territories")
    assert problems == []
    assert frame is not None
    assert frame.select("line", "Id", "Name").rows() == [(2, "a", "b, c")]


def test_a_column_twice_ignoring_case_and_a_missing_one(tmp_path: Path) -> None:
    (tmp_path / "A.csv").write_text("Id,ID\n1,2\n", encoding="utf-8")
    (tmp_path / "B.csv").write_text("Name\nx\n", encoding="utf-8")
    problems: list[Problem] = []
    assert read_export(tmp_path, "A.csv", ("Id",), (), problems, what="a") is None
    assert read_export(tmp_path, "B.csv", ("Id",), (), problems, what="b") is None
    assert read_export(tmp_path, "C.csv", ("Id",), (), problems, what="c") is None
    assert read_export(tmp_path, "D.csv", ("Id",), (), problems, what="d", must_exist=False) is None
    assert [(p.file, p.line, (p.column or "").lower(), p.code) for p in problems] == [
        ("A.csv", 1, "id", "repeated-column"), ("B.csv", 1, "id", "missing-column"),
        ("C.csv", None, "", "missing-file")]


def test_many_bad_cells_are_counted_truly_and_all_listed_on_request(tmp_path: Path) -> None:
    frame = one_column(tmp_path, ["x"] * 25)
    problems: list[Problem] = []
    cents(frame, "Value", problems)
    assert len(problems) == MAX_LISTED + 1
    assert problems[-1].message == f"… and {25 - MAX_LISTED} more rows like this"
    assert counts(problems)[0] == 25
    every: list[Problem] = []
    with listing_every_problem():
        cents(frame, "Value", every)
    assert [p.line for p in every] == list(range(2, 27))
