"""Attainment simulation: will these quotas be hit? (SPEC Part 2, "Attainment simulation").

1. **Back-test** (:mod:`quotaplan.core.backtest`): the plan one year back, its account targets
   against what was then booked, pooled into ratios to draw from and the books' factors.
2. **Monte Carlo** (:mod:`quotaplan.core.montecarlo`). Each run draws every account of every
   book: an account with a target above 0 brings ``target × ratio`` (a ratio drawn from its
   pool), an account with target 0 brings an amount drawn from the new-business pool; the book's
   sum is multiplied by a carrier factor drawn from the residuals and by the carrier's ramp
   (``final_quota ÷ full_year_quota``, the share of the year its periods carry), and attainment
   is that ÷ ``final_quota``. Uncovered accounts count for no carrier and not in the company's
   total.
3. **Accuracy**: the same simulation one year earlier (last year's plan, its quotas, and a
   back-test one more year back) predicts last year's share of carriers at quota; what happened is
   the share of last year's carriers (quota above 0) whose books booked at least that quota,
   each book's year scaled by the carrier's ramp as the simulation scales it (bookings do not
   record who sold; ``actual_whole_book`` is the share without that scaling).

Pure: a plan in, tables and figures out. Simulated bookings are estimates in floating point
(cents); the one amount written, ``expected_shortfall``, is rounded to the cent, half away from
zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from quotaplan.core import montecarlo
from quotaplan.core.backtest import (
    ALL,
    BANDS,
    GRID,
    MIN_SEGMENT,
    NEW_BUSINESS,
    Backtest,
    backtest,
    book_factors,
    shifted_plan,
    size_band,
    weighted_pool,
    with_carriers,
    year_back,
)
from quotaplan.core.hierarchy import build_hierarchy
from quotaplan.errors import NotEnoughHistory
from quotaplan.plan import Plan
from quotaplan.problems import has_errors

#: The healthy share of carriers at quota (SPEC): 60–70 %.
HEALTHY_BAND = (0.60, 0.70)
#: A quota whose P(at quota) is below this is flagged.
FLAG_BELOW = 0.3
#: Runs of last year's simulation, the back-test's own accuracy (its mean share is what is
#: compared; a thousand runs put it within about half a percentage point).
ACCURACY_RUNS = 1000


@dataclass(frozen=True)
class Simulated:
    """One simulation of a plan's quotas: ``carriers`` (seller_id, final_quota cents,
    p_at_quota, attainment_p10/p50/p90, expected_shortfall cents; nulls for a zero quota) and
    ``outcome`` (the runs' figures, :class:`~quotaplan.core.montecarlo.Outcome`)."""

    carriers: pl.DataFrame
    outcome: montecarlo.Outcome


def simulate_quotas(account_targets: pl.DataFrame, quotas: pl.DataFrame, bt: Backtest, *,
                    runs: int, seed: int, tolerance: float = montecarlo.TOLERANCE) -> Simulated:
    """Monte Carlo of every carrier's bookings (module docstring, step 2).

    ``account_targets``: account_id, segment, seller_id, target (cents); ``quotas``: seller_id,
    final_quota (cents), ramp_factor (null or missing counts 1).
    """
    q = quotas.select("seller_id", "final_quota",
                      pl.col("ramp_factor").fill_null(1.0) if "ramp_factor" in quotas.columns
                      else pl.lit(1.0).alias("ramp_factor")).sort("seller_id")
    index = q.select("seller_id").with_row_index("_carrier")
    names = list(bt.pools)
    pool_ids = pl.DataFrame({"_pool": names, "_pool_id": list(range(len(names)))},
                            schema={"_pool": pl.String, "_pool_id": pl.Int64})
    draws = (
        account_targets.select("seller_id", "segment", "target")
        .with_columns(size_band(pl.col("target")).alias("band"))  # among all accounts, as the back-test
        .filter(pl.col("seller_id").is_not_null())
        .join(index, on="seller_id", how="inner")
        .with_columns(bt.pool_of().alias("_pool"))
        .join(pool_ids, on="_pool", how="left")
    )
    target = draws.get_column("target").cast(pl.Float64).to_numpy()
    books = montecarlo.Books(
        carrier=draws.get_column("_carrier").cast(pl.Int64).to_numpy(),
        scale=np.where(target > 0, target, 1.0),
        pool=draws.get_column("_pool_id").to_numpy(),
        ramp=q.get_column("ramp_factor").cast(pl.Float64).to_numpy(),
        quota=q.get_column("final_quota").cast(pl.Float64).to_numpy(),
    )
    pools = montecarlo.Pools.of([bt.pools[name] for name in names])
    outcome = montecarlo.simulate(books, pools, bt.residuals, runs, seed, tolerance)
    zero = pl.col("final_quota") <= 0
    carriers = q.select("seller_id", "final_quota").with_columns(
        *(pl.when(zero).then(None).otherwise(pl.Series(name, values)).alias(name)
          for name, values in (("p_at_quota", outcome.p_at_quota),
                               ("attainment_p10", outcome.attainment_p10),
                               ("attainment_p50", outcome.attainment_p50),
                               ("attainment_p90", outcome.attainment_p90))),
        pl.Series("expected_shortfall", _round_half_away(outcome.shortfall), dtype=pl.Int64),
    )
    return Simulated(carriers=carriers, outcome=outcome)


def _round_half_away(values: np.ndarray) -> np.ndarray:
    """Floats (cents) → integer cents, halves away from zero."""
    rounded: np.ndarray = (np.sign(values) * np.floor(np.abs(values) + 0.5)).astype(np.int64)
    return rounded


def spread(values: np.ndarray) -> dict[str, float | None]:
    """mean, p10, p50, p90 of finite ``values`` (None when there is none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return {"mean": None, "p10": None, "p50": None, "p90": None}
    p10, p50, p90 = np.quantile(finite, [0.1, 0.5, 0.9])
    return {"mean": float(finite.mean()), "p10": float(p10), "p50": float(p50), "p90": float(p90)}


@dataclass(frozen=True)
class SimulationResult:
    """Everything ``quotaplan simulate`` shows and writes.

    ``carriers``: simulation.csv (see :class:`Simulated`). ``share_at_quota``: per run, the share
    of carriers with a quota above 0 who reach it. ``company``: per run, Σ carriers' simulated
    bookings ÷ the root's top-down number (None without one). ``summary``: simulation.json as a
    dict (ratios as floats, counts as ints, dates as ISO text).
    """

    carriers: pl.DataFrame
    share_at_quota: np.ndarray
    company: np.ndarray | None
    summary: dict[str, Any] = field(default_factory=dict)


def accuracy(bt: Backtest, *, seed: int, runs: int = ACCURACY_RUNS) -> dict[str, Any]:
    """Last year's simulation against last year (module docstring, step 3): ``available``, and
    either ``reason`` or ``predicted`` (mean, p10, p90 of the share at quota), ``actual`` (the
    share that happened), ``carriers`` (last year's carriers with a quota above 0)."""
    from quotaplan.core.quotas import compute_quotas

    earlier, then, targets = bt.plan, bt.hierarchy, bt.targets
    try:
        before = backtest(earlier, then)
    except NotEnoughHistory as exc:
        return {"available": False, "reason": str(exc)}
    found = compute_quotas(earlier, then, targets)
    if has_errors(found.problems):
        first = next(p for p in found.problems if p.severity == "error")
        return {"available": False, "reason": f"last year's quotas cannot be computed: {first.message}"}
    quotas = found.quotas
    run = simulate_quotas(targets, quotas, before, runs=runs, seed=seed)
    booked = (bt.accounts.filter(pl.col("seller_id").is_not_null())
              .group_by("seller_id").agg(pl.col("actual").sum()))
    happened = (quotas.select("seller_id", "final_quota", pl.col("ramp_factor").fill_null(1.0))
                .filter(pl.col("final_quota") > 0)
                .join(booked, on="seller_id", how="left")
                .with_columns(pl.col("actual").fill_null(0)))
    carriers = happened.height
    quota = happened.get_column("final_quota")
    actual = happened.get_column("actual")
    # Bookings record the account, not who sold: a seller hired during that year is judged on
    # their ramp's share of the book's year, as the simulation draws it.
    hit = int((actual * happened.get_column("ramp_factor") >= quota).sum())
    whole = int((actual >= quota).sum())
    predicted = spread(run.outcome.share_at_quota)
    return {
        "available": True,
        "year_start": bt.year_start.isoformat(),
        "carriers": carriers,
        "predicted": {k: predicted[k] for k in ("mean", "p10", "p90")},
        "actual": hit / carriers if carriers else None,
        "actual_whole_book": whole / carriers if carriers else None,
        "runs": runs,
    }


def simulate_plan(plan: Plan, account_targets: pl.DataFrame, quotas: pl.DataFrame,
                  topdown: int | None, *, runs: int, seed: int) -> SimulationResult:
    """The whole simulation of a built plan: back-test, Monte Carlo, accuracy.

    ``account_targets`` and ``quotas`` are the build's tables; ``topdown`` the root's number in
    cents (None without one). Raises :class:`NotEnoughHistory` when no back-test is possible.
    """
    hierarchy = build_hierarchy(plan)
    bt = backtest(plan, hierarchy)
    run = simulate_quotas(with_carriers(account_targets, hierarchy), quotas, bt, runs=runs, seed=seed)
    return summarise(bt, run, accuracy(bt, seed=seed), topdown=topdown,
                     runs=runs, seed=seed)


def summarise(bt: Backtest, run: Simulated, accurate: dict[str, Any], *, topdown: int | None,
              runs: int, seed: int) -> SimulationResult:
    """The simulation's figures from its parts (simulation.json's content as ``summary``)."""
    share = run.outcome.share_at_quota
    company = run.outcome.total / topdown if topdown else None
    shares = spread(share)
    used = bt.accounts
    summary: dict[str, Any] = {
        "runs": runs,
        "seed": seed,
        "carriers": run.carriers.height,
        "carriers_with_quota": int(run.carriers.filter(pl.col("final_quota") > 0).height),
        "share_at_quota": {k: shares[k] for k in ("mean", "p10", "p90")},
        "healthy_band": list(HEALTHY_BAND),
        "company_attainment": (None if company is None else
                               {k: v for k, v in spread(company).items() if k != "mean"}),
        "topdown": topdown,
        "flagged_below": FLAG_BELOW,
        "flagged": int(run.carriers.filter(pl.col("p_at_quota") < FLAG_BELOW).height),
        "draws_one_by_one": run.outcome.individual,
        "backtest": {
            "year_start": bt.year_start.isoformat(),
            "year_end": bt.year_end.isoformat(),
            "accounts": int(used.filter(pl.col("target") > 0).height),
            "new_business_accounts": int(used.filter(pl.col("target") == 0).height),
            "carriers": bt.carriers,
            "pools": bt.counts,
            "accuracy": accurate,
        },
    }
    return SimulationResult(carriers=run.carriers, share_at_quota=share, company=company,
                            summary=summary)


__all__ = [
    "ACCURACY_RUNS", "ALL", "BANDS", "FLAG_BELOW", "GRID", "HEALTHY_BAND", "MIN_SEGMENT",
    "NEW_BUSINESS", "Backtest", "Simulated", "SimulationResult", "accuracy", "backtest",
    "book_factors", "shifted_plan", "simulate_plan", "simulate_quotas", "spread", "summarise",
    "weighted_pool", "with_carriers", "year_back",
]
