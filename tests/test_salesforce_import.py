"""``quotaplan import salesforce``: the messy test export becomes a plan that validates and builds;
each bad input is named with its file, line and column; exit codes are 0, 1 or 2 only."""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quotaplan.build import build
from quotaplan.cli import app
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.importers import ImportReport, import_salesforce
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.problems import Problem
from salesforce_fixture import SalesforceExport, write_export

ROLES = "Account Executive,Regional Manager,Area Vice President"
FIELDS = {"ote_field": "OTE__c", "hire_date_field": "Hire_Date__c",
          "seniority_field": "Seniority__c"}


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> SalesforceExport:
    return write_export(tmp_path_factory.mktemp("sf") / "export")


@pytest.fixture(scope="module")
def imported(export: SalesforceExport, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[ImportReport, Plan]:
    out = tmp_path_factory.mktemp("plan") / "plan"
    report = import_salesforce(export.folder, out, roles=ROLES, **FIELDS)
    plan, problems = read_plan(out)
    assert plan is not None, [p.render() for p in problems]
    assert [p for p in problems if p.severity == "error"] == []
    return report, plan


def copy_export(export: SalesforceExport, tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(export.folder, folder)
    return folder


def edit(path: Path, change: Callable[[list[list[str]]], None]) -> None:
    """Rewrite a CSV file (one record a line) after ``change`` edits its rows (header first)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    change(rows)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def errors_of(folder: Path, **options: str) -> list[Problem]:
    with pytest.raises(PlanInvalid) as caught:
        import_salesforce(folder, folder.parent / "plan", **options)  # type: ignore[arg-type]
    return [p for p in caught.value.problems if p.severity == "error"]


def warnings(report: ImportReport, code: str) -> list[Problem]:
    return [p for p in report.problems if p.code == code and p.severity == "warning"]


# --- the whole export ----------------------------------------------------------------------------

def test_the_plan_validates_and_builds(imported: tuple[ImportReport, Plan]) -> None:
    _, plan = imported
    result = build(plan)
    assert result.quotas.height > 0
    assert [p.render() for p in result.problems if p.severity == "error"] == []


def test_ids_are_18_characters_everywhere(export: SalesforceExport,
                                          imported: tuple[ImportReport, Plan]) -> None:
    _, plan = imported
    # The export holds 15-character forms in UserId, ObjectId, ParentTerritory2Id, AccountId.
    raw = pl.read_csv(export.folder / "Opportunity.csv", infer_schema=False)
    assert (raw.get_column("AccountId").str.len_chars() == 15).sum() > 0
    salesforce_territories = plan.territories.filter(pl.col("level") != "Added by import")
    for frame, column in ((plan.accounts, "account_id"), (plan.bookings, "account_id"),
                          (salesforce_territories, "territory_id")):
        assert (frame.get_column(column).str.len_chars() == 18).all(), column
    sellers = plan.sellers.filter(pl.col("status") == "active")
    assert (sellers.get_column("seller_id").str.len_chars() == 18).all()
    # Each carrier keeps the Salesforce user id of their leaf, managers theirs.
    placed = dict(zip(sellers.get_column("territory_id"), sellers.get_column("seller_id"), strict=True))
    assert {t: placed[t] for t in export.carriers} == export.carriers
    assert {t: placed[t] for t in export.managers} == export.managers


def test_only_won_opportunities_are_bookings(export: SalesforceExport,
                                             imported: tuple[ImportReport, Plan]) -> None:
    report, plan = imported
    assert plan.bookings.height == len(export.won)
    assert int(plan.bookings.get_column("amount").sum()) == sum(c for _, _, c in export.won)
    expected = sorted((a, d) for a, d, _ in export.won)
    got = sorted(zip(plan.bookings.get_column("account_id"), plan.bookings.get_column("date"),
                     strict=True))
    assert got == expected
    how = next(d.how for d in report.derivations if d.what == "bookings")
    assert f"{export.lost} lost and {export.open} open" in how
    assert f"{export.won_without_amount} won without an Amount" in how


def test_plan_year_and_top_down_follow_the_other_importers(
        export: SalesforceExport, imported: tuple[ImportReport, Plan]) -> None:
    _, plan = imported
    assert plan.settings.plan.fiscal_year_start == date(2027, 1, 1)
    base = sum(c for _, d, c in export.won if date(2026, 1, 1) <= d < date(2027, 1, 1))
    expected = (Decimal(base) * Decimal("1.10") / 100).quantize(Decimal("0.01"))
    assert plan.settings.targets.topdown == expected
    assert plan.settings.plan.currency == "USD"


def test_the_active_model_is_read_and_its_tree_kept(export: SalesforceExport,
                                                    imported: tuple[ImportReport, Plan]) -> None:
    report, plan = imported
    model = next(d for d in report.derivations if d.what == "territory model")
    assert export.model_id in model.how
    assert "Active" in model.how
    root = plan.territories.filter(pl.col("parent_id").is_null())
    # Two top territories: the model itself is the root.
    assert root.get_column("territory_id").to_list() == [export.model_id]
    names = dict(zip(plan.territories.get_column("territory_id"),
                     plan.territories.get_column("name"), strict=True))
    for territory, developer_name in export.unnamed.items():
        assert names[territory] == developer_name


def test_inactive_users_leave_a_vacant_seat(export: SalesforceExport,
                                            imported: tuple[ImportReport, Plan]) -> None:
    report, plan = imported
    seats = plan.sellers.filter(pl.col("status") == "tbh")
    assert sorted(seats.get_column("territory_id")) == sorted(
        [export.inactive_user_leaf, export.inactive_association_leaf])
    assert (seats.get_column("hire_date") == date(2027, 1, 1)).all()
    ids = set(plan.sellers.get_column("seller_id"))
    assert export.inactive_user not in ids
    assert export.inactive_association_user not in ids
    named = " ".join(p.message for p in warnings(report, "inactive-user"))
    assert export.inactive_user in named
    assert export.inactive_association_user in named
    assert all(p.file == "UserTerritory2Association.csv" and p.line and p.column == "UserId"
               for p in warnings(report, "inactive-user"))
    # The leaf with no user at all stays uncovered.
    assert export.empty_leaf not in set(plan.sellers.get_column("territory_id"))


def test_an_account_in_several_territories(export: SalesforceExport,
                                           imported: tuple[ImportReport, Plan]) -> None:
    report, plan = imported
    where = dict(zip(plan.accounts.get_column("account_id"),
                     plan.accounts.get_column("territory_id"), strict=True))
    assert where[export.manual_account] == export.manual_territory
    assert where[export.rule_account] == export.rule_territories[0]
    listed = warnings(report, "several-territories")
    manual = next(p for p in listed if export.manual_account in p.message)
    assert "manual" in manual.message
    assert all(t in manual.message for t in (export.manual_territory,))
    rule = next(p for p in listed if export.rule_account in p.message)
    assert all(t in rule.message for t in export.rule_territories)
    assert manual.file == "ObjectTerritory2Association.csv"
    assert manual.line is not None


def test_accounts_on_a_region_or_nowhere_are_uncovered(export: SalesforceExport,
                                                       imported: tuple[ImportReport, Plan]) -> None:
    _, plan = imported
    where = dict(zip(plan.accounts.get_column("account_id"),
                     plan.accounts.get_column("territory_id"), strict=True))
    assert {where[a] for a in export.region_accounts} == {export.region + "-accounts"}
    assert {where[a] for a in export.loose_accounts} == {"unassigned"}
    carried = set(plan.sellers.get_column("territory_id"))
    assert export.region + "-accounts" not in carried
    assert "unassigned" not in carried


def test_user_fields_named_by_options(export: SalesforceExport,
                                      imported: tuple[ImportReport, Plan]) -> None:
    _, plan = imported
    users = pl.read_csv(export.folder / "User.csv", infer_schema=False)
    row = plan.sellers.filter(pl.col("status") == "active").row(0, named=True)
    source = users.filter(pl.col("ID") == row["seller_id"]).row(0, named=True)
    assert Decimal(row["ote"]) / 100 == Decimal(source["OTE__C"])
    assert row["hire_date"] == date.fromisoformat(source["HIRE_DATE__C"])
    assert row["seniority"] == source["SENIORITY__C"]


def test_forecasting_quotas_become_assigned_quotas(export: SalesforceExport,
                                                   imported: tuple[ImportReport, Plan]) -> None:
    report, plan = imported
    got = dict(zip(plan.assigned_quotas.get_column("seller_id"),
                   plan.assigned_quotas.get_column("quota"), strict=True))
    assert got == export.quotas_2027
    # The manager's row is not a carrier's quota: it is named and left out.
    stray = warnings(report, "not-a-carrier")
    assert any(export.managers[t] in p.message for p in stray for t in export.managers)
    assert any(d.what == "assigned quotas" for d in report.derivations)


def test_a_shared_territory_without_roles_keeps_one_user(export: SalesforceExport,
                                                         tmp_path: Path) -> None:
    report = import_salesforce(export.folder, tmp_path / "plan")
    shared = warnings(report, "shared-territory")
    assert len(shared) == 1
    assert shared[0].file == "UserTerritory2Association.csv"


def test_every_derivation_is_reported(imported: tuple[ImportReport, Plan]) -> None:
    report, _ = imported
    whats = {d.what for d in report.derivations}
    assert {"territory model", "territories", "plan year", "bookings", "accounts", "sellers",
            "top-down number at the root", "assigned quotas", "currency",
            "accounts in several territories", "territory roles"} <= whats


# --- choosing the model --------------------------------------------------------------------------

def test_model_by_option(export: SalesforceExport, tmp_path: Path) -> None:
    report = import_salesforce(export.folder, tmp_path / "plan", model="FY2028_Planning")
    plan, _ = read_plan(tmp_path / "plan")
    assert plan is not None
    assert plan.territories.filter(pl.col("parent_id").is_null()).height == 1
    assert "as asked" in next(d.how for d in report.derivations if d.what == "territory model")
    assert export.other_model_id in next(d.how for d in report.derivations
                                         if d.what == "territory model")


def test_an_unknown_model_and_an_open_choice_are_usage_errors(export: SalesforceExport,
                                                              tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="names no territory model"):
        import_salesforce(export.folder, tmp_path / "a", model="FY1999")
    folder = copy_export(export, tmp_path)
    (folder / "Territory2Model.csv").unlink()
    with pytest.raises(UsageError, match="pass --model"):
        import_salesforce(folder, tmp_path / "b")


# --- bad inputs, each named --------------------------------------------------------------------

def test_a_missing_column_is_named_on_line_1(export: SalesforceExport, tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)
    edit(folder / "Opportunity.csv", lambda rows: [r.pop(5) for r in rows])
    found = errors_of(folder)
    assert [(p.file, p.line, p.column) for p in found] == [("Opportunity.csv", 1, "CloseDate")]


def test_a_bad_date_is_named_with_its_line(export: SalesforceExport, tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)

    def spoil(rows: list[list[str]]) -> None:
        rows[41][5] = "03/15/2026"
    edit(folder / "Opportunity.csv", spoil)
    found = errors_of(folder)
    assert [(p.file, p.line, p.column) for p in found] == [("Opportunity.csv", 42, "CloseDate")]
    assert "03/15/2026" in found[0].message


def test_an_unknown_territory_in_an_association(export: SalesforceExport, tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)

    def spoil(rows: list[list[str]]) -> None:
        rows[9][2] = "0MI5g000000NoSuch"[:15]
    edit(folder / "ObjectTerritory2Association.csv", spoil)
    found = errors_of(folder)
    assert [(p.file, p.line, p.column) for p in found] == [
        ("ObjectTerritory2Association.csv", 10, "Territory2Id")]


def test_lines_are_physical_lines_with_multi_line_cells(export: SalesforceExport,
                                                        tmp_path: Path) -> None:
    """Account.csv (BOM, CRLF, descriptions over two lines): the line named is the record's first
    physical line, the header being line 1."""
    folder = copy_export(export, tmp_path)
    data = (folder / "Account.csv").read_bytes()
    target = pl.read_csv(data, infer_schema=False).get_column("Id")[100]
    offset = data.index(f'"{target}"'.encode())
    line = data[:offset].count(b"\n") + 1
    assert line > 102  # two-line descriptions come before it
    text = data.decode("utf-8-sig")
    start = text.index(f'"{target}"')
    row_end = text.index("\r\n", start)
    cells = next(csv.reader([text[start:row_end]]))
    cells[4] = "twelve million"
    row = io.StringIO()
    csv.writer(row, quoting=csv.QUOTE_ALL, lineterminator="").writerow(cells)
    spoiled = text[:start] + row.getvalue() + text[row_end:]
    (folder / "Account.csv").write_bytes(b"\xef\xbb\xbf" + spoiled.encode("utf-8"))
    found = errors_of(folder)
    assert [(p.file, p.line, p.column) for p in found] == [("Account.csv", line, "AnnualRevenue")]


def test_a_missing_file_and_a_bad_boolean_are_reported_together(export: SalesforceExport,
                                                                 tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)
    (folder / "User.csv").unlink()

    def spoil(rows: list[list[str]]) -> None:
        rows[3][4] = "yes"
    edit(folder / "UserTerritory2Association.csv", spoil)
    found = errors_of(folder)
    assert ("User.csv", None, None) in [(p.file, p.line, p.column) for p in found]
    assert ("UserTerritory2Association.csv", 4, "IsActive") in [(p.file, p.line, p.column)
                                                               for p in found]


def test_a_15_and_18_character_duplicate_is_one_id(export: SalesforceExport,
                                                    tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)

    def spoil(rows: list[list[str]]) -> None:
        rows.append([rows[1][0][:15], *rows[1][1:]])
    edit(folder / "Territory2.csv", spoil)
    found = errors_of(folder)
    assert [(p.file, p.column, p.code) for p in found] == [("Territory2.csv", "Id", "duplicate-id")]
    assert found[0].line == len((folder / "Territory2.csv").read_text().splitlines())


def test_a_named_user_field_must_exist(export: SalesforceExport, tmp_path: Path) -> None:
    found = errors_of(export.folder, ote_field="Quota_OTE__c")
    assert [(p.file, p.line, p.column) for p in found] == [("User.csv", 1, "Quota_OTE__c")]


# --- the command line ----------------------------------------------------------------------------

def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_cli_exit_codes(export: SalesforceExport, tmp_path: Path) -> None:
    code, output = run("import", "salesforce", str(export.folder), "--out", str(tmp_path / "ok"),
                       "--roles", ROLES, "--ote-field", "OTE__c")
    assert code == 0, output
    assert "inactive" in output
    folder = copy_export(export, tmp_path)
    edit(folder / "Opportunity.csv", lambda rows: [r.pop(5) for r in rows])
    code, output = run("import", "salesforce", str(folder), "--out", str(tmp_path / "bad"))
    assert code == 1
    assert "Opportunity.csv:1 (CloseDate)" in output
    assert not (tmp_path / "bad").exists()
    code, output = run("import", "salesforce", str(export.folder), "--out", str(tmp_path / "m"),
                       "--model", "nope")
    assert code == 2
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "todo.txt").write_bytes(b"keep me\n")
    code, output = run("import", "salesforce", str(export.folder), "--out", str(foreign))
    assert code == 2
    assert [p.name for p in foreign.iterdir()] == ["todo.txt"]
    assert (foreign / "todo.txt").read_bytes() == b"keep me\n"
    code, output = run("import", "maven_crm", str(export.folder), "--out", str(tmp_path / "x"),
                       "--model", "FY2027_Sales")
    assert code == 2
    assert "--model does not apply to maven_crm" in output


CELLS = st.one_of(st.sampled_from(["", "true", "0", "2026-13-01", "2026-02-03T10:00:00.000Z",
                                   "1.5E7", "-5", "0015gAAAAAAAAAA", "NaN", "\"", ",", "\n"]),
                  st.text(max_size=12))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(file=st.sampled_from(["Territory2.csv", "UserTerritory2Association.csv",
                             "ObjectTerritory2Association.csv", "User.csv", "Opportunity.csv",
                             "ForecastingQuota.csv", "Territory2Model.csv"]),
       row=st.integers(0, 6), column=st.integers(0, 6), cell=CELLS)
def test_no_cell_makes_a_traceback(export: SalesforceExport, tmp_path_factory: pytest.TempPathFactory,
                                   file: str, row: int, column: int, cell: str) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    folder = base / "export"
    shutil.copytree(export.folder, folder)

    def spoil(rows: list[list[str]]) -> None:
        target = rows[min(row, len(rows) - 1)]
        target[min(column, len(target) - 1)] = cell
    edit(folder / file, spoil)
    code, output = run("import", "salesforce", str(folder), "--out", str(base / "plan"))
    assert code in (0, 1, 2), output


def test_a_model_without_territories_is_named(export: SalesforceExport, tmp_path: Path) -> None:
    folder = copy_export(export, tmp_path)
    edit(folder / "Territory2Model.csv",
         lambda rows: rows.append(["0MA5g0000000001", "Empty", "Empty", "Planning", ""]))
    found = errors_of(folder, model="Empty")
    assert [(p.file, p.column) for p in found] == [("Territory2.csv", "Territory2ModelId")]
    edit(folder / "Territory2.csv", lambda rows: rows.__delitem__(slice(1, None)))
    found = errors_of(folder)
    assert [(p.file, p.line) for p in found] == [("Territory2.csv", None)]
