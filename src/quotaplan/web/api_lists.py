"""The API's lists of a scenario: its sellers (filtered, sorted, paged), its accounts (searched,
paged) and the nodes of its hierarchy.

Each row is asked of the policy: someone who may read the whole scenario sees every row; a manager
the rows of their subtree; a seller their own quota and book. Someone who may read none of it gets
404, as for a scenario that does not exist. Columns are the output files' (``gap.csv`` with the
carrier's and territory's names for sellers, ``account_targets.csv`` with the account's name,
``rollup.csv`` with the territory's name for nodes).
"""

from __future__ import annotations

from typing import Annotated, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from quotaplan.errors import NotFound
from quotaplan.report.terminal import nodes_view, sellers_view
from quotaplan.store.access import require
from quotaplan.store.policy import Actor, Resource, can_read, sees_plan
from quotaplan.web.api import ERRORS
from quotaplan.web.api_rows import MAX_PER_PAGE, Paging, Value, page_of, rows_of
from quotaplan.web.auth import api_actor
from quotaplan.web.errors import WebError
from quotaplan.web.scenario import open_scenario
from quotaplan.web.views import descendants
from quotaplan.workspace import Opened
from quotaplan.workspace.access import territory_path

ActorDep = Annotated[Actor, Depends(api_actor)]
router = APIRouter(responses=ERRORS, tags=["lists"])
Text = Annotated[str, Query(max_length=200)]
PageNo = Annotated[int, Query(ge=1, le=1_000_000)]
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
RISK_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}


class SellersOut(BaseModel):
    plan: str
    scenario: str
    seq: int = Field(description="the state these rows are of")
    paging: Paging
    sellers: list[dict[str, Value]] = Field(description="gap.csv's columns per carrier, with "
                                                        "seller_name, territory_id and territory_name")


class AccountsOut(BaseModel):
    plan: str
    scenario: str
    seq: int
    paging: Paging
    accounts: list[dict[str, Value]] = Field(description="account_targets.csv's columns per account, "
                                                         "with account_name")


class NodesOut(BaseModel):
    plan: str
    scenario: str
    seq: int
    nodes: list[dict[str, Value]] = Field(description="rollup.csv's columns per node, with "
                                                      "territory_name")


def _opened(request: Request, actor: Actor, plan: str, scenario: str) -> tuple[Opened, bool]:
    """The scenario's head, and whether the actor may read all of it."""
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    opened = open_scenario(request, actor, plan, scenario)
    whole = can_read(actor, Resource("scenario", plan, status=opened.scenario.status))
    return opened, whole


def _paths(opened: Opened, territories: list[str]) -> dict[str, tuple[str, ...]]:
    """Each territory's path from the root (as :func:`territory_path`), the tree read once."""
    frame = opened.plan.territories
    parents = dict(zip(frame.get_column("territory_id").to_list(), frame.get_column("parent_id").to_list(),
                       strict=True))
    known: dict[str, tuple[str, ...]] = {}

    def path(territory: str) -> tuple[str, ...]:
        chain: list[str] = []
        current: str | None = territory
        while current is not None and current in parents and current not in known and current not in chain:
            chain.append(current)
            current = parents[current]
        found = known.get(current, ()) if current is not None else ()
        for node in reversed(chain):
            found = (*found, node)
            known[node] = found
        return known.get(territory, ())

    return {t: path(t) for t in territories}


def _readable_pairs(actor: Actor, opened: Opened, frame: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The rows whose (territory, seller) the policy lets the actor read as ``kind``."""
    pairs = frame.select("territory_id", "seller_id").unique()
    paths = _paths(opened, [t for t in pairs.get_column("territory_id").unique().to_list()
                            if t is not None])
    keep = [(t, s) for t, s in pairs.iter_rows()
            if can_read(actor, Resource(kind, opened.plan_name, paths.get(t, ()), seller=s,
                                        status=opened.scenario.status))]
    allowed = pl.DataFrame({"territory_id": [t for t, _ in keep], "seller_id": [s for _, s in keep]},
                           schema={"territory_id": pairs.schema["territory_id"],
                                   "seller_id": pairs.schema["seller_id"]})
    return frame.join(allowed, on=["territory_id", "seller_id"], how="semi", nulls_equal=True)


def _subtree(actor: Actor, opened: Opened, node: str) -> set[str]:
    """The node and the territories under it; 404 unless the actor may read the node."""
    path = territory_path(opened.plan, node)
    if not path or path[-1] != node:
        raise NotFound("territory", node)
    require(actor, "read", Resource("territory", opened.plan_name, path, status=opened.scenario.status),
            node)
    return descendants(nodes_view(opened.result), node)


def _contains(columns: tuple[str, ...], q: str) -> pl.Expr:
    needle = q.strip().lower()
    return pl.any_horizontal(pl.col(c).cast(pl.String).fill_null("").str.to_lowercase()
                             .str.contains(needle, literal=True) for c in columns)


def _sorted(frame: pl.DataFrame, sort: str, desc: bool, key: str) -> pl.DataFrame:
    if sort not in frame.columns:
        raise WebError(422, f"sort: {sort!r} is not a column; one of {', '.join(frame.columns)}",
                       field="sort")
    order = pl.col(sort).replace_strict(RISK_ORDER, default=9) if sort == "risk" else pl.col(sort)
    return frame.sort([order, pl.col(key)], descending=[desc, False], nulls_last=True)


@router.get("/plans/{plan}/scenarios/{scenario}/sellers", response_model=SellersOut)
def sellers(plan: str, scenario: str, actor: ActorDep, request: Request, q: Text = "",
            risk: Literal["", "high", "medium", "low", "none"] = "", node: Text = "",
            sort: Annotated[str, Query(max_length=40)] = "coverage", desc: bool = False,
            page: PageNo = 1, per_page: PerPage = 50) -> SellersOut:
    """The carriers the caller may read, filtered by text (id, name, territory), risk and node (its
    subtree), sorted by any column (riskiest first by default), a page at a time."""
    opened, whole = _opened(request, actor, plan, scenario)
    frame = sellers_view(opened.result)
    if not whole:
        frame = _readable_pairs(actor, opened, frame, "seller")
        if frame.is_empty():
            raise NotFound("scenario", scenario)
    if node:
        frame = frame.filter(pl.col("territory_id").is_in(sorted(_subtree(actor, opened, node))))
    if risk:
        frame = frame.filter(pl.col("risk") == risk)
    if q.strip():
        frame = frame.filter(_contains(("seller_id", "seller_name", "territory_id", "territory_name"), q))
    shown, paging = page_of(_sorted(frame, sort, desc, "seller_id"), page, per_page)
    return SellersOut(plan=plan, scenario=scenario, seq=opened.seq, paging=paging, sellers=rows_of(shown))


def _accounts(opened: Opened) -> pl.DataFrame:
    frame = opened.result.account_targets
    names = opened.plan.accounts
    if "name" in names.columns:
        frame = frame.join(names.select("account_id", pl.col("name").alias("account_name")),
                           on="account_id", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("account_name"))
    return frame


@router.get("/plans/{plan}/scenarios/{scenario}/accounts", response_model=AccountsOut)
def accounts(plan: str, scenario: str, actor: ActorDep, request: Request, q: Text = "",
             node: Text = "", seller: Text = "", sort: Annotated[str, Query(max_length=40)] = "target",
             desc: bool = True, page: PageNo = 1, per_page: PerPage = 50) -> AccountsOut:
    """Search the accounts the caller may read: by text (id, name), node (its subtree) and the
    carrier whose book holds them; by target, largest first, a page at a time."""
    opened, whole = _opened(request, actor, plan, scenario)
    frame = opened.result.account_targets
    if not whole:
        frame = _readable_pairs(actor, opened, frame, "account")
        if frame.is_empty():
            raise NotFound("scenario", scenario)
    if node:
        frame = frame.filter(pl.col("territory_id").is_in(sorted(_subtree(actor, opened, node))))
    if seller:
        frame = frame.filter(pl.col("seller_id") == seller)
    full = _accounts(opened) if q.strip() or sort == "account_name" else None
    if full is not None:
        frame = full.join(frame.select("account_id"), on="account_id", how="semi")
        if q.strip():
            frame = frame.filter(_contains(("account_id", "account_name"), q))
    shown, paging = page_of(_sorted(frame, sort, desc, "account_id"), page, per_page)
    if full is None:  # names only for the page shown: a million rows are not joined for 50
        shown = _accounts_named(opened, shown)
    return AccountsOut(plan=plan, scenario=scenario, seq=opened.seq, paging=paging,
                       accounts=rows_of(shown))


def _accounts_named(opened: Opened, shown: pl.DataFrame) -> pl.DataFrame:
    names = opened.plan.accounts
    if "name" not in names.columns:
        return shown.with_columns(pl.lit(None, pl.String).alias("account_name"))
    ids = shown.get_column("account_id")
    found = names.filter(pl.col("account_id").is_in(ids.to_list())).select(
        "account_id", pl.col("name").alias("account_name"))
    return shown.join(found, on="account_id", how="left", maintain_order="left")


@router.get("/plans/{plan}/scenarios/{scenario}/nodes", response_model=NodesOut)
def nodes(plan: str, scenario: str, actor: ActorDep, request: Request) -> NodesOut:
    """The nodes of the hierarchy the caller may read (a manager: their subtree), root first."""
    opened, whole = _opened(request, actor, plan, scenario)
    frame = nodes_view(opened.result)
    if not whole:
        paths = _paths(opened, frame.get_column("territory_id").to_list())
        keep = [t for t, p in paths.items()
                if can_read(actor, Resource("territory", plan, p, status=opened.scenario.status))]
        frame = frame.filter(pl.col("territory_id").is_in(keep))
        if frame.is_empty():
            raise NotFound("scenario", scenario)
    return NodesOut(plan=plan, scenario=scenario, seq=opened.seq, nodes=rows_of(frame))
