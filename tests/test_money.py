"""The one rounding rule and the largest-remainder split."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.money import (
    format_cents,
    format_cents_grouped,
    largest_remainder,
    parse_scaled,
    round_half_away,
    split_frame,
    sums_by_index,
    to_cents,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(1, 2), 1), (Fraction(-1, 2), -1), (Fraction(3, 2), 2), (Fraction(-5, 2), -3),
     (Decimal("2.49"), 2), (Decimal("-2.51"), -3), (0, 0)],
)
def test_round_half_away_from_zero(value: Fraction | Decimal | int, expected: int) -> None:
    assert round_half_away(value) == expected


def test_to_cents_rounds_half_cents_away_from_zero() -> None:
    assert to_cents(Decimal("0.005")) == 1
    assert to_cents(Decimal("-0.005")) == -1
    assert to_cents(Fraction(1, 3)) == 33


def test_three_way_split_gives_the_extra_cent_to_the_smallest_id() -> None:
    assert largest_remainder(100, [1, 1, 1], ["b", "a", "c"]) == [33, 34, 33]


def test_ids_compare_as_text_not_numbers() -> None:
    # "10" < "9" as text, so "10" wins the tie.
    assert largest_remainder(1, [1, 1], ["9", "10"]) == [0, 1]


def test_zero_weights_split_zero_but_refuse_money() -> None:
    assert largest_remainder(0, [0, 0], ["a", "b"]) == [0, 0]
    with pytest.raises(ValueError, match="zero weights"):
        largest_remainder(5, [0, 0], ["a", "b"])


def test_format_cents() -> None:
    assert format_cents(-5) == "-0.05"
    assert format_cents(123456) == "1234.56"
    assert format_cents(None) == ""
    assert format_cents_grouped(123456789) == "1,234,567.89"


@given(
    total=st.integers(min_value=-(10**13), max_value=10**13),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=30),
)
def test_split_parts_sum_to_whole_and_keep_sign(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        weights[0] = 1
    ids = [f"id{i:03d}" for i in range(len(weights))]
    parts = largest_remainder(total, weights, ids)
    assert sum(parts) == total
    assert all(p * total >= 0 for p in parts)
    # each part is within one cent of its exact share
    whole = sum(weights)
    assert all(abs(Fraction(total * w, whole) - p) < 1 for p, w in zip(parts, weights, strict=True))


@given(
    groups=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**12),
            st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=12),
        ),
        min_size=1,
        max_size=5,
    )
)
def test_vectorised_split_matches_the_reference(groups: list[tuple[int, list[int]]]) -> None:
    rows = []
    for g, (total, weights) in enumerate(groups):
        if sum(weights) == 0:
            weights[0] = 1
        for i, w in enumerate(weights):
            rows.append({"g": g, "t": total, "w": w, "id": f"a{i:02d}"})
    frame = pl.DataFrame(rows)
    got = split_frame(frame, group="g", total="t", weight="w", id_col="id", out="p")
    got = got.sort("g", "id")
    for g, (total, weights) in enumerate(groups):
        ids = [f"a{i:02d}" for i in range(len(weights))]
        expected = largest_remainder(total, weights, ids)
        assert got.filter(pl.col("g") == g).get_column("p").to_list() == expected


def test_parse_scaled_reads_plain_decimals_exactly() -> None:
    frame = pl.DataFrame({"a": ["1.005", "-2.5", "12abc", "1,234", "", "NaN", "inf", "1e400", "7"]})
    valid, value = parse_scaled(pl.col("a"), 2)
    got = frame.select(valid.alias("v"), value.alias("x"))
    assert got.get_column("v").to_list() == [True, True, False, False, True, False, False, False,
                                             True]
    assert got.get_column("x").to_list() == [101, -250, None, None, None, None, None, None, 700]


def _wrapped(value: int) -> int:
    """An integer as a two's-complement 64-bit one (as an Int64 sum wraps)."""
    return (value + 2**63) % 2**64 - 2**63


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(-(2**63), 2**63 - 1)), max_size=40),
    st.sampled_from([10**6, 2**40, 2**63 - 1]),
)
def test_sums_by_index_are_exact(rows: list[tuple[int, int]], bound: int) -> None:
    """Both ways (one pass of doubles for small amounts, three limbs otherwise) give the exact
    sums, wrapped to 64 bits as an Int64 column's sum is."""
    rows = [(i, max(-bound, min(bound, cents))) for i, cents in rows]
    index = np.array([i for i, _ in rows], dtype=np.uint32)
    cents = np.array([c for _, c in rows], dtype=np.int64)
    got = sums_by_index(index, cents, 8).tolist()
    assert got == [_wrapped(sum(c for i, c in rows if i == k)) for k in range(8)]
    as_polars = pl.DataFrame({"i": index, "c": cents}).group_by("i").agg(pl.col("c").sum())
    assert all(got[i] == c for i, c in as_polars.iter_rows())


def test_sums_by_index_beyond_what_a_double_holds() -> None:
    """Amounts whose sum a double would round (2^53 + 1) are summed exactly."""
    cents = np.array([2**53, 1, -(2**60), 2**60, 3], dtype=np.int64)
    assert sums_by_index(np.array([0, 0, 1, 1, 1]), cents, 3).tolist() == [2**53 + 1, 3, 0]


@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=20),
       st.integers(-10**6, 10**6), st.integers(1, 10**6))
def test_every_rounding_of_money_is_the_same_rule(cents: list[int], num: int, den: int) -> None:
    from quotaplan.money import round_div, round_ratio, times_rate

    rate = Fraction(num, den)
    expected = [round_half_away(c * rate) for c in cents]
    assert [round_ratio(c * rate.numerator, rate.denominator) for c in cents] == expected
    frame = pl.DataFrame({"x": cents}, schema={"x": pl.Int64})
    assert frame.select(times_rate(pl.col("x"), rate))["x"].to_list() == expected
    exact = frame.select(round_div(pl.col("x").cast(pl.Int128) * num, pl.lit(den, pl.Int128)))
    assert exact["x"].to_list() == [round_half_away(Fraction(c * num, den)) for c in cents]
def test_round_to_total_gives_the_cents_left_to_the_largest_remainders() -> None:
    from quotaplan.money import round_to_total

    values = [Fraction(1001, 3), Fraction(1001, 3), Fraction(998, 3)]  # 333.67, 333.67, 332.67
    assert round_to_total(values, 1000, ["b", "a", "c"], [0, 0, 0], [1000] * 3) == [334, 334, 332]
    # Equal remainders: ascending id wins.
    assert round_to_total([Fraction(1, 2)] * 2, 1, ["b", "a"], [0, 0], [1, 1]) == [0, 1]


def test_round_to_total_keeps_bounds_when_the_values_miss_the_total() -> None:
    from quotaplan.money import round_to_total

    # Values a little off the total (as a solver's floats are): the bounds still hold.
    assert round_to_total([Fraction(1151, 10), Fraction(849, 10)], 200, ["a", "b"], [85, 85],
                          [115, 115]) == [115, 85]
    with pytest.raises(ValueError, match="cannot hold"):
        round_to_total([Fraction(1)], 5, ["a"], [0], [4])


@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**6), st.integers(0, 10**6)),
                min_size=1, max_size=12),
       st.integers(0, 10**6), st.data())
def test_round_to_total_sums_exactly_within_bounds(
    rows: list[tuple[int, int, int]], noise: int, data: st.DataObject
) -> None:
    from quotaplan.money import round_to_total

    lower = [lo for lo, _, _ in rows]
    upper = [lo + room for lo, room, _ in rows]
    total = data.draw(st.integers(sum(lower), sum(upper)))
    values = [Fraction(lo * 1000 + frac, 1000) + Fraction(noise, 10**7)
              for lo, _, frac in rows]
    ids = [f"id{i}" for i in range(len(rows))]
    parts = round_to_total(values, total, ids, lower, upper)
    assert sum(parts) == total
    assert all(lo <= p <= hi for p, lo, hi in zip(parts, lower, upper, strict=True))
