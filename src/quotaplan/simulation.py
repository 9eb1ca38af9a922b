"""The edge of ``quotaplan simulate``: run the attainment simulation on a built plan and write
``simulation.csv`` and ``simulation.json`` (the core is :mod:`quotaplan.core.simulate`).

simulation.csv, one row per quota carrier (by seller_id): seller_id, p_at_quota (P(attainment ≥
100 %), empty for a zero quota), attainment_p10 / _p50 / _p90 (quantiles over the runs, linear
interpolation; empty for a zero quota), expected_shortfall (mean over the runs of max(0,
final_quota − simulated bookings), cents rounded half away from zero, written with two decimals),
then final_quota and flagged (p_at_quota below 0.3). Ratios have six decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core.simulate import FLAG_BELOW, SimulationResult, simulate_plan
from quotaplan.errors import UsageError
from quotaplan.outputs import summary_json, write_table
from quotaplan.outsafe import write_folder

CSV_COLUMNS = ("seller_id", "p_at_quota", "attainment_p10", "attainment_p50", "attainment_p90",
               "expected_shortfall")
CSV_EXTRAS = ("final_quota", "flagged")
#: Decimals of the ratios in simulation.json.
JSON_DIGITS = 6


#: Runs × sellers kept in memory at most (each run's attainment per seller, 4 bytes each: 1.2 GB).
MAX_CELLS = 300_000_000


def run_simulation(result: BuildResult, *, runs: int, seed: int) -> SimulationResult:
    """The simulation of a built plan (raises NotEnoughHistory when no back-test is possible,
    UsageError when ``runs`` × sellers would not fit in :data:`MAX_CELLS`)."""
    sellers = max(result.quotas.height, 1)
    if runs * sellers > MAX_CELLS:
        raise UsageError(f"--runs {runs:,} for {sellers:,} sellers keeps {runs * sellers:,} "
                         f"attainments in memory; use --runs {MAX_CELLS // sellers:,} or fewer")
    return simulate_plan(result.plan, result.account_targets, result.quotas,
                         result.summary.get("topdown"), runs=runs, seed=seed)


def simulation_table(sim: SimulationResult) -> pl.DataFrame:
    """simulation.csv as a table (amounts in cents)."""
    return sim.carriers.with_columns(
        (pl.col("p_at_quota") < FLAG_BELOW).fill_null(False).alias("flagged"))


def _rounded(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return round(value, JSON_DIGITS)
    return value


def simulation_json(sim: SimulationResult) -> str:
    """simulation.json: ratios rounded to six decimals, the top-down number as an amount."""
    return summary_json(_rounded(sim.summary))


def write_simulation(sim: SimulationResult, out: Path, *, force: bool = False,
                     protect: Sequence[Path] = ()) -> None:
    """Write simulation.csv and simulation.json into ``out`` (as :mod:`quotaplan.outsafe` allows)."""

    def write(staging: Path) -> None:
        write_table(simulation_table(sim), staging / "simulation.csv", CSV_COLUMNS, CSV_EXTRAS)
        (staging / "simulation.json").write_text(simulation_json(sim), encoding="utf-8")

    write_folder(out, "simulate", write, force=force, protect=protect)
