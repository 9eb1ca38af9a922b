"""What ``quotaplan simulate`` shows: one view of the simulation for the terminal and the HTML
report (:func:`simulation_view`), and the terminal rendering (:func:`render_simulation`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.core.simulate import FLAG_BELOW, HEALTHY_BAND, SimulationResult
from quotaplan.money import format_cents_grouped

#: Flagged sellers listed in the terminal at most (simulation.csv has them all).
LISTED = 15


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def pct(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f} %"


@dataclass(frozen=True)
class SimulationView:
    """The figures a planner reads, already worded."""

    runs: int
    seed: int
    share: dict[str, float | None]
    verdict: str
    tone: str
    company: dict[str, float | None] | None
    flagged: pl.DataFrame
    carriers_with_quota: int
    backtest: dict[str, Any]
    accuracy: str


def _verdict(mean: float | None) -> tuple[str, str]:
    low, high = HEALTHY_BAND
    band = f"the healthy band of {pct(low)}–{pct(high)}"
    if mean is None:
        return "no carrier has a quota above 0", "dim"
    if mean < low:
        return f"below {band}: fewer sellers would reach quota than in a healthy plan", "bad"
    if mean > high:
        return f"above {band}: more sellers would reach quota than in a healthy plan (quotas may " \
               "be too easy)", "warn"
    return f"within {band}", "good"


def _accuracy(acc: dict[str, Any]) -> str:
    if not acc.get("available"):
        return f"not available: {acc.get('reason', '')}"
    predicted = acc["predicted"]
    return (f"last year's simulation predicted {pct(predicted['mean'])} of carriers at quota "
            f"(p10–p90 {pct(predicted['p10'])}–{pct(predicted['p90'])}); "
            f"{pct(acc['actual'])} of {acc['carriers']} carriers reached it")


def simulation_view(sim: SimulationResult) -> SimulationView:
    summary = sim.summary
    share = summary["share_at_quota"]
    verdict, tone = _verdict(share["mean"])
    flagged = (sim.carriers.filter(pl.col("p_at_quota") < FLAG_BELOW)
               .sort("p_at_quota", "seller_id"))
    return SimulationView(
        runs=summary["runs"], seed=summary["seed"], share=share, verdict=verdict, tone=tone,
        company=summary["company_attainment"], flagged=flagged,
        carriers_with_quota=summary["carriers_with_quota"], backtest=summary["backtest"],
        accuracy=_accuracy(summary["backtest"]["accuracy"]),
    )


STYLES = {"good": "green", "warn": "yellow", "bad": "bold red", "dim": "dim"}


def render_simulation(sim: SimulationResult) -> list[RenderableType]:
    """The simulation in a few lines and one table of flagged quotas."""
    view = simulation_view(sim)
    bt = view.backtest
    lines: list[RenderableType] = [
        Text.assemble(("Attainment simulation", "bold"),
                      f" — {view.runs:,} runs, seed {view.seed}; back-test {bt['year_start']} to "
                      f"{bt['year_end']} on {_count(bt['accounts'], 'account')} and "
                      f"{_count(bt['carriers'], 'book')}"),
        Text.assemble("Share of sellers at quota: ", (pct(view.share["mean"]), "bold"),
                      f" (p10 {pct(view.share['p10'])}, p90 {pct(view.share['p90'])}) — ",
                      (view.verdict, STYLES[view.tone])),
    ]
    if view.company is not None:
        lines.append(Text(f"Company attainment against the top-down number: p50 "
                          f"{pct(view.company['p50'])} (p10 {pct(view.company['p10'])}, "
                          f"p90 {pct(view.company['p90'])})"))
    else:
        lines.append(Text("Company attainment: no top-down number at the root", style="dim"))
    lines.append(Text(f"Back-test accuracy: {view.accuracy}"))
    count = view.flagged.height
    lines.append(Text.assemble(
        (f"{count:,} of {view.carriers_with_quota:,} quotas", "bold red" if count else "green"),
        f" have P(at quota) below {FLAG_BELOW:.1f}" + (":" if count else ".")))
    if count:
        table = Table(show_lines=False)
        for name, justify in (("seller", "left"), ("final quota", "right"),
                              ("P(at quota)", "right"), ("attainment p10 / p50 / p90", "right"),
                              ("expected shortfall", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in view.flagged.head(LISTED).iter_rows(named=True):
            table.add_row(
                Text(str(row["seller_id"])), format_cents_grouped(row["final_quota"]),
                pct(row['p_at_quota'], 1),
                " / ".join(pct(row[f"attainment_p{q}"]) for q in (10, 50, 90)),
                format_cents_grouped(row["expected_shortfall"]))
        lines.append(table)
        if count > LISTED:
            lines.append(Text(f"… and {count - LISTED:,} more in simulation.csv (--out)", style="dim"))
    return lines
