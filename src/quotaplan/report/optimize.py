"""The terminal view of ``quotaplan optimize``: the headline before and after, then the proposals.

Amounts with thousands separators, coverage as percentages. Proposals are never applied: the
view says so first.
"""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.core.optimize import Optimisation
from quotaplan.money import format_cents_grouped

GOAL_TITLES = {
    "balance-quotas": "Balance quotas: re-split each numbered node's quotas toward its coverage",
    "fix-coverage": "Fix coverage: account moves between sibling carriers for high-risk carriers",
}


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _headline_table(headline: dict[str, Any]) -> Table:
    before, after = headline["before"], headline["after"]
    table = Table(title="Before and after", title_justify="left")
    table.add_column("")
    table.add_column("before", justify="right")
    table.add_column("after", justify="right")
    labels = {"high": "High risk (sellers)", "medium": "Medium risk", "low": "Low risk",
              "none": "No quota"}
    for key, label in labels.items():
        table.add_row(label, str(before["sellers_by_risk"][key]),
                      str(after["sellers_by_risk"][key]))
    table.add_row("Lowest coverage", _percent(before["min_coverage"]),
                  _percent(after["min_coverage"]))
    if headline["goal"] == "balance-quotas":
        table.add_row("Largest gap to the node's coverage",
                      _percent(headline["largest_deviation_before"]),
                      _percent(headline["largest_deviation_after"]))
    table.add_row("Σ final quotas", format_cents_grouped(before["street_quota"]),
                  format_cents_grouped(after["street_quota"]))
    return table


#: What each goal's objectives are, in order, for the gaps to optimal.
OBJECTIVES = {
    "balance-quotas": ("largest deviation", "total deviation"),
    "fix-coverage": ("most fixed, fewest moves", "least target moved"),
}


def _gaps(headline: dict[str, Any]) -> str:
    solver = headline["solver"]
    names = OBJECTIVES[headline["goal"]]
    parts = [f"{'unknown' if g is None else f'{g:.2%}'} ({name})"
             for g, name in zip(solver.get("gaps", []), names, strict=False)]
    return ", ".join(parts) if parts else "—"


def _summary_line(headline: dict[str, Any]) -> Text:
    solver = headline["solver"]
    if headline["goal"] == "balance-quotas":
        what = f"{headline['changes']} quota(s) changed in {headline['nodes']} node(s)"
    else:
        what = (f"{headline['moves']} account move(s) ({format_cents_grouped(headline['target_moved'])}"
                f" of target); {headline['fixed']} of {headline['high_risk_before']} high-risk "
                "carrier(s) brought to target coverage")
    unsolved = solver.get("unsolved", 0)
    cut = (f" {unsolved} of them ran out of time with no answer: their carriers get no "
           "proposals (raise --time-limit)." if unsolved else "")
    return Text(f"{what}. Solver: {solver['status']}, {solver['seconds']:.2f} s, "
                f"{solver['programs']} program(s); gap to optimal: {_gaps(headline)}.{cut}")


def _proposals_table(optimisation: Optimisation, top: int) -> Table:
    rows = optimisation.proposals.head(top)
    title = f"Proposals ({min(top, optimisation.proposals.height)} of {optimisation.proposals.height})"
    table = Table(title=title, title_justify="left")
    if optimisation.goal == "balance-quotas":
        for name in ("node", "seller", "quota before", "quota after", "coverage before",
                     "coverage after"):
            table.add_column(name, justify="left" if name in ("node", "seller") else "right")
        for r in rows.iter_rows(named=True):
            table.add_row(r["node"], r["seller_id"], format_cents_grouped(r["quota_before"]),
                          format_cents_grouped(r["quota_after"]), _percent(r["coverage_before"]),
                          _percent(r["coverage_after"]))
        return table
    for name in ("account", "target", "from", "to", "to: coverage", "from: coverage"):
        table.add_column(name, justify="right" if name == "target" else "left")
    for r in rows.iter_rows(named=True):
        table.add_row(r["account_id"], format_cents_grouped(r["target"]), r["from_seller"],
                      r["to_seller"],
                      f"{_percent(r['coverage_before'])} → {_percent(r['coverage_after'])}",
                      f"{_percent(r['from_coverage_before'])} → "
                      f"{_percent(r['from_coverage_after'])}")
    return table


def render_optimisation(optimisation: Optimisation, top: int = 15) -> list[RenderableType]:
    """Rich renderables: title, a note that nothing was changed, the headline, the proposals."""
    headline = optimisation.headline
    items: list[RenderableType] = [
        Text(GOAL_TITLES[optimisation.goal], style="bold"),
        Text("Proposals only: the plan is not changed.", style="dim"),
        _headline_table(headline),
        _summary_line(headline),
    ]
    if not optimisation.proposals.height:
        items.append(Text("Nothing to propose."))
    elif top:
        items.append(_proposals_table(optimisation, top))
    return items
