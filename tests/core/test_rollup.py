"""Roll-ups: node sums, strategic and quota gaps, hedged manager quotas, headcount, summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.core.feasibility import concentration, gap_table
from quotaplan.core.hierarchy import Hierarchy, build_hierarchy
from quotaplan.core.rollup import ROLLUP_COLUMNS, rollup_table, summary
from quotaplan.money import round_half_away
from quotaplan.plan import Plan
from quotaplan.planfolder.read import empty_table
from quotaplan.schemas import INPUTS, OUTPUTS
from quotaplan.settings import parse_settings

LoadPlan = Callable[[dict[str, str]], Plan]

# World R (numbered 60,000.00, hedge 10 %) → East A (numbered 22,000.00, hedge 5 %, manager m_a)
# → leaves L1 (s1, fully ramped) and L2 (s2, a vacant seat ramping, numbered 3,000.00);
# R → L3 (no carrier: uncovered) and L4 (s4, fully ramped).
FILES = {
    "plan.toml": """
        [plan]
        name = "Roll-up"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "growth"
        [quotas]
        hedge = { 0 = 0.10, 1 = 0.05 }
        [capacity]
        attrition = 0.25
    """,
    "territories.csv": """
        territory_id,name,parent_id
        R,World,
        A,East,R
        L1,East 1,A
        L2,East 2,A
        L3,West,R
        L4,South,R
    """,
    "sellers.csv": """
        seller_id,territory_id,status,hire_date
        m_a,A,active,
        s1,L1,active,
        s2,L2,tbh,2026-09-01
        s4,L4,active,
    """,
    "accounts.csv": """
        account_id,territory_id
        a1,L1
        a2,L1
        a3,L2
        a4,L3
        a5,L4
    """,
    "topdown.csv": """
        territory_id,amount
        R,60000
        A,22000
        L2,3000
    """,
}

ACCOUNT_TARGETS = pl.DataFrame(
    {
        "account_id": ["a1", "a2", "a3", "a4", "a5"],
        "territory_id": ["L1", "L1", "L2", "L3", "L4"],
        "calculated_target": [700_000, 500_000, 200_000, 300_000, 2_500_000],
        "target": [600_000, 500_000, 200_000, 300_000, 2_500_000],  # a1 overridden down
    }
)

QUOTAS = pl.DataFrame(
    {
        "seller_id": ["s1", "s2", "s4"],
        "territory_id": ["L1", "L2", "L4"],
        "book_target": [1_100_000, 200_000, 2_500_000],
        "full_year_quota": [1_000_000, 1_000_000, 3_000_000],
        "ramp_factor": [1.0, 0.333333, 1.0],
        "final_quota": [1_000_000, 333_333, 3_000_000],
    }
)


@pytest.fixture
def world(load_plan: LoadPlan) -> tuple[Plan, Hierarchy, pl.DataFrame]:
    plan = load_plan(FILES)
    hierarchy = build_hierarchy(plan)
    return plan, hierarchy, rollup_table(plan, hierarchy, ACCOUNT_TARGETS, QUOTAS)


def rows_of(rollup: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {str(r["territory_id"]): r for r in rollup.iter_rows(named=True)}


def test_columns_and_depth_first_order(world: tuple[Plan, Hierarchy, pl.DataFrame]) -> None:
    _, _, rollup = world
    assert tuple(rollup.columns[: len(ROLLUP_COLUMNS)]) == OUTPUTS["rollup.csv"]
    assert rollup["territory_id"].to_list() == ["R", "A", "L1", "L2", "L3", "L4"]
    assert rollup["depth"].to_list() == [0, 1, 2, 2, 1, 1]
    assert rollup["manager_id"].to_list() == [None, "m_a", None, None, None, None]


def test_sums_beneath_every_node(world: tuple[Plan, Hierarchy, pl.DataFrame]) -> None:
    rows = rows_of(world[2])
    assert rows["R"]["calculated_target_sum"] == 4_200_000
    assert rows["R"]["account_target_sum"] == 4_100_000
    assert rows["A"]["calculated_target_sum"] == 1_400_000
    assert rows["A"]["account_target_sum"] == 1_300_000
    assert rows["L1"]["account_target_sum"] == 1_100_000
    assert rows["R"]["quota_sum"] == 4_333_333
    assert rows["A"]["quota_sum"] == 1_333_333
    assert rows["L3"]["quota_sum"] == 0
    assert (rows["R"]["carriers"], rows["A"]["carriers"], rows["L3"]["carriers"]) == (3, 2, 0)
    # The uncovered leaf L3 and everything above it.
    assert [rows[n]["uncovered_target"] for n in ("R", "A", "L3", "L4")] == [300_000, 0, 300_000, 0]
    assert rows["R"]["uncovered_accounts"] == 1
    # s2 (coverage 0.6) and s4 (0.83) are high risk; s1 (1.1) is not.
    assert (rows["R"]["high_risk_carriers"], rows["A"]["high_risk_carriers"]) == (2, 1)


def test_manager_quotas_are_hedged_and_rounded_once(
    world: tuple[Plan, Hierarchy, pl.DataFrame],
) -> None:
    rows = rows_of(world[2])
    # A: (10,000.00 + 3,333.33) × 0.95 = 12,666.6635 → 12,666.66
    assert rows["A"]["manager_quota"] == 1_266_666
    # R: (12,666.6635 + 0 for uncovered L3 + 30,000.00) × 0.90 = 38,399.99715 → 38,400.00
    # (rounding A first would give 38,399.99).
    assert rows["R"]["manager_quota"] == 3_840_000
    assert rows["L1"]["manager_quota"] is None


def test_gaps_and_attainment_of_numbered_nodes(
    world: tuple[Plan, Hierarchy, pl.DataFrame],
) -> None:
    rows = rows_of(world[2])
    assert rows["R"]["topdown"] == 6_000_000
    assert rows["R"]["strategic_gap"] == 1_900_000     # 60,000 − 41,000
    assert rows["R"]["quota_gap"] == 1_666_667         # 60,000 − 43,333.33
    assert rows["R"]["attainment_factor"] == pytest.approx(6_000_000 / 4_333_333)
    assert rows["A"]["strategic_gap"] == 900_000
    assert rows["A"]["quota_gap"] == 866_667
    assert rows["A"]["attainment_factor"] == pytest.approx(2_200_000 / 1_333_333)
    # L2: targets 2,000 support less than its number 3,000, but the quota 3,333.33 is above it.
    assert (rows["L2"]["strategic_gap"], rows["L2"]["quota_gap"]) == (100_000, -33_333)
    assert rows["L2"]["pushed_above_support"] is True
    assert [n for n, r in rows.items() if r["pushed_above_support"]] == ["L2"]
    # Nodes without a number: every gap, factor and headcount empty.
    for name in ("L1", "L3", "L4"):
        for column in ("topdown", "strategic_gap", "quota_gap", "attainment_factor",
                       "headcount_to_close"):
            assert rows[name][column] is None, (name, column)


def test_capacity_and_headcount(world: tuple[Plan, Hierarchy, pl.DataFrame]) -> None:
    rows = rows_of(world[2])
    # 43,333.33 × 0.8 = 34,666.664 → 34,666.66; loss × 0.25 ÷ 2 = 4,333.333 → 4,333.33
    assert rows["R"]["productive_capacity"] == 3_466_666
    assert rows["R"]["expected_attrition_loss"] == 433_333
    assert rows["L2"]["productive_capacity"] == 266_666
    assert rows["L3"]["productive_capacity"] == 0
    # R: ramped s1, s4 average 20,000.00 × 0.8 = 16,000.00 per hire; ⌈19,000 ÷ 16,000⌉ = 2.
    assert rows["R"]["headcount_to_close"] == 2
    # A: its own ramped s1, 10,000.00 × 0.8 = 8,000.00; ⌈9,000 ÷ 8,000⌉ = 2 (plan-wide would be 1).
    assert rows["A"]["headcount_to_close"] == 2
    # L2 has no fully ramped carrier: the plan-wide 16,000.00; ⌈1,000 ÷ 16,000⌉ = 1.
    assert rows["L2"]["headcount_to_close"] == 1


def test_summary_of_the_root(world: tuple[Plan, Hierarchy, pl.DataFrame]) -> None:
    plan, hierarchy, rollup = world
    books, _ = concentration(ACCOUNT_TARGETS)
    gap = gap_table(plan, QUOTAS, books)
    result = summary(plan, hierarchy, rollup, gap)
    assert result["topdown"] == 6_000_000
    assert result["account_target_sum"] == 4_100_000
    assert result["street_quota"] == 4_333_333
    assert result["attainment_factor"] == pytest.approx(1.384615)
    assert result["sellers_by_risk"] == {"high": 2, "medium": 0, "low": 1, "none": 0}
    assert result["strategic_gap"] == 1_900_000
    assert result["quota_gap"] == 1_666_667
    assert result["uncovered_target"] == 300_000
    assert result["productive_capacity"] == 3_466_666
    assert result["headcount_to_close"] == 2
    assert result["manager_quota"] == 3_840_000
    assert result["expected_attrition_loss"] == 433_333
    assert result["pushed_above_support"] == ["L2"]
    assert isinstance(result["headcount_to_close"], int)
    # A hire on January 1 under month_end ramps from February: 11/12 of 20,000.00 × 0.8.
    assert result["hire_contribution"] == 1_466_667
    assert result["hires_to_close_in_year"] == 2      # ⌈19,000 ÷ 14,666.67⌉
    half = summary(plan, hierarchy, rollup, gap,
                   hire_monthly_factors=[Fraction(0)] * 6 + [Fraction(1)] * 6)
    assert half["hire_contribution"] == 800_000
    assert half["hires_to_close_in_year"] == 3        # ⌈19,000 ÷ 8,000⌉


def test_zero_quota_counts_as_no_risk(world: tuple[Plan, Hierarchy, pl.DataFrame]) -> None:
    plan, hierarchy, rollup = world
    gap = pl.DataFrame({"seller_id": ["x", "y", "z"], "risk": ["low", None, "medium"]})
    assert summary(plan, hierarchy, rollup, gap)["sellers_by_risk"] == {
        "high": 0, "medium": 1, "low": 1, "none": 1}


def test_without_top_down_numbers_every_gap_is_empty(load_plan: LoadPlan) -> None:
    files = {k: v for k, v in FILES.items() if k != "topdown.csv"}
    plan = load_plan(files)
    hierarchy = build_hierarchy(plan)
    rollup = rollup_table(plan, hierarchy, ACCOUNT_TARGETS, QUOTAS)
    for column in ("topdown", "strategic_gap", "quota_gap", "attainment_factor",
                   "headcount_to_close"):
        assert rollup[column].null_count() == rollup.height, column
    assert not rollup["pushed_above_support"].any()
    # Sums and manager quotas still roll up.
    assert rollup["manager_quota"].to_list()[:2] == [3_840_000, 1_266_666]
    books, _ = concentration(ACCOUNT_TARGETS)
    result = summary(plan, hierarchy, rollup, gap_table(plan, QUOTAS, books))
    for key in ("topdown", "attainment_factor", "strategic_gap", "quota_gap",
                "headcount_to_close", "hires_to_close_in_year"):
        assert result[key] is None, key
    assert result["street_quota"] == 4_333_333
    assert result["pushed_above_support"] == []


def test_a_surplus_needs_no_hire(load_plan: LoadPlan) -> None:
    files = dict(FILES, **{"topdown.csv": "territory_id,amount\nR,40000\n"})
    plan = load_plan(files)
    rollup = rollup_table(plan, build_hierarchy(plan), ACCOUNT_TARGETS, QUOTAS)
    root = rollup.row(0, named=True)
    assert (root["strategic_gap"], root["quota_gap"]) == (-100_000, -333_333)
    assert root["headcount_to_close"] == 0
    assert root["pushed_above_support"] is False


# --- properties ----------------------------------------------------------------------------------

BASE_TOML = """
[plan]
name = "Trees"
fiscal_year_start = 2026-01-01
"""


def settings_plan(extra: str = "") -> Plan:
    settings_, problems = parse_settings(BASE_TOML + extra)
    assert settings_ is not None, problems
    return Plan(settings=settings_, **{name: empty_table(s) for name, s in INPUTS.items()})


def tree(parents: list[int]) -> Hierarchy:
    """Node 0 is the root; node i + 1 hangs under ``parents[i]`` (an earlier node)."""
    ids = [f"n{i:02d}" for i in range(len(parents) + 1)]
    parent_of: list[int | None] = [None, *parents]
    depth = [0]
    for p in parents:
        depth.append(depth[p] + 1)
    inner = set(parents)
    closure: list[tuple[str, str, int]] = []
    for i in range(len(ids)):
        j: int | None = i
        while j is not None:
            closure.append((ids[i], ids[j], depth[j]))
            j = parent_of[j]
    nodes = pl.DataFrame(
        {
            "territory_id": ids,
            "parent_id": [None if p is None else ids[p] for p in parent_of],
            "depth": depth,
            "is_leaf": [i not in inner for i in range(len(ids))],
            "topdown": [None] * len(ids),
            "anchor_id": [None] * len(ids),
            "anchor_depth": [None] * len(ids),
            "manager_id": [None] * len(ids),
        },
        schema={"territory_id": pl.String, "parent_id": pl.String, "depth": pl.Int64,
                "is_leaf": pl.Boolean, "topdown": pl.Int64, "anchor_id": pl.String,
                "anchor_depth": pl.Int64, "manager_id": pl.String},
    )
    closure_frame = pl.DataFrame(
        closure, schema={"territory_id": pl.String, "ancestor_id": pl.String,
                         "ancestor_depth": pl.Int64}, orient="row")
    return Hierarchy(root=ids[0], nodes=nodes, closure=closure_frame,
                     carriers=pl.DataFrame())


@st.composite
def plans(draw: st.DrawFn) -> tuple[Hierarchy, pl.DataFrame]:
    size = draw(st.integers(1, 25))
    parents = [draw(st.integers(0, i)) for i in range(size)]
    hierarchy = tree(parents)
    leaves = hierarchy.nodes.filter(pl.col("is_leaf"))["territory_id"].to_list()
    carried = [leaf for leaf in leaves if draw(st.booleans())]
    finals = [draw(st.integers(0, 10**10)) for _ in carried]
    quotas = pl.DataFrame(
        {"seller_id": [f"s{leaf}" for leaf in carried], "territory_id": carried,
         "book_target": [0] * len(carried), "full_year_quota": finals,
         "ramp_factor": [1.0] * len(carried), "final_quota": finals},
        schema={"seller_id": pl.String, "territory_id": pl.String, "book_target": pl.Int64,
                "full_year_quota": pl.Int64, "ramp_factor": pl.Float64, "final_quota": pl.Int64},
    )
    return hierarchy, quotas


NO_ACCOUNTS = pl.DataFrame(
    schema={"account_id": pl.String, "territory_id": pl.String, "calculated_target": pl.Int64,
            "target": pl.Int64})


@settings(max_examples=60, deadline=None)
@given(plans())
def test_zero_hedge_manager_quota_is_the_sum_of_carriers(
    case: tuple[Hierarchy, pl.DataFrame],
) -> None:
    hierarchy, quotas = case
    rollup = rollup_table(settings_plan(), hierarchy, NO_ACCOUNTS, quotas)
    inner = rollup.filter(~pl.col("is_leaf"))
    assert inner["manager_quota"].to_list() == inner["quota_sum"].to_list()
    assert rollup.row(0, named=True)["quota_sum"] == quotas["final_quota"].sum()


@settings(max_examples=60, deadline=None)
@given(plans(), st.fractions(min_value=0, max_value=Fraction(1, 2), max_denominator=100))
def test_uniform_hedge_compounds_by_levels(
    case: tuple[Hierarchy, pl.DataFrame], hedge: Fraction,
) -> None:
    hierarchy, quotas = case
    depths = range(hierarchy.max_depth + 1)
    rate = f"{float(hedge):.17g}"
    extra = "[quotas]\nhedge = { " + ", ".join(f"{d} = {rate}" for d in depths) + " }\n"
    plan = settings_plan(extra)
    keep = 1 - Fraction(plan.settings.quotas.hedge[0])
    rollup = rollup_table(plan, hierarchy, NO_ACCOUNTS, quotas)
    # Each carrier's quota is hedged once per non-leaf node above its leaf, i.e. (leaf depth)
    # times below the root; the root's figure is their exact sum, rounded once.
    depth_of = dict(zip(hierarchy.nodes["territory_id"], hierarchy.nodes["depth"], strict=True))
    exact = sum((Fraction(q) * keep ** depth_of[t]
                 for t, q in zip(quotas["territory_id"], quotas["final_quota"], strict=True)),
                Fraction(0))
    root = rollup.row(0, named=True)
    if root["is_leaf"]:
        assert root["manager_quota"] is None
    else:
        assert root["manager_quota"] == round_half_away(exact)


def test_a_plan_without_carriers(load_plan: LoadPlan) -> None:
    files = dict(FILES, **{"sellers.csv": "seller_id,territory_id\nm_a,A\n"})
    plan = load_plan(files)
    hierarchy = build_hierarchy(plan)
    rollup = rollup_table(plan, hierarchy, ACCOUNT_TARGETS, QUOTAS.clear())
    root = rollup.row(0, named=True)
    assert (root["quota_sum"], root["manager_quota"], root["productive_capacity"]) == (0, 0, 0)
    assert root["uncovered_target"] == 4_100_000     # every account is uncovered
    assert root["attainment_factor"] is None          # no quota to divide by
    assert root["quota_gap"] == 6_000_000
    assert root["headcount_to_close"] is None         # nobody ramped to size a hire by
    books, _ = concentration(ACCOUNT_TARGETS)
    result = summary(plan, hierarchy, rollup, gap_table(plan, QUOTAS.clear(), books))
    assert result["sellers_by_risk"] == {"high": 0, "medium": 0, "low": 0, "none": 0}
    assert (result["hire_contribution"], result["hires_to_close_in_year"]) == (None, None)


# --- a carrier who starts after the plan year -----------------------------------------------------

LATE_START = {
    "plan.toml": """
        [plan]
        name = "Late start"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "even"
        topdown = 3000
        [ramp]
        cutoff = "{cutoff}"
    """,
    "territories.csv": "territory_id,parent_id\nR,\nL1,R\nL2,R\nL3,R\n",
    "sellers.csv": "seller_id,territory_id,hire_date\ns1,L1,2025-03-01\ns2,L2,{hire}\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L2\na3,L3\n",
}


@pytest.mark.parametrize(("cutoff", "hire", "after"), [
    ("month_end", "2026-11-30", False),  # ramps from December
    ("month_end", "2026-12-01", True),   # ramps from January 2027
    ("day:15", "2026-12-15", False),
    ("day:15", "2026-12-16", True),
    ("day:31", "2026-12-31", False),
    ("prorate", "2026-12-31", False),    # one day of December
    ("prorate", "2027-01-01", True),
    ("month_end", "2027-06-01", True),
])
def test_a_carrier_who_starts_after_the_year_leaves_their_book_uncovered(
    load_plan: LoadPlan, cutoff: str, hire: str, after: bool
) -> None:
    from quotaplan.build import build

    files = {name: text.replace("{cutoff}", cutoff).replace("{hire}", hire)
             for name, text in LATE_START.items()}
    result = build(load_plan(files))
    s2 = result.quotas.filter(pl.col("seller_id") == "s2").row(0, named=True)
    # s2 keeps a row in quotas.csv (their book, a quota of 0 when they start after the year).
    assert (s2["book_target"], s2["starts_after_year"]) == (100_000, after)
    assert (s2["final_quota"] == 0) is after
    warned = [p for p in result.problems if p.code == "starts-after-year"]
    root = result.rollup.filter(pl.col("territory_id") == "R").row(0, named=True)
    l2 = result.rollup.filter(pl.col("territory_id") == "L2").row(0, named=True)
    seller_of_a2 = result.account_targets.filter(pl.col("account_id") == "a2")["seller_id"][0]
    if after:
        # L3 has no carrier (1,000.00) and s2 carries nothing this year (1,000.00).
        assert (root["uncovered_target"], root["uncovered_accounts"]) == (200_000, 2)
        assert l2["uncovered_target"] == 100_000
        assert result.summary["uncovered_target"] == 200_000
        assert result.summary["uncovered_accounts"] == 2
        assert seller_of_a2 is None
        [w] = warned
        assert (w.file, w.line, w.column, w.severity) == ("sellers.csv", 3, "hire_date", "warning")
        assert f"seller s2 (hired {hire}, cut-off {cutoff}" in w.message
        assert "starts after the plan year, which ends 2026-12-31" in w.message
        assert "territory L2 are reported as uncovered" in w.message
    else:
        assert (root["uncovered_target"], root["uncovered_accounts"]) == (100_000, 1)
        assert l2["uncovered_target"] == 0
        assert result.summary["uncovered_target"] == 100_000
        assert seller_of_a2 == "s2"
        assert warned == []
# --- the growth ask ------------------------------------------------------------------------------

def _independent_growth(hierarchy: Hierarchy, bookings: dict[str, int],
                        numbers: dict[str, int]) -> dict[str, tuple[int, float | None]]:
    """Per node: (Σ bookings of the leaves beneath it, number ÷ that − 1 as the float nearest the
    exact fraction), walking each leaf's parents in Python."""
    parent = dict(hierarchy.nodes.select("territory_id", "parent_id").iter_rows())
    prior = dict.fromkeys(parent, 0)
    for leaf, amount in bookings.items():
        node: str | None = leaf
        while node is not None:
            prior[node] += amount
            node = parent[node]
    return {node: (total, None if node not in numbers or total <= 0
                   else float(Fraction(numbers[node], total) - 1))
            for node, total in prior.items()}


@settings(max_examples=60, deadline=None)
@given(plans(), st.data())
def test_growth_ask_matches_an_independent_fraction(
    case: tuple[Hierarchy, pl.DataFrame], data: st.DataObject,
) -> None:
    hierarchy, quotas = case
    ids = hierarchy.nodes["territory_id"].to_list()
    leaves = hierarchy.nodes.filter(pl.col("is_leaf"))["territory_id"].to_list()
    numbered = data.draw(st.lists(st.sampled_from(ids), unique=True))
    numbers = {node: data.draw(st.integers(0, 10**13)) for node in numbered}
    hierarchy = replace(hierarchy, nodes=hierarchy.nodes.with_columns(
        pl.col("territory_id").replace_strict(numbers, default=None, return_dtype=pl.Int64)
        .alias("topdown")))
    accounts = data.draw(st.lists(st.tuples(st.sampled_from(leaves),
                                            st.integers(-10**9, 10**12)), max_size=30))
    frame = pl.DataFrame(
        {"account_id": [f"a{i:02d}" for i in range(len(accounts))],
         "territory_id": [leaf for leaf, _ in accounts],
         "calculated_target": [0] * len(accounts), "target": [0] * len(accounts),
         "base_bookings": [amount for _, amount in accounts]},
        schema={"account_id": pl.String, "territory_id": pl.String,
                "calculated_target": pl.Int64, "target": pl.Int64, "base_bookings": pl.Int64})
    by_leaf: dict[str, int] = {}
    for leaf, amount in accounts:
        by_leaf[leaf] = by_leaf.get(leaf, 0) + amount
    expected = _independent_growth(hierarchy, by_leaf, numbers)
    rollup = rollup_table(settings_plan(), hierarchy, frame, quotas)
    got = {r[0]: (r[1], r[2]) for r in
           rollup.select("territory_id", "prior_bookings", "growth_ask").iter_rows()}
    assert got == expected
    root = summary(settings_plan(), hierarchy, rollup, gap_table(
        settings_plan(), quotas, concentration(frame)[0]))
    assert (root["prior_bookings"], root["growth_ask"]) == expected[hierarchy.root]


def test_without_bookings_column_the_prior_is_unknown(
    world: tuple[Plan, Hierarchy, pl.DataFrame],
) -> None:
    rollup = world[2]
    assert rollup["prior_bookings"].null_count() == rollup.height
    assert rollup["growth_ask"].null_count() == rollup.height
