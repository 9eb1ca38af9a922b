"""The HTML report of ``quotaplan report --html FILE``: one self-contained page that works offline.

:func:`render_html` returns one complete HTML document. Nothing in it refers to anything outside
the file: styles and the small sorting script are inline, charts are inline SVG built in Python
(:mod:`.charts`), fonts are the reader's system fonts, and a Content-Security-Policy forbids every
fetch. Every text that comes from the plan is escaped with :func:`html.escape`.

Reading order: the headline (strategic gap, quota gap, sellers at high risk) and the riskiest
sellers with what to do; then the charts (bridge from top-down to accounts to quotas, risk bands,
coverage against quota, Pareto curves of the riskiest books, capacity against target); then the
sortable table of every seller and the strategic gaps by node.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.report import charts
from quotaplan.report.charts import Bar, Curve, Group, Note, Point, Rule, Series
from quotaplan.report.growth import (
    GrowthLead,
    accounts_to_add_text,
    ask_pct,
    exceeds_book,
    growth_lead,
    history_label,
)
from quotaplan.report.terminal import (
    RISK_BANDS,
    currency_of,
    headline,
    money,
    nodes_view,
    numbered_nodes,
    ratio_pct,
    remedy,
    risk_counts,
    sellers_view,
)

RISK_COLORS = {"high": "#d64545", "medium": "#e8a33d", "low": "#3f9c6d", "none": "#9aa5b1"}
TOPDOWN_COLOR = "#3b5b92"
ACCOUNTS_COLOR = "#7fb3d5"
QUOTAS_COLOR = "#f0a35e"
CAPACITY_COLOR = "#5aa58a"
PRIOR_COLOR = "#9aa5b1"
#: How many books get a Pareto curve, bridge groups and capacity rows at most.
PARETO_SELLERS = 12
BRIDGE_NODES = 8
CAPACITY_NODES = 14
#: Points kept per Pareto curve (the curve is sampled beyond this many accounts).
PARETO_POINTS = 120
#: Coverage drawn at most at this ratio in the scatter (points above sit on the edge).
COVERAGE_CAP = 2.0

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"

STYLE = """
:root { --fg:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#fff;
  --high:#d64545; --medium:#e8a33d; --low:#3f9c6d; --none:#9aa5b1; --accent:#3b5b92; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; background:var(--bg); color:var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 28px 28px 60px; }
header.top { display:flex; justify-content:space-between; align-items:baseline; flex-wrap:wrap;
  gap:8px; margin-bottom: 20px; }
h1 { font-size: 1.6rem; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h2 { font-size: 1.15rem; margin: 36px 0 6px; font-weight: 650; }
h3 { font-size: 0.95rem; margin: 0 0 2px; font-weight: 600; }
p.lead, .muted { color: var(--muted); }
p.lead { margin: 0 0 14px; max-width: 80ch; }
.meta { color: var(--muted); font-size: 0.9rem; }
nav.jump { font-size: 0.9rem; margin: 18px 0 0; color: var(--muted); }
nav.jump a { color: var(--accent); text-decoration: none; margin-right: 14px; }
nav.jump a:hover { text-decoration: underline; }
.headline { display:grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap:16px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:16px 20px; }
.big-card .label { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); font-weight: 600; }
.big { font-size: 2.3rem; font-weight: 700; line-height: 1.15; margin: 4px 0;
  font-variant-numeric: tabular-nums; letter-spacing: -0.02em; }
.big .unit { font-size: 1rem; font-weight: 500; color: var(--muted); margin-left: 4px; }
.big-card.bad { border-top: 4px solid var(--high); }
.big-card.ok { border-top: 4px solid var(--low); }
.big-card.warn { border-top: 4px solid var(--medium); }
.big-card .hint { font-size: 0.88rem; color: var(--muted); }
.figures { display:grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 10px;
  margin-top: 14px; }
.figure { background: var(--card); border:1px solid var(--line); border-radius: 8px; padding: 9px 14px; }
.figure .label { font-size: 0.8rem; color: var(--muted); }
.figure .value { font-weight: 600; font-variant-numeric: tabular-nums; }
.todo { margin-top: 16px; }
.todo ol { margin: 6px 0 0; padding-left: 1.3em; }
.todo li { margin: 4px 0; }
.todo .who { font-weight: 600; }
.grid2 { display:grid; grid-template-columns: minmax(0, 1fr) minmax(0, 2fr); gap: 16px; }
.chart-card { background: var(--card); border:1px solid var(--line); border-radius: 10px;
  padding: 14px 16px 10px; margin-top: 16px; }
.chart-card p { margin: 0 0 8px; font-size: 0.88rem; color: var(--muted); }
svg.chart { display:block; width:100%; height:auto;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
.chart-card { overflow-x: auto; }
svg.chart-bridge, svg.chart-capacity { min-width: 780px; }
svg.chart-scatter { min-width: 560px; }
svg.chart-risk { max-width: 480px; margin: 0 auto; }
.pareto-grid { display:grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
.pareto-cell { border:1px solid var(--line); border-radius: 8px; padding: 8px 10px 4px;
  display:flex; flex-direction: column; }
.pareto-cell svg { margin-top: auto; }
.pareto-cell .sub { font-size: 0.8rem; color: var(--muted); }
.table-wrap { overflow:auto; max-height: 640px; background: var(--card);
  border:1px solid var(--line); border-radius: 10px; margin-top: 10px; }
table { border-collapse: collapse; width: 100%; font-size: 0.84rem; }
th, td { padding: 6px 7px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { position: sticky; top: 0; background: #eef1f5; text-align: left; font-weight: 600; z-index: 1;
  white-space: normal; vertical-align: bottom; min-width: 4.2em; line-height: 1.25; }
td.risk, th.risk { text-align: center; }
th button { all: unset; cursor: pointer; }
th button:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort="ascending"] button::after { content: " ▲"; font-size: 0.7em; }
th[aria-sort="descending"] button::after { content: " ▼"; font-size: 0.7em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #f7f9fc; }
tr.risk-high td:first-child { box-shadow: inset 4px 0 var(--high); }
tr.risk-medium td:first-child { box-shadow: inset 4px 0 var(--medium); }
tr.risk-low td:first-child { box-shadow: inset 4px 0 var(--low); }
.pill { display:inline-block; padding: 0 8px; border-radius: 999px; font-size: 0.8rem;
  font-weight: 600; color:#fff; }
.pill.high { background: var(--high); } .pill.medium { background: var(--medium); }
.pill.low { background: var(--low); } .pill.none { background: var(--none); }
.neg { color: #2f7d55; } .pos { color: #b83232; }
.flag { color: #b83232; font-weight: 600; }
.growth-lead { border-top: 4px solid var(--accent); margin-bottom: 16px; display: grid;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 8px 28px; align-items: center; }
.growth-lead .label { font-size: 0.85rem; text-transform: uppercase; letter-spacing: 0.06em;
  color: var(--muted); font-weight: 600; }
.growth-lead .big { font-size: 2.8rem; }
.growth-lead .over { font-size: 1.05rem; color: var(--fg); }
.growth-lead .note { grid-column: 1 / -1; margin: 0; color: var(--muted); font-size: 0.92rem; }
.growth-bars { display: grid; grid-template-columns: max-content minmax(0, 1fr) max-content;
  gap: 6px 10px; align-items: center; font-size: 0.9rem; }
.growth-bars .bar { height: 18px; border-radius: 3px; }
.growth-bars .amount { font-variant-numeric: tabular-nums; font-weight: 600; }
.over-book { color: #b83232; font-weight: 600; }
code { font: 0.85em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #eef1f5; padding: 0 4px; border-radius: 4px; }
footer { margin-top: 40px; font-size: 0.85rem; color: var(--muted); max-width: 90ch; }
@media (max-width: 860px) { .headline, .grid2 { grid-template-columns: minmax(0, 1fr); } }
@media print { body { background:#fff; } .table-wrap { max-height:none; overflow:visible; } }
"""

SCRIPT = """
(function () {
  function key(cell) {
    var v = cell.getAttribute('data-v');
    return v === null || v === '' ? null : v;
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = th.querySelector('button');
      if (!button) { return; }
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var numeric = th.getAttribute('data-type') === 'num';
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = key(a.cells[index]), y = key(b.cells[index]);
          if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
          var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _units(cents: int | None) -> float:
    """Cents → currency units as a float, for drawing only."""
    return 0.0 if cents is None else cents / 100


def _gap_note(label: str, cents: int | None) -> Note:
    if cents is None:
        return Note(f"{label} —")
    sign = "+" if cents > 0 else ""
    return Note(f"{label} {sign}{charts.compact(cents / 100)}", "bad" if cents > 0 else "good")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def _display(name: str, ident: str) -> str:
    return name if name == ident else f"{name} ({ident})"


# --- headline -------------------------------------------------------------------------------

def _big_card(label: str, value: str, unit: str, hint: str, tone: str, key: str) -> str:
    unit_html = f'<span class="unit">{_e(unit)}</span>' if unit else ""
    return (f'<div class="card big-card {tone}" data-figure="{_e(key)}">'
            f'<div class="label">{_e(label)}</div><div class="big">{_e(value)}{unit_html}</div>'
            f'<div class="hint">{_e(hint)}</div></div>')


def _headline(result: BuildResult, sellers: pl.DataFrame) -> str:
    s = result.summary
    cur = currency_of(result)
    risks = risk_counts(result)
    total = sum(risks.values())
    topdown = s.get("topdown")
    strategic, quota_gap = s.get("strategic_gap"), s.get("quota_gap")

    def share(cents: int | None) -> str:
        if cents is None or not topdown:
            return "no top-down number at the root" if topdown is None else ""
        return f"{cents / topdown * 100:.1f} % of the top-down number"

    def tone(cents: int | None) -> str:
        return "" if cents is None else "bad" if cents > 0 else "ok"

    lead = growth_lead(result)
    strategic_hint = "Top-down − Σ account targets: what the accounts cannot support. "
    if lead.leads:
        strategic_hint = ("Top-down − Σ account targets: 0 by construction, since the targets are "
                          "a split of the top-down number" + (
                              "; overrides and bottom-up inputs make the difference. "
                              if strategic else ". "))
    cards = [
        _big_card("Strategic gap", format_cents_grouped(strategic), cur if strategic is not None
                  else "", strategic_hint + share(strategic), tone(strategic), "strategic_gap"),
        _big_card("Quota gap", format_cents_grouped(quota_gap), cur if quota_gap is not None
                  else "", "Top-down − Σ carriers' final quotas. " + share(quota_gap),
                  tone(quota_gap), "quota_gap"),
        _big_card("Sellers at high risk", f"{risks['high']}", f"of {total}",
                  f"{risks['medium']} more at medium risk; coverage below "
                  f"{ratio_pct(float(result.plan.settings.risk.high_below), 0)} is high risk.",
                  "bad" if risks["high"] else "warn" if risks["medium"] else "ok", "high_risk"),
    ]
    shown = {"strategic_gap", "quota_gap"} | ({"growth_ask", "prior_bookings"} if lead.leads
                                             else set())
    small = [f for f in headline(result) if f.key not in shown]
    figures = "".join(
        f'<div class="figure" title="{_e(f.hint)}" data-figure="{_e(f.key)}">'
        f'<div class="label">{_e(f.label)}</div><div class="value">{_e(f.value)}</div></div>'
        for f in small)
    at_risk = [r for r in sellers.head(5).rows(named=True)
               if r["risk"] in {"high", "medium"} and (r["gap"] or 0) > 0]
    if at_risk:
        items = "".join(
            f'<li><span class="pill {_e(r["risk"])}">{_e(r["risk"])}</span> '
            f'<span class="who">{_e(_display(r["seller_name"], r["seller_id"]))}</span>, '
            f'{_e(r["territory_name"])}: coverage {_e(ratio_pct(r["coverage"]))}, gap '
            f'{_e(money(r["gap"], cur))}{_e(_seller_ask(r))}. '
            f'<span class="muted">{_code_spans(_e(_sentence(remedy(r, cur))))}'
            "</span></li>"
            for r in at_risk)
        todo = (f'<div class="card todo"><h3>Riskiest sellers and what to do</h3>'
                f'<ol>{items}</ol></div>')
    else:
        todo = ('<div class="card todo"><h3>Riskiest sellers</h3><p class="muted">Every '
                "seller's book supports their quota.</p></div>")
    nav = ('<nav class="jump">Jump to: <a href="#charts">Charts</a>'
           f'<a href="#sellers">All sellers</a><a href="#nodes">{_e(_nodes_heading(lead))}</a>'
           "</nav>")
    return (f'<section class="headline">{"".join(cards)}</section>'
            f'<section class="figures">{figures}</section>{todo}{nav}')


# --- the growth ask -------------------------------------------------------------------------

def _growth_banner(result: BuildResult) -> str:
    """The growth ask first, when the targets are a split of the top-down number: the ratio, last
    year's bookings against the number as two bars, and why the stretch is against history."""
    lead = growth_lead(result)
    if not lead.leads:
        return ""
    cur = currency_of(result)
    history = history_label(result.plan)
    if lead.ask is None:
        value = "—"
        over = _sentence(lead.headline.removeprefix("Growth ask: — ").strip("()"))
    else:
        value = ask_pct(lead.ask)
        over = f"over {history}"
    bars = _growth_bars(lead, cur, history)
    return (f'<section class="card growth-lead" data-figure="growth_ask">'
            f'<div><div class="label">Growth ask</div>'
            f'<div class="big">{_e(value)}</div><div class="over">{_e(over)}</div></div>'
            f"{bars}"
            f'<p class="note">{_e(lead.note)}</p></section>')


def _growth_bars(lead: GrowthLead, currency: str, history: str) -> str:
    """Prior bookings and the top-down number as two bars on one scale (nothing to draw without
    both, or with a prior at or below 0)."""
    prior, topdown = lead.prior, lead.topdown
    if prior is None or topdown is None:
        return "<div></div>"
    largest = max(prior, topdown, 1)
    rows = []
    for label, cents, color in ((history[:1].upper() + history[1:], prior, PRIOR_COLOR),
                                ("Top-down number", topdown, TOPDOWN_COLOR)):
        width = max(0.0, cents / largest * 100)
        rows.append(f'<div>{_e(label)}</div><div><div class="bar" style="width:{width:.1f}%;'
                    f'background:{color}"></div></div>'
                    f'<div class="amount">{_e(money(cents, currency))}</div>')
    return f'<div class="growth-bars">{"".join(rows)}</div>'


def _code_spans(escaped: str) -> str:
    """Escaped text with its `command` spans set as code."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escaped)


def _seller_ask(row: dict[str, Any]) -> str:
    """", growth ask +12.0 %" for a seller with prior bookings above 0, else nothing."""
    ask = row.get("growth_ask")
    return "" if ask is None else f", growth ask {ask_pct(ask)}"


def _accounts_to_add_td(row: dict[str, Any]) -> str:
    """The accounts to add; more than the book holds is said so, and where to look instead."""
    add = row.get("accounts_to_add")
    if not exceeds_book(row):
        return _num_td(add, accounts_to_add_text(row))
    title = ("More accounts than the book holds: move accounts from other sellers "
             "(quotaplan optimize --goal fix-coverage)")
    return (f'<td class="num over-book" data-v="{_e(add)}" title="{_e(title)}">'
            f"{_e(accounts_to_add_text(row))}</td>")


def _bridge_history(result: BuildResult) -> str | None:
    """The bridge's first series, last year's bookings, when the growth ask leads."""
    return history_label(result.plan) if growth_lead(result).leads else None


def _nodes_heading(lead: GrowthLead) -> str:
    return "Growth ask and strategic gaps by node" if lead.leads else "Strategic gaps by node"


def _nodes_lead(result: BuildResult, lead: GrowthLead) -> str:
    order = "largest growth ask first" if lead.leads else "largest strategic gap first"
    text = (f"Numbered nodes first, {order}; the figures of nodes without a number of their own "
            "are roll-ups. Red: short of the top-down number.")
    if lead.leads:
        text += (" Strategic gaps are 0 by construction where the targets split the node's "
                 f"number; the growth ask compares the number with {history_label(result.plan)}.")
    return text


# --- charts ---------------------------------------------------------------------------------

def _bridge(result: BuildResult, nodes: pl.DataFrame) -> str:
    cur = currency_of(result)
    numbered = nodes.filter(pl.col("topdown").is_not_null()).sort(
        ["depth", "strategic_gap", "territory_id"], descending=[False, True, False],
        nulls_last=True)
    chosen = numbered.head(BRIDGE_NODES) if numbered.height else nodes.filter(
        pl.col("depth") == 0)
    groups = []
    history = _bridge_history(result)
    for r in chosen.rows(named=True):
        values: tuple[float | None, ...] = (
            None if r["topdown"] is None else _units(r["topdown"]),
            _units(r["account_target_sum"]), _units(r["quota_sum"]))
        label = r["territory_name"]
        tips: tuple[str, ...] = (f"{label}: top-down {money(r['topdown'], cur)}",
                f"{label}: Σ account targets {money(r['account_target_sum'], cur)}",
                f"{label}: Σ carriers' final quotas {money(r['quota_sum'], cur)}")
        notes = [_gap_note("strategic gap", r["strategic_gap"]),
                 _gap_note("quota gap", r["quota_gap"])]
        if history is not None:
            prior = r["prior_bookings"]
            values = (None if prior is None else _units(prior), *values)
            tips = (f"{label}: {history} {money(prior, cur)}", *tips)
            notes.insert(0, Note(f"growth ask {ask_pct(r['growth_ask'])}"))
        if r["pushed"]:
            notes.append(Note("⚠ quotas above accounts", "bad"))
        groups.append(Group(label, values, tips, tuple(notes)))
    series: tuple[Series, ...] = (
        Series("Top-down", TOPDOWN_COLOR), Series("Σ account targets", ACCOUNTS_COLOR),
        Series("Σ quotas", QUOTAS_COLOR))
    if history is not None:
        series = (Series(history[:1].upper() + history[1:], PRIOR_COLOR), *series)
    more = numbered.height - len(groups) if numbered.height else 0
    caption = ("Each numbered node's top-down number, what its accounts support, and what its "
               "carriers carry. Strategic gap = top-down − account targets (red: short); "
               "quota gap = top-down − quotas.")
    if history is not None:
        caption = (f"Each numbered node's {history}, its top-down number (the growth ask is the "
                   "step between them), what its accounts support and what its carriers carry. "
                   "Strategic gap = top-down − account targets (0 by construction when the "
                   "targets split the number); quota gap = top-down − quotas.")
    if not numbered.height:
        caption = "No node has a top-down number: the root's account targets and quotas."
    if more > 0:
        caption += f" {_plural(more, 'more numbered node')} in the table below."
    title = ("Bridge: top-down → account targets → quotas" if history is None
             else "Bridge: last year → top-down → account targets → quotas")
    svg = charts.grouped_bar_chart(groups, series, title=title, y_label=cur,
                                   css_class="chart-bridge")
    return _chart_card("bridge", title, caption, svg)


def _risk_bars(result: BuildResult) -> str:
    risks = risk_counts(result)
    total = sum(risks.values()) or 1
    label = {"high": "High", "medium": "Medium", "low": "Low", "none": "No quota"}
    bars = [Bar(label[b], float(risks[b]), RISK_COLORS[b],
                f"{label[b]} risk: {_plural(risks[b], 'seller')} ({risks[b] / total * 100:.0f} %)",
                str(risks[b])) for b in RISK_BANDS]
    svg = charts.bar_chart(bars, title="Sellers by risk band", y_label="sellers",
                           fmt=lambda v: f"{v:g}", css_class="chart-risk", integer=True,
                           height=340)
    r = result.plan.settings.risk
    caption = (f"High: coverage below {ratio_pct(float(r.high_below), 0)}; medium: below "
               f"{ratio_pct(float(r.medium_below), 0)}; low: at or above it.")
    return _chart_card("risk", "Sellers by risk band", caption, svg)


def _scatter(result: BuildResult, sellers: pl.DataFrame) -> str:
    cur = currency_of(result)
    plotted = sellers.filter(pl.col("coverage").is_not_null() & (pl.col("final_quota") > 0))
    covs = plotted.get_column("coverage").to_list()
    r = result.plan.settings.risk
    target, high = float(r.medium_below), float(r.high_below)
    y_max = max([target * 1.2, *[min(c, COVERAGE_CAP) for c in covs]])
    points = [
        Point(_units(row["final_quota"]), min(row["coverage"], COVERAGE_CAP),
              RISK_COLORS.get(row["risk"], RISK_COLORS["none"]),
              f"{_display(row['seller_name'], row['seller_id'])} — {row['territory_name']}: "
              f"quota {money(row['final_quota'], cur)}, book {money(row['book_target'], cur)}, "
              f"coverage {ratio_pct(row['coverage'])}, {row['risk']} risk",
              row["coverage"] > COVERAGE_CAP)
        for row in plotted.rows(named=True)
    ]
    rules = [Rule(target, f"target coverage {ratio_pct(target, 0)}", "#3f9c6d")]
    if high != target:
        rules.append(Rule(high, f"high risk below {ratio_pct(high, 0)}", "#d64545", below=True))
    legend = [Series(b, RISK_COLORS[b]) for b in ("high", "medium", "low")]
    svg = charts.scatter_chart(points, title="Coverage against quota, per seller",
                               x_label=f"final quota ({cur})", y_label="coverage",
                               rules=rules, legend=legend, y_max=y_max,
                               css_class="chart-scatter")
    left_out = sellers.height - plotted.height
    caption = ("Each dot is a seller: coverage = book target ÷ final quota. Dots below the green "
               "line have less book than quota; hover for names.")
    if left_out:
        caption += f" {_plural(left_out, 'seller')} with a zero quota not plotted."
    if any(p.clipped for p in points):
        caption += f" Coverage above {ratio_pct(COVERAGE_CAP, 0)} is drawn at the top edge."
    return _chart_card("scatter", "Coverage against quota", caption, svg)


def _pareto_curves(result: BuildResult, chosen: pl.DataFrame) -> dict[str, Curve]:
    """Cumulative share of each chosen book, largest target first, sampled to PARETO_POINTS."""
    ids = chosen.get_column("seller_id")
    targets = result.account_targets
    if not {"seller_id", "target", "account_id"} <= set(targets.columns):
        return {}
    books = (
        targets.filter(pl.col("seller_id").is_in(ids.implode()) & pl.col("target").is_not_null())
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


def _pareto(result: BuildResult, sellers: pl.DataFrame) -> str:
    chosen = sellers.head(PARETO_SELLERS)
    curves = _pareto_curves(result, chosen)
    cells = []
    for row in chosen.rows(named=True):
        base = curves.get(row["seller_id"], Curve((), (), 0, None, ""))
        name = _display(row["seller_name"], row["seller_id"])
        top80 = row["accounts_for_80pct"]
        summary = (f"80 % from {top80} of {_plural(base.total, 'account')}" if top80 is not None
                   else f"{_plural(base.total, 'account')}, no target")
        top1 = row["top1_share"]
        if top1 is not None:
            summary += f" · top one {ratio_pct(top1, 0)}"
        curve = Curve(base.xs, base.ys, base.total, top80, f"{name}: {summary}")
        svg = charts.pareto_chart(curve, title=f"Pareto curve of {name}'s book",
                                  color=RISK_COLORS.get(row["risk"], RISK_COLORS["none"]),
                                  css_class="pareto")
        cells.append(
            f'<div class="pareto-cell" data-seller="{_e(row["seller_id"])}">'
            f'<h3><span class="pill {_e(row["risk"])}">{_e(row["risk"])}</span> {_e(name)}</h3>'
            f'<div class="sub">coverage {_e(ratio_pct(row["coverage"]))} · {_e(summary)}</div>'
            f"{svg}</div>")
    caption = (f"The {len(cells)} riskiest books: cumulative share of the book target against the "
               "number of accounts, largest first. A steep start means a few accounts carry the "
               "book; the dashed line marks 80 %.")
    body = f'<div class="pareto-grid">{"".join(cells)}</div>' if cells else (
        '<p class="muted">No quota carriers.</p>')
    return (f'<section class="chart-card" id="pareto"><h3>Concentration of the riskiest books</h3>'
            f"<p>{_e(caption)}</p>{body}</section>")


def _capacity(result: BuildResult, nodes: pl.DataFrame) -> str:
    cur = currency_of(result)
    chosen = nodes.filter((pl.col("depth") <= 1) | pl.col("topdown").is_not_null()).head(
        CAPACITY_NODES)
    groups = []
    for r in chosen.rows(named=True):
        label = r["territory_name"]
        heads = r["headcount_to_close"]
        groups.append(Group(
            label,
            (None if r["topdown"] is None else _units(r["topdown"]),
             _units(r["account_target_sum"]),
             None if r["productive_capacity"] is None else _units(r["productive_capacity"])),
            (f"{label}: top-down {money(r['topdown'], cur)}",
             f"{label}: Σ account targets {money(r['account_target_sum'], cur)}",
             f"{label}: productive capacity {money(r['productive_capacity'], cur)}"),
            side=f"+{heads} hires" if heads else "",
        ))
    series = (Series("Top-down", TOPDOWN_COLOR), Series("Σ account targets", ACCOUNTS_COLOR),
              Series("Productive capacity", CAPACITY_COLOR))
    att = result.plan.settings.capacity.expected_attainment
    caption = (f"Productive capacity = Σ carriers' final quotas × expected attainment "
               f"({ratio_pct(float(att), 0)}), against each node's top-down number and account "
               "targets; red figures are the hires needed to close the node's strategic gap.")
    svg = charts.paired_hbar_chart(groups, series, title="Capacity against target, per node",
                                   x_label=cur, css_class="chart-capacity")
    return _chart_card("capacity", "Capacity against target", caption, svg)


def _chart_card(ident: str, title: str, caption: str, svg: str) -> str:
    return (f'<section class="chart-card" id="{_e(ident)}"><h3>{_e(title)}</h3>'
            f"<p>{_e(caption)}</p>{svg}</section>")


# --- tables ---------------------------------------------------------------------------------

def _th(label: str, kind: str = "text", css: str = "") -> str:
    """A sortable header; ``kind`` ``num`` sorts by number, ``text`` by text."""
    cls = css or ("num" if kind == "num" else "")
    attr = f' class="{cls}"' if cls else ""
    return f'<th{attr} data-type="{kind}"><button type="button">{_e(label)}</button></th>'


def _money_td(cents: int | None, *, signed: bool = False) -> str:
    cls = "num"
    if signed and cents:
        cls += " pos" if cents > 0 else " neg"
    value = "" if cents is None else str(cents)
    return f'<td class="{cls}" data-v="{value}">{_e(format_cents_grouped(cents))}</td>'


def _num_td(value: float | int | None, text: str) -> str:
    data = "" if value is None or (isinstance(value, float) and math.isnan(value)) else repr(value)
    return f'<td class="num" data-v="{_e(data)}">{_e(text)}</td>'


def _text_td(text: str, html: str | None = None) -> str:
    return f'<td data-v="{_e(text)}">{html if html is not None else _e(text)}</td>'


def _sellers_table(result: BuildResult, sellers: pl.DataFrame) -> str:
    cur = currency_of(result)
    has_ote = "quota_to_ote" in sellers.columns
    heads = [_th("Seller"), _th("Territory"), _th("Quota", "num"),
             _th("Book target", "num"), _th("Gap", "num"),
             _th("Coverage", "num"), _th("Risk", "num", "risk"), _th("Growth ask", "num"),
             _th("Accts to add", "num"),
             _th("Pipeline needed", "num"), _th("Quota at target coverage", "num"),
             _th("Accts for 80 %", "num"), _th("Top-1 share", "num")]
    if has_ote:
        heads.append(_th("Quota : OTE", "num"))
    rank = {band: i for i, band in enumerate(RISK_BANDS)}
    low, high = (float(v) for v in result.plan.settings.capacity.quota_to_ote)
    rows = []
    for r in sellers.rows(named=True):
        cells = [
            _text_td(r["seller_name"], f'{_e(r["seller_name"])}'
                     + (f' <span class="muted">{_e(r["seller_id"])}</span>'
                        if r["seller_name"] != r["seller_id"] else "")),
            _text_td(r["territory_name"]),
            _money_td(r["final_quota"]), _money_td(r["book_target"]),
            _money_td(r["gap"], signed=True),
            _num_td(r["coverage"], ratio_pct(r["coverage"])),
            f'<td class="risk" data-v="{rank.get(r["risk"], 3)}">'
            f'<span class="pill {_e(r["risk"])}">{_e(r["risk"])}</span></td>',
            _num_td(r["growth_ask"], ask_pct(r["growth_ask"])),
            _accounts_to_add_td(r),
            _money_td(r["pipeline_needed"]), _money_td(r["quota_at_target_coverage"]),
            _num_td(r["accounts_for_80pct"], "—" if r["accounts_for_80pct"] is None
                    else f"{r['accounts_for_80pct']:,}"),
            _num_td(r["top1_share"], ratio_pct(r["top1_share"])),
        ]
        if has_ote:
            q = r["quota_to_ote"]
            cell = _num_td(q, "—" if q is None else f"{q:.2f}")
            if q is not None and not low <= q <= high:
                cell = cell.replace('<td class="num"', f'<td class="num pos" title="outside the '
                                    f'healthy band {low:g}–{high:g}"', 1)
            cells.append(cell)
        rows.append(f'<tr class="risk-{_e(r["risk"])}" data-seller="{_e(r["seller_id"])}">'
                    f'{"".join(cells)}</tr>')
    return (f'<h2 id="sellers">All sellers ({sellers.height})</h2>'
            f'<p class="lead">Riskiest first (lowest coverage); amounts in {_e(cur)}. Click a '
            "column header to sort; click again to reverse.</p>"
            f'<div class="table-wrap"><table class="sortable" id="sellers-table">'
            f'<thead><tr>{"".join(heads)}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def _nodes_table(result: BuildResult, nodes: pl.DataFrame) -> str:
    cur = currency_of(result)
    lead = growth_lead(result)
    ordered = pl.concat([numbered_nodes(nodes, by_growth_ask=lead.leads),
                         nodes.filter(pl.col("topdown").is_null())])
    heads = [_th("Node"), _th("Depth", "num"), _th("Manager"), _th("Top-down", "num"),
             _th("Prior bookings", "num"), _th("Growth ask", "num"),
             _th("Account targets", "num"), _th("Quotas", "num"),
             _th("Manager quota", "num"), _th("Strategic gap", "num"),
             _th("Quota gap", "num"), _th("Attainment factor", "num"),
             _th("Productive capacity", "num"), _th("Uncovered target", "num"),
             _th("Hires to close", "num")]
    rows = []
    for r in ordered.rows(named=True):
        name = _display(r["territory_name"], r["territory_id"])
        flag = (' <span class="flag" title="quota gap below 0 while the strategic gap is above '
                'it: quotas were pushed above what the accounts support">⚠ quotas above '
                "accounts</span>") if r["pushed"] else ""
        factor = r["attainment_factor"]
        heads_needed = r["headcount_to_close"]
        rows.append(
            f'<tr data-node="{_e(r["territory_id"])}">'
            + _text_td(name, _e(name) + flag)
            + _num_td(r["depth"], "" if r["depth"] is None else str(r["depth"]))
            + _text_td(r["manager_name"] or "")
            + _money_td(r["topdown"]) + _money_td(r["prior_bookings"])
            + _num_td(r["growth_ask"], ask_pct(r["growth_ask"]))
            + _money_td(r["account_target_sum"])
            + _money_td(r["quota_sum"]) + _money_td(r["manager_quota"])
            + _money_td(r["strategic_gap"], signed=True) + _money_td(r["quota_gap"], signed=True)
            + _num_td(factor, "—" if factor is None else f"{factor:.3f}")
            + _money_td(r["productive_capacity"]) + _money_td(r["uncovered_target"])
            + _num_td(heads_needed, "—" if heads_needed is None else f"{heads_needed:,}")
            + "</tr>")
    return (f'<h2 id="nodes">{_e(_nodes_heading(lead))} ({nodes.height} nodes)</h2>'
            f'<p class="lead">{_e(_nodes_lead(result, lead))} Amounts in {_e(cur)}.</p>'
            f'<div class="table-wrap"><table class="sortable" id="nodes-table">'
            f'<thead><tr>{"".join(heads)}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def _footer(result: BuildResult) -> str:
    s = result.plan.settings
    lines: Sequence[str] = (
        "Coverage = book target ÷ final quota. Gap = final quota − book target. "
        "Accounts to add = gap ÷ the book's median account target, rounded up; pipeline needed = "
        f"gap × {s.capacity.pipeline_coverage}; quota at target coverage = book target ÷ "
        f"{s.risk.medium_below}.",
        f"Growth ask = final quota (or a node's top-down number) ÷ prior bookings − 1; prior "
        f"bookings are {history_label(result.plan)} of the accounts that carry targets (the "
        f"{s.targets.base_window_months} months before the plan year); no ratio where they are "
        "0 or below.",
        "Amounts are exact to the cent; charts round them for display.",
    )
    return "<footer>" + "".join(f"<p>{_e(line)}</p>" for line in lines) + "</footer>"


def render_html(result: BuildResult) -> str:
    """The whole report as one self-contained HTML document (UTF-8 text, no external reference)."""
    settings = result.plan.settings
    sellers = sellers_view(result)
    nodes = nodes_view(result)
    title = f"{settings.plan.name} — quota plan report"
    meta = (f"Fiscal year from {settings.plan.fiscal_year_start.isoformat()} · "
            f"{sellers.height} quota carriers · {nodes.height} territories · amounts in "
            f"{settings.plan.currency}")
    body = "".join([
        f'<header class="top"><h1>{_e(title)}</h1><div class="meta">{_e(meta)}</div></header>',
        _growth_banner(result),
        _headline(result, sellers),
        '<h2 id="charts">Where the plan stands</h2>',
        _bridge(result, nodes),
        f'<div class="grid2">{_risk_bars(result)}{_scatter(result, sellers)}</div>',
        _pareto(result, sellers),
        _capacity(result, nodes),
        _sellers_table(result, sellers),
        _nodes_table(result, nodes),
        _footer(result),
    ])
    parts: list[Any] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="generator" content="quotaplan">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>",
        f"<body><main>{body}</main><script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts)
