"""What the reports show of an attainment simulation: plain data, no Rich, no HTML.

:func:`simulation_view` holds the figures a planner reads, already worded (the terminal prints
them); :func:`simulation_section` adds what a page draws: headline cards, the histogram of the
runs' share of sellers at quota, the quotas least likely to be hit and every seller's row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core.simulate import FLAG_BELOW, HEALTHY_BAND, SimulationResult
from quotaplan.report.charts import Bar, Bin, Rule
from quotaplan.report.palette import ABOVE_BAND_COLOR, FLAG_COLOR, HEALTHY_COLOR, SAFE_COLOR
from quotaplan.report.views import Card, currency_of, display, money, ratio_pct, sentence

#: Sellers shown in the P(at quota) chart at most (the least likely first); the table has all.
SIMULATION_SELLERS = 30
#: Above this many carriers, the histogram of the share at quota uses 5 % bins.
EXACT_SHARE_BINS = 40


def pct(value: float | None, digits: int = 0) -> str:
    """A share (0.62) → ``"62 %"``: :func:`~.views.ratio_pct` to whole percents by default."""
    return ratio_pct(value, digits)


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


@dataclass(frozen=True)
class SimulatedSeller:
    """One carrier's simulated attainment; ``flagged``: P(at quota) below :data:`FLAG_BELOW`."""

    seller_id: str
    label: str
    final_quota: int | None
    p_at_quota: float | None
    attainment_p10: float | None
    attainment_p50: float | None
    attainment_p90: float | None
    expected_shortfall: int | None
    flagged: bool


@dataclass(frozen=True)
class ShareHistogram:
    """Simulated years by share of sellers at quota, against the healthy ``band``; ``marker``: the
    mean share."""

    title: str
    x_label: str
    y_label: str
    bins: tuple[Bin, ...]
    band: tuple[float, float, str]
    marker: Rule | None


@dataclass(frozen=True)
class LeastLikelyChart:
    """The quotas least likely to be hit, one bar of P(at quota) each, over a ``threshold``."""

    title: str
    caption: str
    bars: tuple[Bar, ...]
    threshold: Rule


@dataclass(frozen=True)
class SimulationSection:
    """A page's simulation section: ``lead`` says how the runs were drawn; two charts; every
    seller, least likely to reach quota first."""

    cards: tuple[Card, ...]
    lead: str
    histogram: ShareHistogram
    least_likely: LeastLikelyChart
    sellers: tuple[SimulatedSeller, ...]
    currency: str


def share_bins(shares: np.ndarray, carriers: int) -> list[Bin]:
    """Runs by share of carriers at quota: one bar per possible share for a few carriers, else
    bins of 5 points (the last one holds 100 %); coloured by the healthy band."""
    low, high = HEALTHY_BAND
    finite = shares[np.isfinite(shares)]
    if carriers <= EXACT_SHARE_BINS and carriers > 0:
        hits = np.rint(finite * carriers).astype(np.int64)
        counts = np.bincount(hits, minlength=carriers + 1)
        edges = [(k - 0.5) / carriers for k in range(carriers + 2)]
        labels = [f"{k} of {carriers} at quota ({k / carriers * 100:.0f} %)"
                  for k in range(carriers + 1)]
        centres = [k / carriers for k in range(carriers + 1)]
    else:
        index = np.minimum((finite * 20).astype(np.int64), 19)
        counts = np.bincount(index, minlength=20)
        edges = [k / 20 for k in range(21)]
        labels = [f"{k * 5}–{k * 5 + 5} % at quota" for k in range(20)]
        centres = [(k + 0.5) / 20 for k in range(20)]
    runs = max(int(finite.size), 1)
    bins = []
    for k, count in enumerate(counts.tolist()):
        centre = centres[k]
        color = (HEALTHY_COLOR if low <= centre <= high else FLAG_COLOR if centre < low
                 else ABOVE_BAND_COLOR)
        bins.append(Bin(edges[k], edges[k + 1], int(count), color,
                        f"{labels[k]}: {count:,} of {runs:,} runs ({count / runs * 100:.1f} %)"))
    return bins


def _seller_names(result: BuildResult) -> dict[str, str]:
    sellers = result.plan.sellers
    if "name" not in sellers.columns:
        return {}
    return {str(k): str(v or k) for k, v in sellers.select("seller_id", "name").iter_rows()}


def _cards(view: SimulationView) -> tuple[Card, ...]:
    low, high = HEALTHY_BAND
    share = view.share
    company = view.company
    return (
        Card("sim_share", "Sellers at quota (mean of runs)", pct(share["mean"]), "",
             f"p10 {pct(share['p10'])}, p90 {pct(share['p90'])}; healthy: "
             f"{pct(low)}–{pct(high)}. {sentence(view.verdict)}",
             {"good": "ok", "warn": "warn", "bad": "bad"}.get(view.tone, "")),
        Card("sim_company", "Company attainment (p50)",
             "—" if company is None else pct(company["p50"]), "",
             "No top-down number at the root." if company is None else
             f"Σ sellers' simulated bookings ÷ the top-down number; p10 "
             f"{pct(company['p10'])}, p90 {pct(company['p90'])}.", ""),
        Card("sim_flagged", f"Quotas with P(at quota) < {FLAG_BELOW:.1f}",
             f"{view.flagged.height:,}", f"of {view.carriers_with_quota:,}",
             "Quotas the books would reach in fewer than 3 runs out of 10.",
             "bad" if view.flagged.height else "ok"),
    )


def simulation_section(result: BuildResult, sim: SimulationResult) -> SimulationSection:
    """The simulation as a page shows it, after the headline of ``result``'s report."""
    cur = currency_of(result)
    view = simulation_view(sim)
    bt = view.backtest
    low, high = HEALTHY_BAND
    mean = view.share["mean"]
    lead = (f"{view.runs:,} simulated years (seed {view.seed}). Each account's bookings are its "
            f"target × a ratio drawn from how accounts of its segment and size did against "
            f"their targets in the back-test ({bt['year_start']} to {bt['year_end']}, "
            f"{bt['accounts']:,} accounts, {bt['carriers']:,} books), each book × a factor drawn "
            "from how whole books did, × the seller's ramp. Back-test accuracy: "
            f"{view.accuracy}.")
    names = _seller_names(result)
    ranked = (sim.carriers.filter(pl.col("final_quota") > 0)
              .sort("p_at_quota", "seller_id").head(SIMULATION_SELLERS))
    bars = tuple(
        Bar(names.get(r["seller_id"], r["seller_id"]), float(r["p_at_quota"]),
            FLAG_COLOR if r["p_at_quota"] < FLAG_BELOW else SAFE_COLOR,
            f"{display(names.get(r['seller_id'], r['seller_id']), r['seller_id'])}: "
            f"P(at quota) {pct(r['p_at_quota'], 1)}, attainment p10/p50/p90 "
            f"{pct(r['attainment_p10'])} / {pct(r['attainment_p50'])} / "
            f"{pct(r['attainment_p90'])}, quota {money(r['final_quota'], cur)}",
            pct(r["p_at_quota"], 1))
        for r in ranked.iter_rows(named=True))
    shown = len(bars)
    caption = (f"The {shown} quota{'s' if shown != 1 else ''} least likely to be hit, "
               f"red below {pct(FLAG_BELOW)}; every seller is in the table below "
               "(the same figures as simulation.csv).")
    sellers = tuple(
        SimulatedSeller(
            r["seller_id"], display(names.get(r["seller_id"], r["seller_id"]), r["seller_id"]),
            r["final_quota"], r["p_at_quota"], r["attainment_p10"], r["attainment_p50"],
            r["attainment_p90"], r["expected_shortfall"],
            r["p_at_quota"] is not None and r["p_at_quota"] < FLAG_BELOW)
        for r in sim.carriers.sort("p_at_quota", "seller_id", nulls_last=True)
        .iter_rows(named=True))
    histogram = ShareHistogram(
        "Share of sellers at quota across the simulated years",
        "share of sellers (with a quota) at or above quota", "years",
        tuple(share_bins(sim.share_at_quota, view.carriers_with_quota)),
        (low, high, f"healthy band {pct(low)}–{pct(high)}"),
        None if mean is None else Rule(mean, f"mean {pct(mean)}", "#1f2933"))
    least_likely = LeastLikelyChart(
        "P(at quota) of the quotas least likely to be hit", caption, bars,
        Rule(FLAG_BELOW, f"flag below {pct(FLAG_BELOW)}", FLAG_COLOR))
    return SimulationSection(_cards(view), lead, histogram, least_likely, sellers, cur)
