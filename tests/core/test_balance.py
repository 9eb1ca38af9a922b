"""balance-quotas: node totals kept to the cent, ±max_change, coverage only ever moved toward the
node's — on hand-made nodes with known answers, on generated ones, and on a built plan."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction as F

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.build import build
from quotaplan.core.balance import balance_quotas, deviations
from quotaplan.core.optimize import RiskBands
from quotaplan.plan import Plan
from quotaplan.proposals import OptimizeOptions, optimize
from quotaplan.solver import HighsSolver

BANDS = RiskBands(F(9, 10), F(1))
SOLVER = HighsSolver()


def carriers(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """(seller_id, node, book_target, final_quota) rows, amounts in cents; the node is the
    carrier's anchor (its numbered node)."""
    return pl.DataFrame(
        [(s, f"L-{s}", b, q, node) for s, node, b, q in rows],
        schema={"seller_id": pl.String, "territory_id": pl.String, "book_target": pl.Int64,
                "final_quota": pl.Int64, "anchor_id": pl.String},
        orient="row",
    )


def balance(frame: pl.DataFrame, max_change: F = F(3, 20)) -> dict[str, int]:
    result = balance_quotas(frame, root="ROOT", bands=BANDS, max_change=max_change,
                            solver=SOLVER, time_limit=30)
    return dict(result.after.select("seller_id", "final_quota").iter_rows())


def test_two_carriers_reach_the_node_coverage_exactly() -> None:
    # Node coverage (900 + 1,100) ÷ (1,000 + 1,000) = 1: A should carry 900, B 1,100.
    frame = carriers([("A", "N", 90_000, 100_000), ("B", "N", 110_000, 100_000)])
    assert balance(frame) == {"A": 90_000, "B": 110_000}


def test_max_change_stops_short_of_the_balanced_quota() -> None:
    frame = carriers([("A", "N", 90_000, 100_000), ("B", "N", 110_000, 100_000)])
    assert balance(frame, F(1, 20)) == {"A": 95_000, "B": 105_000}


def test_a_zero_quota_stays_and_a_lone_carrier_is_left_alone() -> None:
    frame = carriers([("A", "N", 90_000, 100_000), ("B", "N", 110_000, 100_000),
                      ("Z", "N", 5_000, 0), ("S", "M", 1, 100_000)])
    after = balance(frame)
    assert after["Z"] == 0
    assert after["S"] == 100_000


def test_the_gaps_close_as_far_as_max_change_allows() -> None:
    # Node coverage 1. X is far below (0.5), Z far above (1.5), Y exactly at it: X falls and Z
    # rises by 15 %, and Y, already balanced, is not touched.
    frame = carriers([("X", "N", 50_000, 100_000), ("Y", "N", 100_000, 100_000),
                      ("Z", "N", 150_000, 100_000)])
    assert balance(frame) == {"X": 85_000, "Y": 100_000, "Z": 115_000}


def test_carriers_without_a_numbered_node_are_balanced_under_the_root() -> None:
    frame = carriers([("A", "N", 90_000, 100_000), ("B", "N", 110_000, 100_000)]).with_columns(
        pl.lit(None, dtype=pl.String).alias("anchor_id"))
    result = balance_quotas(frame, root="ROOT", bands=BANDS, max_change=F(3, 20),
                            solver=SOLVER, time_limit=30)
    assert set(result.proposals.get_column("node")) == {"ROOT"}


node_rows = st.lists(
    st.tuples(st.integers(0, 50_000_000), st.one_of(st.integers(1, 50_000_000), st.just(0))),
    min_size=1, max_size=6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.lists(node_rows, min_size=1, max_size=3),
       max_change=st.sampled_from([F(0), F(1, 20), F(3, 20), F(1, 2), F(3, 2)]))
def test_generated_nodes_keep_totals_bounds_and_never_drift(
    nodes: list[list[tuple[int, int]]], max_change: F
) -> None:
    rows = [(f"s{n}-{i}", f"N{n}", b, q) for n, node in enumerate(nodes)
            for i, (b, q) in enumerate(node)]
    frame = carriers(rows)
    result = balance_quotas(frame, root="ROOT", bands=BANDS, max_change=max_change,
                            solver=SOLVER, time_limit=30)
    after = dict(result.after.select("seller_id", "final_quota").iter_rows())
    for n in range(len(nodes)):
        mine = [r for r in rows if r[1] == f"N{n}"]
        # The node's total, to the cent.
        assert sum(after[s] for s, *_ in mine) == sum(q for *_, q in mine)
        taking = [(s, b, q) for s, _, b, q in mine if q > 0]
        for s, _b, q in taking:
            assert abs(after[s] - q) <= max_change * q
            assert after[s] >= 0
        if sum(b for _, b, _ in taking) > 0 and all(after[s] > 0 for s, _, _ in taking):
            books = [b for _, b, _ in taking]
            old = deviations(books, [q for *_, q in taking])
            new = deviations(books, [after[s] for s, _, _ in taking])
            # Each carrier's coverage moves toward the node's, never away: so does the largest.
            assert all(d_new <= d_old for d_new, d_old in zip(new, old, strict=True))
            assert max(new) <= max(old)
    changed = {s for s, _, _, q in rows if after[s] != q}
    assert set(result.proposals.get_column("seller_id")) == changed
    assert result.headline["changes"] == len(changed)


def test_the_proposals_report_the_coverage_they_give() -> None:
    frame = carriers([("A", "N", 90_000, 100_000), ("B", "N", 110_000, 100_000)])
    result = balance_quotas(frame, root="ROOT", bands=BANDS, max_change=F(3, 20),
                            solver=SOLVER, time_limit=30)
    for row in result.proposals.iter_rows(named=True):
        book = {"A": 90_000, "B": 110_000}[row["seller_id"]]
        assert row["coverage_before"] == pytest.approx(book / row["quota_before"])
        assert row["coverage_after"] == pytest.approx(book / row["quota_after"])
    assert result.headline["before"]["sellers_by_risk"] == {"high": 0, "medium": 1, "low": 1,
                                                           "none": 0}
    assert result.headline["after"]["sellers_by_risk"] == {"high": 0, "medium": 0, "low": 2,
                                                          "none": 0}
    assert result.headline["largest_deviation_before"] == pytest.approx(0.1)
    assert result.headline["largest_deviation_after"] == 0.0


TOPDOWN_PLAN = {
    "plan.toml": """
        [plan]
        name = "Balance"
        fiscal_year_start = 2026-01-01
        [targets]
        method = "weighted"
        weight = "annual_revenue"
        [quotas]
        basis = "even"
    """,
    "territories.csv": "territory_id,parent_id\nW,\nE,W\nE1,E\nE2,E\nE3,E\nX1,W\nX2,W\n",
    "topdown.csv": "territory_id,amount\nW,1000000.00\nE,600000.01\n",
    "sellers.csv": "seller_id,territory_id\ns1,E1\ns2,E2\ns3,E3\ns4,X1\ns5,X2\n",
    "accounts.csv": ("account_id,territory_id,annual_revenue\na1,E1,50\na2,E2,30\na3,E3,20\n"
                     "a4,X1,70\na5,X2,30\n"),
}


def test_a_built_plan_keeps_every_numbered_node_number_to_the_cent(
    load_plan: Callable[[dict[str, str]], Plan],
) -> None:
    result = build(load_plan(TOPDOWN_PLAN))
    proposed = optimize(result, OptimizeOptions(goal="balance-quotas"), SOLVER)
    after = proposed.after.select("seller_id", "final_quota", "node")
    sums = dict(after.group_by("node").agg(pl.col("final_quota").sum()).iter_rows())
    # basis "even": each node's own number (W's less E's) is split over its carriers.
    assert sums == {"E": 60_000_001, "W": 100_000_000 - 60_000_001}
    assert proposed.headline["changes"] > 0
    assert (proposed.headline["largest_deviation_after"]
            < proposed.headline["largest_deviation_before"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(regions=st.lists(st.tuples(st.booleans(), st.lists(st.integers(1, 900), min_size=1,
                                                           max_size=3)),
                        min_size=1, max_size=3),
       extra=st.integers(0, 10**6), max_change=st.sampled_from(["0.05", "0.15", "0.5"]))
def test_generated_plans_keep_every_numbered_node_number_to_the_cent(
    tmp_path_factory: pytest.TempPathFactory, regions: list[tuple[bool, list[int]]], extra: int,
    max_change: str,
) -> None:
    from decimal import Decimal

    from quotaplan.planfolder.read import read_plan

    territories, sellers, accounts, numbers = ["territory_id,parent_id", "W,"], [
        "seller_id,territory_id"], ["account_id,territory_id,annual_revenue"], {}
    for r, (numbered, leaves) in enumerate(regions):
        territories.append(f"R{r},W")
        if numbered:
            numbers[f"R{r}"] = 1000 * (r + 1) * len(leaves) + 0.37 * (r + 1)
        for i, revenue in enumerate(leaves):
            territories.append(f"L{r}{i},R{r}")
            sellers.append(f"s{r}{i},L{r}{i}")
            accounts.append(f"a{r}{i},L{r}{i},{revenue}")
            accounts.append(f"b{r}{i},L{r}{i},{(revenue * 7) % 500}")
    if len(numbers) == len(regions):  # no account is left for the root's own remainder
        extra = 0
    root = round(sum(numbers.values()) + extra / 100, 2)
    topdown = ["territory_id,amount", f"W,{root:.2f}"] + [f"{t},{v:.2f}" for t, v in numbers.items()]
    folder = tmp_path_factory.mktemp("plan")
    files = {
        "plan.toml": ('[plan]\nname = "Generated"\nfiscal_year_start = 2026-01-01\n'
                      '[targets]\nmethod = "weighted"\nweight = "annual_revenue"\n'
                      '[quotas]\nbasis = "even"\n'),
        "territories.csv": "\n".join(territories),
        "sellers.csv": "\n".join(sellers),
        "accounts.csv": "\n".join(accounts),
        "topdown.csv": "\n".join(topdown),
    }
    for name, text in files.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    plan, problems = read_plan(folder)
    assert plan is not None, problems
    result = build(plan)
    options = OptimizeOptions(goal="balance-quotas", max_change=F(Decimal(max_change)))
    proposed = optimize(result, options, SOLVER)
    sums = dict(proposed.after.group_by("node").agg(pl.col("final_quota").sum()).iter_rows())
    own = {t: round(v * 100) for t, v in numbers.items()}
    own["W"] = round(root * 100) - sum(own.values())
    # Every numbered node's own number (less the numbers beneath it) is on its carriers, exactly
    # (the root's only when some region has no number of its own, so that it has carriers).
    carried = {node: cents for node, cents in own.items()
               if node != "W" or any(not numbered for numbered, _ in regions)}
    assert sums == carried
