"""`quotaplan import xlsx`: a workbook with a sheet per plan file → a plan folder; the round trip
plan → `export xlsx --plan-sheets` → `import xlsx` builds to byte-identical outputs."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quotaplan.cli import app
from quotaplan.demo import demo_plan_path
from quotaplan.errors import PlanInvalid
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.importers import IMPORTERS
from quotaplan.importers.xlsx import CellError, convert, read_workbook, settings_value
from quotaplan.interop.tomltext import parse_inline, settings_document, settings_rows

runner = CliRunner()
OUTPUT_FILES = ("account_targets.csv", "quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv",
                "summary.json")


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def built(plan: Path, out: Path) -> dict[str, bytes]:
    result = invoke("build", str(plan), "--out", str(out))
    assert result.exit_code == 0, result.output
    return {name: (out / name).read_bytes() for name in OUTPUT_FILES}


def round_trip(plan: Path, tmp: Path) -> Path:
    book = tmp / "plan.xlsx"
    result = invoke("export", "xlsx", str(plan), "--out", str(book), "--plan-sheets")
    assert result.exit_code == 0, result.output
    result = invoke("import", "xlsx", str(book), "--out", str(tmp / "back"))
    assert result.exit_code == 0, result.output
    return tmp / "back"


def test_the_demo_plan_comes_back_building_the_same_outputs(tmp_path: Path) -> None:
    back = round_trip(demo_plan_path(), tmp_path)
    assert built(back, tmp_path / "b") == built(demo_plan_path(), tmp_path / "a")
    assert "strategic_focus" in (back / "plan.toml").read_text()


@pytest.mark.parametrize(("seed", "accounts", "sellers", "start"), [
    (1, 300, 8, date(2027, 1, 1)),
    (2, 500, 15, date(2026, 2, 1)),
    (3, 200, 5, date(2028, 7, 1)),
])
def test_generated_plans_come_back_building_the_same_outputs(
        tmp_path: Path, seed: int, accounts: int, sellers: int, start: date) -> None:
    plan = tmp_path / "plan"
    options = GenerateOptions(accounts=accounts, sellers=sellers, seed=seed,
                              bookings_per_account=4, fiscal_year_start=start)
    write_generated(generate_plan(options), plan, command="generate")
    back = round_trip(plan, tmp_path)
    assert built(back, tmp_path / "b") == built(plan, tmp_path / "a")


def test_plan_sheets_are_typed_cells(tmp_path: Path) -> None:
    book = tmp_path / "plan.xlsx"
    assert invoke("export", "xlsx", str(demo_plan_path()), "--out", str(book),
                  "--plan-sheets").exit_code == 0
    read = openpyxl.load_workbook(book)
    assert read.sheetnames == ["plan", "territories", "sellers", "accounts", "bookings", "topdown",
                               "overrides", "adjustments"]
    settings = {r[0].value: r[1].value for r in read["plan"].iter_rows(min_row=2)}
    assert settings["targets.method"] == "weighted"
    assert settings["targets.topdown"] == 38340000
    assert settings["plan.fiscal_year_start"] == datetime(2027, 1, 1)
    assert settings["seasonality.weights"] == "[0.2, 0.23, 0.23, 0.34]"
    sellers = read["sellers"]
    assert [c.value for c in sellers[1]][:3] == ["seller_id", "name", "territory_id"]
    assert sellers["G2"].value == 428000  # ote, a number
    assert sellers["E2"].value == datetime(2015, 11, 13)  # hire_date, a date
    assert read["adjustments"]["C2"].number_format == "0.00##%"  # rate
    assert read.properties.creator == "quotaplan"


def test_cells_are_converted_to_the_plan_folder_format() -> None:
    assert convert("id", 1001.0) == "1001"
    assert convert("id", "A-7") == "A-7"
    assert convert("amount", 1234.5) == "1234.5"
    assert convert("amount", 0.1 + 0.2) == "0.30000000000000004"  # read exactly, then to the cent
    assert convert("amount", 1e-7) == "0.0000001"
    assert convert("amount", " 1234.50 ") == "1234.50"
    assert convert("amount", 12) == "12"
    assert convert("rate", -0.02) == "-0.02"
    assert convert("date", datetime(2027, 3, 1)) == "2027-03-01"
    assert convert("date", "2027-03-01") == "2027-03-01"
    assert convert("text", True) == "true"
    assert convert(None, 3.0) == "3"
    assert convert("amount", None) is None
    assert convert("text", "  ") is None
    for kind, value in [("amount", "1,234.50"), ("amount", True), ("amount", datetime(2027, 1, 1)),
                        ("date", 46000.0), ("date", "03/01/2027"), ("date", "2027-02-30"),
                        ("date", datetime(2027, 1, 1, 9, 30))]:
        with pytest.raises(CellError):
            convert(kind, value)  # type: ignore[arg-type]


def test_settings_values_are_typed() -> None:
    assert settings_value(0.05) == Decimal("0.05")
    assert settings_value(12.0) == 12
    assert settings_value(True) is True
    assert settings_value(datetime(2027, 2, 1)) == date(2027, 2, 1)
    assert settings_value("[0, 0.25, 0.5]") == [0, Decimal("0.25"), Decimal("0.5")]
    assert settings_value("{ A = 0.5, B = 0.5 }") == {"A": Decimal("0.5"), "B": Decimal("0.5")}
    assert settings_value('"2027"') == "2027"
    assert settings_value("0.90") == Decimal("0.90")
    assert settings_value("day:15") == "day:15"
    with pytest.raises(CellError, match="not a TOML value"):
        settings_value("[0, 0.25")


def test_settings_rows_and_document_round_trip() -> None:
    import tomllib

    text = (demo_plan_path() / "plan.toml").read_text()
    raw = tomllib.loads(text, parse_float=Decimal)
    rows = settings_rows(raw)
    entries = [(key.split("."), parse_inline(v) if isinstance(v, str) and v[:1] in "[{" else v)
               for key, v in rows]
    assert tomllib.loads(settings_document(entries), parse_float=Decimal) == raw
    with pytest.raises(ValueError, match="more than once"):
        settings_document([(["plan", "name"], "a"), (["plan", "name"], "b")])


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    book.save(path)
    return path


def minimal_sheets() -> dict[str, list[list[Any]]]:
    return {
        "plan": [["key", "value"], ["plan.name", "Small"],
                 ["plan.fiscal_year_start", datetime(2027, 1, 1)], ["targets.method", "even"],
                 ["targets.topdown", 1000], ["ramp.profiles", "{ std = [0, 0.5, 1] }"],
                 ["strategic_focus", '{ match = { segment = "Ent" }, factor = 1.1, reason = "x" }']],
        "Territories": [["territory_id", "name", "parent_id"], ["ROOT", "All", None],
                        [1, "One", "ROOT"], [2, "Two", "ROOT"]],
        "sellers": [["seller_id", "territory_id", "hire_date"], [1001.0, 1, datetime(2020, 1, 1)],
                    ["S2", 2, None]],
        "accounts": [["account_id", "territory_id", "segment"], ["A1", 1, "Ent"],
                     ["A2", 2, "SMB"]],
        "accounts 2": [["account_id", "territory_id", "segment"], ["A3", 2, "SMB"]],
        "notes": [["anything"], ["ignored"]],
    }


def test_a_hand_made_workbook_becomes_a_valid_plan(tmp_path: Path) -> None:
    book = workbook(tmp_path / "hand.xlsx", minimal_sheets())
    result = invoke("import", "xlsx", str(book), "--out", str(tmp_path / "plan"))
    assert result.exit_code == 0, result.output
    plan = tmp_path / "plan"
    assert (plan / "sellers.csv").read_text() == (
        "seller_id,territory_id,hire_date\n1001,1,2020-01-01\nS2,2,\n")
    assert (plan / "accounts.csv").read_text().splitlines()[1:] == ["A1,1,Ent", "A2,2,SMB",
                                                                    "A3,2,SMB"]
    assert "notes" in result.output
    assert invoke("validate", str(plan)).exit_code == 0
    assert invoke("build", str(plan), "--out", str(tmp_path / "out")).exit_code == 0
    quotas = (tmp_path / "out" / "quotas.csv").read_text()
    assert "1001,1," in quotas


def test_every_bad_cell_is_named_by_sheet_row_and_column(tmp_path: Path) -> None:
    sheets = minimal_sheets()
    sheets["accounts"] += [["A4", 1, "Ent"], [None, None, None]]
    sheets["accounts"][0].append("bottom_up_target")
    sheets["accounts 2"][0].append("bottom_up_target")
    sheets["accounts"][1].append("12,000")
    sheets["sellers"][2][2] = "01/02/2020"
    sheets["plan"].append(["targets.growth", "[0.1"])
    sheets["plan"].append(["bad key", 1])
    book = workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(PlanInvalid) as caught:
        read_workbook(book)
    found = {p.location(): p.message for p in caught.value.problems}
    assert set(found) == {"bad.xlsx, sheet accounts, row 2 (bottom_up_target)",
                          "bad.xlsx, sheet sellers, row 3 (hire_date)",
                          "bad.xlsx, sheet plan, row 8 (value)",
                          "bad.xlsx, sheet plan, row 9 (key)"}
    assert "'12,000', not a number" in found["bad.xlsx, sheet accounts, row 2 (bottom_up_target)"]
    result = invoke("import", "xlsx", str(book), "--out", str(tmp_path / "plan"))
    assert result.exit_code == 1
    assert "bad.xlsx, sheet sellers, row 3 (hire_date)" in result.output
    assert not (tmp_path / "plan").exists()


def test_missing_sheets_and_columns_are_named(tmp_path: Path) -> None:
    sheets = minimal_sheets()
    del sheets["plan"], sheets["Territories"]
    sheets["sellers"][0][1] = "territory"
    with pytest.raises(PlanInvalid) as caught:
        read_workbook(workbook(tmp_path / "w.xlsx", sheets))
    messages = [p.render() for p in caught.value.problems]
    assert any("no sheet named plan" in m for m in messages)
    assert any("no sheet named territories" in m for m in messages)
    assert any("sheet sellers, row 1 (territory_id)" in m for m in messages)


def test_a_file_that_is_not_a_workbook_is_a_usage_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("hello")
    assert invoke("import", "xlsx", str(fake), "--out", str(tmp_path / "p")).exit_code == 2
    assert invoke("import", "xlsx", str(tmp_path), "--out", str(tmp_path / "q")).exit_code == 2
    assert "xlsx" in IMPORTERS


def test_free_text_that_looks_like_a_formula_comes_back_neutralised(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(demo_plan_path(), plan)
    text = (plan / "adjustments.csv").read_text()
    (plan / "adjustments.csv").write_text(text.replace("Territory realignment relief", "=cmd|x"))
    back = round_trip(plan, tmp_path)
    assert "'=cmd|x" in (back / "adjustments.csv").read_text()
    assert built(back, tmp_path / "b") == built(plan, tmp_path / "a")


CELLS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False, width=64),
                  st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
                  st.datetimes(min_value=datetime(1900, 3, 1),
                                                     max_value=datetime(2200, 1, 1)),
                  st.sampled_from(["[0, 0.5", "{ A = }", "2027-02-30", "=SUM(A1)", "1,5"]))


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.sampled_from(["plan", "territories", "sellers", "accounts", "bookings",
                                        "adjustments", "plan 2", "Accounts", "x"]),
                       st.lists(st.lists(CELLS, max_size=5), max_size=6), max_size=5))
def test_no_workbook_makes_the_import_fail_as_a_bug(sheets: dict[str, list[list[Any]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        book = workbook(Path(tmp) / "fuzz.xlsx", sheets | {"plan": [
            ["key", "value"], ["plan.name", "F"], ["plan.fiscal_year_start", "2027-01-01"],
            *sheets.get("plan", [])]})
        result = runner.invoke(app, ["import", "xlsx", str(book), "--out", f"{tmp}/out"])
        assert result.exit_code in (0, 1, 2), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output


@settings(max_examples=15, deadline=None)
@given(st.binary(max_size=300))
def test_bytes_that_are_not_a_workbook_are_a_usage_error(data: bytes) -> None:
    import io
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", data)
            archive.writestr("xl/workbook.xml", data)
        for name, content in (("raw.xlsx", data), ("zip.xlsx", buffer.getvalue())):
            path = Path(tmp) / name
            path.write_bytes(content)
            result = runner.invoke(app, ["import", "xlsx", str(path), "--out", f"{tmp}/o"])
            assert result.exit_code == 2, result.output
            assert result.exception is None or isinstance(result.exception, SystemExit)


IDS = st.text(st.sampled_from("0123456789AbZ-_=+@. é"), min_size=1, max_size=6).map(str.strip).filter(
    bool)
DECIMALS = st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False,
                       allow_infinity=False).map(lambda d: format(d, "f"))
WORDS = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=10)


@st.composite
def small_plans(draw: st.DrawFn) -> dict[str, str]:
    """A small valid plan whose cells are awkward for a spreadsheet: ids that look like numbers
    or formulas, amounts with zero to three decimals, names in any script, an extra column."""
    leaves = draw(st.lists(IDS, min_size=1, max_size=4, unique=True).filter(
        lambda ids: "ROOT" not in ids))
    accounts = draw(st.lists(IDS, min_size=1, max_size=6, unique=True))
    lines = ["territory_id,name,parent_id", "ROOT,Root,"]
    lines += [f'"{t}","{draw(WORDS).replace(chr(34), "")}",ROOT' for t in leaves]
    sellers = ["seller_id,name,territory_id,ote,hire_date"]
    sellers += [f'S{i},"{draw(WORDS).replace(chr(34), "")}","{t}",{draw(DECIMALS)},'
                f"{draw(st.dates(date(2015, 1, 1), date(2026, 12, 31))).isoformat()}"
                for i, t in enumerate(leaves)]
    rows = ["account_id,territory_id,segment,potential,code,bottom_up_target"]
    for a in accounts:
        code = draw(st.sampled_from(["007", "1.50", "12", "x1"]))
        target = draw(st.one_of(st.just(""), DECIMALS))
        rows.append(f'"{a}","{draw(st.sampled_from(leaves))}",{draw(st.sampled_from(["E", "S"]))},'
                    f"{draw(DECIMALS)},{code},{target}")
    bookings = ["account_id,date,amount"]
    bookings += [f'"{draw(st.sampled_from(accounts))}",'
                 f"{draw(st.dates(date(2025, 1, 1), date(2026, 12, 31))).isoformat()},"
                 f"{draw(st.sampled_from(['-', '']))}{draw(DECIMALS)}"
                 for _ in range(draw(st.integers(1, 8)))]
    return {
        "plan.toml": f'[plan]\nname = "{draw(IDS)}"\nfiscal_year_start = 2027-01-01\n'
                     "[targets]\nmethod = \"weighted\"\nweight = \"potential\"\n"
                     "missing_weight = \"zero\"\n"
                     f"topdown = {draw(DECIMALS)}\n",
        "territories.csv": "\n".join(lines) + "\n",
        "sellers.csv": "\n".join(sellers) + "\n",
        "accounts.csv": "\n".join(rows) + "\n",
        "bookings.csv": "\n".join(bookings) + "\n",
        "adjustments.csv": f"seller_id,rate,reason\nS0,{draw(st.sampled_from(['0.10', '-0.02', '0.125']))},"
                           f"{draw(st.sampled_from(['-5% cut', '=SUM(A1)', 'fine']))}\n",
    }


@settings(max_examples=15, deadline=None)
@given(small_plans())
def test_plan_tables_come_back_as_read(files: dict[str, str]) -> None:
    from quotaplan.outputs import neutralise
    from quotaplan.planfolder.read import read_plan

    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan"
        plan.mkdir()
        for name, text in files.items():
            (plan / name).write_text(text, encoding="utf-8")
        before, problems = read_plan(plan)
        assert before is not None, [p.render() for p in problems]
        back = round_trip(plan, Path(tmp))
        after, problems = read_plan(back)
        assert after is not None, [p.render() for p in problems]
        assert after.settings == before.settings
        for table in ("territories", "sellers", "accounts", "bookings", "adjustments"):
            old, new = getattr(before, table).drop("line"), getattr(after, table).drop("line")
            texts = [c for c in ("name", "reason") if c in old.columns]
            # A cell of spaces only is a blank cell in a workbook: it imports as empty.
            old = old.with_columns(
                pl.when(pl.col(c).str.strip_chars() == "").then(None)
                .otherwise(neutralise(pl.col(c))).alias(c) for c in texts)
            if "rate" in old.columns:  # rates are text in a plan; "0.10" comes back as "0.1"
                old = old.with_columns(pl.col("rate").cast(pl.Float64))
                new = new.with_columns(pl.col("rate").cast(pl.Float64))
            assert new.equals(old), table
