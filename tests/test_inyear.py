"""Version N+1 of published quotas: a plan published, a change applied to it with the plan edits,
the state after it built, and next_version checked to the cent against SPEC's rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import write_plan
from quotaplan import edits
from quotaplan.build import BuildResult, build
from quotaplan.errors import UsageError
from quotaplan.inyear import next_version, periods_from_csv, with_periods
from quotaplan.outputs import write_table
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan
from quotaplan.schemas import OUTPUTS

LoadPlan = Callable[[dict[str, str]], Plan]

#: A year from January 1, quarterly, even weights. Six accounts share 400,000.00 evenly but a1,
#: overridden to 40,000.00 (the worked check's account). M's manager rolls up L1 and L2; L4 is a
#: vacant seat planned from March 1; L5 has no carrier.
FILES = {
    "plan.toml": """
        [plan]
        name = "In-year"
        fiscal_year_start = 2027-01-01
        [targets]
        method = "even"
        topdown = 400000.00
        """,
    "territories.csv": "territory_id,parent_id\nW,\nM,W\nL1,M\nL2,M\nL3,W\nL4,W\nL5,W\n",
    "sellers.csv": "seller_id,territory_id,status,hire_date,ote\nboss,M,,,\ns1,L1,,,30000.00\n"
                   "s2,L2,,,\ns3,L3,,,\ns4,L4,tbh,2027-03-01,\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L1\na3,L2\na4,L3\na5,L4\na6,L5\n",
    "overrides.csv": "account_id,target,reason\na1,40000.00,key account\n",
}
AUG17 = date(2027, 8, 17)


def published(result: BuildResult, tmp_path: Path) -> pl.DataFrame:
    """Version N's quota_periods.csv as `build` writes it, read back."""
    path = tmp_path / "quota_periods.csv"
    write_table(result.quota_periods, path, OUTPUTS["quota_periods.csv"])
    return periods_from_csv(path.read_bytes())


def periods(result: BuildResult, seller: str) -> list[int]:
    rows = result.quota_periods.filter(pl.col("seller_id") == seller).sort("period_start")
    return [int(q) for q in rows.get_column("quota")]


def quota(result: BuildResult, seller: str, column: str = "final_quota") -> Any:
    return result.quotas.filter(pl.col("seller_id") == seller).get_column(column)[0]


def node(result: BuildResult, territory: str, column: str) -> Any:
    return result.rollup.filter(pl.col("territory_id") == territory).get_column(column)[0]


def plan_with(load_plan: LoadPlan, relief: str | None = None) -> Plan:
    toml = FILES["plan.toml"] + (f'[changes]\nrelief = "{relief}"\n' if relief else "")
    return load_plan({**FILES, "plan.toml": toml})


@pytest.fixture
def plan(load_plan: LoadPlan) -> Plan:
    return plan_with(load_plan)


def assert_consistent(version: BuildResult) -> None:
    """Final quotas are the sums of the periods; the gap and roll-ups follow them."""
    sums = version.quota_periods.group_by("seller_id").agg(pl.col("quota").sum())
    joined = version.quotas.join(sums, on="seller_id")
    assert joined.height == version.quotas.height
    assert (joined.get_column("final_quota") == joined.get_column("quota")).all()
    gap = version.gap.join(version.quotas, on="seller_id", suffix="_q")
    assert (gap.get_column("final_quota") == gap.get_column("final_quota_q")).all()
    # No hedge: M's manager carries Σ of L1's and L2's carriers; the root Σ of every carrier.
    assert node(version, "M", "manager_quota") == quota(version, "s1") + quota(version, "s2")
    assert node(version, "W", "quota_sum") == version.quotas.get_column("final_quota").sum()
    assert version.summary["street_quota"] == version.quotas.get_column("final_quota").sum()


def test_rebuilding_from_the_engines_own_periods_changes_nothing(plan: Plan) -> None:
    result = build(plan)
    again = with_periods(result, result.quota_periods)
    for name in ("quotas", "quota_periods", "gap", "rollup"):
        assert getattr(again, name).equals(getattr(result, name)), name
    assert again.summary == result.summary


@pytest.mark.parametrize(("effective", "moved", "total"), [
    (date(2027, 7, 1), [0, 0, 10_000_00, 10_000_00], 20_000_00),
    (AUG17, [0, 0, 4_891_30, 10_000_00], 14_891_30),
])
def test_worked_check_account_move(plan: Plan, tmp_path: Path, effective: date,
                                   moved: list[int], total: int) -> None:
    before = build(plan)
    version_n = published(before, tmp_path)
    new = build(edits.move_account(plan, "a1", "L2"))
    version = next_version(version_n, "account.move",
                           {"account_id": "a1", "territory_id": "L2",
                            "effective": effective.isoformat()}, effective, new, before=before)
    assert periods(version, "s1") == [a - b for a, b in zip(periods(before, "s1"), moved,
                                                            strict=True)]
    assert periods(version, "s2") == [a + b for a, b in zip(periods(before, "s2"), moved,
                                                            strict=True)]
    assert quota(version, "s1") == quota(before, "s1") - total
    assert quota(version, "s2") == quota(before, "s2") + total
    for seller in ("s3", "s4"):
        assert periods(version, seller) == periods(before, seller)
    # Q1 and Q2 end before D: exactly version N's, for everyone.
    first_half = pl.col("period_end") < effective
    assert version.quota_periods.filter(first_half).equals(before.quota_periods.filter(first_half))
    # The book moved: s2's gap is against its new book.
    assert quota(version, "s2", "book_target") == quota(before, "s2", "book_target") + 40_000_00
    gap_s2 = version.gap.filter(pl.col("seller_id") == "s2").get_column("gap")[0]
    assert gap_s2 == quota(version, "s2") - quota(version, "s2", "book_target")
    assert node(version, "M", "manager_quota") == node(before, "M", "manager_quota")
    assert_consistent(version)


@pytest.mark.parametrize(("relief", "moved"), [
    # quota_share: 40,000 of s1's book 106,666.67 × s1's full-year 106,666.67 = 40,000.00
    # a year, the same as the target here; s3's book (66,666.67) takes the relief below.
    ("quota_share", [0, 0, 10_000_00, 10_000_00]),
    ("none", [0, 0, 0, 0]),
])
def test_relief_settings(load_plan: LoadPlan, tmp_path: Path, relief: str,
                         moved: list[int]) -> None:
    plan = plan_with(load_plan, relief)
    before = build(plan)
    new = build(edits.move_account(plan, "a1", "L2"))
    version = next_version(published(before, tmp_path), "account.move",
                           {"account_id": "a1", "territory_id": "L2", "effective": "2027-07-01"},
                           date(2027, 7, 1), new, before=before)
    assert periods(version, "s2") == [a + b for a, b in zip(periods(before, "s2"), moved,
                                                            strict=True)]
    assert_consistent(version)


def test_quota_share_relief_uses_the_losing_carriers_quota(load_plan: LoadPlan,
                                                           tmp_path: Path) -> None:
    plan = plan_with(load_plan, "quota_share")
    plan = edits.add_adjustment(plan, "s3", rate=Decimal("0.20"), reason="stretch")
    before = build(plan)
    # s3: book 66,666.67 (a4 alone), full year × 1.2 = 80,000.00; a4 is the whole book, so all
    # of it moves: 80,000.00 × 1/2 from July 1 = 40,000.00, 20,000.00 a quarter.
    assert quota(before, "s3", "full_year_quota") == 80_000_00
    new = build(edits.move_account(plan, "a4", "L1"))
    version = next_version(published(before, tmp_path), "account.move",
                           {"account_id": "a4", "territory_id": "L1"}, date(2027, 7, 1), new,
                           before=before)
    assert periods(version, "s3") == [20_000_00, 20_000_00, 0, 0]
    assert periods(version, "s1")[2:] == [p + 20_000_00 for p in periods(before, "s1")[2:]]


def test_a_move_to_a_leaf_without_carrier_leaves_the_relief_unassigned(plan: Plan,
                                                                       tmp_path: Path) -> None:
    before = build(plan)
    new = build(edits.move_account(plan, "a1", "L5"))
    version = next_version(published(before, tmp_path), "account.move",
                           {"account_id": "a1", "territory_id": "L5"}, AUG17, new,
                           before=before)
    assert quota(version, "s1") == quota(before, "s1") - 14_891_30
    assert node(version, "W", "uncovered_target") == node(before, "W", "uncovered_target") \
        + 40_000_00
    assert_consistent(version)


def test_a_seller_leaving(plan: Plan, tmp_path: Path) -> None:
    before = build(plan)
    new = build(edits.change_seller(plan, "s3", end_date=date(2027, 8, 16), status="leaving"))
    payload = {"seller_id": "s3", "end_date": "2027-08-16", "status": "leaving"}
    version = next_version(published(before, tmp_path), "seller.set", payload, AUG17, new,
                           before=before)
    q1, q2, q3, _ = periods(before, "s3")
    # July 1 – August 16 is 47 of Q3's 92 days.
    assert periods(version, "s3") == [q1, q2, (q3 * 47 * 2 + 92) // (2 * 92), 0]
    for seller in ("s1", "s2", "s4"):
        assert periods(version, seller) == periods(before, seller)
    # A named successor takes the book's relief from August 17: 66,666.67 × (45/368 + 1/4).
    with_successor = next_version(published(before, tmp_path), "seller.set",
                                  {**payload, "successor": "s2"}, AUG17, new, before=before)
    gained = [a - b for a, b in zip(periods(with_successor, "s2"), periods(before, "s2"),
                                    strict=True)]
    assert gained == [0, 0, 8_152_17, 16_666_67]  # 6,666,667 × 45/368 = 815,217.3…
    assert_consistent(with_successor)


def test_a_filled_seat_and_a_new_hire_take_the_engines_periods(plan: Plan,
                                                               tmp_path: Path) -> None:
    before = build(plan)
    start = date(2027, 9, 20)
    filled = build(edits.change_seller(plan, "s4", status="active", hire_date=start))
    version = next_version(published(before, tmp_path), "seller.set",
                           {"seller_id": "s4", "status": "active", "hire_date": "2027-09-20"},
                           start, filled, before=before)
    # Q1 and Q2 as planned for the seat; Q3 and Q4 as the engine computes them for September 20
    # (cut-off month_end: the seller ramps from October: Q4 alone, 66,666.66 ÷ 4 = 16,666.665
    # → 16,666.67, where the seat's year rounded together gave 16,666.66).
    assert periods(version, "s4") == [*periods(before, "s4")[:2], 0, 16_666_67]
    assert periods(filled, "s4")[2:] == periods(version, "s4")[2:]
    assert_consistent(version)
    # A new hire on L5, from August 1: their Q3 and Q4 as the engine computes them.
    row = pl.DataFrame([{"seller_id": "s5", "territory_id": "L5", "hire_date": date(2027, 8, 1),
                         "line": 7}], schema={c: plan.sellers.schema[c] for c in
                                              ("seller_id", "territory_id", "hire_date", "line")})
    hired = plan.with_tables(sellers=pl.concat([plan.sellers, row], how="diagonal_relaxed"))
    new = build(hired)
    version = next_version(published(before, tmp_path), "seller.add",
                           {"seller_id": "s5", "territory_id": "L5", "hire_date": "2027-08-01"},
                           date(2027, 8, 1), new, before=before)
    assert periods(version, "s5") == [0, 0, *periods(new, "s5")[2:]]
    assert periods(version, "s5")[3] > 0
    assert node(version, "W", "uncovered_target") == 0
    for seller in ("s1", "s2", "s3", "s4"):
        assert periods(version, seller) == periods(before, seller)


@pytest.mark.parametrize(("change", "delta"), [
    # 12,000.00 a year, half of it from July 1: 3,000.00 a quarter.
    ({"amount": 12_000_00}, [0, 0, 3_000_00, 3_000_00]),
    # + 10 % of s1's 106,666.67 = 10,666.67 a year; half of it from July 1 is 5,333.335,
    # rounded once to 5,333.34 and split evenly.
    ({"rate": Decimal("0.10")}, [0, 0, 2_666_67, 2_666_67]),
])
def test_a_manual_adjustment_from_d(plan: Plan, tmp_path: Path, change: dict[str, Any],
                                    delta: list[int]) -> None:
    before = build(plan)
    new = build(edits.add_adjustment(plan, "s1", reason="in-year", **change))
    payload = {"seller_id": "s1", **{k: str(v / 100 if k == "amount" else v)
                                     for k, v in change.items()}}
    version = next_version(published(before, tmp_path), "adjustment.add", payload,
                           date(2027, 7, 1), new, before=before)
    assert periods(version, "s1") == [a + b for a, b in zip(periods(before, "s1"), delta,
                                                            strict=True)]
    assert quota(version, "s1", "full_year_quota") == quota(new, "s1", "full_year_quota")
    assert_consistent(version)


def test_a_topdown_change_moves_no_quota(plan: Plan, tmp_path: Path) -> None:
    before = build(plan)
    new = build(edits.set_topdown(plan, "W", 500_000_00))
    version = next_version(published(before, tmp_path), "topdown.set",
                           {"territory_id": "W", "amount": "500000.00"}, AUG17, new,
                           before=before)
    assert version.quota_periods.equals(before.quota_periods)
    assert version.quotas.get_column("final_quota").equals(before.quotas.get_column("final_quota"))
    assert node(version, "W", "topdown") == 500_000_00
    assert node(version, "W", "quota_gap") == 500_000_00 - node(before, "W", "quota_sum")
    assert version.summary["attainment_factor"] != before.summary["attainment_factor"]


def test_unknown_kinds_and_ids_are_usage_errors(plan: Plan, tmp_path: Path) -> None:
    before = build(plan)
    version_n = published(before, tmp_path)
    with pytest.raises(UsageError, match="not an in-year change"):
        next_version(version_n, "bottom_up.set", {}, AUG17, before, before=before)
    with pytest.raises(UsageError, match="'nobody' is no quota carrier"):
        next_version(version_n, "adjustment.add", {"seller_id": "nobody", "amount": "1.00"},
                     AUG17, before, before=before)
    with pytest.raises(UsageError, match="not a date"):
        next_version(version_n, "seller.set", {"seller_id": "s1", "end_date": "soon"}, AUG17,
                     before, before=before)


def test_periods_csv_round_trip_and_damage(tmp_path: Path) -> None:
    frame = pl.DataFrame({"seller_id": ["=cmd", "s1"], "period_start": [date(2027, 1, 1)] * 2,
                          "period_end": [date(2027, 3, 31)] * 2, "quota": [-1_05, 12_345_67]},
                         schema={"seller_id": pl.String, "period_start": pl.Date,
                                 "period_end": pl.Date, "quota": pl.Int64})
    path = tmp_path / "quota_periods.csv"
    write_table(frame, path, OUTPUTS["quota_periods.csv"])
    assert "'=cmd" in path.read_text()
    assert periods_from_csv(path.read_bytes()).equals(frame)
    damaged = b"seller_id,period_start,period_end,quota\ns1,2027-01-01,2027-03-31,1.005\n"
    with pytest.raises(UsageError, match="line 2, column quota"):
        periods_from_csv(damaged)
    with pytest.raises(UsageError, match="no column quota"):
        periods_from_csv(b"seller_id,period_start,period_end\n")


MOVES = [("a1", "L2"), ("a2", "L3"), ("a3", "L1"), ("a4", "L4"), ("a5", "L2")]


@pytest.fixture(scope="module")
def moved_states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = write_plan(tmp_path_factory.mktemp("moves") / "plan", FILES)
    loaded, _ = read_plan(folder)
    assert loaded is not None
    before = build(loaded)
    path = tmp_path_factory.mktemp("published") / "quota_periods.csv"
    write_table(before.quota_periods, path, OUTPUTS["quota_periods.csv"])
    return {"before": before, "published": periods_from_csv(path.read_bytes()),
            "after": {move: build(edits.move_account(loaded, *move)) for move in MOVES}}


@settings(max_examples=40)
@given(move=st.sampled_from(MOVES), effective=st.dates(date(2026, 12, 1), date(2028, 1, 31)))
def test_every_move_gives_what_it_takes(moved_states: dict[str, Any], move: tuple[str, str],
                                        effective: date) -> None:
    before: BuildResult = moved_states["before"]
    version = next_version(moved_states["published"], "account.move",
                           {"account_id": move[0], "territory_id": move[1]}, effective,
                           moved_states["after"][move], before=before)
    loser = before.account_targets.filter(pl.col("account_id") == move[0]).get_column(
        "seller_id")[0]
    gainer = version.account_targets.filter(pl.col("account_id") == move[0]).get_column(
        "seller_id")[0]
    lost = [a - b for a, b in zip(periods(before, loser), periods(version, loser), strict=True)]
    won = [a - b for a, b in zip(periods(version, gainer), periods(before, gainer), strict=True)]
    assert lost == won
    ends = before.quota_periods.filter(pl.col("seller_id") == loser).get_column("period_end")
    for i, end in enumerate(ends):
        if end < effective:
            assert lost[i] == 0
    for seller in set(before.quotas.get_column("seller_id")) - {loser, gainer}:
        assert periods(version, seller) == periods(before, seller)
    assert_consistent(version)
