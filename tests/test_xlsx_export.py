"""`quotaplan export xlsx`: read back by an independent reader (openpyxl), every figure equals the
CSV outputs to the cent; the sheets carry their formats; formula-like text is neutralised."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from conftest import shared_data
from quotaplan.cli import app
from quotaplan.demo import demo_plan_path
from quotaplan.importers import import_maven_crm

runner = CliRunner()
AMOUNT = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
RATIO = re.compile(r"^-?[0-9]+\.[0-9]{6}$")
#: Each CSV output, the sheet that holds its figures and the columns that key a row.
SHEETS = {
    "quotas.csv": ("Sellers", ("seller_id",)),
    "gap.csv": ("Sellers", ("seller_id",)),
    "quota_periods.csv": ("Periods", ("seller_id", "period_start")),
    "account_targets.csv": ("Accounts", ("account_id",)),
    "rollup.csv": ("Roll-up", ("territory_id",)),
}


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def cell_text(value: Any, csv_text: str | None) -> str | None:
    """A cell as the CSV writes the same figure: amounts with two decimals (the cell's number
    quantised to the cent), ratios with six, counts as digits, dates ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, int | float):
        if csv_text is not None and AMOUNT.match(csv_text):
            return str(Decimal(value).quantize(Decimal("0.01")))
        if csv_text is not None and RATIO.match(csv_text):
            return f"{value:.6f}"
        return str(int(value)) if float(value).is_integer() else repr(value)
    return str(value)


def sheet_rows(ws: Worksheet) -> list[dict[str, Any]]:
    rows = ws.iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def assert_equals_csv(book: openpyxl.Workbook, outputs: Path) -> int:
    """Every cell of every CSV output equals the workbook's; returns the number of amounts seen."""
    amounts = 0
    for file, (sheet, key) in SHEETS.items():
        csv = pl.read_csv(outputs / file, infer_schema=False)
        rows = {tuple(cell_text(r[k], None) for k in key): r for r in sheet_rows(book[sheet])}
        assert len(rows) == csv.height, f"{sheet} has {len(rows)} rows, {file} {csv.height}"
        for record in csv.iter_rows(named=True):
            row = rows[tuple(record[k] for k in key)]
            for column, text in record.items():
                assert column in row, f"{sheet} lacks {file}'s column {column}"
                assert cell_text(row[column], text) == text, (file, record[key[0]], column)
                amounts += bool(text and AMOUNT.match(text))
    return amounts


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("demo")
    assert invoke("build", str(demo_plan_path()), "--out", str(folder / "out")).exit_code == 0
    result = invoke("export", "xlsx", str(demo_plan_path()), "--out", str(folder / "plan.xlsx"))
    assert result.exit_code == 0, result.output
    return folder / "plan.xlsx", folder / "out"


def test_every_figure_reads_back_equal_to_the_csv_outputs(demo_book: tuple[Path, Path]) -> None:
    path, outputs = demo_book
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Sellers", "Periods", "Accounts", "Roll-up", "Ledger"]
    assert book.properties.creator == "quotaplan"
    assert assert_equals_csv(book, outputs) > 5_000


def test_the_workbook_of_an_output_folder_says_the_same(demo_book: tuple[Path, Path],
                                                        tmp_path: Path) -> None:
    _, outputs = demo_book
    result = invoke("export", "xlsx", str(outputs), "--out", str(tmp_path / "out.xlsx"))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert_equals_csv(book, outputs)
    ledger = book["Ledger"]
    assert "run `quotaplan export xlsx PLAN" in str(ledger["A1"].value)


def test_summary_holds_the_headline_figures(demo_book: tuple[Path, Path]) -> None:
    import json

    path, outputs = demo_book
    summary = json.loads((outputs / "summary.json").read_text())
    rows = {r["key"]: r["value"] for r in sheet_rows(openpyxl.load_workbook(path)["Summary"])}
    assert rows["plan.name"] == "Demo FY2027 Global"
    assert rows["plan.fiscal_year_start"] == datetime(2027, 1, 1)
    for key in ("topdown", "street_quota", "strategic_gap", "quota_gap", "productive_capacity"):
        assert str(Decimal(rows[key]).quantize(Decimal("0.01"))) == summary[key]
    assert rows["sellers_by_risk.high"] == summary["sellers_by_risk"]["high"]
    assert rows["attainment_factor"] == pytest.approx(summary["attainment_factor"])


def test_sheets_are_formatted_for_people(demo_book: tuple[Path, Path]) -> None:
    book = openpyxl.load_workbook(demo_book[0])
    for name in ("Sellers", "Periods", "Accounts", "Roll-up", "Ledger"):
        ws = book[name]
        assert ws.freeze_panes == "B2", name
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert all((ws.column_dimensions[c].width or 0) >= 9 for c in "ABC")
    sellers = book["Sellers"]
    header = [c.value for c in sellers[1]]
    second = sellers[2]
    formats = {h: second[i].number_format for i, h in enumerate(header)}
    assert formats["final_quota"] == "[$USD] #,##0.00;[$USD] -#,##0.00"
    assert formats["coverage"] == "0.00%"
    assert formats["strategic_factor"] == "0.0000"
    assert book["Periods"]["B2"].number_format == "yyyy-mm-dd"
    assert isinstance(book["Periods"]["B2"].value, datetime)


def test_the_risk_column_is_coloured(demo_book: tuple[Path, Path]) -> None:
    ws = openpyxl.load_workbook(demo_book[0])["Sellers"]
    risk = [c.value for c in ws[1]].index("risk") + 1
    letter = ws.cell(1, risk).column_letter
    rules = {}
    for area in ws.conditional_formatting:
        assert str(area.sqref) == f"{letter}2:{letter}{ws.max_row}"
        for rule in area.rules:
            rules[rule.formula[0]] = rule.dxf.fill.bgColor.rgb
    assert rules == {'"high"': "FFF8CBAD", '"medium"': "FFFFE699", '"low"': "FFC6EFCE"}


def test_the_ledger_sheet_holds_every_line_with_its_reason(demo_book: tuple[Path, Path]) -> None:
    from quotaplan.cli import _build

    rows = sheet_rows(openpyxl.load_workbook(demo_book[0])["Ledger"])
    result = _build(demo_plan_path())
    expected = [(sid, line.label, line.reason) for sid in sorted(result.ledgers)
                for line in result.ledgers[sid].lines]
    assert [(r["seller_id"], r["label"], r["reason"]) for r in rows] == expected
    finals = {r["seller_id"]: r["quota"] for r in rows if r["step"] == "final"}
    quotas = dict(result.quotas.select("seller_id", "final_quota").iter_rows())
    assert {k: round(v * 100) for k, v in finals.items()} == quotas


def test_formula_like_text_is_neutralised(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(demo_plan_path(), plan)
    sellers = (plan / "sellers.csv").read_text()
    (plan / "sellers.csv").write_text(sellers.replace("Esther Zhang", '"=HYPERLINK(""x"")"'))
    overrides = (plan / "overrides.csv").read_text()
    (plan / "overrides.csv").write_text(overrides.replace("Budget freeze announced by the customer",
                                                          "@SUM(A1) -5% cut"))
    result = invoke("export", "xlsx", str(plan), "--out", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    names = {r["seller_id"]: r["name"] for r in sheet_rows(book["Sellers"])}
    assert names["S01"] == "'=HYPERLINK(\"x\")"
    reasons = [r["override_reason"] for r in sheet_rows(book["Accounts"]) if r["override_reason"]]
    assert "'@SUM(A1) -5% cut" in reasons
    for ws in book.worksheets:  # no cell anywhere is a formula
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_a_long_table_continues_on_numbered_sheets(tmp_path: Path) -> None:
    import xlsxwriter  # noqa: F401  (the writer under test)

    from quotaplan.interop.workbook import Formats, open_workbook, write_table

    frame = pl.DataFrame({"account_id": [f"A{i}" for i in range(7)], "target": list(range(7))})
    book = open_workbook(tmp_path / "split.xlsx")
    names = write_table(book, Formats(book, "EUR"), "Accounts", frame,
                        {"account_id": "text", "target": "amount"}, max_rows=3)
    book.close()
    assert names == ["Accounts", "Accounts 2", "Accounts 3"]
    read = openpyxl.load_workbook(tmp_path / "split.xlsx")
    ids = [r["account_id"] for n in names for r in sheet_rows(read[n])]
    assert ids == [f"A{i}" for i in range(7)]
    assert read["Accounts 3"]["B2"].value == 0.06


def test_refusals_are_usage_errors_that_leave_files_intact(tmp_path: Path) -> None:
    foreign = tmp_path / "mine.xlsx"
    foreign.write_bytes(b"not written by quotaplan")
    plan = str(demo_plan_path())
    cases = [
        ("export", "xlsx", plan, "--out", str(foreign)),
        ("export", "xlsx", plan, "--out", str(tmp_path / "book.csv")),
        ("export", "xlsx", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a.xlsx")),
        ("export", "xlsx", str(tmp_path), "--out", str(tmp_path / "a.xlsx")),
    ]
    for args in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
    assert foreign.read_bytes() == b"not written by quotaplan"
    assert not (tmp_path / "a.xlsx").exists()


def test_its_own_workbook_is_replaced(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    assert invoke("export", "xlsx", str(demo_plan_path()), "--out", str(out)).exit_code == 0
    result = invoke("export", "xlsx", str(demo_plan_path()), "--out", str(out), "--plan-sheets")
    assert result.exit_code == 0, result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == "plan"


@pytest.mark.realdata
def test_a_real_data_set_reads_back_equal_to_its_outputs(tmp_path: Path) -> None:
    import_maven_crm(shared_data("maven_crm"), tmp_path / "maven")
    assert invoke("build", str(tmp_path / "maven"), "--out", str(tmp_path / "out")).exit_code == 0
    result = invoke("export", "xlsx", str(tmp_path / "maven"), "--out", str(tmp_path / "m.xlsx"))
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert assert_equals_csv(book, tmp_path / "out") > 1000


def test_a_plan_with_errors_is_not_exported(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(demo_plan_path(), plan)
    accounts = (plan / "accounts.csv").read_text()
    (plan / "accounts.csv").write_text(accounts.replace("A0001,Pioneer Energy plc,TR37",
                                                        "A0001,Pioneer Energy plc,NOWHERE"))
    for extra in ([], ["--plan-sheets"]):
        result = invoke("export", "xlsx", str(plan), "--out", str(tmp_path / "x.xlsx"), *extra)
        assert result.exit_code == 1, result.output
        assert "accounts.csv:2" in result.output
    assert not (tmp_path / "x.xlsx").exists()


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["quotas.csv", "gap.csv", "quota_periods.csv", "account_targets.csv",
                        "rollup.csv", "summary.json"]),
       st.one_of(st.binary(max_size=200),
                 st.text(st.sampled_from('0123456789.-,"=\n ab'), max_size=60).map(str.encode),
                 st.sampled_from([b"", b'{"topdown": "NaN", "x": {"a": [1, {}]}, "y": 1e400}',
                                  b"[]", b"seller_id,final_quota\n1,99999999999999999999.99\n",
                                  b"seller_id,coverage\n1," + b"9" * 400 + b"\n"])),
       st.booleans())
def test_no_output_folder_makes_the_export_fail_as_a_bug(
        demo_outputs: Path, file: str, data: bytes, append: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "out"
        shutil.copytree(demo_outputs, folder)
        target = folder / file
        target.write_bytes(target.read_bytes() + data if append else data)
        result = runner.invoke(app, ["export", "xlsx", str(folder), "--out", f"{tmp}/x.xlsx"])
        assert result.exit_code in (0, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output


@pytest.fixture(scope="module")
def demo_outputs(demo_book: tuple[Path, Path]) -> Path:
    return demo_book[1]
