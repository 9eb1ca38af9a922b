"""What the overview and seller pages show, from an opened scenario: the figures the engine computed,
shaped for reading (the same figures and words as ``quotaplan report``), and the charts as SVG."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.report import charts
from quotaplan.report.charts import Bar, Group, Note, Series
from quotaplan.report.terminal import (
    RISK_BANDS,
    Figure,
    currency_of,
    headline,
    money,
    nodes_view,
    ratio_pct,
    remedy,
    risk_counts,
    sellers_view,
)
from quotaplan.store.journal import Event
from quotaplan.workspace import Opened
from quotaplan.workspace.provenance import Trace, provenance

RISK_COLORS = {"high": "#b83232", "medium": "#c77c0e", "low": "#2f7d55", "none": "#9aa5b1"}
SERIES = (Series("Top-down", "#3b5b92"), Series("Σ account targets", "#7fb3d5"),
          Series("Σ quotas", "#f0a35e"))
BRIDGE_NODES = 8
RISKIEST = 5
BOOK_ROWS = 25
TREE_DEPTH = 3
LEAD_KEYS = ("topdown", "street_quota", "quota_gap", "strategic_gap", "attainment_factor",
             "headcount_to_close")


@dataclass
class TreeNode:
    id: str
    name: str
    depth: int
    manager: str | None
    row: dict[str, Any]
    children: list[TreeNode] = field(default_factory=list)
    hidden: int = 0  # children below the tree's depth, on the node's own page


@dataclass(frozen=True)
class Overview:
    currency: str
    lead: list[Figure]
    more: list[Figure]
    risks: dict[str, int]
    riskiest: list[dict[str, Any]]
    bridge_svg: str
    risk_svg: str
    tree: list[TreeNode]
    seq: int
    events: int
    tones: dict[str, str]


def _units(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _gap_note(label: str, cents: int | None) -> Note:
    if cents is None:
        return Note(f"{label} —")
    return Note(f"{label} {'+' if cents > 0 else ''}{charts.compact(cents / 100)}",
                "bad" if cents > 0 else "good")


def _bridge(nodes: pl.DataFrame, cur: str) -> str:
    numbered = nodes.filter(pl.col("topdown").is_not_null()).sort(
        ["depth", "strategic_gap", "territory_id"], descending=[False, True, False], nulls_last=True)
    chosen = numbered.head(BRIDGE_NODES) if numbered.height else nodes.filter(pl.col("depth") == 0)
    groups = []
    for r in chosen.rows(named=True):
        name = r["territory_name"]
        groups.append(Group(name, (_units(r["topdown"]), _units(r["account_target_sum"]) or 0.0,
                                   _units(r["quota_sum"]) or 0.0),
                            (f"{name}: top-down {money(r['topdown'], cur)}",
                             f"{name}: Σ account targets {money(r['account_target_sum'], cur)}",
                             f"{name}: Σ carriers' final quotas {money(r['quota_sum'], cur)}"),
                            (_gap_note("strategic gap", r["strategic_gap"]),
                             _gap_note("quota gap", r["quota_gap"]))))
    return charts.grouped_bar_chart(groups, SERIES, title="Top-down → account targets → quotas",
                                    y_label=cur, css_class="chart-bridge", width=1180, height=400)


def _risk_chart(risks: dict[str, int]) -> str:
    total = sum(risks.values()) or 1
    label = {"high": "High", "medium": "Medium", "low": "Low", "none": "No quota"}
    bars = [Bar(label[b], float(risks[b]), RISK_COLORS[b],
                f"{label[b]} risk: {risks[b]} seller(s) ({risks[b] / total * 100:.0f} %)", str(risks[b]))
            for b in RISK_BANDS]
    return charts.bar_chart(bars, title="Sellers by risk band", y_label="sellers", fmt=lambda v: f"{v:g}",
                            css_class="chart-risk", integer=True, width=420, height=300)


def _tree(nodes: pl.DataFrame) -> list[TreeNode]:
    """The hierarchy down to ``TREE_DEPTH`` (a node's own page goes further: a plan of thousands of
    carriers stays a page a browser opens at once); ``hidden`` counts the children left out."""
    made: dict[str, TreeNode] = {}
    roots: list[TreeNode] = []
    for r in nodes.rows(named=True):  # by depth: a parent comes before its children
        parent = made.get(r["parent_id"]) if r["parent_id"] is not None else None
        if r["depth"] > TREE_DEPTH:
            if parent is not None:
                parent.hidden += 1
            continue
        node = TreeNode(r["territory_id"], r["territory_name"], r["depth"], r.get("manager_name"), r)
        made[node.id] = node
        (parent.children if parent is not None else roots).append(node)
    return roots


def overview(opened: Opened) -> Overview:
    result = opened.result
    cur = currency_of(result)
    figures = headline(result)
    by_key = {f.key: f for f in figures}
    sellers = sellers_view(result)
    riskiest = [dict(r, remedy=remedy(r, cur)) for r in sellers.head(RISKIEST).rows(named=True)
                if r["risk"] in ("high", "medium") and (r["gap"] or 0) > 0]
    nodes = nodes_view(result)
    risks = risk_counts(result)
    return Overview(
        currency=cur, lead=[by_key[k] for k in LEAD_KEYS if k in by_key],
        more=[f for f in figures if f.key not in LEAD_KEYS and f.key != "sellers_by_risk"],
        risks=risks, riskiest=riskiest, bridge_svg=_bridge(nodes, cur), risk_svg=_risk_chart(risks),
        tree=_tree(nodes), seq=opened.seq, events=len(opened.events),
        tones={k: _tone(result.summary.get(k)) for k in ("quota_gap", "strategic_gap")})


def _tone(gap: object) -> str:
    """A gap above zero is short (bad); at or below zero the number is covered."""
    if not isinstance(gap, int):
        return ""
    return "bad" if gap > 0 else "ok"


@dataclass(frozen=True)
class SellerView:
    currency: str
    row: dict[str, Any]              # sellers_view's row: gap, coverage, risk, names, …
    seller: dict[str, Any]           # sellers.csv's row
    verdict: str
    remedy: str
    ledger: list[dict[str, Any]]
    periods: list[dict[str, Any]]
    book: list[dict[str, Any]]
    book_more: int
    pareto_svg: str
    events: list[Event]
    traces: list[Trace]             # the change behind each ledger step, or "as loaded"


def _verdict(row: dict[str, Any], cur: str) -> str:
    coverage, risk = row.get("coverage"), row.get("risk")
    if row.get("final_quota") in (None, 0):
        return "No quota to carry this year."
    if coverage is None:
        return "No coverage figure: the book holds no target."
    words = {"high": "High risk", "medium": "Medium risk", "low": "Low risk"}.get(str(risk), "Risk unknown")
    return (f"{words}: the book's account targets ({money(row['book_target'], cur)}) cover "
            f"{ratio_pct(coverage, 0)} of the quota ({money(row['final_quota'], cur)}).")


def _pareto(book: pl.DataFrame, seller: str) -> str:
    if book.is_empty():
        return ""
    shares = [float(s or 0) for s in book.get_column("cumulative_share").to_list()]
    marker = next((i + 1 for i, s in enumerate(shares) if s >= 0.8), None)
    curve = charts.Curve(tuple(range(1, len(shares) + 1)), tuple(shares), len(shares), marker,
                         f"{seller}: {marker} of {len(shares)} accounts carry 80 % of the book"
                         if marker else f"{seller}'s book")
    return charts.pareto_chart(curve, title="How concentrated is the book?", color="#3b5b92",
                               css_class="chart-pareto", width=420, height=240)


def seller_view(opened: Opened, seller_id: str) -> SellerView:
    result = opened.result
    cur = currency_of(result)
    rows = sellers_view(result).filter(pl.col("seller_id") == seller_id).rows(named=True)
    row = rows[0] if rows else {"seller_id": seller_id, "seller_name": seller_id, "final_quota": None,
                                "book_target": None, "coverage": None, "risk": "none", "gap": None,
                                "territory_name": "", "territory_id": None}
    seller = opened.plan.sellers.filter(pl.col("seller_id") == seller_id).rows(named=True)
    ledger = result.ledgers.get(seller_id)
    lines = [] if ledger is None else [
        {"label": line.label, "factor": line.factor, "amount": line.amount, "reason": line.reason}
        for line in ledger.lines]
    periods = [] if ledger is None else [
        {"start": p.start, "end": p.end, "weight": p.weight, "quota": p.quota} for p in ledger.periods]
    book = (result.account_targets.filter(pl.col("seller_id") == seller_id)
            .sort(["target", "account_id"], descending=[True, False], nulls_last=True))
    names = opened.plan.accounts.select("account_id", "name") if "name" in opened.plan.accounts.columns \
        else None
    shown = book.head(BOOK_ROWS)
    if names is not None:
        shown = shown.join(names, on="account_id", how="left")
    events = [e for e in opened.events if e.payload.get("seller_id") == seller_id]
    return SellerView(
        currency=cur, row=row, seller=seller[0] if seller else {}, verdict=_verdict(row, cur),
        remedy=remedy(row, cur), ledger=lines, periods=periods, book=shown.rows(named=True),
        book_more=max(0, book.height - BOOK_ROWS), pareto_svg=_pareto(book, seller_id),
        events=list(reversed(events)),
        traces=[] if ledger is None else provenance(opened.state, opened.events,
                                                    result.account_targets, seller_id))


def period_label(start: date, end: date) -> str:
    return f"{start:%d %b} – {end:%d %b %Y}"


@dataclass(frozen=True)
class NodeView:
    currency: str
    row: dict[str, Any]             # nodes_view's row: the rollup's figures and names
    path: list[tuple[str, str]]     # (id, name) from the root down to the node's parent
    children: list[dict[str, Any]]
    carriers: list[dict[str, Any]]  # riskiest first
    carriers_more: int


def descendants(nodes: pl.DataFrame, node: str) -> set[str]:
    children: dict[str, list[str]] = {}
    for tid, parent in nodes.select("territory_id", "parent_id").iter_rows():
        if parent is not None:
            children.setdefault(parent, []).append(tid)
    found, todo = {node}, [node]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def node_view(opened: Opened, territory_id: str, path: tuple[str, ...], *, limit: int = 50) -> NodeView:
    result = opened.result
    cur = currency_of(result)
    nodes = nodes_view(result)
    rows = nodes.filter(pl.col("territory_id") == territory_id).rows(named=True)
    names = dict(nodes.select("territory_id", "territory_name").iter_rows())
    subtree = descendants(nodes, territory_id)
    carriers = sellers_view(result).filter(pl.col("territory_id").is_in(sorted(subtree)))
    return NodeView(
        currency=cur, row=rows[0] if rows else {"territory_id": territory_id, "territory_name": territory_id},
        path=[(t, names.get(t, t)) for t in path[:-1]],
        children=nodes.filter(pl.col("parent_id") == territory_id).sort("territory_id").rows(named=True),
        carriers=[dict(r, remedy=remedy(r, cur)) for r in carriers.head(limit).rows(named=True)],
        carriers_more=max(0, carriers.height - limit))


def node_value(result: BuildResult, territory: str, column: str) -> Any:
    """One figure of one node of the roll-up (None when the node or the column is absent)."""
    if column not in result.rollup.columns:
        return None
    found = result.rollup.filter(pl.col("territory_id") == territory).get_column(column)
    return None if found.is_empty() else found[0]


def node_name(result: BuildResult, territory: str) -> str:
    found = result.plan.territories.filter(pl.col("territory_id") == territory)
    if found.is_empty() or "name" not in found.columns:
        return territory
    return str(found.get_column("name")[0] or territory)
