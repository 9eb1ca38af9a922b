"""The terminal report: headline figures, riskiest sellers, strategic gaps, what to do.

``sample_result`` builds a small result by hand (figures worked out below), so the report is tested
on known numbers independently of the computing pipeline; the HTML and browser tests reuse it.

The plan: World (W, top-down 3,000,000.00 EUR) → North America (NA, top-down 1,600,000.00) with
leaves NE (Ana Ruiz, S1) and NW (S2), and Europe (EU, no number) with leaves EU1 (S3, no name),
EU2 (no carrier) and EU3 (S4, zero quota).

======  ============  ===========  ===========  ========  ==========================
seller  book          final quota  gap          coverage  risk / remedy
======  ============  ===========  ===========  ========  ==========================
S1      1,000,000.00  1,250,000.00  250,000.00  0.80      high: 1 account (median 300k)
S2        400,000.00    420,000.00   20,000.00  0.952…    medium: 1 account (median 200k)
S3      1,000,000.00    900,000.00 −100,000.00  1.111…    low
S4         50,000.00          0.00   50,000.00  —         none (zero quota)
======  ============  ===========  ===========  ========  ==========================

Accounts sum to 2,550,000.00 (EU2's 100,000.00 uncovered): root strategic gap 450,000.00; street
quota 2,570,000.00, quota gap 430,000.00, attainment factor 3,000,000 / 2,570,000 = 1.167.
NA: accounts 1,400,000.00 → strategic gap 200,000.00; quotas 1,670,000.00 → quota gap −70,000.00
(quotas pushed above what the accounts support: flagged).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest
from rich.console import Console

from quotaplan.build import BuildResult
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.plan import Plan
from quotaplan.report.terminal import nodes_view, remedy, render_terminal, sellers_view

PLAN_FILES = {
    "plan.toml": """
        [plan]
        name = "FY2027 <Test> & Co"
        fiscal_year_start = 2026-01-01
        currency = "EUR"

        [targets]
        topdown = 3_000_000
    """,
    "topdown.csv": """
        territory_id,amount
        NA,1600000
    """,
    "territories.csv": """
        territory_id,name,parent_id
        W,World,
        NA,North America,W
        EU,Europe,W
        NE,North-East,NA
        NW,<b>North-West</b>,NA
        EU1,,EU
        EU2,Europe Two,EU
        EU3,Europe Three,EU
    """,
    "sellers.csv": """
        seller_id,name,territory_id
        S1,Ana Ruiz,NE
        S2,Ben <script>alert(1)</script>,NW
        S3,,EU1
        S4,=Dee Park,EU3
        M1,Mia Chen,NA
        M0,Olu Ade,W
    """,
    "accounts.csv": """
        account_id,name,territory_id,bottom_up_target
        A1,,NE,600000
        A2,,NE,300000
        A3,,NE,100000
        B1,,NW,200000
        B2,,NW,200000
        C1,,EU1,500000
        C2,,EU1,250000
        C3,,EU1,250000
        D1,,EU2,100000
        E1,,EU3,50000
    """,
}

K = 100  # cents per currency unit

ACCOUNTS = [  # account_id, territory, seller, target (units), abc
    ("A1", "NE", "S1", 600_000, "A"), ("A2", "NE", "S1", 300_000, "A"),
    ("A3", "NE", "S1", 100_000, "B"), ("B1", "NW", "S2", 200_000, "A"),
    ("B2", "NW", "S2", 200_000, "B"), ("C1", "EU1", "S3", 500_000, "A"),
    ("C2", "EU1", "S3", 250_000, "A"), ("C3", "EU1", "S3", 250_000, "C"),
    ("D1", "EU2", None, 100_000, "A"), ("E1", "EU3", "S4", 50_000, "A"),
]

Row = tuple[object, ...]


def _frame(columns: dict[str, pl.DataType], rows: list[Row]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=columns, orient="row")


def make_result(plan: Plan) -> BuildResult:
    """The hand-built result described in the module docstring."""
    i64, f64, s = pl.Int64(), pl.Float64(), pl.String()
    account_targets = _frame(
        {"account_id": s, "territory_id": s, "seller_id": s, "method": s,
         "calculated_target": i64, "target": i64, "override_reason": s, "abc_class": s},
        [(a, t, sel, "weighted", v * K, v * K, None, abc) for a, t, sel, v, abc in ACCOUNTS],
    )
    quotas = _frame(
        {"seller_id": s, "territory_id": s, "book_target": i64, "base_quota": i64,
         "seniority_factor": f64, "strategic_factor": f64, "manual_adjustment": i64,
         "full_year_quota": i64, "ramp_factor": f64, "final_quota": i64, "quota_to_ote": f64,
         "ote": i64},
        [
            ("S1", "NE", 1_000_000 * K, 1_250_000 * K, 1.0, 1.0, 0, 1_250_000 * K, 1.0,
             1_250_000 * K, 5.0, 250_000 * K),
            ("S2", "NW", 400_000 * K, 420_000 * K, 1.0, 1.0, 0, 420_000 * K, 1.0, 420_000 * K,
             4.2, 100_000 * K),
            ("S3", "EU1", 1_000_000 * K, 900_000 * K, 1.0, 1.0, 0, 900_000 * K, 1.0,
             900_000 * K, None, None),
            ("S4", "EU3", 50_000 * K, 0, 1.0, 1.0, 0, 0, 1.0, 0, None, None),
        ],
    )
    gap = _frame(
        {"seller_id": s, "final_quota": i64, "book_target": i64, "gap": i64, "coverage": f64,
         "risk": s, "top1_share": f64, "top3_share": f64, "top10_share": f64,
         "accounts_for_80pct": i64, "hhi": f64, "high_value_accounts": i64,
         "high_value_target_sum": i64, "accounts_to_add": i64, "pipeline_needed": i64,
         "quota_at_target_coverage": i64},
        [
            ("S3", 900_000 * K, 1_000_000 * K, -100_000 * K, 1_000_000 / 900_000, "low", 0.5, 1.0,
             1.0, 2, 0.375, 1, 500_000 * K, 0, 0, 1_000_000 * K),
            ("S1", 1_250_000 * K, 1_000_000 * K, 250_000 * K, 0.8, "high", 0.6, 1.0, 1.0, 2,
             0.46, 1, 600_000 * K, 1, 750_000 * K, 1_000_000 * K),
            ("S4", 0, 50_000 * K, 50_000 * K, None, None, 1.0, 1.0, 1.0, 1, 1.0, 0, 0, None,
             150_000 * K, 50_000 * K),
            ("S2", 420_000 * K, 400_000 * K, 20_000 * K, 400_000 / 420_000, "medium", 0.5, 1.0,
             1.0, 2, 0.5, 0, 0, 1, 60_000 * K, 400_000 * K),
        ],
    )
    rollup = _frame(
        {"territory_id": s, "parent_id": s, "depth": i64, "manager_id": s, "topdown": i64,
         "calculated_target_sum": i64, "account_target_sum": i64, "quota_sum": i64,
         "manager_quota": i64, "strategic_gap": i64, "quota_gap": i64, "attainment_factor": f64,
         "productive_capacity": i64, "uncovered_target": i64, "headcount_to_close": i64},
        [
            ("W", None, 0, "M0", 3_000_000 * K, 2_550_000 * K, 2_550_000 * K, 2_570_000 * K,
             2_570_000 * K, 450_000 * K, 430_000 * K, 3_000_000 / 2_570_000, 2_056_000 * K,
             100_000 * K, 1),
            ("EU", "W", 1, None, None, 1_150_000 * K, 1_150_000 * K, 900_000 * K, 900_000 * K,
             None, None, None, 720_000 * K, 100_000 * K, None),
            ("NA", "W", 1, "M1", 1_600_000 * K, 1_400_000 * K, 1_400_000 * K, 1_670_000 * K,
             1_670_000 * K, 200_000 * K, -70_000 * K, 1_600_000 / 1_670_000, 1_336_000 * K, 0, 1),
            ("EU1", "EU", 2, None, None, 1_000_000 * K, 1_000_000 * K, 900_000 * K, None, None,
             None, None, 720_000 * K, 0, None),
            ("EU2", "EU", 2, None, None, 100_000 * K, 100_000 * K, 0, None, None, None, None, 0,
             100_000 * K, None),
            ("EU3", "EU", 2, None, None, 50_000 * K, 50_000 * K, 0, None, None, None, None, 0, 0,
             None),
            ("NE", "NA", 2, None, None, 1_000_000 * K, 1_000_000 * K, 1_250_000 * K, None, None,
             None, None, 1_000_000 * K, 0, None),
            ("NW", "NA", 2, None, None, 400_000 * K, 400_000 * K, 420_000 * K, None, None, None,
             None, 336_000 * K, 0, None),
        ],
    )
    summary = {
        "topdown": 3_000_000 * K, "account_target_sum": 2_550_000 * K,
        "street_quota": 2_570_000 * K, "attainment_factor": 3_000_000 / 2_570_000,
        "sellers_by_risk": {"high": 1, "medium": 1, "low": 1, "none": 1},
        "strategic_gap": 450_000 * K, "quota_gap": 430_000 * K, "uncovered_target": 100_000 * K,
        "productive_capacity": 2_056_000 * K, "headcount_to_close": 1,
    }
    return BuildResult(
        plan=plan, hierarchy=build_hierarchy(plan), account_targets=account_targets,
        quotas=quotas, quota_periods=pl.DataFrame(), gap=gap, rollup=rollup, summary=summary,
    )


@pytest.fixture
def result(load_plan: Callable[[dict[str, str]], Plan]) -> BuildResult:
    return make_result(load_plan(PLAN_FILES))


def render_text(result: BuildResult, *, top: int = 10, width: int = 220) -> str:
    console = Console(record=True, width=width, color_system=None, force_terminal=False)
    for item in render_terminal(result, top=top):
        console.print(item)
    return console.export_text()


def test_sellers_view_puts_lowest_coverage_first_and_zero_quotas_last(result: BuildResult) -> None:
    view = sellers_view(result)
    assert view.get_column("seller_id").to_list() == ["S1", "S2", "S3", "S4"]
    assert view.get_column("risk").to_list() == ["high", "medium", "low", "none"]
    names = dict(zip(view.get_column("seller_id"), view.get_column("seller_name"), strict=True))
    assert names["S1"] == "Ana Ruiz"
    assert names["S3"] == "S3"  # empty name falls back to the id
    territories = dict(zip(view.get_column("seller_id"), view.get_column("territory_name"),
                           strict=True))
    assert territories == {"S1": "North-East", "S2": "<b>North-West</b>", "S3": "EU1",
                           "S4": "Europe Three"}


def test_nodes_view_flags_quotas_pushed_above_account_support(result: BuildResult) -> None:
    view = nodes_view(result)
    pushed = view.filter(pl.col("pushed")).get_column("territory_id").to_list()
    # NA: strategic gap 200,000 > 0 but quota gap −70,000 < 0. The root has both gaps positive.
    assert pushed == ["NA"]
    assert view.get_column("territory_id").to_list()[:3] == ["W", "EU", "NA"]
    managers = dict(zip(view.get_column("territory_id"), view.get_column("manager_name"),
                        strict=True))
    assert managers["NA"] == "Mia Chen"


def test_headline_shows_root_figures_with_separators_and_currency(result: BuildResult) -> None:
    text = render_text(result)
    assert "FY2027 <Test> & Co" in text
    for label, value in [
        ("Top-down number", "3,000,000.00 EUR"),
        ("Account targets", "2,550,000.00 EUR"),
        ("Street quota", "2,570,000.00 EUR"),
        ("Attainment factor", "1.167"),
        ("Strategic gap", "450,000.00 EUR"),
        ("Quota gap", "430,000.00 EUR"),
        ("Uncovered target", "100,000.00 EUR"),
        ("Productive capacity", "2,056,000.00 EUR"),
        ("Headcount to close", "1"),
        ("Sellers by risk", "high 1 · medium 1 · low 1 · none 1"),
    ]:
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(label))
        assert value in line, (label, line)


def test_riskiest_sellers_table_lists_lowest_coverage_first(result: BuildResult) -> None:
    text = render_text(result)
    lines = text.splitlines()
    s1 = next(i for i, ln in enumerate(lines) if "Ana Ruiz (S1)" in ln)
    s2 = next(i for i, ln in enumerate(lines) if "(S2)" in ln)
    s3 = next(i for i, ln in enumerate(lines) if "│ S3 " in ln)
    assert s1 < s2 < s3
    row = lines[s1]
    for cell in ("North-East", "1,250,000.00", "1,000,000.00", "250,000.00", "80.0 %", "high",
                 "750,000.00"):
        assert cell in row, cell
    assert "95.2 %" in lines[s2]
    assert "111.1 %" in lines[s3]


def test_top_bounds_the_seller_list(result: BuildResult) -> None:
    text = render_text(result, top=2)
    assert "Riskiest sellers (2 of 4" in text
    assert "Dee Park" not in text


def test_strategic_gaps_by_node_largest_first_and_flagged(result: BuildResult) -> None:
    text = render_text(result)
    lines = text.splitlines()
    world = next(i for i, ln in enumerate(lines) if ln.startswith("│ World"))
    na = next(i for i, ln in enumerate(lines) if ln.startswith("│ North America"))
    assert world < na  # 450,000 before 200,000
    assert "-70,000.00" in lines[na]
    assert "quotas above account support" in text
    assert "Europe " not in "".join(lines[world:na + 2])  # EU has no number: not listed


def test_what_to_do_gives_one_line_per_seller_at_risk(result: BuildResult) -> None:
    text = render_text(result)
    todo = text[text.index("What to do"):].splitlines()[1:]
    todo = [ln for ln in todo if ln.startswith("•")]
    assert len(todo) == 2  # S1 high and S2 medium; S3 is covered and S4 has no quota
    assert todo[0].startswith("• Ana Ruiz (gap 250,000.00 EUR): add 1 account at the book's")
    assert "build 750,000.00 EUR of pipeline" in todo[0]
    assert "lower the quota to 1,000,000.00 EUR" in todo[0]


def test_remedy_sentences() -> None:
    base = {"final_quota": 100, "book_target": 0, "gap": 100, "accounts_to_add": None,
            "pipeline_needed": 300, "quota_at_target_coverage": 0}
    assert remedy(base, "USD").startswith("the book holds no target: assign accounts")
    assert remedy({**base, "gap": -5, "book_target": 105}, "USD").startswith("covered")
    assert remedy({**base, "final_quota": 0}, "USD") == "no quota to cover"
    two = remedy({**base, "book_target": 50, "gap": 50, "accounts_to_add": 2}, "USD")
    assert two.startswith("add 2 accounts")


def test_empty_summary_figures_show_a_dash(result: BuildResult) -> None:
    blank = dict.fromkeys(result.summary) | {"sellers_by_risk": None}
    bare = BuildResult(
        plan=result.plan, hierarchy=result.hierarchy, account_targets=result.account_targets,
        quotas=result.quotas, quota_periods=result.quota_periods, gap=result.gap,
        rollup=result.rollup.with_columns(pl.lit(None, dtype=pl.Int64).alias("topdown")),
        summary=blank,
    )
    text = render_text(bare)
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("Strategic gap"))
    assert "—" in line
    # counted from the gap table when the summary lacks them
    assert "high 1 · medium 1 · low 1 · none 1" in text
    assert "No node has a top-down number" in text


def test_names_are_shown_literally_not_as_rich_markup(result: BuildResult) -> None:
    sellers = result.plan.sellers.with_columns(
        pl.when(pl.col("seller_id") == "S1").then(pl.lit("[red]Ana[/] [/bold]"))
        .otherwise(pl.col("name")).alias("name"))
    odd = BuildResult(**{**result.__dict__, "plan": result.plan.with_tables(sellers=sellers)})
    text = render_text(odd)
    assert "[red]Ana[/] [/bold] (S1)" in text


EVEN_PLAN = {
    "plan.toml": """
        [plan]
        name = "Even split"
        fiscal_year_start = 2026-01-01

        [targets]
        method = "even"
        topdown = 1_000_000

        [quotas]
        basis = "even"
    """,
    "territories.csv": """
        territory_id,name,parent_id
        W,World,
        E,East,W
        X,West,W
    """,
    "sellers.csv": """
        seller_id,name,territory_id
        S1,Ana,E
        S2,Ben,X
    """,
    "accounts.csv": """
        account_id,territory_id
        A1,E
        A2,E
        A3,E
        A4,E
        B1,X
    """,
}


def test_built_plan_report(load_plan: Callable[[dict[str, str]], Plan]) -> None:
    """A real build: 1,000,000 spread evenly over 5 accounts (200,000 each) and split evenly
    over 2 carriers (500,000 each). Ana's book is 800,000 (coverage 160 %, low); Ben's is 200,000
    (coverage 40 %, high): gap 300,000 → 2 accounts of 200,000, pipeline 900,000."""
    from quotaplan.build import build

    text = render_text(build(load_plan(EVEN_PLAN)))
    line = next(ln for ln in text.splitlines() if "Ben (S2)" in ln)
    for cell in ("West", "500,000.00", "200,000.00", "300,000.00", "40.0 %", "high", "900,000.00"):
        assert cell in line, cell
    assert text.index("Ben (S2)") < text.index("Ana (S1)")
    assert "160.0 %" in next(ln for ln in text.splitlines() if "Ana (S1)" in ln)
    street = next(ln for ln in text.splitlines() if ln.strip().startswith("Street quota"))
    assert "1,000,000.00 USD" in street
    gap = next(ln for ln in text.splitlines() if ln.strip().startswith("Strategic gap"))
    assert "0.00 USD" in gap
    # Two more accounts of 200,000 would be needed: more than the one account Ben's book holds.
    assert ("• Ben (gap 300,000.00 USD): the gap is 2 accounts at the book's median target, more "
            "than the book's 1 account: move accounts from other sellers (see `quotaplan optimize "
            "--goal fix-coverage`)") in " ".join(text.split())
