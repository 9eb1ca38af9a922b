"""Each check of the registry on a small plan that breaks one rule, then the plan that breaks none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from conftest import write_plan
from quotaplan.build import build
from quotaplan.planfolder import checks
from quotaplan.planfolder.checks import MAX_DEPTH, REGISTRY, Tables, run_checks
from quotaplan.planfolder.read import read_plan_files
from quotaplan.problems import MAX_LISTED, Problem
from quotaplan.settings import parse_settings

Problems = Callable[[dict[str, str]], list[Problem]]

PLAN = """
[plan]
name = "Checks"
fiscal_year_start = 2026-01-01

[targets]
method = "weighted"
weight = "annual_revenue"
topdown = 1_000_000

[ramp]
profiles = { standard = [0.5, 1.0] }

[seniority]
factors = { junior = 0.9, senior = 1.1 }
"""

TERRITORIES = """
territory_id,name,parent_id
WORLD,World,
EAST,East,WORLD
WEST,West,WORLD
"""

SELLERS = """
seller_id,name,territory_id,hire_date,end_date,ote,seniority,ramp_profile,status
BOSS,Bea,WORLD,2020-01-01,,250000,senior,,active
S1,Ann,EAST,2021-03-01,,200000,junior,standard,active
S2,Bob,WEST,2022-05-01,,180000,,,active
"""

ACCOUNTS = """
account_id,name,territory_id,segment,grade,annual_revenue,bottom_up_target,status
A1,Acme,EAST,Enterprise,A,500,,active
A2,Beta,EAST,SMB,B,300,,active
A3,Gamma,WEST,SMB,A,200,,active
A4,Delta,WEST,SMB,B,100,,inactive
"""


def plan(**files: str) -> dict[str, str]:
    """The valid small plan, with some files replaced (``accounts_csv=…``; ``None``-like "" drops)."""
    base = {
        "plan.toml": PLAN,
        "territories.csv": TERRITORIES,
        "sellers.csv": SELLERS,
        "accounts.csv": ACCOUNTS,
    }
    for key, text in files.items():
        name = key.replace("_csv", ".csv").replace("plan_toml", "plan.toml")
        base[name] = text
    return base


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


def where(problem: Problem) -> tuple[str, int | None, str | None, str]:
    return problem.file, problem.line, problem.column, problem.severity


def test_a_valid_small_plan_has_no_problems(problems_of: Problems) -> None:
    assert problems_of(plan(
        bookings_csv="account_id,date,amount\nA1,2025-03-01,100.00\nA2,2025-04-01,-20.00",
        topdown_csv="territory_id,amount\nEAST,400000",
        overrides_csv="account_id,target,reason\nA2,90000,Renewal",
        adjustments_csv="seller_id,amount,rate,reason\nS1,,0.05,Promotion\nS2,-500,,Leave",
    )) == []


def test_every_check_is_registered_once() -> None:
    assert len(REGISTRY) == len(set(REGISTRY.values()))
    assert {"duplicate-ids", "roots", "cycles", "unknown-references", "accounts-on-leaves",
            "one-seller-per-node", "root-number", "bottom-up-above-number"} <= set(REGISTRY)


def test_checks_cope_with_missing_tables() -> None:
    settings, _ = parse_settings(PLAN)
    none: dict[str, pl.DataFrame | None] = dict.fromkeys(
        ("territories", "sellers", "accounts", "bookings", "topdown", "overrides", "adjustments",
         "assigned_quotas"))
    assert run_checks(settings, none) == []
    assert run_checks(None, none) == []


# --- duplicates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (plan(territories_csv=TERRITORIES + "EAST,East 2,WORLD"),
         ("territories.csv", 5, "territory_id", "'EAST' is already on line 3")),
        (plan(accounts_csv=ACCOUNTS + "A1,Again,WEST,,,1,,active"),
         ("accounts.csv", 6, "account_id", "'A1' is already on line 2")),
        (plan(topdown_csv="territory_id,amount\nEAST,1\nWEST,2\nEAST,3"),
         ("topdown.csv", 4, "territory_id", "'EAST' is already on line 2")),
        (plan(overrides_csv="account_id,target,reason\nA1,1,x\nA1,2,y"),
         ("overrides.csv", 3, "account_id", "'A1' is already on line 2")),
        (plan(assigned_quotas_csv="seller_id,quota\nS1,1\nS2,2\nS1,3"),
         ("assigned_quotas.csv", 4, "seller_id", "'S1' is already on line 2")),
    ],
)
def test_a_duplicate_id_is_reported_on_the_repeated_line(
    problems_of: Problems, files: dict[str, str], expected: tuple[str, int, str, str]
) -> None:
    found = only(problems_of(files), "duplicate")
    assert len(found) == 1
    file, line, column, text = expected
    assert where(found[0]) == (file, line, column, "error")
    assert text in found[0].message


def test_a_seller_listed_twice(problems_of: Problems) -> None:
    found = only(problems_of(plan(sellers_csv=SELLERS + "S2,Bob again,WEST,,,,,,")), "duplicate")
    assert [where(p) for p in found] == [("sellers.csv", 5, "seller_id", "error")]


def test_a_triplicate_id_is_reported_twice(problems_of: Problems) -> None:
    found = only(problems_of(plan(accounts_csv=ACCOUNTS + "A1,x,WEST,,,1,,\nA1,y,WEST,,,1,,")),
                 "duplicate")
    assert [p.line for p in found] == [6, 7]
    assert all("line 2" in p.message for p in found)


# --- hierarchy -----------------------------------------------------------------------------------


def test_two_roots(problems_of: Problems) -> None:
    found = only(problems_of(plan(territories_csv=TERRITORIES + "MOON,Moon,")), "roots")
    assert [where(p) for p in found] == [("territories.csv", 5, "parent_id", "error")]
    assert "'WORLD' on line 2" in found[0].message


def test_no_root_is_reported_on_the_header(problems_of: Problems) -> None:
    found = only(problems_of(plan(territories_csv="territory_id,parent_id\nA,B\nB,A")), "roots")
    assert [where(p) for p in found] == [("territories.csv", 1, "parent_id", "error")]


def test_a_cycle_is_reported_once_at_its_first_line(problems_of: Problems) -> None:
    territories = TERRITORIES + "X,,Y\nY,,Z\nZ,,X\nLEAF,,X"
    found = only(problems_of(plan(territories_csv=territories)), "cycle")
    assert [where(p) for p in found] == [("territories.csv", 5, "parent_id", "error")]
    assert "'X' → 'Y' → 'Z' → 'X'" in found[0].message


def test_a_territory_that_is_its_own_parent(problems_of: Problems) -> None:
    found = only(problems_of(plan(territories_csv=TERRITORIES + "SELF,,SELF")), "cycle")
    assert [p.line for p in found] == [5]


def test_an_unknown_parent(problems_of: Problems) -> None:
    found = only(problems_of(plan(territories_csv=TERRITORIES + "NORTH,,NOWHERE")),
                 "unknown-reference")
    assert [where(p) for p in found] == [("territories.csv", 5, "parent_id", "error")]
    assert "'NOWHERE'" in found[0].message


def test_cycle_detection_is_linear_on_a_deep_chain() -> None:
    n = 50_000
    rows = ["territory_id,parent_id", "T0,"] + [f"T{i},T{i - 1}" for i in range(1, n)]
    rows.append(f"C0,C{n - 1}")
    rows += [f"C{i},C{i - 1}" for i in range(1, n)]
    _, problems = read_plan_files({"territories.csv": "\n".join(rows).encode()})
    cycle = only(problems, "cycle")
    assert len(cycle) == 1
    assert cycle[0].line == n + 2
    assert "…" in cycle[0].message


# --- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (plan(sellers_csv=SELLERS.replace("S2,Bob,WEST", "S2,Bob,SOUTH")),
         ("sellers.csv", 4, "territory_id", "'SOUTH'")),
        (plan(accounts_csv=ACCOUNTS.replace("A3,Gamma,WEST", "A3,Gamma,WST")),
         ("accounts.csv", 4, "territory_id", "'WST'")),
        (plan(bookings_csv="account_id,date,amount\nA1,2025-01-01,1\nA9,2025-01-01,1"),
         ("bookings.csv", 3, "account_id", "'A9' is not in accounts.csv")),
        (plan(overrides_csv="account_id,target,reason\nA8,1,x"),
         ("overrides.csv", 2, "account_id", "'A8' is not in accounts.csv")),
        (plan(adjustments_csv="seller_id,amount,rate,reason\nS7,1,,x"),
         ("adjustments.csv", 2, "seller_id", "'S7' is not in sellers.csv")),
        (plan(assigned_quotas_csv="seller_id,quota\nS6,1"),
         ("assigned_quotas.csv", 2, "seller_id", "'S6' is not in sellers.csv")),
        (plan(topdown_csv="territory_id,amount\nMARS,1"),
         ("topdown.csv", 2, "territory_id", "'MARS' is not in territories.csv")),
    ],
)
def test_an_unknown_reference(
    problems_of: Problems, files: dict[str, str], expected: tuple[str, int, str, str]
) -> None:
    found = only(problems_of(files), "unknown-reference")
    assert len(found) == 1
    file, line, column, text = expected
    assert where(found[0]) == (file, line, column, "error")
    assert text in found[0].message


def test_unknown_ids_found_by_their_hashes_are_the_anti_joins(
    problems_of: Problems, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hashed probe of large tables (forced here) finds the same rows, on the same lines."""
    bookings = "account_id,date,amount\n" + "\n".join(
        f"{a},2025-01-01,1" for a in ["A1", "A9", "A2", "", "A9", "a1", "A3", "A1 "]
    )
    files = plan(bookings_csv=bookings)
    exact = only(problems_of(files), "unknown-reference")
    monkeypatch.setattr(checks.ids, "HASHED_PROBE_ROWS", 0)
    hashed = only(problems_of(files), "unknown-reference")
    assert [(p.line, p.message) for p in hashed] == [(p.line, p.message) for p in exact]
    assert [p.line for p in hashed] == [3, 6, 7]


def test_strategic_focus_names_unknown_accounts(problems_of: Problems) -> None:
    toml = PLAN + """
[[strategic_focus]]
match = { segment = "Enterprise" }
factor = 1.1

[[strategic_focus]]
match = { accounts = ["A1", "NOPE"] }
factor = 1.2
"""
    found = only(problems_of(plan(plan_toml=toml)), "unknown-reference")
    assert [where(p) for p in found] == [
        ("plan.toml", 21, "strategic_focus[2].match.accounts", "error")]
    assert "'NOPE'" in found[0].message


def test_a_seller_ramp_profile_and_seniority_must_be_defined(problems_of: Problems) -> None:
    sellers = SELLERS.replace("junior,standard", "lead,fast")
    found = only(problems_of(plan(sellers_csv=sellers)), "unknown-reference")
    assert sorted(where(p) for p in found) == [
        ("sellers.csv", 3, "ramp_profile", "error"),
        ("sellers.csv", 3, "seniority", "error"),
    ]


def test_any_seniority_is_fine_without_factors(problems_of: Problems) -> None:
    toml = PLAN.replace("factors = { junior = 0.9, senior = 1.1 }", "")
    sellers = SELLERS.replace("junior", "wizard")
    assert problems_of(plan(plan_toml=toml, sellers_csv=sellers)) == []


def test_end_date_before_hire_date(problems_of: Problems) -> None:
    sellers = SELLERS.replace("2022-05-01,,", "2022-05-01,2022-04-01,")
    found = only(problems_of(plan(sellers_csv=sellers)), "dates")
    assert [where(p) for p in found] == [("sellers.csv", 4, "end_date", "error")]


# --- placement on the hierarchy -------------------------------------------------------------------


def test_an_account_on_a_non_leaf(problems_of: Problems) -> None:
    accounts = ACCOUNTS.replace("A2,Beta,EAST", "A2,Beta,WORLD")
    found = only(problems_of(plan(accounts_csv=accounts)), "non-leaf")
    assert [where(p) for p in found] == [("accounts.csv", 3, "territory_id", "error")]


def test_placement_is_not_judged_on_a_broken_hierarchy(problems_of: Problems) -> None:
    territories = TERRITORIES.replace("WORLD,World,", "WORLD,World,EAST")
    accounts = ACCOUNTS.replace("A2,Beta,EAST", "A2,Beta,WORLD")
    found = problems_of(plan(territories_csv=territories, accounts_csv=accounts))
    assert only(found, "cycle")
    assert not only(found, "non-leaf")
    assert not only(found, "uncovered")


def test_two_carriers_on_a_leaf_and_two_managers_on_a_node(problems_of: Problems) -> None:
    sellers = SELLERS + "S3,Cy,EAST,,,,,,tbh\nBOSS2,Di,WORLD,,,,,,"
    found = only(problems_of(plan(sellers_csv=sellers)), "one-seller")
    assert [where(p) for p in found] == [
        ("sellers.csv", 5, "territory_id", "error"),
        ("sellers.csv", 6, "territory_id", "error"),
    ]
    assert "carrier, seller 'S1' on line 3" in found[0].message
    assert "manager, seller 'BOSS' on line 2" in found[1].message


def test_a_leaf_without_a_carrier_is_a_warning(problems_of: Problems) -> None:
    territories = TERRITORIES + "NORTH,North,WORLD"
    accounts = ACCOUNTS + "A5,Eps,NORTH,,,10,,active\nA6,Zeta,NORTH,,,10,,active"
    found = problems_of(plan(territories_csv=territories, accounts_csv=accounts))
    assert [where(p) for p in found] == [("territories.csv", 5, "territory_id", "warning")]
    assert "2 account(s) are uncovered" in found[0].message


def test_assigned_basis_needs_every_carrier(problems_of: Problems) -> None:
    toml = PLAN + '\n[quotas]\nbasis = "assigned"\n'
    found = only(problems_of(plan(plan_toml=toml, assigned_quotas_csv="seller_id,quota\nS2,5")),
                 "assigned")
    assert [where(p) for p in found] == [("sellers.csv", 3, "seller_id", "error")]
    assert "'S1'" in found[0].message


def test_assigned_quotas_are_not_needed_for_managers(problems_of: Problems) -> None:
    toml = PLAN + '\n[quotas]\nbasis = "assigned"\n'
    assert problems_of(plan(plan_toml=toml,
                            assigned_quotas_csv="seller_id,quota\nS1,5\nS2,6")) == []


# --- top-down numbers ----------------------------------------------------------------------------


def test_root_number_in_both_places_must_agree(problems_of: Problems) -> None:
    found = only(problems_of(plan(topdown_csv="territory_id,amount\nWORLD,999999.99")), "topdown")
    assert [where(p) for p in found] == [("topdown.csv", 2, "amount", "error")]
    assert "999,999.99" in found[0].message
    assert "1,000,000.00" in found[0].message


def test_root_number_in_both_places_that_agree_is_fine(problems_of: Problems) -> None:
    assert problems_of(plan(topdown_csv="territory_id,amount\nWORLD,1000000.00")) == []


@pytest.mark.parametrize("method", ["even", "weighted", "blend"])
def test_splitting_methods_need_a_root_number(problems_of: Problems, method: str) -> None:
    toml = PLAN.replace('method = "weighted"', f'method = "{method}"').replace(
        "topdown = 1_000_000", "")
    found = only(problems_of(plan(plan_toml=toml)), "topdown")
    assert [where(p) for p in found] == [("plan.toml", 5, "targets.topdown", "error")]


def test_growth_needs_no_number(problems_of: Problems) -> None:
    toml = PLAN.replace('method = "weighted"', 'method = "growth"').replace(
        "topdown = 1_000_000", "")
    assert problems_of(plan(plan_toml=toml)) == []


def test_a_root_number_from_topdown_csv_is_enough(problems_of: Problems) -> None:
    toml = PLAN.replace("topdown = 1_000_000", "")
    assert problems_of(plan(plan_toml=toml, topdown_csv="territory_id,amount\nWORLD,5")) == []


def test_bottom_up_inputs_above_a_number_are_a_warning(problems_of: Problems) -> None:
    # EAST is numbered 500; its inputs are 300 + 250 = 550 > 500. WORLD (1,000) holds EAST's 500
    # and A3's input 400: 900 ≤ 1,000, no warning there.
    accounts = ACCOUNTS.replace("A,500,,", "A,500,300,").replace("B,300,,", "B,300,250,")
    accounts = accounts.replace("A,200,,", "A,200,400,")
    found = problems_of(plan(accounts_csv=accounts, topdown_csv="territory_id,amount\nEAST,500"))
    assert [where(p) for p in found] == [("topdown.csv", 2, "amount", "warning")]
    assert "550.00" in found[0].message


def test_a_number_below_its_inputs_is_reported_once_by_read_and_build() -> None:
    # What `quotaplan validate` lists: the reading problems, then the computation's. EAST is
    # numbered 500 with inputs 300 + 250 = 550: one warning, from reading, not a second one from
    # computing the targets.
    accounts = ACCOUNTS.replace("A,500,,", "A,500,300,").replace("B,300,,", "B,300,250,")
    files = {name: text.strip().encode() for name, text in plan(
        accounts_csv=accounts, topdown_csv="territory_id,amount\nEAST,500").items()}
    loaded, problems = read_plan_files(files)
    assert loaded is not None
    everything = problems + build(loaded).problems
    about_east = [p for p in everything if "EAST" in p.message or p.file == "topdown.csv"]
    assert [(p.code, *where(p)) for p in about_east] == [
        ("bottom-up-above", "topdown.csv", 2, "amount", "warning")]


def test_deeper_numbers_count_against_the_number_above(problems_of: Problems) -> None:
    # WORLD 1,000 holds EAST 700 and WEST 400: 1,100 > 1,000.
    toml = PLAN.replace("topdown = 1_000_000", "topdown = 1_000")
    found = problems_of(plan(plan_toml=toml, topdown_csv="territory_id,amount\nEAST,700\nWEST,400"))
    assert [where(p) for p in found] == [("plan.toml", 8, "targets.topdown", "warning")]
    assert "1,100.00" in found[0].message


def test_inactive_accounts_inputs_do_not_count(problems_of: Problems) -> None:
    accounts = ACCOUNTS.replace("B,100,,inactive", "B,100,5000000,inactive")
    assert problems_of(plan(accounts_csv=accounts)) == []


# --- methods and their columns -------------------------------------------------------------------


def test_weight_must_be_a_known_numeric_column(problems_of: Problems) -> None:
    for weight, text in [("revenue", "neither prior_bookings nor a column"),
                         ("segment", "is not a numeric column")]:
        toml = PLAN.replace('weight = "annual_revenue"', f'weight = "{weight}"')
        found = only(problems_of(plan(plan_toml=toml)), "weight")
        assert [where(p) for p in found] == [("plan.toml", 7, "targets.weight", "error")]
        assert text in found[0].message


def test_weight_from_an_extra_column_must_hold_plain_numbers(problems_of: Problems) -> None:
    toml = PLAN.replace('weight = "annual_revenue"', 'weight = "potential"')
    accounts = "account_id,territory_id,potential\nA1,EAST,12.5\nA2,EAST,1e3\nA3,WEST, 7 \nA4,WEST,"
    found = problems_of(plan(plan_toml=toml, accounts_csv=accounts))
    assert [where(p) for p in found] == [("accounts.csv", 3, "potential", "error")]


def test_weight_is_not_checked_when_unused(problems_of: Problems) -> None:
    toml = PLAN.replace('method = "weighted"', 'method = "even"').replace(
        'weight = "annual_revenue"', 'weight = "nothing"')
    assert problems_of(plan(plan_toml=toml)) == []


BUCKETED = PLAN.replace('method = "weighted"', 'method = "bucketed"\nbucket_by = "grade"\n'
                        'buckets = { A = 0.6, B = 0.4 }')


def test_bucketed_plan_with_shares_for_every_grade_is_fine(problems_of: Problems) -> None:
    assert problems_of(plan(plan_toml=BUCKETED)) == []


def test_a_bucket_without_a_share(problems_of: Problems) -> None:
    accounts = ACCOUNTS.replace("SMB,B,300", "SMB,C,300").replace("SMB,A,200", "SMB,C,200")
    found = only(problems_of(plan(plan_toml=BUCKETED, accounts_csv=accounts)), "bucket")
    assert [where(p) for p in found] == [("accounts.csv", 3, "grade", "error")]
    assert "'C' (2 eligible" in found[0].message


def test_buckets_of_ineligible_or_preserved_accounts_need_no_share(problems_of: Problems) -> None:
    accounts = ACCOUNTS.replace("SMB,B,100,,inactive", "SMB,Z,100,,inactive").replace(
        "SMB,A,200,,", "SMB,Y,200,7,")
    assert problems_of(plan(plan_toml=BUCKETED, accounts_csv=accounts)) == []


def test_an_eligible_account_without_a_bucket(problems_of: Problems) -> None:
    accounts = ACCOUNTS.replace("SMB,B,300", "SMB,,300")
    found = only(problems_of(plan(plan_toml=BUCKETED, accounts_csv=accounts)), "bucket")
    assert [where(p) for p in found] == [("accounts.csv", 3, "grade", "error")]


def test_bucket_by_a_column_accounts_do_not_have(problems_of: Problems) -> None:
    toml = BUCKETED.replace('bucket_by = "grade"', 'bucket_by = "tier"')
    found = only(problems_of(plan(plan_toml=toml)), "bucket")
    assert [where(p) for p in found] == [("plan.toml", 7, "targets.bucket_by", "error")]


def test_bucket_by_an_extra_column(problems_of: Problems) -> None:
    toml = BUCKETED.replace('bucket_by = "grade"', 'bucket_by = "tier"')
    accounts = "account_id,territory_id,tier\nA1,EAST,A\nA2,EAST,B\nA3,WEST,B"
    assert problems_of(plan(plan_toml=toml, accounts_csv=accounts)) == []


# --- other files ---------------------------------------------------------------------------------


def test_an_adjustment_has_exactly_one_of_amount_and_rate(problems_of: Problems) -> None:
    adjustments = "seller_id,amount,rate,reason\nS1,10,0.1,both\nS2,,,neither\nS1,,-0.02,fine"
    found = only(problems_of(plan(adjustments_csv=adjustments)), "adjustment")
    assert [where(p) for p in found] == [
        ("adjustments.csv", 2, "rate", "error"),
        ("adjustments.csv", 3, "amount", "error"),
    ]


def test_an_override_on_an_inactive_account_is_a_warning(problems_of: Problems) -> None:
    found = problems_of(plan(overrides_csv="account_id,target,reason\nA1,5,ok\nA4,5,why"))
    assert [where(p) for p in found] == [("overrides.csv", 3, "account_id", "warning")]


# --- scale ---------------------------------------------------------------------------------------


def test_a_check_lists_at_most_max_listed_rows_then_counts_the_rest() -> None:
    rows = "\n".join(f"B{i},2025-01-01,1" for i in range(100_000))
    files = {name: text.strip().encode() for name, text in plan(
        bookings_csv="account_id,date,amount\n" + rows).items()}
    _, problems = read_plan_files(files)
    found = only(problems, "unknown-reference")
    assert len(found) == MAX_LISTED + 1
    assert [p.line for p in found[:3]] == [2, 3, 4]
    assert found[-1].message.startswith(f"… and {100_000 - MAX_LISTED} more")
    assert found[-1].line == MAX_LISTED + 2


def test_tables_compute_the_hierarchy_once() -> None:
    territories = pl.DataFrame({"line": [2, 3], "territory_id": ["R", "L"],
                                "parent_id": [None, "R"]})
    view = Tables(None, territories, None, None, None, None, None, None, None)
    assert view.structure is view.structure
    assert view.sound is not None
    assert view.sound.root == "R"
    leaves = view.sound.nodes.filter(pl.col("is_leaf")).get_column("territory_id").to_list()
    assert leaves == ["L"]


def test_anchors_are_the_nearest_numbered_ancestor() -> None:
    territories = pl.DataFrame({
        "line": [2, 3, 4, 5, 6],
        "territory_id": ["R", "A", "A1", "B", "B1"],
        "parent_id": [None, "R", "A", "R", "B"],
    })
    structure = checks.structure_of(territories)
    assert structure.anchors({"R", "A"}) == {"R": "R", "A": "A", "A1": "A", "B": "R", "B1": "R"}
    assert structure.anchors(set()) == dict.fromkeys(["R", "A", "A1", "B", "B1"])


def test_a_schema_weight_column_without_values(problems_of: Problems) -> None:
    toml = PLAN.replace('weight = "annual_revenue"', 'weight = "employees"')
    found = only(problems_of(plan(plan_toml=toml)), "weight")
    assert [where(p) for p in found] == [("plan.toml", 7, "targets.weight", "error")]
    assert "no values" in found[0].message
    # Only the accounts that share the number need a weight: the rest may leave it empty.
    accounts = ACCOUNTS.replace("annual_revenue", "employees").replace("A,500,,", "A,,700000,")
    assert problems_of(plan(plan_toml=toml, accounts_csv=accounts)) == []


def test_a_plan_saved_by_a_spreadsheet_reads_the_same() -> None:
    """BOM, CRLF line ends and quoted cells everywhere: no problems, and lines still count."""

    def excel(text: str) -> bytes:
        rows = [",".join(f'"{c}"' for c in line.split(",")) for line in text.strip().splitlines()]
        return b"\xef\xbb\xbf" + "\r\n".join(rows).encode() + b"\r\n"

    files = {"plan.toml": PLAN.encode(), "territories.csv": excel(TERRITORIES),
             "sellers.csv": excel(SELLERS), "accounts.csv": excel(ACCOUNTS)}
    plan_read, found = read_plan_files(files)
    assert found == []
    assert plan_read is not None
    assert plan_read.accounts.get_column("line").to_list() == [2, 3, 4, 5]
    files["accounts.csv"] = excel(ACCOUNTS.replace("A3,Gamma,WEST", "A3,Gamma,WST"))
    _, found = read_plan_files(files)
    assert [where(p) for p in found] == [("accounts.csv", 4, "territory_id", "error")]


def test_growth_by_segment_may_name_segments_no_account_has(problems_of: Problems) -> None:
    toml = PLAN.replace('method = "weighted"', 'method = "growth"') + (
        '\n[targets.growth_by_segment]\nEnterprise = 0.2\n"Public Sector" = 0.05\n')
    assert problems_of(plan(plan_toml=toml)) == []


def test_many_roots_are_listed_up_to_the_cap() -> None:
    rows = "\n".join(f"R{i}," for i in range(10_000))
    _, found = read_plan_files({"territories.csv": f"territory_id,parent_id\n{rows}".encode()})
    roots_found = only(found, "roots")
    assert len(roots_found) == MAX_LISTED + 1
    assert roots_found[0].line == 3
    assert roots_found[-1].message == f"… and {9_999 - MAX_LISTED} more rows like this"


def test_a_hierarchy_deeper_than_the_limit_is_refused_at_its_deepest_territory() -> None:
    n = MAX_DEPTH + 2
    rows = ["territory_id,parent_id", "T0,"] + [f"T{i},T{i - 1}" for i in range(1, n)]
    _, problems = read_plan_files({"territories.csv": "\n".join(rows).encode()})
    deep = only(problems, "depth")
    assert [(p.file, p.line, p.column) for p in deep] == [("territories.csv", n + 1, "parent_id")]
    assert f"{n - 1} levels below the root" in deep[0].message


def test_a_hierarchy_at_the_limit_is_accepted() -> None:
    rows = ["territory_id,parent_id", "T0,"] + [f"T{i},T{i - 1}" for i in range(1, MAX_DEPTH + 1)]
    _, problems = read_plan_files({"territories.csv": "\n".join(rows).encode()})
    assert only(problems, "depth") == []


class _Unreadable(dict[str, bytes]):
    """Plan files where one cannot be read (as a file without read permission)."""

    def __getitem__(self, name: str) -> bytes:
        if name == "accounts.csv":
            raise PermissionError(13, "Permission denied")
        return super().__getitem__(name)


def test_a_file_that_cannot_be_read_is_a_problem_not_a_crash() -> None:
    files = _Unreadable({name: text.encode() for name, text in plan().items()})
    loaded, problems = read_plan_files(files)
    assert loaded is None
    found = only(problems, "unreadable")
    assert [(p.file, p.line, p.message) for p in found] == [
        ("accounts.csv", None, "the file cannot be read (Permission denied); check that it is a "
         "plain file you may read")]


def test_a_folder_read_by_paths_is_the_plan_read_from_bytes(tmp_path: Path) -> None:
    """Files given by path (mapped, read one at a time) make the same plan as their bytes."""
    files = plan(bookings_csv="account_id,date,amount\nA1,2025-01-01,1\nA2,2025-02-01,2.5\n")
    folder = write_plan(tmp_path / "plan", files)
    names = [p.name for p in folder.iterdir()]
    by_path, path_problems = read_plan_files({n: folder / n for n in names})
    by_bytes, byte_problems = read_plan_files({n: (folder / n).read_bytes() for n in names})
    assert path_problems == byte_problems
    assert by_path is not None
    assert by_bytes is not None
    assert by_path.bookings.height == 2
    for table in ("territories", "sellers", "accounts", "bookings"):
        assert getattr(by_path, table).equals(getattr(by_bytes, table)), table


def test_an_empty_file_given_by_path_is_reported_like_its_bytes(tmp_path: Path) -> None:
    folder = write_plan(tmp_path / "plan", plan())
    (folder / "overrides.csv").write_bytes(b"")  # an empty file cannot be mapped
    names = [p.name for p in folder.iterdir()]
    _, by_path = read_plan_files({n: folder / n for n in names})
    _, by_bytes = read_plan_files({n: (folder / n).read_bytes() for n in names})
    assert by_path == by_bytes
    assert [(p.file, p.code) for p in by_path] == [("overrides.csv", "empty")]


def test_amounts_that_add_up_beyond_15_digits_are_an_error_on_the_line_that_passes(
    problems_of: Problems,
) -> None:
    big = "999999999999999.99"
    rows = "".join(f"A1,2025-03-01,{'-' if i % 2 else ''}{big}\n" for i in range(3))
    found = only(problems_of(plan(bookings_csv="account_id,date,amount\n" + rows)),
                 "out-of-range")
    assert [where(p) for p in found] == [("bookings.csv", 3, "amount", "error")]
    assert "amounts add up to more than 15 digits" in found[0].message


def test_amounts_that_add_up_to_15_digits_are_fine(problems_of: Problems) -> None:
    rows = "A1,2025-03-01,999999999999998.99\nA2,2025-03-01,-1\n"
    found = problems_of(plan(bookings_csv="account_id,date,amount\n" + rows))
    assert only(found, "out-of-range") == []
