"""The Monte Carlo engine: reproducible, consistent, exact where the answer is known, and an
aggregate draw of a book's small accounts that moves no carrier's P(at quota) by more than 0.01."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.core.montecarlo import Books, Pools, _suffix_sums, individual_draws, simulate


def lumpy_books(carriers: int, accounts: int, seed: int = 3) -> tuple[Books, Pools]:
    """Books of lognormal targets (a few large accounts, many small ones) drawing from two
    heavy-tailed ratio pools (a tenth of the accounts book nothing, a few book many times their
    target) and a new-business pool of mostly zeros; quotas at each book's expected bookings."""
    rng = np.random.default_rng(seed)
    n = carriers * accounts
    carrier = np.repeat(np.arange(carriers), accounts)
    scale = rng.lognormal(np.log(50_000_00), 1.4, n)
    pool = rng.integers(0, 2, n)
    fresh = rng.random(n) < 0.05
    scale[fresh] = 1.0
    pool[fresh] = 2
    ratios = [rng.lognormal(-0.2, 0.6, 400) * (rng.random(400) > 0.1) for _ in range(2)]
    ratios[0][:4] = [6.0, 9.0, 14.0, 20.0]
    amounts = np.where(rng.random(300) < 0.8, 0.0, rng.lognormal(np.log(20_000_00), 1.0, 300))
    pools = Pools.of([*ratios, amounts])
    mean, *_ = pools.cumulants()
    expected = np.bincount(carrier, scale * mean[pool], carriers)
    books = Books(carrier=carrier.astype(np.int64), scale=scale, pool=pool.astype(np.int64),
                  ramp=np.ones(carriers), quota=expected)
    return books, pools


def test_the_same_seed_gives_the_same_figures_and_another_seed_others() -> None:
    books, pools = lumpy_books(5, 60)
    factors = np.array([0.8, 1.0, 1.25])
    first = simulate(books, pools, factors, runs=3000, seed=11)
    again = simulate(books, pools, factors, runs=3000, seed=11)
    other = simulate(books, pools, factors, runs=3000, seed=12)
    for name in ("p_at_quota", "attainment_p50", "shortfall", "share_at_quota", "total"):
        assert np.array_equal(getattr(first, name), getattr(again, name)), name
    assert not np.array_equal(first.total, other.total)
    assert not np.array_equal(first.p_at_quota, other.p_at_quota)


def test_threads_do_not_change_the_figures() -> None:
    books, pools = lumpy_books(4, 50)
    one = simulate(books, pools, np.ones(1), runs=2500, seed=5, threads=1)
    two = simulate(books, pools, np.ones(1), runs=2500, seed=5, threads=2)
    assert np.array_equal(one.total, two.total)
    assert np.array_equal(one.p_at_quota, two.p_at_quota)


def test_mean_share_at_quota_is_the_mean_of_the_sellers_probabilities() -> None:
    books, pools = lumpy_books(7, 40)
    quota = books.quota.copy()
    quota[2] = 0.0  # a zero quota counts in neither
    books = Books(books.carrier, books.scale, books.pool, books.ramp, quota)
    out = simulate(books, pools, np.array([0.7, 1.0, 1.4]), runs=4000, seed=2)
    assert np.isnan(out.p_at_quota[2])
    assert out.share_at_quota.mean() == pytest.approx(np.nanmean(out.p_at_quota), abs=1e-12)


def test_equal_ratios_give_certain_outcomes_and_known_attainment() -> None:
    # Three one-account books, every ratio 1.1: bookings are exactly 1.1 × target.
    books = Books(carrier=np.array([0, 1, 2]), scale=np.array([10_000.0, 20_000.0, 30_000.0]),
                  pool=np.array([0, 0, 0]), ramp=np.array([1.0, 1.0, 0.5]),
                  quota=np.array([10_000.0, 26_400.0, 15_000.0]))
    pools = Pools.of([np.full(50, 1.1)])
    out = simulate(books, pools, np.ones(4), runs=500, seed=9)
    assert out.p_at_quota.tolist() == [1.0, 0.0, 1.0]
    assert out.attainment_p50 == pytest.approx([1.1, 22_000 / 26_400, 16_500 / 15_000])
    assert out.attainment_p10 == pytest.approx(out.attainment_p90)
    assert out.shortfall == pytest.approx([0.0, 4_400.0, 0.0])
    assert out.share_at_quota.tolist() == [2 / 3] * 500


def test_a_degenerate_pool_is_never_drawn_one_by_one() -> None:
    books, _ = lumpy_books(3, 30)
    flat = Pools.of([np.full(10, 0.9), np.full(10, 1.2), np.zeros(3)])
    assert not individual_draws(books, flat).any()


def test_largest_accounts_are_drawn_one_by_one_and_small_ones_in_aggregate() -> None:
    books, pools = lumpy_books(6, 300)
    chosen = individual_draws(books, pools)
    assert 0 < chosen.sum() < chosen.size / 2
    for c in range(6):
        mine = books.carrier == c
        spread = books.scale[mine] * np.sqrt(pools.cumulants()[1][books.pool[mine]])
        # Every account drawn one by one spreads at least as much as every aggregated one.
        assert spread[chosen[mine]].min() >= spread[~chosen[mine]].max()


def test_tolerance_zero_draws_every_account() -> None:
    books, pools = lumpy_books(2, 20)
    assert individual_draws(books, pools, tolerance=0).all()


def test_aggregating_small_accounts_moves_no_probability_by_more_than_a_point() -> None:
    """SPEC: the approximation moves no carrier's P(at quota) by more than 0.01. Exact (every
    account drawn) against aggregated, at quotas where P is most sensitive (the books' expected
    bookings, and 20 % above and below); enough runs that sampling noise stays near 0.002."""
    books, pools = lumpy_books(6, 250)
    assert individual_draws(books, pools).sum() < books.carrier.size / 3  # it does aggregate
    for level in (0.8, 1.0, 1.2):
        at = Books(books.carrier, books.scale, books.pool, books.ramp, books.quota * level)
        factors = np.array([0.85, 1.0, 1.0, 1.15])
        exact = simulate(at, pools, factors, runs=60_000, seed=1, tolerance=0)
        approx = simulate(at, pools, factors, runs=240_000, seed=2)
        moved = np.abs(exact.p_at_quota - approx.p_at_quota)
        print(f"quota × {level}: largest move of P(at quota) {moved.max():.4f}")
        assert moved.max() <= 0.01


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.floats(0, 1e6, allow_nan=False)), min_size=1,
                max_size=40))
def test_suffix_sums_add_each_group_from_a_position_to_its_end(
    rows: list[tuple[int, float]],
) -> None:
    rows.sort(key=lambda r: r[0])
    group = np.array([g for g, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows])
    got = _suffix_sums(values, group)
    want = [sum(v for h, v in rows[i:] if h == g) for i, (g, _) in enumerate(rows)]
    assert got == pytest.approx(want, rel=1e-9, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 12), st.integers(0, 2**32 - 1),
       st.floats(0.3, 1.7))
def test_share_at_quota_and_probabilities_agree_on_any_books(
    carriers: int, accounts: int, seed: int, level: float,
) -> None:
    books, pools = lumpy_books(carriers, accounts, seed=seed)
    at = Books(books.carrier, books.scale, books.pool, books.ramp, books.quota * level)
    out = simulate(at, pools, np.array([0.9, 1.1]), runs=300, seed=seed)
    assert out.share_at_quota.mean() == pytest.approx(out.p_at_quota.mean(), abs=1e-12)
    assert np.all((out.p_at_quota >= 0) & (out.p_at_quota <= 1))
    assert np.all(out.attainment_p10 <= out.attainment_p50)
    assert np.all(out.attainment_p50 <= out.attainment_p90)
    assert np.all(out.shortfall >= 0)


def test_a_small_book_is_judged_alone_beside_a_huge_one() -> None:
    books, pools = lumpy_books(2, 80)
    alone = individual_draws(books, pools)
    # Book 1 a billion times larger: book 0's own decisions must not change.
    scale = np.where(books.carrier == 1, books.scale * 1e9, books.scale)
    huge = Books(books.carrier, scale, books.pool, books.ramp, books.quota)
    beside = individual_draws(huge, pools)
    assert np.array_equal(alone[books.carrier == 0], beside[books.carrier == 0])
    assert np.array_equal(alone[books.carrier == 1], beside[books.carrier == 1])
