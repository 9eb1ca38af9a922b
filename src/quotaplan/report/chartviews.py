"""What the report's charts draw, computed from a :class:`~.views.ReportView`: plain data.

Each chart is one frozen dataclass holding its marks (the :mod:`.charts` dataclasses, in display
units), its title and the caption under it. A page turns them into SVG with :mod:`.charts`;
nothing here knows SVG or HTML.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.report import charts
from quotaplan.report.charts import Bar, Curve, Group, Note, Point, Rule, Series
from quotaplan.report.frames import RISK_BANDS
from quotaplan.report.growth import ask_pct, history_label
from quotaplan.report.palette import (
    ACCOUNTS_COLOR,
    CAPACITY_COLOR,
    PRIOR_COLOR,
    QUOTAS_COLOR,
    RISK_COLORS,
    TOPDOWN_COLOR,
)
from quotaplan.report.views import NodeRow, ReportView, money, plural, ratio_pct

#: How many books get a Pareto curve, bridge groups and capacity rows at most.
PARETO_SELLERS = 12
BRIDGE_NODES = 8
CAPACITY_NODES = 14
#: Points kept per Pareto curve (the curve is sampled beyond this many accounts).
PARETO_POINTS = 120
#: Coverage drawn at most at this ratio in the scatter (points above sit on the edge).
COVERAGE_CAP = 2.0


@dataclass(frozen=True)
class BridgeChart:
    """Per numbered node: (last year,) top-down, Σ account targets, Σ quotas; gaps as notes."""

    title: str
    caption: str
    groups: tuple[Group, ...]
    series: tuple[Series, ...]
    unit: str


@dataclass(frozen=True)
class RiskChart:
    """Sellers per risk band, one bar each."""

    title: str
    caption: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class ScatterChart:
    """Coverage against final quota, one point per seller with a quota above 0."""

    title: str
    chart_title: str
    caption: str
    points: tuple[Point, ...]
    rules: tuple[Rule, ...]
    legend: tuple[Series, ...]
    y_max: float
    x_label: str


@dataclass(frozen=True)
class ParetoCell:
    """One risky book's concentration curve: ``summary`` "80 % from 3 of 12 accounts · …"."""

    seller_id: str
    risk: str
    name: str
    coverage: str
    summary: str
    curve: Curve
    color: str


@dataclass(frozen=True)
class ParetoCharts:
    """The riskiest books' Pareto curves."""

    caption: str
    cells: tuple[ParetoCell, ...]


@dataclass(frozen=True)
class CapacityChart:
    """Per node: top-down, Σ account targets and productive capacity; hires to close beside."""

    title: str
    chart_title: str
    caption: str
    groups: tuple[Group, ...]
    series: tuple[Series, ...]
    unit: str


@dataclass(frozen=True)
class ChartsView:
    """Every chart of "Where the plan stands", in page order."""

    bridge: BridgeChart
    risk: RiskChart
    scatter: ScatterChart
    pareto: ParetoCharts
    capacity: CapacityChart


def _units(cents: int | None) -> float:
    """Cents → currency units as a float, for drawing only."""
    return 0.0 if cents is None else cents / 100


def _gap_note(label: str, cents: int | None) -> Note:
    if cents is None:
        return Note(f"{label} —")
    sign = "+" if cents > 0 else ""
    return Note(f"{label} {sign}{charts.compact(cents / 100)}", "bad" if cents > 0 else "good")


def _by_depth_then_gap(node: NodeRow) -> tuple[bool, int, bool, int, str]:
    """Depth first, then the largest strategic gap (none last), then id."""
    gap = node.strategic_gap
    return (node.depth is None, node.depth or 0, gap is None, -(gap or 0), node.territory_id)


def bridge_chart(result: BuildResult, view: ReportView) -> BridgeChart:
    cur = view.currency
    numbered = sorted((n for n in view.nodes if n.topdown is not None), key=_by_depth_then_gap)
    chosen = numbered[:BRIDGE_NODES] if numbered else [n for n in view.nodes if n.depth == 0]
    history = history_label(result.plan) if view.growth.leads else None
    groups = []
    for r in chosen:
        values: tuple[float | None, ...] = (
            None if r.topdown is None else _units(r.topdown),
            _units(r.account_target_sum), _units(r.quota_sum))
        label = r.territory_name
        tips: tuple[str, ...] = (f"{label}: top-down {money(r.topdown, cur)}",
                                 f"{label}: Σ account targets {money(r.account_target_sum, cur)}",
                                 f"{label}: Σ carriers' final quotas {money(r.quota_sum, cur)}")
        notes = [_gap_note("strategic gap", r.strategic_gap), _gap_note("quota gap", r.quota_gap)]
        if history is not None:
            prior = r.prior_bookings
            values = (None if prior is None else _units(prior), *values)
            tips = (f"{label}: {history} {money(prior, cur)}", *tips)
            notes.insert(0, Note(f"growth ask {ask_pct(r.growth_ask)}"))
        if r.pushed:
            notes.append(Note("⚠ quotas above accounts", "bad"))
        groups.append(Group(label, values, tips, tuple(notes)))
    series: tuple[Series, ...] = (
        Series("Top-down", TOPDOWN_COLOR), Series("Σ account targets", ACCOUNTS_COLOR),
        Series("Σ quotas", QUOTAS_COLOR))
    if history is not None:
        series = (Series(history[:1].upper() + history[1:], PRIOR_COLOR), *series)
    more = len(numbered) - len(groups) if numbered else 0
    caption = ("Each numbered node's top-down number, what its accounts support, and what its "
               "carriers carry. Strategic gap = top-down − account targets (red: short); "
               "quota gap = top-down − quotas.")
    if history is not None:
        caption = (f"Each numbered node's {history}, its top-down number (the growth ask is the "
                   "step between them), what its accounts support and what its carriers carry. "
                   "Strategic gap = top-down − account targets (0 by construction when the "
                   "targets split the number); quota gap = top-down − quotas.")
    if not numbered:
        caption = "No node has a top-down number: the root's account targets and quotas."
    if more > 0:
        caption += f" {plural(more, 'more numbered node')} in the table below."
    title = ("Bridge: top-down → account targets → quotas" if history is None
             else "Bridge: last year → top-down → account targets → quotas")
    return BridgeChart(title, caption, tuple(groups), series, cur)


def risk_chart(result: BuildResult, view: ReportView) -> RiskChart:
    risks = view.risks
    total = sum(risks.values()) or 1
    label = {"high": "High", "medium": "Medium", "low": "Low", "none": "No quota"}
    bars = tuple(Bar(label[b], float(risks[b]), RISK_COLORS[b],
                     f"{label[b]} risk: {plural(risks[b], 'seller')} "
                     f"({risks[b] / total * 100:.0f} %)", str(risks[b])) for b in RISK_BANDS)
    r = result.plan.settings.risk
    caption = (f"High: coverage below {ratio_pct(float(r.high_below), 0)}; medium: below "
               f"{ratio_pct(float(r.medium_below), 0)}; low: at or above it.")
    return RiskChart("Sellers by risk band", caption, bars)


def scatter_chart(result: BuildResult, view: ReportView) -> ScatterChart:
    cur = view.currency
    plotted = [s for s in view.sellers if s.coverage is not None and (s.final_quota or 0) > 0]
    r = result.plan.settings.risk
    target, high = float(r.medium_below), float(r.high_below)
    y_max = max([target * 1.2, *[min(s.coverage or 0.0, COVERAGE_CAP) for s in plotted]])
    points = tuple(
        Point(_units(s.final_quota), min(s.coverage or 0.0, COVERAGE_CAP),
              RISK_COLORS.get(s.risk, RISK_COLORS["none"]),
              f"{s.label} — {s.territory_name}: quota {money(s.final_quota, cur)}, book "
              f"{money(s.book_target, cur)}, coverage {ratio_pct(s.coverage)}, {s.risk} risk",
              (s.coverage or 0.0) > COVERAGE_CAP)
        for s in plotted
    )
    rules = [Rule(target, f"target coverage {ratio_pct(target, 0)}", "#3f9c6d")]
    if high != target:
        rules.append(Rule(high, f"high risk below {ratio_pct(high, 0)}", "#d64545", below=True))
    legend = tuple(Series(b, RISK_COLORS[b]) for b in ("high", "medium", "low"))
    left_out = len(view.sellers) - len(plotted)
    caption = ("Each dot is a seller: coverage = book target ÷ final quota. Dots below the green "
               "line have less book than quota; hover for names.")
    if left_out:
        caption += f" {plural(left_out, 'seller')} with a zero quota not plotted."
    if any(p.clipped for p in points):
        caption += f" Coverage above {ratio_pct(COVERAGE_CAP, 0)} is drawn at the top edge."
    return ScatterChart("Coverage against quota", "Coverage against quota, per seller", caption,
                        points, tuple(rules), legend, y_max, f"final quota ({cur})")


def _pareto_curves(result: BuildResult, ids: list[str]) -> dict[str, Curve]:
    """Cumulative share of each chosen book, largest target first, sampled to PARETO_POINTS."""
    targets = result.account_targets
    if not {"seller_id", "target", "account_id"} <= set(targets.columns):
        return {}
    books = (
        targets.filter(pl.col("seller_id").is_in(pl.Series(ids, dtype=pl.String).implode())
                       & pl.col("target").is_not_null())
        .select("seller_id", "account_id", "target")
        .sort(["seller_id", "target", "account_id"], descending=[False, True, False])
        .with_columns(
            (pl.int_range(pl.len()).over("seller_id") + 1).alias("n"),
            pl.len().over("seller_id").alias("total"),
            pl.col("target").cum_sum().over("seller_id").alias("cum"),
            pl.col("target").sum().over("seller_id").alias("book"),
        )
        .with_columns(((pl.col("total") + PARETO_POINTS - 1) // PARETO_POINTS).alias("step"))
        .filter((pl.col("n") % pl.col("step") == 0) | (pl.col("n") == pl.col("total"))
                | (pl.col("n") <= 10))
        .with_columns(pl.when(pl.col("book") > 0).then(pl.col("cum") / pl.col("book"))
                      .otherwise(0.0).alias("share"))
    )
    curves: dict[str, Curve] = {}
    for (seller,), part in books.group_by("seller_id", maintain_order=True):
        curves[str(seller)] = Curve(
            tuple(part.get_column("n").to_list()), tuple(part.get_column("share").to_list()),
            int(part.get_column("total")[0]), None, "")
    return curves


def pareto_charts(result: BuildResult, view: ReportView) -> ParetoCharts:
    chosen = view.sellers[:PARETO_SELLERS]
    curves = _pareto_curves(result, [s.seller_id for s in chosen])
    cells = []
    for row in chosen:
        base = curves.get(row.seller_id, Curve((), (), 0, None, ""))
        top80 = row.accounts_for_80pct
        summary = (f"80 % from {top80} of {plural(base.total, 'account')}" if top80 is not None
                   else f"{plural(base.total, 'account')}, no target")
        if row.top1_share is not None:
            summary += f" · top one {ratio_pct(row.top1_share, 0)}"
        curve = Curve(base.xs, base.ys, base.total, top80, f"{row.label}: {summary}")
        cells.append(ParetoCell(row.seller_id, row.risk, row.label, ratio_pct(row.coverage),
                                summary, curve, RISK_COLORS.get(row.risk, RISK_COLORS["none"])))
    caption = (f"The {len(cells)} riskiest books: cumulative share of the book target against the "
               "number of accounts, largest first. A steep start means a few accounts carry the "
               "book; the dashed line marks 80 %.")
    return ParetoCharts(caption, tuple(cells))


def capacity_chart(result: BuildResult, view: ReportView) -> CapacityChart:
    cur = view.currency
    chosen = [n for n in view.nodes
              if (n.depth is not None and n.depth <= 1) or n.topdown is not None][:CAPACITY_NODES]
    groups = []
    for r in chosen:
        label = r.territory_name
        heads = r.headcount_to_close
        groups.append(Group(
            label,
            (None if r.topdown is None else _units(r.topdown), _units(r.account_target_sum),
             None if r.productive_capacity is None else _units(r.productive_capacity)),
            (f"{label}: top-down {money(r.topdown, cur)}",
             f"{label}: Σ account targets {money(r.account_target_sum, cur)}",
             f"{label}: productive capacity {money(r.productive_capacity, cur)}"),
            side=f"+{heads} hires" if heads else "",
        ))
    series = (Series("Top-down", TOPDOWN_COLOR), Series("Σ account targets", ACCOUNTS_COLOR),
              Series("Productive capacity", CAPACITY_COLOR))
    att = result.plan.settings.capacity.expected_attainment
    caption = (f"Productive capacity = Σ carriers' final quotas × expected attainment "
               f"({ratio_pct(float(att), 0)}), against each node's top-down number and account "
               "targets; red figures are the hires needed to close the node's strategic gap.")
    return CapacityChart("Capacity against target", "Capacity against target, per node", caption,
                         tuple(groups), series, cur)


def charts_view(result: BuildResult, view: ReportView) -> ChartsView:
    """Every chart's data for the report of ``result`` (``view``: its :func:`~.views.report_view`)."""
    return ChartsView(bridge_chart(result, view), risk_chart(result, view),
                      scatter_chart(result, view), pareto_charts(result, view),
                      capacity_chart(result, view))
