"""The HTML report of ``quotaplan report --html FILE``: one self-contained page that works offline.

:func:`render_html` computes the report's view (:func:`~.views.report_view`, the same the terminal
prints) and the charts' data (:mod:`.chartviews`), and renders them through the Jinja2 templates in
``report/templates/``: ``base.html`` (the document: inline styles, the small sorting script and a
Content-Security-Policy that forbids every fetch), ``report.html`` (the reading order) and one
partial per section under ``sections/``. Charts are inline SVG drawn by :mod:`.charts` (the
``svg`` filter). Autoescaping is on: every text from the plan is escaped.

Reading order: the headline (strategic gap, quota gap, sellers at high risk) and the riskiest
sellers with what to do; then the charts (bridge from top-down to accounts to quotas, risk bands,
coverage against quota, Pareto curves of the riskiest books, capacity against target); then the
sortable table of every seller and the strategic gaps by node.
"""

from __future__ import annotations

import math
import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from quotaplan.build import BuildResult
from quotaplan.core.simulate import SimulationResult
from quotaplan.report import charts
from quotaplan.report.chartviews import (
    PARETO_POINTS,
    PARETO_SELLERS,
    BridgeChart,
    CapacityChart,
    ParetoCell,
    RiskChart,
    ScatterChart,
    charts_view,
)
from quotaplan.report.simviews import (
    LeastLikelyChart,
    ShareHistogram,
    SimulationSection,
    pct,
    simulation_section,
)
from quotaplan.report.views import FORMATTERS, report_view


def _sort_key(value: float | int | None) -> str:
    """A number cell's ``data-v``: the exact value, empty when there is none."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else repr(value)


def _sign_class(cents: int | None) -> str:
    """A signed amount's class: `` pos`` above 0 (red: short), `` neg`` below (green)."""
    return "" if not cents else " pos" if cents > 0 else " neg"


def _code_spans(text: str) -> Markup:
    """Text, escaped, with its `command` spans set as code."""
    return Markup(re.sub(r"`([^`<>]+)`", r"<code>\1</code>", str(escape(text))))


def chart_svg(chart: object) -> Markup:
    """One chart's data (from :mod:`.chartviews` or :mod:`.simviews`) as an inline ``<svg>``."""
    match chart:
        case BridgeChart():
            svg = charts.grouped_bar_chart(chart.groups, chart.series, title=chart.title,
                                           y_label=chart.unit, css_class="chart-bridge")
        case RiskChart():
            svg = charts.bar_chart(chart.bars, title=chart.title, y_label="sellers",
                                   fmt=lambda v: f"{v:g}", css_class="chart-risk", integer=True,
                                   height=340)
        case ScatterChart():
            svg = charts.scatter_chart(chart.points, title=chart.chart_title,
                                       x_label=chart.x_label, y_label="coverage",
                                       rules=chart.rules, legend=chart.legend, y_max=chart.y_max,
                                       css_class="chart-scatter")
        case ParetoCell():
            svg = charts.pareto_chart(chart.curve, title=f"Pareto curve of {chart.name}'s book",
                                      color=chart.color, css_class="pareto")
        case CapacityChart():
            svg = charts.paired_hbar_chart(chart.groups, chart.series, title=chart.chart_title,
                                           x_label=chart.unit, css_class="chart-capacity")
        case ShareHistogram():
            svg = charts.histogram_chart(chart.bins, title=chart.title, x_label=chart.x_label,
                                         y_label=chart.y_label, band=chart.band,
                                         marker=chart.marker, domain=(0.0, 1.0),
                                         css_class="chart-simulation")
        case LeastLikelyChart():
            svg = charts.probability_chart(chart.bars, title=chart.title,
                                           threshold=chart.threshold,
                                           css_class="chart-probability")
        case _:
            raise TypeError(f"no chart for {type(chart).__name__}")
    return Markup(svg)


@cache
def environment() -> Environment:
    """The templates' environment: autoescaping on, undefined names an error, and the filters
    that write figures (:data:`~.views.FORMATTERS`), sort keys, code spans and charts."""
    env = Environment(loader=PackageLoader("quotaplan.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FORMATTERS)
    env.filters.update(pct=pct, sort_key=_sort_key, sign_class=_sign_class, code_spans=_code_spans,
                       svg=chart_svg)
    return env


def render_html(result: BuildResult, simulation: SimulationResult | None = None) -> str:
    """The whole report as one self-contained HTML document (UTF-8 text, no external reference);
    with ``simulation``, its section (:func:`_simulation_section`) follows the headline."""
    view = report_view(result)
    section: SimulationSection | None = (
        None if simulation is None else simulation_section(result, simulation))
    return environment().get_template("report.html").render(
        view=view, charts=charts_view(result, view), simulation=section)


def _simulation_section(result: BuildResult, sim: SimulationResult) -> str:
    """The attainment simulation's section alone (as :func:`render_html` places it)."""
    return environment().get_template("sections/simulation.html").render(
        simulation=simulation_section(result, sim))


__all__ = ["PARETO_POINTS", "PARETO_SELLERS", "chart_svg", "environment", "render_html"]
