"""The Monte Carlo engine of the attainment simulation: NumPy on whole arrays, runs in chunks.

Every account of a book is a *draw*: a scale ``t`` (its target in cents, or 1 for a new-business
draw) times a value drawn from its pool (a ratio actual ÷ target, or a new-business amount in
cents), each pool bootstrapped (drawn uniformly, with replacement). A carrier's simulated bookings
in one run are ``ramp × F × Σ t·v`` where ``F`` is a carrier-level factor bootstrapped from
its own pool (the back-test's book residuals: books move together as they did).

**Aggregate draws.** The largest draws of every book are drawn one by one; the rest of the book
(its *small part*) may be drawn as one normal variable with the exact mean and variance of its
sum. How many draws stay individual is decided per book from the cumulants of the bootstrap
distributions: the error that replacing the small part by a normal variable makes in any
probability ``P(book ≥ q)`` is, to the first terms of its Edgeworth expansion,
``0.0665 · |κ3| / σ³ + 0.0233 · κ4 / σ⁴`` (``κ3``, ``κ4`` the small part's third and fourth
cumulants, ``σ²`` the whole book's variance; 0.0665 and 0.0233 are the largest values of
``φ(z)·He2(z)/6`` and ``φ(z)·He3(z)/24``). The draws that keep that estimate below
``tolerance`` (default 0.001, against SPEC's bound of 0.01 on any carrier's P(at quota): the
estimate assumes the rest of the book smooths the error, which a few large accounts do not
quite do, so it keeps a wide margin; on Superstore's books 0.004 moved one P by 0.018) are
aggregated; ``tolerance = 0`` draws every account one by one. A test measures the effect.

Pure: arrays in, arrays out; the random stream is ``numpy.random.default_rng(seed)`` and its
spawned children, one per chunk of runs, so results do not depend on the threads used.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: Largest |φ(z)·(z² − 1)| / 6 and |φ(z)·(z³ − 3z)| / 24 over z: the Edgeworth weights of the
#: third and fourth cumulants in a probability.
EDGEWORTH_K3 = 0.0665
EDGEWORTH_K4 = 0.0233
#: The aggregation's error budget per book (SPEC allows 0.01 on any carrier's P(at quota)).
TOLERANCE = 0.001
#: Individual draws per chunk of runs (16 bytes of working arrays each, per thread).
CHUNK_CELLS = 1_000_000
THREADS = 2


@dataclass(frozen=True)
class Pools:
    """Bootstrap pools, concatenated: pool ``p`` is ``values[offset[p] : offset[p] + size[p]]``."""

    values: F64
    offset: I64
    size: I64

    @classmethod
    def of(cls, pools: Sequence[F64]) -> Pools:
        sizes = np.array([len(p) for p in pools], dtype=np.int64)
        if (sizes == 0).any():
            raise ValueError("a bootstrap pool is empty")
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        values = np.concatenate(pools).astype(np.float64) if pools else np.zeros(0)
        return cls(values=values, offset=offsets, size=sizes)

    def cumulants(self) -> tuple[F64, F64, F64, F64]:
        """Per pool: mean, variance, third and fourth cumulant of drawing one value from it."""
        n = len(self.size)
        which = np.repeat(np.arange(n), self.size)
        mean = np.bincount(which, self.values, n) / self.size
        dev = self.values - mean[which]
        m2, m3, m4 = (np.bincount(which, dev**k, n) / self.size for k in (2, 3, 4))
        # A pool of one value has no spread at all (not rounding noise, which would make its
        # cumulant ratios meaningless).
        flat = np.minimum.reduceat(self.values, self.offset) == np.maximum.reduceat(self.values,
                                                                                     self.offset)
        mean = np.where(flat, self.values[self.offset], mean)
        m2, m3, m4 = (np.where(flat, 0.0, m) for m in (m2, m3, m4))
        return mean, m2, m3, m4 - 3 * m2**2


@dataclass(frozen=True)
class Books:
    """The draws of every book: ``carrier`` (0 … carriers − 1), ``scale`` (t) and ``pool`` per draw,
    and per carrier ``ramp`` (final ÷ full-year quota) and ``quota`` (final quota, cents)."""

    carrier: I64
    scale: F64
    pool: I64
    ramp: F64
    quota: F64


@dataclass(frozen=True)
class Outcome:
    """What the runs give. Per carrier: ``p_at_quota`` (NaN for a zero quota), ``attainment``
    quantiles 10/50/90 (NaN for a zero quota), ``shortfall`` (mean of max(0, quota − actual),
    cents, as a float). Per run: ``share_at_quota`` (carriers at quota ÷ carriers with a quota > 0;
    NaN when none has one) and ``total`` (Σ carriers' simulated bookings, cents). ``individual``:
    how many draws per run were drawn one by one (the rest in aggregate)."""

    p_at_quota: F64
    attainment_p10: F64
    attainment_p50: F64
    attainment_p90: F64
    shortfall: F64
    share_at_quota: F64
    total: F64
    individual: int


@dataclass(frozen=True)
class _Plan:
    """The draws sorted by carrier, split into the individual ones and per-carrier aggregates."""

    order: I64           # the individual draws (indices into Books), sorted by carrier
    starts: I64          # first column of each carrier with individual draws
    with_draws: I64      # those carriers
    mean: F64            # per carrier: mean and standard deviation of the aggregated part
    sd: F64


def individual_draws(books: Books, pools: Pools, tolerance: float = TOLERANCE) -> npt.NDArray[np.bool_]:
    """Per draw: whether it is drawn one by one (see the module docstring)."""
    n = len(books.carrier)
    carriers = len(books.ramp)
    if tolerance <= 0:
        return np.ones(n, dtype=bool)
    _, var, k3, k4 = pools.cumulants()
    t = books.scale
    v = t**2 * var[books.pool]
    book_sd = np.sqrt(np.bincount(books.carrier, v, carriers))
    # Largest spread first within each book; the suffix sums of the cumulants are what is left
    # when every draw before a position is drawn one by one.
    order = np.lexsort((-v, books.carrier))
    c = books.carrier[order]
    sd = book_sd[c]
    # Each draw's share of its book's error, without units: books of any size then add up
    # without one book's magnitude swamping another's in the running sums.
    scaled = t[order] / np.where(sd > 0, sd, 1.0)
    pool = books.pool[order]
    share = np.where(sd > 0, EDGEWORTH_K3 * np.abs(scaled**3 * k3[pool])
                     + EDGEWORTH_K4 * np.abs(scaled**4 * k4[pool]), 0.0)
    error = _suffix_sums(share, c)
    chosen = np.zeros(n, dtype=bool)
    chosen[order] = error > tolerance
    return chosen


def _suffix_sums(values: F64, group: I64) -> F64:
    """Σ of ``values`` from each position to the end of its group (``group`` sorted)."""
    total = np.cumsum(values[::-1])[::-1]
    last = np.r_[np.flatnonzero(np.diff(group)) + 1, len(group)]  # end (exclusive) of each run
    ends = np.repeat(last, np.diff(np.r_[0, last]))
    after = np.where(ends < len(values), total[np.minimum(ends, len(values) - 1)], 0.0)
    return total - after


def _prepare(books: Books, pools: Pools, tolerance: float) -> _Plan:
    carriers = len(books.ramp)
    mean, var, _, _ = pools.cumulants()
    chosen = individual_draws(books, pools, tolerance)
    rest = ~chosen
    agg_mean = np.bincount(books.carrier[rest], books.scale[rest] * mean[books.pool[rest]], carriers)
    agg_var = np.bincount(books.carrier[rest], books.scale[rest] ** 2 * var[books.pool[rest]], carriers)
    picked = np.flatnonzero(chosen)
    order = picked[np.argsort(books.carrier[picked], kind="stable")]
    sorted_carriers = books.carrier[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_carriers)) + 1].astype(np.int64)
    with_draws = sorted_carriers[starts] if len(order) else np.zeros(0, dtype=np.int64)
    if not len(order):
        starts = np.zeros(0, dtype=np.int64)
    return _Plan(order=order.astype(np.int64), starts=starts, with_draws=with_draws.astype(np.int64),
                 mean=agg_mean.astype(np.float64), sd=np.sqrt(np.maximum(agg_var, 0.0)))


def simulate(books: Books, pools: Pools, factors: F64, runs: int, seed: int,
             tolerance: float = TOLERANCE, threads: int = THREADS) -> Outcome:
    """``runs`` runs of every book (see the module docstring); reproducible for a given ``seed``."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    prep = _prepare(books, pools, tolerance)
    carriers = len(books.ramp)
    per_chunk = max(1, min(runs, CHUNK_CELLS // max(1, len(prep.order), carriers)))
    bounds = list(range(0, runs, per_chunk))
    children = np.random.default_rng(seed).spawn(len(bounds))
    quota = books.quota
    has_quota = quota > 0
    with_quota = int(has_quota.sum())
    safe_quota = np.where(has_quota, quota, 1.0)
    attainment = np.full((runs, carriers), np.nan, dtype=np.float32)
    at_quota = np.zeros(carriers, dtype=np.int64)
    shortfall = np.zeros(carriers, dtype=np.float64)
    share = np.empty(runs, dtype=np.float64)
    total = np.empty(runs, dtype=np.float64)
    scale = books.scale[prep.order]
    offset = pools.offset[books.pool[prep.order]]
    # Just below each pool's size, so that u × size < size for every u in [0, 1).
    size = np.nextafter(pools.size[books.pool[prep.order]].astype(np.float64), 0.0)
    factor_values = np.asarray(factors, dtype=np.float64)
    width = len(prep.order)
    local = threading.local()

    def buffers(n: int) -> tuple[F64, I64]:
        """This thread's working arrays for the individual draws (allocated once)."""
        if not hasattr(local, "picks"):
            local.picks = np.empty((per_chunk, width), dtype=np.float64)
            local.index = np.empty((per_chunk, width), dtype=np.int64)
        return local.picks[:n], local.index[:n]

    def chunk(k: int) -> tuple[npt.NDArray[np.int64], F64]:
        lo = bounds[k]
        hi = min(runs, lo + per_chunk)
        n = hi - lo
        rng = children[k]
        book = prep.mean + prep.sd * rng.standard_normal((n, carriers))
        if width:
            picks, index = buffers(n)
            rng.random(out=picks)
            np.multiply(picks, size, out=picks)
            np.copyto(index, picks, casting="unsafe")  # truncation: the floor of a value ≥ 0
            np.add(index, offset, out=index)
            drawn = np.take(pools.values, index, out=picks, mode="clip")
            np.multiply(drawn, scale, out=drawn)
            book[:, prep.with_draws] += np.add.reduceat(drawn, prep.starts, axis=1)
        if len(factor_values) > 1:
            book *= factor_values[rng.integers(0, len(factor_values), (n, carriers))]
        else:
            book *= factor_values[0]
        book *= books.ramp
        total[lo:hi] = book.sum(axis=1)
        counted = (book >= quota) & has_quota
        attainment[lo:hi] = np.divide(book, safe_quota, where=has_quota, out=np.full_like(book, np.nan))
        share[lo:hi] = counted.sum(axis=1) / with_quota if with_quota else np.nan
        return counted.sum(axis=0), np.maximum(quota - book, 0.0).sum(axis=0)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        for hits, short in pool.map(chunk, range(len(bounds))):
            at_quota += hits
            shortfall += short
    p10, p50, p90 = np.quantile(attainment, [0.1, 0.5, 0.9], axis=0) if runs else (None,) * 3
    p_at = np.where(has_quota, at_quota / runs, np.nan)
    return Outcome(
        p_at_quota=p_at,
        attainment_p10=np.asarray(p10, dtype=np.float64),
        attainment_p50=np.asarray(p50, dtype=np.float64),
        attainment_p90=np.asarray(p90, dtype=np.float64),
        shortfall=shortfall / runs,
        share_at_quota=share,
        total=total,
        individual=len(prep.order),
    )
