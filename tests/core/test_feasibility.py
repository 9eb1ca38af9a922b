"""Gap analysis, remedies and concentration: hand-computed books and Hypothesis invariants."""

from __future__ import annotations

import statistics
from fractions import Fraction
from random import Random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.core.feasibility import GAP_COLUMNS, concentration, gap_table, risk_expr
from quotaplan.plan import Plan
from quotaplan.planfolder.read import empty_table
from quotaplan.schemas import INPUTS, OUTPUTS
from quotaplan.settings import parse_settings

BASE_TOML = """
[plan]
name = "Feasibility"
fiscal_year_start = 2026-01-01
"""


def make_plan(extra: str = "") -> Plan:
    """A plan with only settings (tables empty): enough for the feasibility functions."""
    settings_, problems = parse_settings(BASE_TOML + extra)
    assert settings_ is not None, problems
    return Plan(settings=settings_, **{name: empty_table(s) for name, s in INPUTS.items()})


def targets(rows: list[tuple[str, str, int]]) -> pl.DataFrame:
    """(account_id, territory_id, target cents) rows → an account_targets frame."""
    return pl.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "territory_id": [r[1] for r in rows],
            "calculated_target": [r[2] for r in rows],
            "target": [r[2] for r in rows],
        },
        schema={"account_id": pl.String, "territory_id": pl.String,
                "calculated_target": pl.Int64, "target": pl.Int64},
    )


def quotas(rows: list[tuple[str, str, int, int]], ote: list[int | None] | None = None) -> pl.DataFrame:
    """(seller_id, territory_id, book_target, final_quota) rows, all cents."""
    frame = pl.DataFrame(
        {
            "seller_id": [r[0] for r in rows],
            "territory_id": [r[1] for r in rows],
            "book_target": [r[2] for r in rows],
            "final_quota": [r[3] for r in rows],
        },
        schema={"seller_id": pl.String, "territory_id": pl.String, "book_target": pl.Int64,
                "final_quota": pl.Int64},
    )
    if ote is not None:
        frame = frame.with_columns(pl.Series("ote", ote, dtype=pl.Int64))
    return frame


# A book of 1,000.00: 500 / 300 / 150 / 50 (shares 0.50, 0.30, 0.15, 0.05).
T1 = [("a1", "T1", 50_000), ("a2", "T1", 30_000), ("a3", "T1", 15_000), ("a4", "T1", 5_000)]
# A zero book: two accounts with target 0.
T2 = [("b1", "T2", 0), ("b2", "T2", 0)]
# An odd book whose largest targets tie: ids decide the order.
T5 = [("c3", "T5", 40_000), ("c1", "T5", 40_000), ("c2", "T5", 20_000)]


def test_concentration_of_a_book_by_hand() -> None:
    books, _ = concentration(targets(T1 + T2 + T5))
    t1 = books.filter(pl.col("territory_id") == "T1").row(0, named=True)
    assert t1["accounts"] == 4
    assert t1["book_target"] == 100_000
    assert t1["top1_share"] == pytest.approx(0.50)
    assert t1["top3_share"] == pytest.approx(0.95)
    assert t1["top10_share"] == pytest.approx(1.0)
    # cumulative 0.50, 0.80: two accounts reach exactly 80 %.
    assert t1["accounts_for_80pct"] == 2
    assert t1["hhi"] == pytest.approx(0.25 + 0.09 + 0.0225 + 0.0025)
    # Even count: the mean of the two middle targets, 300 and 150.
    assert t1["median_target"] == 22_500.0
    assert t1["median_target_x2"] == 45_000
    t5 = books.filter(pl.col("territory_id") == "T5").row(0, named=True)
    assert t5["median_target"] == 40_000.0
    assert t5["accounts_for_80pct"] == 2
    assert t5["top1_share"] == pytest.approx(0.4)


def test_zero_book_has_empty_shares_and_classes() -> None:
    books, classed = concentration(targets(T1 + T2))
    t2 = books.filter(pl.col("territory_id") == "T2").row(0, named=True)
    assert t2["accounts"] == 2
    assert t2["book_target"] == 0
    for name in ("top1_share", "top3_share", "top10_share", "accounts_for_80pct", "hhi"):
        assert t2[name] is None, name
    assert t2["median_target"] == 0.0
    zero = classed.filter(pl.col("territory_id") == "T2")
    assert zero.get_column("abc_class").null_count() == 2
    assert zero.get_column("book_share").null_count() == 2


def test_abc_classes_use_the_share_before_the_account() -> None:
    _, classed = concentration(targets(T1 + T5))
    got = dict(zip(classed["account_id"], classed["abc_class"], strict=True))
    # T1: before = 0, 0.50, 0.80, 0.95 → A, A, B (0.80 is not below 0.80), C.
    assert [got[a] for a in ("a1", "a2", "a3", "a4")] == ["A", "A", "B", "C"]
    # T5: c1 before c3 (tie, ids ascending): before = 0, 0.4, 0.8 → A, A, B.
    assert [got[a] for a in ("c1", "c3", "c2")] == ["A", "A", "B"]
    # Row order of the input is kept.
    assert classed["account_id"].to_list() == [r[0] for r in T1 + T5]
    assert classed.columns[:4] == ["account_id", "territory_id", "calculated_target", "target"]
    assert "abc_class" in OUTPUTS["account_targets.csv"]


def test_high_value_columns_of_books() -> None:
    books, _ = concentration(targets(T1 + T5), high_value_target=30_000)
    t1 = books.filter(pl.col("territory_id") == "T1").row(0, named=True)
    assert (t1["high_value_accounts"], t1["high_value_target_sum"]) == (2, 80_000)
    t5 = books.filter(pl.col("territory_id") == "T5").row(0, named=True)
    assert (t5["high_value_accounts"], t5["high_value_target_sum"]) == (2, 80_000)
    # Default: top 10 % of 7 accounts = 1 account, the largest target 500.00.
    books, _ = concentration(targets(T1 + T5))
    assert books["high_value_accounts"].to_list() == [1, 0]


def test_gap_table_by_hand() -> None:
    plan = make_plan()
    books, _ = concentration(targets(T1 + T2 + [("d1", "T4", 7_000)] + [
        ("e1", "T6", 60_000), ("e2", "T6", 40_000)]))
    frame = quotas([
        ("s1", "T1", 100_000, 150_000),   # gap 500.00, coverage 2/3
        ("s2", "T2", 0, 10_000),          # zero book, median 0
        ("s3", "T3", 0, 20_000),          # a leaf with no accounts: empty book
        ("s4", "T4", 7_000, 0),           # zero quota
        ("s6", "T6", 100_000, 95_000),    # quota below the book
    ])
    gap = gap_table(plan, frame, books)
    assert gap.columns[: len(GAP_COLUMNS)] == list(OUTPUTS["gap.csv"])
    rows = {r["seller_id"]: r for r in gap.iter_rows(named=True)}

    s1 = rows["s1"]
    assert s1["gap"] == 50_000
    assert s1["coverage"] == pytest.approx(2 / 3)
    assert s1["risk"] == "high"
    assert s1["accounts_to_add"] == 3          # ⌈500 ÷ 225⌉ = ⌈2.22⌉
    assert s1["pipeline_needed"] == 150_000    # 500.00 × 3
    assert s1["quota_at_target_coverage"] == 100_000
    assert s1["top3_share"] == pytest.approx(0.95)
    assert s1["high_value_accounts"] == 0      # top 10 % of 9 accounts: only 600.00 on T6
    s2 = rows["s2"]
    assert (s2["gap"], s2["coverage"], s2["risk"]) == (10_000, 0.0, "high")
    assert s2["accounts_to_add"] is None       # median 0
    assert s2["pipeline_needed"] == 30_000
    assert s2["quota_at_target_coverage"] == 0
    assert s2["hhi"] is None
    s3 = rows["s3"]
    assert s3["accounts"] == 0
    assert s3["accounts_to_add"] is None       # empty book
    assert s3["pipeline_needed"] == 60_000
    assert s3["top1_share"] is None
    assert (s3["high_value_accounts"], s3["high_value_target_sum"]) == (0, 0)
    s4 = rows["s4"]
    assert (s4["gap"], s4["coverage"], s4["risk"]) == (-7_000, None, None)
    assert (s4["accounts_to_add"], s4["pipeline_needed"]) == (0, 0)
    assert s4["quota_at_target_coverage"] == 7_000
    s6 = rows["s6"]
    assert (s6["gap"], s6["risk"]) == (-5_000, "low")
    assert (s6["accounts_to_add"], s6["pipeline_needed"]) == (0, 0)
    assert gap["seller_id"].to_list() == ["s1", "s2", "s3", "s4", "s6"]


def test_high_value_default_in_gap_table() -> None:
    # 9 accounts → top ⌈0.9⌉ = 1 account: the largest target, 600.00 on T6.
    books, _ = concentration(targets(T1 + T2 + [("d1", "T4", 7_000), ("e1", "T6", 60_000),
                                                ("e2", "T6", 40_000)]))
    gap = gap_table(make_plan(), quotas([("s1", "T1", 100_000, 1), ("s6", "T6", 100_000, 1)]),
                    books)
    assert gap["high_value_accounts"].to_list() == [0, 1]
    assert gap["high_value_target_sum"].to_list() == [0, 60_000]


def test_remedies_follow_the_settings() -> None:
    plan = make_plan("[risk]\nhigh_below = 0.8\nmedium_below = 0.95\n"
                     "[capacity]\npipeline_coverage = 2.5\n")
    books, _ = concentration(targets([("x1", "T1", 30_000), ("x2", "T1", 70_001)]))
    gap = gap_table(plan, quotas([("s1", "T1", 100_001, 100_002)]), books)
    row = gap.row(0, named=True)
    assert row["gap"] == 1
    assert row["pipeline_needed"] == 3         # 1 cent × 2.5 = 2.5 → 3, half away from zero
    assert row["quota_at_target_coverage"] == 105_264   # 1,000.01 ÷ 0.95 = 1,052.6421…
    assert row["accounts_to_add"] == 1         # ⌈0.01 ÷ 500.005⌉
    assert row["risk"] == "low"                # coverage 0.99999 ≥ 0.95


@pytest.mark.parametrize(
    ("book", "quota", "risk"),
    [
        (0, 100, "high"),
        (89, 100, "high"),
        (899_999, 1_000_000, "high"),
        (90, 100, "medium"),     # exactly high_below: not below it
        (99, 100, "medium"),
        (100, 100, "low"),       # exactly medium_below
        (250, 100, "low"),
        (100, 0, None),          # zero quota: no coverage, no risk
    ],
)
def test_risk_bands(book: int, quota: int, risk: str | None) -> None:
    frame = pl.DataFrame({"book_target": [book], "final_quota": [quota]})
    assert frame.select(risk_expr(make_plan()))[0, 0] == risk


@pytest.mark.parametrize(
    ("book", "quota", "risk"),
    [(7, 10, "medium"), (69_999_999, 100_000_000, "high"), (85, 100, "low"),
     (849_999, 1_000_000, "medium")],
)
def test_risk_band_edges_are_exact(book: int, quota: int, risk: str) -> None:
    plan = make_plan("[risk]\nhigh_below = 0.7\nmedium_below = 0.85\n")
    frame = pl.DataFrame({"book_target": [book], "final_quota": [quota]})
    assert frame.select(risk_expr(plan))[0, 0] == risk


def test_quota_to_ote_flag() -> None:
    books, _ = concentration(targets([]))
    frame = quotas(
        [("s1", "T1", 0, 400_000), ("s2", "T2", 0, 390_000), ("s3", "T3", 0, 610_000),
         ("s4", "T4", 0, 600_000), ("s5", "T5", 0, 500_000)],
        ote=[100_000, 100_000, 100_000, 100_000, None],
    )
    gap = gap_table(make_plan(), frame, books)
    assert gap["ote_flag"].to_list() == [None, "below", "above", None, None]
    assert gap["quota_to_ote"].to_list() == [4.0, 3.9, 6.1, 6.0, None]


# --- properties ----------------------------------------------------------------------------------

books_strategy = st.lists(
    st.tuples(st.sampled_from(["T1", "T2", "T3"]), st.integers(0, 10**9)), min_size=1, max_size=60
)


def _frame(rows: list[tuple[str, int]]) -> pl.DataFrame:
    return targets([(f"acc{i:03d}", terr, t) for i, (terr, t) in enumerate(rows)])


@settings(max_examples=60, deadline=None)
@given(books_strategy)
def test_abc_classes_are_monotone_in_target_order(rows: list[tuple[str, int]]) -> None:
    _, classed = concentration(_frame(rows))
    ordered = classed.sort(["territory_id", "target", "account_id"],
                           descending=[False, True, False])
    for (_,), book in ordered.group_by(["territory_id"], maintain_order=True):
        classes = book["abc_class"].to_list()
        if book["target"].sum() == 0:
            assert classes == [None] * len(classes)
        else:
            assert classes == sorted(classes)
            assert classes[0] == "A"


@settings(max_examples=60, deadline=None)
@given(books_strategy)
def test_shares_sum_to_one_within_a_book(rows: list[tuple[str, int]]) -> None:
    books, classed = concentration(_frame(rows))
    sums = classed.group_by("territory_id").agg(
        pl.col("book_share").sum().alias("total"), pl.col("target").sum().alias("cents"))
    for _, total, cents in sums.iter_rows():
        assert total == pytest.approx(1.0 if cents else 0.0, abs=1e-9)
    for row in books.iter_rows(named=True):
        if row["book_target"] == 0:
            continue
        assert row["top1_share"] <= row["top3_share"] <= row["top10_share"] <= 1 + 1e-12
        assert 1 / row["accounts"] - 1e-12 <= row["hhi"] <= 1 + 1e-12
        # The A accounts are exactly the Pareto 80 % accounts.
        a_count = classed.filter((pl.col("territory_id") == row["territory_id"])
                                 & (pl.col("abc_class") == "A")).height
        assert a_count == row["accounts_for_80pct"]


@settings(max_examples=60, deadline=None)
@given(books_strategy)
def test_median_matches_the_textbook_median(rows: list[tuple[str, int]]) -> None:
    books, _ = concentration(_frame(rows))
    for row in books.iter_rows(named=True):
        values = [t for terr, t in rows if terr == row["territory_id"]]
        assert row["median_target_x2"] == int(2 * statistics.median(values))


@settings(max_examples=40, deadline=None)
@given(books_strategy, st.randoms(use_true_random=False))
def test_row_order_of_the_input_does_not_matter(rows: list[tuple[str, int]], rnd: Random) -> None:
    frame = _frame(rows)
    shuffled_rows = list(range(frame.height))
    rnd.shuffle(shuffled_rows)
    shuffled = frame[shuffled_rows]
    books, classed = concentration(frame)
    books2, classed2 = concentration(shuffled)
    assert books.equals(books2)
    # Same classes per account, and the shuffled input keeps its own row order.
    assert classed2["account_id"].to_list() == shuffled["account_id"].to_list()
    assert classed.sort("account_id").equals(classed2.sort("account_id"))


def test_ties_are_broken_by_account_id_as_text() -> None:
    # Unsorted ids; "b10" < "b9" as text. Shares 0.4, 0.4, 0.2: the second of the tie is A,
    # the 0.2 account (before = 0.8) is B, whatever the input order.
    frame = targets([("b9", "T1", 40), ("x", "T1", 20), ("b10", "T1", 40)])
    _, classed = concentration(frame)
    got = dict(zip(classed["account_id"], classed["cumulative_share"], strict=True))
    assert got["b10"] == pytest.approx(0.4)
    assert got["b9"] == pytest.approx(0.8)
    assert classed["abc_class"].to_list() == ["A", "B", "A"]


@pytest.mark.parametrize("scale", [1, 5 * 10**16])
def test_book_order_is_the_same_when_the_sort_key_needs_more_than_64_bits(scale: int) -> None:
    # At scale 5·10^16 a target is 2·10^18 cents (61 bits): with the id rank the packed sort key
    # no longer fits in Int64 and the Int128 key is used; the order and figures must not change.
    frame = targets([("b9", "T1", 40 * scale), ("x", "T1", 20 * scale), ("b10", "T1", 40 * scale),
                     ("c1", "T2", 7 * scale)])
    books, classed = concentration(frame)
    assert classed["account_id"].to_list() == ["b9", "x", "b10", "c1"]
    assert classed["abc_class"].to_list() == ["A", "B", "A", "A"]
    assert classed["cumulative_share"].to_list() == pytest.approx([0.8, 1.0, 0.4, 1.0])
    assert books["territory_id"].to_list() == ["T1", "T2"]
    assert books["book_target"].to_list() == [100 * scale, 7 * scale]
    assert books["accounts_for_80pct"].to_list() == [2, 1]
    assert books["median_target_x2"].to_list() == [80 * scale, 14 * scale]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["T1", "T2", "T3"]), st.integers(0, 10**9),
                       st.integers(-10**11, 10**12)), max_size=40),
    st.lists(st.integers(0, 10**13), min_size=4, max_size=4),
)
def test_growth_ask_of_carriers_matches_an_independent_fraction(
    rows: list[tuple[str, int, int]], finals: list[int],
) -> None:
    frame = targets([(f"acc{i:03d}", terr, t) for i, (terr, t, _) in enumerate(rows)])
    frame = frame.with_columns(pl.Series("base_bookings", [b for _, _, b in rows],
                                         dtype=pl.Int64))
    books, _ = concentration(frame)
    # T4 holds no account: an empty book.
    carriers = quotas([(f"s{i}", f"T{i}", 0, q) for i, q in enumerate(finals, start=1)])
    gap = gap_table(make_plan(), carriers, books)
    for row in gap.iter_rows(named=True):
        prior = sum(b for terr, _, b in rows if terr == row["territory_id"])
        ask = float(Fraction(row["final_quota"], prior) - 1) if prior > 0 else None
        assert (row["prior_bookings"], row["growth_ask"]) == (prior, ask)
