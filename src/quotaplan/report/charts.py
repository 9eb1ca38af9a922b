"""Inline SVG charts for the HTML report: plain data in, one ``<svg>`` element (text) out.

Every chart is sized by its ``viewBox`` and scales to the width of its container; it has a
``<title>`` for screen readers. Every data mark carries the class ``mark`` and a ``<title>`` child
(shown on hover), so readers and tests can find and count them. Text passed in is plain text and is
escaped here. Values are floats in display units (currency units, ratios 0–1): charts only draw,
amounts are computed (exactly, in cents) before they get here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Formatter = Callable[[float], str]

FONT_SIZE = 12
SMALL = 10.5
AXIS_COLOR = "#9aa5b1"
GRID_COLOR = "#e4e7eb"
TEXT_COLOR = "#3e4c59"
MUTED_COLOR = "#7b8794"


@dataclass(frozen=True)
class Bar:
    """One bar: ``value`` in display units, ``tip`` the hover text, ``note`` drawn above it."""

    label: str
    value: float
    color: str
    tip: str
    note: str = ""


@dataclass(frozen=True)
class Series:
    """A named colour: one bar of every group, or one kind of point."""

    name: str
    color: str


@dataclass(frozen=True)
class Note:
    """A line of text under a group's label; ``tone`` is ``bad``, ``good`` or ``muted``."""

    text: str
    tone: str = "muted"


@dataclass(frozen=True)
class Group:
    """One group of bars: ``values`` holds one value per series (``None``: no bar)."""

    label: str
    values: tuple[float | None, ...]
    tips: tuple[str, ...]
    notes: tuple[Note, ...] = ()
    side: str = ""


@dataclass(frozen=True)
class Point:
    """One scatter point; ``clipped`` marks a point drawn at the chart's edge."""

    x: float
    y: float
    color: str
    tip: str
    clipped: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal reference line at ``value`` (display units)."""

    value: float
    label: str
    color: str
    #: Write the label under the line (for a rule close below another one).
    below: bool = False


@dataclass(frozen=True)
class Curve:
    """A Pareto curve: ``xs`` account counts (ascending, ≥ 1), ``ys`` cumulative shares 0–1.

    ``total`` is the number of accounts in the book; ``marker`` the count that reaches 80 %.
    """

    xs: tuple[int, ...]
    ys: tuple[float, ...]
    total: int
    marker: int | None
    tip: str


TONES = {"bad": "#b83232", "good": "#2f7d55", "muted": MUTED_COLOR}


def nice_ticks(low: float, high: float, count: int = 5, *, min_step: float = 0.0) -> list[float]:
    """Round tick values covering ``[low, high]`` with at most about ``count`` steps.

    ``min_step`` bounds the step from below (1 for counts, so no tick falls between integers).
    """
    if not math.isfinite(low) or not math.isfinite(high):
        low, high = 0.0, 1.0
    if high - low <= 1e-9 * max(1.0, abs(low), abs(high)):
        high = low + max(abs(low), 1.0)
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if (high - low) / (multiple * magnitude) <= count and multiple * magnitude >= min_step:
            step = multiple * magnitude
            break
    step = max(step, min_step)
    start = math.floor(low / step) * step
    ticks = [start]
    while ticks[-1] < high - step * 1e-9 and len(ticks) < 50:
        ticks.append(start + len(ticks) * step)
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


def compact(value: float) -> str:
    """``1234567.0`` → ``"1.23M"``, ``45000`` → ``"45k"``: short axis and bar labels."""
    size = abs(value)
    for divisor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= divisor:
            return _trim(f"{value / divisor:.3g}" if size / divisor < 100 else
                         f"{value / divisor:.0f}") + suffix
    if size == 0:
        return "0"
    return _trim(f"{value:.3g}") if size < 100 else f"{value:.0f}"


def percent(value: float) -> str:
    """A ratio → ``"87 %"`` (whole percent, for axes)."""
    return f"{value * 100:.0f} %"


def _trim(text: str) -> str:
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = FONT_SIZE,
          color: str = TEXT_COLOR, weight: str = "normal", extra: str = "") -> str:
    bold = f' font-weight="{weight}"' if weight != "normal" else ""
    return (f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{color}"{bold}{extra}>{escape(text)}</text>')


def _fit(text: str, width: float, size: float = FONT_SIZE) -> str:
    """Shorten ``text`` with an ellipsis to about ``width`` pixels."""
    room = max(3, int(width / (size * 0.58)))
    return text if len(text) <= room else text[: room - 1] + "…"


def _open(css_class: str, width: int, height: int, title: str) -> str:
    return (f'<svg class="chart {escape(css_class, quote=True)}" viewBox="0 0 {width} {height}" '
            f'preserveAspectRatio="xMidYMid meet" role="img" '
            f'aria-label="{escape(title, quote=True)}"><title>{escape(title)}</title>')


def _legend(series: Sequence[Series], right: float, y: float) -> str:
    parts: list[str] = []
    x = right
    for item in reversed(series):
        width = len(item.name) * FONT_SIZE * 0.58 + 22
        x -= width
        parts.append(f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="11" height="11" rx="2" '
                     f'fill="{item.color}"/>')
        parts.append(_text(x + 15, y, item.name, size=SMALL + 0.5))
    return '<g class="legend">' + "".join(parts) + "</g>"


def _empty(css_class: str, title: str, message: str, width: int = 720, height: int = 120) -> str:
    return (_open(css_class, width, height, title)
            + _text(width / 2, height / 2, message, anchor="middle", color=MUTED_COLOR)
            + "</svg>")


def _y_axis(ticks: Sequence[float], scale: Callable[[float], float], left: float, right: float,
            fmt: Formatter, label: str, top: float) -> str:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}" '
                     f'stroke="{GRID_COLOR}"/>')
        parts.append(_text(left - 6, y + 4, fmt(tick), anchor="end", size=SMALL, color=MUTED_COLOR))
    if label:
        parts.append(_text(left - 6, top - 12, label, anchor="end", size=SMALL, color=MUTED_COLOR))
    return '<g class="axis y">' + "".join(parts) + "</g>"


def _linear(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    span = hi - lo or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def bar_chart(bars: Sequence[Bar], *, title: str, y_label: str, fmt: Formatter = compact,
              css_class: str = "bars", integer: bool = False, width: int = 380,
              height: int = 300) -> str:
    """Vertical bars, one per item, the value (or ``note``) written above each.

    ``integer``: the values are counts, so axis ticks are whole numbers.
    """
    if not bars:
        return _empty(css_class, title, "Nothing to show", width)
    left, right, top, bottom = 52.0, width - 12.0, 34.0, height - 40.0
    values = [b.value for b in bars]
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values, 1e-9), 4,
                       min_step=1.0 if integer else 0.0)
    y = _linear(ticks[0], ticks[-1], bottom, top)
    slot = (right - left) / len(bars)
    bar_w = min(slot * 0.62, 90.0)
    parts = [_open(css_class, width, height, title),
             _y_axis(ticks, y, left, right, fmt, y_label, top)]
    for i, bar in enumerate(bars):
        cx = left + slot * (i + 0.5)
        y0, y1 = sorted((y(0.0), y(bar.value)))
        parts.append(f'<rect class="mark" x="{_n(cx - bar_w / 2)}" y="{_n(y0)}" '
                     f'width="{_n(bar_w)}" height="{_n(max(y1 - y0, 0.5))}" rx="3" '
                     f'fill="{bar.color}"><title>{escape(bar.tip)}</title></rect>')
        parts.append(_text(cx, y0 - 6, bar.note or fmt(bar.value), anchor="middle",
                           weight="600"))
        parts.append(_text(cx, bottom + 18, _fit(bar.label, slot), anchor="middle"))
    parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y(0.0))}" y2="{_n(y(0.0))}" '
                 f'stroke="{AXIS_COLOR}"/>')
    return "".join(parts) + "</svg>"


def grouped_bar_chart(groups: Sequence[Group], series: Sequence[Series], *, title: str,
                      y_label: str, fmt: Formatter = compact, css_class: str = "grouped",
                      width: int = 1100, height: int = 380) -> str:
    """Groups of bars side by side (one bar per series), each group's notes under its label."""
    if not groups:
        return _empty(css_class, title, "Nothing to show", width)
    lines = max(len(g.notes) for g in groups)
    left, right, top = 60.0, width - 12.0, 44.0
    bottom = height - 30.0 - 15.0 * lines
    values = [v for g in groups for v in g.values if v is not None]
    ticks = nice_ticks(min(0.0, *values, 0.0), max(0.0, *values, 1e-9), 5)
    y = _linear(ticks[0], ticks[-1], bottom, top)
    slot = (right - left) / len(groups)
    bar_w = min(slot * 0.78 / len(series), 46.0)
    parts = [_open(css_class, width, height, title),
             _y_axis(ticks, y, left, right, fmt, y_label, top),
             _legend(series, right, 16.0)]
    for i, group in enumerate(groups):
        cx = left + slot * (i + 0.5)
        x = cx - bar_w * len(series) / 2
        for k, (value, item) in enumerate(zip(group.values, series, strict=True)):
            if value is not None:
                y0, y1 = sorted((y(0.0), y(value)))
                tip = group.tips[k] if k < len(group.tips) else item.name
                parts.append(f'<rect class="mark" x="{_n(x + 1)}" y="{_n(y0)}" '
                             f'width="{_n(bar_w - 2)}" height="{_n(max(y1 - y0, 0.5))}" rx="2" '
                             f'fill="{item.color}"><title>{escape(tip)}</title></rect>')
                if bar_w >= 22:
                    parts.append(_text(x + bar_w / 2, y0 - 4, fmt(value), anchor="middle",
                                       size=SMALL - 1, color=MUTED_COLOR))
            x += bar_w
        parts.append(_text(cx, bottom + 17, _fit(group.label, slot), anchor="middle",
                           weight="600"))
        for j, note in enumerate(group.notes):
            parts.append(_text(cx, bottom + 33 + 15 * j, _fit(note.text, slot, SMALL),
                               anchor="middle", size=SMALL, color=TONES.get(note.tone, MUTED_COLOR)))
    parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y(0.0))}" y2="{_n(y(0.0))}" '
                 f'stroke="{AXIS_COLOR}"/>')
    return "".join(parts) + "</svg>"


def paired_hbar_chart(groups: Sequence[Group], series: Sequence[Series], *, title: str,
                      x_label: str, fmt: Formatter = compact, css_class: str = "hbars",
                      width: int = 1100) -> str:
    """Horizontal bars, one row per group with one thin bar per series; ``side`` text at the right."""
    if not groups:
        return _empty(css_class, title, "Nothing to show", width)
    row_h = 12.0 * len(series) + 16.0
    left, right, top = 170.0, width - 96.0, 40.0
    height = int(top + row_h * len(groups) + 34)
    bottom = top + row_h * len(groups)
    values = [v for g in groups for v in g.values if v is not None]
    ticks = nice_ticks(min(0.0, *values, 0.0), max(0.0, *values, 1e-9), 5)
    x = _linear(ticks[0], ticks[-1], left, right)
    parts = [_open(css_class, width, height, title), _legend(series, width - 12.0, 16.0)]
    for tick in ticks:
        xt = x(tick)
        parts.append(f'<line x1="{_n(xt)}" x2="{_n(xt)}" y1="{_n(top)}" y2="{_n(bottom)}" '
                     f'stroke="{GRID_COLOR}"/>')
        parts.append(_text(xt, bottom + 15, fmt(tick), anchor="middle", size=SMALL,
                           color=MUTED_COLOR))
    parts.append(_text(right, bottom + 30, x_label, anchor="end", size=SMALL, color=MUTED_COLOR))
    for i, group in enumerate(groups):
        y0 = top + row_h * i + 8
        parts.append(_text(left - 8, y0 + 6 * len(series) + 4, _fit(group.label, left - 12),
                           anchor="end"))
        for k, (value, item) in enumerate(zip(group.values, series, strict=True)):
            if value is None:
                continue
            a, b = sorted((x(0.0), x(value)))
            tip = group.tips[k] if k < len(group.tips) else item.name
            yy = y0 + 12 * k
            parts.append(f'<rect class="mark" x="{_n(a)}" y="{_n(yy)}" '
                         f'width="{_n(max(b - a, 0.5))}" height="10" rx="2" fill="{item.color}">'
                         f'<title>{escape(tip)}</title></rect>')
            parts.append(_text(b + 4, yy + 9, fmt(value), size=SMALL - 1, color=MUTED_COLOR))
        if group.side:
            parts.append(_text(width - 12.0, y0 + 6 * len(series) + 4, group.side, anchor="end",
                               size=SMALL, color=TONES["bad"], weight="600"))
    parts.append(f'<line x1="{_n(x(0.0))}" x2="{_n(x(0.0))}" y1="{_n(top)}" y2="{_n(bottom)}" '
                 f'stroke="{AXIS_COLOR}"/>')
    return "".join(parts) + "</svg>"


def scatter_chart(points: Sequence[Point], *, title: str, x_label: str, y_label: str,
                  x_fmt: Formatter = compact, y_fmt: Formatter = percent,
                  rules: Sequence[Rule] = (), legend: Sequence[Series] = (),
                  y_max: float | None = None, css_class: str = "scatter",
                  width: int = 780, height: int = 400) -> str:
    """Points on two linear axes from 0, with horizontal reference lines (``rules``)."""
    if not points:
        return _empty(css_class, title, "No seller with a quota to plot", width)
    left, right, top, bottom = 60.0, width - 20.0, 40.0, height - 44.0
    x_ticks = nice_ticks(0.0, max(p.x for p in points), 6)
    top_y = y_max if y_max is not None else max([p.y for p in points] + [r.value for r in rules])
    y_ticks = nice_ticks(0.0, top_y, 5)
    x = _linear(x_ticks[0], x_ticks[-1], left, right)
    y = _linear(y_ticks[0], y_ticks[-1], bottom, top)
    parts = [_open(css_class, width, height, title),
             _y_axis(y_ticks, y, left, right, y_fmt, y_label, top),
             _legend(legend, right, 16.0)]
    for tick in x_ticks:
        parts.append(_text(x(tick), bottom + 16, x_fmt(tick), anchor="middle", size=SMALL,
                           color=MUTED_COLOR))
    parts.append(_text(right, bottom + 34, x_label, anchor="end", size=SMALL, color=MUTED_COLOR))
    parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(bottom)}" y2="{_n(bottom)}" '
                 f'stroke="{AXIS_COLOR}"/>')
    for rule in rules:
        yr = y(rule.value)
        parts.append(f'<line class="rule" x1="{_n(left)}" x2="{_n(right)}" y1="{_n(yr)}" '
                     f'y2="{_n(yr)}" stroke="{rule.color}" stroke-width="1.5" '
                     f'stroke-dasharray="6 4"/>')
        parts.append(_text(right - 4, yr + 13 if rule.below else yr - 5, rule.label,
                           anchor="end", size=SMALL,
                           color=rule.color, weight="600"))
    radius = 5.0 if len(points) <= 200 else 3.5 if len(points) <= 1000 else 2.5
    for p in points:
        shape = (f'<circle class="mark{" clipped" if p.clipped else ""}" cx="{_n(x(p.x))}" '
                 f'cy="{_n(y(min(p.y, y_ticks[-1])))}" r="{radius}" fill="{p.color}" '
                 f'fill-opacity="0.82" stroke="#fff" stroke-width="0.8">'
                 f'<title>{escape(p.tip)}</title></circle>')
        parts.append(shape)
    return "".join(parts) + "</svg>"


def pareto_chart(curve: Curve, *, title: str, color: str, css_class: str = "pareto",
                 width: int = 260, height: int = 170) -> str:
    """A book's cumulative share (0–100 %) against the number of accounts, largest first."""
    left, right, top, bottom = 36.0, width - 10.0, 12.0, height - 30.0
    total = max(curve.total, 1)
    x = _linear(0.0, float(total), left, right)
    y = _linear(0.0, 1.0, bottom, top)
    parts = [_open(css_class, width, height, title)]
    for tick in (0.0, 0.5, 0.8, 1.0):
        yt = y(tick)
        dash = ' stroke-dasharray="4 3"' if tick == 0.8 else ""
        stroke = "#c9a227" if tick == 0.8 else GRID_COLOR
        parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(yt)}" y2="{_n(yt)}" '
                     f'stroke="{stroke}"{dash}/>')
        parts.append(_text(left - 4, yt + 3.5, percent(tick).replace(" ", ""), anchor="end",
                           size=SMALL - 1.5, color=MUTED_COLOR))
    parts.append(_text(left, bottom + 14, "0", anchor="middle", size=SMALL - 1.5,
                       color=MUTED_COLOR))
    parts.append(_text(right, bottom + 14, f"{curve.total}", anchor="middle", size=SMALL - 1.5,
                       color=MUTED_COLOR))
    parts.append(_text((left + right) / 2, bottom + 26, "accounts, largest target first",
                       anchor="middle", size=SMALL - 1.5, color=MUTED_COLOR))
    if curve.marker is not None:
        xm = x(float(curve.marker))
        parts.append(f'<line x1="{_n(xm)}" x2="{_n(xm)}" y1="{_n(y(0.8))}" y2="{_n(bottom)}" '
                     f'stroke="#c9a227" stroke-dasharray="4 3"/>')
    coords = [f"{_n(x(0.0))},{_n(y(0.0))}"]
    coords += [f"{_n(x(float(cx)))},{_n(y(cy))}" for cx, cy in zip(curve.xs, curve.ys, strict=True)]
    parts.append(f'<polyline class="mark" points="{" ".join(coords)}" fill="none" '
                 f'stroke="{color}" stroke-width="2" stroke-linejoin="round">'
                 f'<title>{escape(curve.tip)}</title></polyline>')
    parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(bottom)}" y2="{_n(bottom)}" '
                 f'stroke="{AXIS_COLOR}"/>')
    return "".join(parts) + "</svg>"


# --- attainment simulation ------------------------------------------------------------------

@dataclass(frozen=True)
class Bin:
    """One histogram bar over ``[low, high)`` (display units) holding ``count`` items."""

    low: float
    high: float
    count: int
    color: str
    tip: str


def histogram_chart(bins: Sequence[Bin], *, title: str, x_label: str, y_label: str,
                    band: tuple[float, float, str] | None = None, marker: Rule | None = None,
                    x_fmt: Formatter = percent, domain: tuple[float, float] | None = None,
                    css_class: str = "histogram", width: int = 780, height: int = 320) -> str:
    """Adjacent bars on a linear x axis (``domain``, default the bins' span: bars are cut to
    it); ``band`` (low, high, label) is shaded behind them and ``marker`` drawn as a vertical
    dashed line at its value (e.g. the mean)."""
    if not bins:
        return _empty(css_class, title, "Nothing to show", width)
    left, right, top, bottom = 60.0, width - 20.0, 40.0, height - 46.0
    lo, hi = domain if domain is not None else (min(b.low for b in bins), max(b.high for b in bins))
    x_ticks = nice_ticks(lo, hi, 10)
    x = _linear(x_ticks[0], x_ticks[-1], left, right)
    y_ticks = nice_ticks(0.0, max(*(b.count for b in bins), 1), 4, min_step=1.0)
    y = _linear(0.0, y_ticks[-1], bottom, top)
    parts = [_open(css_class, width, height, title)]
    if band is not None:
        b_lo, b_hi, label = band
        parts.append(f'<rect class="band" x="{_n(x(b_lo))}" y="{_n(top)}" '
                     f'width="{_n(x(b_hi) - x(b_lo))}" height="{_n(bottom - top)}" '
                     f'fill="#3f9c6d" fill-opacity="0.13"/>')
        parts.append(_text((x(b_lo) + x(b_hi)) / 2, top - 8, label, anchor="middle", size=SMALL,
                           color="#2f7d55", weight="600"))
    parts.append(_y_axis(y_ticks, y, left, right, lambda v: f"{v:,.0f}", y_label, top))
    for tick in x_ticks:
        parts.append(_text(x(tick), bottom + 16, x_fmt(tick), anchor="middle", size=SMALL,
                           color=MUTED_COLOR))
    parts.append(_text(right, bottom + 34, x_label, anchor="end", size=SMALL, color=MUTED_COLOR))
    for b in bins:
        a, c = x(max(b.low, x_ticks[0])), x(min(b.high, x_ticks[-1]))
        parts.append(f'<rect class="mark" x="{_n(a + 0.5)}" y="{_n(y(b.count))}" '
                     f'width="{_n(max(c - a - 1, 0.5))}" height="{_n(bottom - y(b.count))}" '
                     f'fill="{b.color}"><title>{escape(b.tip)}</title></rect>')
    parts.append(f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(bottom)}" y2="{_n(bottom)}" '
                 f'stroke="{AXIS_COLOR}"/>')
    if marker is not None:
        xm = x(marker.value)
        parts.append(f'<line class="rule" x1="{_n(xm)}" x2="{_n(xm)}" y1="{_n(top)}" '
                     f'y2="{_n(bottom)}" stroke="{marker.color}" stroke-width="1.5" '
                     f'stroke-dasharray="6 4"/>')
        anchor = "end" if xm > (left + right) / 2 else "start"
        parts.append(_text(xm + (-5 if anchor == "end" else 5), top + 12, marker.label,
                           anchor=anchor, size=SMALL, color=marker.color, weight="600"))
    return "".join(parts) + "</svg>"


def probability_chart(bars: Sequence[Bar], *, title: str, threshold: Rule,
                      css_class: str = "probability", width: int = 780) -> str:
    """One horizontal bar per item, values 0–1 as percentages, a vertical ``threshold`` line."""
    if not bars:
        return _empty(css_class, title, "No seller with a quota above 0", width)
    row_h = 20.0
    left, right, top = 300.0, width - 60.0, 34.0
    bottom = top + row_h * len(bars)
    height = int(bottom + 38)
    x = _linear(0.0, 1.0, left, right)
    parts = [_open(css_class, width, height, title)]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        xt = x(tick)
        parts.append(f'<line x1="{_n(xt)}" x2="{_n(xt)}" y1="{_n(top)}" y2="{_n(bottom)}" '
                     f'stroke="{GRID_COLOR}"/>')
        parts.append(_text(xt, bottom + 15, percent(tick), anchor="middle", size=SMALL,
                           color=MUTED_COLOR))
    parts.append(_text(right, bottom + 31, "P(at quota): share of runs reaching the quota",
                       anchor="end", size=SMALL, color=MUTED_COLOR))
    for i, bar in enumerate(bars):
        yy = top + row_h * i + 4
        parts.append(_text(left - 8, yy + 11, _fit(bar.label, left - 12), anchor="end",
                           size=SMALL + 0.5))
        parts.append(f'<rect class="mark" x="{_n(x(0.0))}" y="{_n(yy)}" '
                     f'width="{_n(max(x(bar.value) - x(0.0), 0.5))}" height="{_n(row_h - 8)}" '
                     f'rx="2" fill="{bar.color}"><title>{escape(bar.tip)}</title></rect>')
        parts.append(_text(x(bar.value) + 4, yy + 10.5, bar.note or percent(bar.value),
                           size=SMALL, color=TEXT_COLOR))
    xt = x(threshold.value)
    parts.append(f'<line class="rule" x1="{_n(xt)}" x2="{_n(xt)}" y1="{_n(top - 6)}" '
                 f'y2="{_n(bottom)}" stroke="{threshold.color}" stroke-width="1.5" '
                 f'stroke-dasharray="6 4"/>')
    parts.append(_text(xt + 4, top - 10, threshold.label, size=SMALL, color=threshold.color,
                       weight="600"))
    parts.append(f'<line x1="{_n(x(0.0))}" x2="{_n(x(0.0))}" y1="{_n(top)}" y2="{_n(bottom)}" '
                 f'stroke="{AXIS_COLOR}"/>')
    return "".join(parts) + "</svg>"
