"""The sellers page: one row per carrier, sortable by any column, filtered by node, risk and text, paged.

A plain GET form and plain links (it works without JavaScript); the address holds the whole view, so it
can be shared. Someone who may read the whole scenario sees every carrier; a manager sees the carriers
of their subtree (each row is asked of the policy); someone who may read none gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from quotaplan.errors import NotFound
from quotaplan.report.terminal import currency_of, nodes_view, remedy, sellers_view
from quotaplan.store.policy import Actor, Resource, can_read, sees_plan
from quotaplan.web.auth import page_actor
from quotaplan.web.render import page
from quotaplan.web.scenario import open_scenario
from quotaplan.web.views import descendants
from quotaplan.workspace.access import territory_path

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
PAGE_SIZE = 50
RISKS = ("high", "medium", "low", "none")
#: (key, heading, numeric?) — the sortable columns, in the table's order.
COLUMNS = (
    ("seller_name", "Seller", False), ("territory_name", "Territory", False),
    ("final_quota", "Final quota", True), ("book_target", "Book target", True),
    ("coverage", "Coverage", True), ("risk", "Risk", False), ("quota_to_ote", "Quota : OTE", True),
    ("top3_share", "Top-3 share", True),
)
SORTABLE = {key for key, _h, _n in COLUMNS}
RISK_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}


@dataclass(frozen=True)
class Listing:
    rows: list[dict[str, Any]]
    total: int          # rows after the filters
    carriers: int       # rows the actor may see at all
    page: int
    pages: int


def _visible(frame: pl.DataFrame, actor: Actor, plan: str, status: str, opened_plan: Any) -> pl.DataFrame:
    if can_read(actor, Resource("scenario", plan, status=status)):
        return frame
    keep = [sid for sid, tid in frame.select("seller_id", "territory_id").iter_rows()
            if can_read(actor, Resource("seller", plan, territory_path(opened_plan, tid), seller=sid,
                                        status=status))]
    return frame.filter(pl.col("seller_id").is_in(keep))


def listing(frame: pl.DataFrame, nodes: pl.DataFrame, *, q: str, risk: str, node: str, sort: str,
            desc: bool, page_no: int) -> Listing:
    carriers = frame.height
    if node:
        frame = frame.filter(pl.col("territory_id").is_in(sorted(descendants(nodes, node))))
    if risk in RISKS:
        frame = frame.filter(pl.col("risk") == risk)
    if q.strip():
        needle = q.strip().lower()
        frame = frame.filter(pl.any_horizontal(
            pl.col(c).cast(pl.String).fill_null("").str.to_lowercase().str.contains(needle, literal=True)
            for c in ("seller_id", "seller_name", "territory_id", "territory_name")))
    key = sort if sort in SORTABLE else "coverage"
    order = pl.col(key).replace_strict(RISK_ORDER, default=9) if key == "risk" else pl.col(key)
    frame = frame.sort([order, pl.col("seller_id")], descending=[desc, False], nulls_last=True)
    pages = max(1, -(-frame.height // PAGE_SIZE))
    page_no = min(max(page_no, 1), pages)
    shown = frame.slice((page_no - 1) * PAGE_SIZE, PAGE_SIZE).rows(named=True)
    return Listing(shown, frame.height, carriers, page_no, pages)


@router.get("/plans/{plan}/{scenario}/sellers", response_class=HTMLResponse, include_in_schema=False)
def sellers_page(request: Request, plan: str, scenario: str, actor: PageActor,
                 q: Annotated[str, Query(max_length=200)] = "",
                 risk: Annotated[str, Query(max_length=10)] = "",
                 node: Annotated[str, Query(max_length=200)] = "",
                 sort: Annotated[str, Query(max_length=40)] = "coverage",
                 desc: Annotated[int, Query(ge=0, le=1)] = 0,
                 page_no: Annotated[int, Query(alias="page", ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    opened = open_scenario(request, actor, plan, scenario)
    status = opened.scenario.status
    frame = _visible(sellers_view(opened.result), actor, plan, status, opened.plan)
    if frame.is_empty():
        raise NotFound("scenario", scenario)
    nodes = nodes_view(opened.result)
    if node and node not in set(nodes.get_column("territory_id").to_list()):
        node = ""
    found = listing(frame, nodes, q=q, risk=risk, node=node, sort=sort, desc=bool(desc), page_no=page_no)
    cur = currency_of(opened.result)
    rows = [dict(r, remedy=remedy(r, cur)) for r in found.rows]
    here = {"q": q, "risk": risk, "node": node, "sort": sort if sort in SORTABLE else "coverage",
            "desc": desc}
    base = f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}"

    def link(**change: Any) -> str:
        params = {k: v for k, v in {**here, **change}.items() if v not in ("", None)}
        return f"{base}/sellers?{urlencode(params)}"

    readable_nodes = [(t, name, depth) for t, name, depth in
                      nodes.filter(pl.col("depth") <= 3).select("territory_id", "territory_name", "depth")
                      .iter_rows()
                      if can_read(actor, Resource("territory", plan, territory_path(opened.plan, t),
                                                  status=status))][:300]
    return page(request, "sellers.html", plan=plan, scenario=opened.scenario, base=base, rows=rows,
                found=found, here=here, columns=COLUMNS, link=link, nodes=readable_nodes, risks=RISKS,
                currency=cur, overview_readable=can_read(actor, Resource("scenario", plan, status=status)),
                plan_title=opened.plan.settings.plan.name)
