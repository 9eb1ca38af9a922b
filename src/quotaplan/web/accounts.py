"""The accounts page: search the accounts (id, name, territory), paged; override a target or move an
account, with the effect shown before anything is saved.

In a draft a change is simply a change to the plan (the whole year recomputed): the effect shows the
account's target and the two carriers' quota, coverage and risk before and after. On a published
scenario a move is an in-year change request from an effective date: the effect is the relief, what
approving it would publish as the next version (:func:`quotaplan.inyear.next_version` over the
published version's periods, exactly as approval computes it).

Searching is one Polars filter over the accounts' table (no per-row Python), so a million-account plan
pages as fast as a small one. A role that may not read the whole scenario (a manager) sees the
accounts of the territories it may read; a role that may read none gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

import polars as pl
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from quotaplan.build import BuildResult
from quotaplan.errors import NotFound, QuotaplanError, UsageError
from quotaplan.inyear import PERIODS_FILE, next_version, periods_from_csv
from quotaplan.report.terminal import currency_of, sellers_view
from quotaplan.store.access import require
from quotaplan.store.policy import Actor, Resource, can_read, decide, sees_plan
from quotaplan.web.auth import page_actor
from quotaplan.web.errors import WebError, from_exception
from quotaplan.web.render import page
from quotaplan.web.scenario import Workbench, open_scenario
from quotaplan.workspace import Opened
from quotaplan.workspace.access import resource_of
from quotaplan.workspace.loading import check_effective, parse_day

router = APIRouter()
PageActor = Annotated[Actor, Depends(page_actor)]
PAGE_SIZE = 50
ACCOUNTS = "/plans/{plan}/{scenario}/accounts"
KINDS = {"override": "target.override", "move": "account.move"}


def _base(plan: str, scenario: str) -> str:
    return f"/plans/{quote(plan, safe='')}/{quote(scenario, safe='')}/accounts"


def readable_territories(actor: Actor, opened: Opened) -> list[str] | None:
    """The territories whose accounts the actor may read: None for all of them (the whole scenario is
    readable), else those of their subtree (asked once per territory, never per account)."""
    status = opened.scenario.status
    if can_read(actor, Resource("scenario", opened.plan_name, status=status)):
        return None
    return [t for t, path in paths(opened).items()
            if can_read(actor, Resource("account", opened.plan_name, path, status=status))]


def paths(opened: Opened) -> dict[str, tuple[str, ...]]:
    """Every territory's path from the root (one pass over the tree, however large)."""
    frame = opened.plan.territories
    parents = dict(zip(frame.get_column("territory_id").to_list(), frame.get_column("parent_id").to_list(),
                       strict=True))
    found: dict[str, tuple[str, ...]] = {}

    def path(territory: str) -> tuple[str, ...]:
        chain: list[str] = []
        current: str | None = territory
        while current is not None and current not in found and current in parents and current not in chain:
            chain.append(current)
            current = parents[current]
        known = found.get(current, ()) if current is not None else ()
        for node in reversed(chain):
            known = (*known, node)
            found[node] = known
        return found.get(territory, ())

    for territory in parents:
        path(territory)
    return found


def _open(request: Request, actor: Actor, plan: str, scenario: str) -> tuple[Opened, list[str] | None]:
    if not sees_plan(actor, plan):
        raise NotFound("plan", plan)
    opened = open_scenario(request, actor, plan, scenario)
    allowed = readable_territories(actor, opened)
    if allowed is not None and not allowed:
        raise NotFound("accounts of scenario", scenario)
    return opened, allowed


def account_table(result: BuildResult, allowed: list[str] | None) -> pl.DataFrame:
    """Every account the actor may read: id, name, territory, target, carrier and their names."""
    table = result.account_targets.select("account_id", "territory_id", "target", "override_reason",
                                          "seller_id")
    if allowed is not None:
        table = table.filter(pl.col("territory_id").is_in(allowed))
    accounts = result.plan.accounts
    if "name" in accounts.columns:
        table = table.join(accounts.select("account_id", "name"), on="account_id", how="left")
    else:
        table = table.with_columns(pl.lit(None, pl.String).alias("name"))
    territories = result.plan.territories.select("territory_id", pl.col("name").alias("territory_name"))
    sellers = result.plan.sellers.select("seller_id", pl.col("name").alias("seller_name"))
    return (table.join(territories, on="territory_id", how="left")
            .join(sellers, on="seller_id", how="left"))


def search(table: pl.DataFrame, text: str) -> pl.DataFrame:
    """Accounts whose id, name or territory (id or name) contains ``text`` (any case)."""
    text = text.strip().lower()
    if not text:
        return table
    hits = [pl.col(c).fill_null("").str.to_lowercase().str.contains(text, literal=True)
            for c in ("account_id", "name", "territory_id", "territory_name")]
    return table.filter(pl.any_horizontal(hits))


@dataclass(frozen=True)
class ChangeForm:
    action: str = "override"
    target: str = ""
    territory_id: str = ""
    effective: str = ""
    reason: str = ""

    def kind(self) -> str:
        if self.action not in KINDS:
            raise UsageError("choose to override the target or to move the account")
        return KINDS[self.action]

    def payload(self, account_id: str) -> dict[str, str]:
        if self.kind() == "target.override":
            value = self.target.strip().replace(",", "")
            if not value:
                raise UsageError("give the new target, e.g. 250000.00")
            return {"account_id": account_id, "target": value}
        if not self.territory_id.strip():
            raise UsageError("choose the leaf territory the account moves to")
        return {"account_id": account_id, "territory_id": self.territory_id.strip()}


def _leaves(opened: Opened) -> list[dict[str, Any]]:
    territories = opened.plan.territories
    parents = territories.get_column("parent_id").drop_nulls().unique()
    carriers = opened.plan.sellers.group_by("territory_id").agg(pl.col("name").first().alias("carrier"))
    return (territories.filter(~pl.col("territory_id").is_in(parents.implode()))
            .join(carriers, on="territory_id", how="left")
            .select("territory_id", "name", "carrier").sort("territory_id").rows(named=True))


def _may(actor: Actor, opened: Opened, kind: str, account_id: str) -> bool:
    payload: dict[str, Any] = {"account_id": account_id}
    status = opened.scenario.status
    if status == "published":
        if kind != "account.move":
            return False
        payload = {"change": {"kind": kind, "payload": payload}}
        kind = "change.request"
    elif status != "draft":
        return False
    action, resource, _ = resource_of(actor, kind, payload, opened.plan, opened.plan_name, opened.scenario)
    return decide(actor, action, resource).allowed


def _carrier(result: BuildResult, seller: str | None) -> dict[str, Any]:
    if seller is None:
        return {}
    rows = sellers_view(result).filter(pl.col("seller_id") == seller).rows(named=True)
    return rows[0] if rows else {}


def _account(result: BuildResult, account_id: str) -> dict[str, Any]:
    rows = result.account_targets.filter(pl.col("account_id") == account_id).rows(named=True)
    return rows[0] if rows else {}


def draft_effect(before: BuildResult, after: BuildResult, account_id: str) -> dict[str, Any]:
    """The account's target and carrier, and each carrier's quota, coverage and risk, before and after."""
    was, now = _account(before, account_id), _account(after, account_id)
    carriers = list(dict.fromkeys(s for s in (was.get("seller_id"), now.get("seller_id")) if s))
    return {"mode": "draft", "was": was, "now": now,
            "carriers": [{"id": s, "before": _carrier(before, s), "after": _carrier(after, s)}
                         for s in carriers]}


def relief_effect(opened: Opened, new: BuildResult, previous: pl.DataFrame, payload: dict[str, str],
                  day: date) -> dict[str, Any]:
    """What approving the move would publish: each carrier's periods of the published version and of
    the next one, and the relief (what moves, to the cent)."""
    result = next_version(previous, "account.move", payload, day, new, before=opened.result)
    was, now = _account(opened.result, payload["account_id"]), _account(new, payload["account_id"])
    carriers = list(dict.fromkeys(s for s in (was.get("seller_id"), now.get("seller_id")) if s))
    rows = []
    for seller in carriers:
        old = previous.filter(pl.col("seller_id") == seller).sort("period_start")
        upd = result.quota_periods.filter(pl.col("seller_id") == seller).sort("period_start")
        old_q, new_q = old.get_column("quota").to_list(), upd.get_column("quota").to_list()
        rows.append({"id": seller, "name": _carrier(new, seller).get("seller_name") or seller,
                     "periods": list(zip(old.get_column("period_start").to_list(), old_q, new_q,
                                         strict=False)),
                     "before": sum(old_q), "after": sum(new_q),
                     "risk_before": _carrier(opened.result, seller).get("risk"),
                     "risk_after": _carrier(result, seller).get("risk")})
    moved = next((r["before"] - r["after"] for r in rows if r["id"] == was.get("seller_id")), None)
    return {"mode": "relief", "was": was, "now": now, "carriers": rows, "relief": moved,
            "uncovered": now.get("seller_id") is None, "effective": day}


def _render(request: Request, actor: Actor, opened: Opened, allowed: list[str] | None, *, q: str = "",
            page_no: int = 1, account: str | None = None, form: ChangeForm | None = None,
            status: int = 200, **extra: Any) -> HTMLResponse:
    table = search(account_table(opened.result, allowed), q).sort(
        ["target", "account_id"], descending=[True, False], nulls_last=True)
    pages = max(1, -(-table.height // PAGE_SIZE))
    page_no = min(max(page_no, 1), pages)
    rows = table.slice((page_no - 1) * PAGE_SIZE, PAGE_SIZE).rows(named=True)
    chosen = None
    if account is not None:
        found = account_table(opened.result, allowed).filter(pl.col("account_id") == account).rows(named=True)
        if not found:
            raise NotFound("account", account)
        chosen = found[0]
    base = _base(opened.plan_name, opened.scenario.name)
    query = {"q": q} if q else {}
    context: dict[str, Any] = {"effect": None, "error": None, "saved": None, **extra}
    return page(request, "accounts.html", status_code=status, plan=opened.plan_name,
                scenario=opened.scenario, plan_title=opened.plan.settings.plan.name,
                currency=currency_of(opened.result), rows=rows, total=table.height, q=q, page_no=page_no,
                pages=pages, base=base, query=query, urlencode=urlencode, chosen=chosen,
                form=form or ChangeForm(), leaves=_leaves(opened) if chosen else [],
                may_override=chosen is not None and _may(actor, opened, "target.override", account or ""),
                may_move=chosen is not None and _may(actor, opened, "account.move", account or ""),
                whole=allowed is None, seq=opened.seq, **context)


@router.get(ACCOUNTS, response_class=HTMLResponse, include_in_schema=False)
def accounts_page(request: Request, plan: str, scenario: str, actor: PageActor, q: str = "",
                  page: int = 1, account: str | None = None, saved: int | None = None) -> HTMLResponse:
    opened, allowed = _open(request, actor, plan, scenario)
    return _render(request, actor, opened, allowed, q=q[:200], page_no=page, account=account, saved=saved)


def _preview(request: Request, actor: Actor, opened: Opened, form: ChangeForm, account_id: str
             ) -> dict[str, Any]:
    bench: Workbench = request.app.state.bench
    plan, scenario = opened.plan_name, opened.scenario.name
    kind = form.kind()
    payload = form.payload(account_id)
    if opened.scenario.status == "published":
        if kind != "account.move":
            raise UsageError("a published scenario takes an account move as an in-year change request; "
                             "a target override is a change to a draft: fork the scenario to change it")
        day = parse_day(form.effective.strip(), "the effective date")
        check_effective(day, opened.plan)
        request_payload = {"change": {"kind": kind, "payload": payload}}
        require(actor, *resource_of(actor, "change.request", request_payload, opened.plan, plan,
                                    opened.scenario))
        with bench.lock:
            workspace = bench.as_actor(actor)
            _version, tables = workspace.version_tables(plan)
            _head, new = workspace.preview(plan, scenario, kind, payload, reason=form.reason or "preview")
        return relief_effect(opened, new, periods_from_csv(tables[PERIODS_FILE]), payload, day)
    require(actor, *resource_of(actor, kind, payload, opened.plan, plan, opened.scenario))
    with bench.lock:
        head, new = bench.as_actor(actor).preview(plan, scenario, kind, payload,
                                                  reason=form.reason or "preview")
    return draft_effect(head.result, new, account_id)


def _form(action: str, target: str, territory_id: str, effective: str, reason: str) -> ChangeForm:
    return ChangeForm(action=action, target=target, territory_id=territory_id, effective=effective,
                      reason=reason)


Action = Annotated[str, Form(max_length=10)]
Text = Annotated[str, Form(max_length=40)]
Reason = Annotated[str, Form(max_length=2000)]


@router.post(ACCOUNTS + "/{account_id}/preview", response_class=HTMLResponse, include_in_schema=False)
def preview(request: Request, plan: str, scenario: str, account_id: str, actor: PageActor,
            action: Action = "override", target: Text = "", territory_id: Text = "", effective: Text = "",
            reason: Reason = "", q: Annotated[str, Form(max_length=200)] = "") -> HTMLResponse:
    opened, allowed = _open(request, actor, plan, scenario)
    form = _form(action, target, territory_id, effective, reason)
    shown: dict[str, Any] = {}
    try:
        shown["effect"] = _preview(request, actor, opened, form, account_id)
    except QuotaplanError as exc:
        error = from_exception(exc)
        if error.status in (403, 404):
            raise
        shown["error"] = error
    return _render(request, actor, opened, allowed, q=q, account=account_id, form=form, **shown)


@router.post(ACCOUNTS + "/{account_id}/save", include_in_schema=False)
def save(request: Request, plan: str, scenario: str, account_id: str, actor: PageActor,
         action: Action = "override", target: Text = "", territory_id: Text = "", effective: Text = "",
         reason: Reason = "", q: Annotated[str, Form(max_length=200)] = "",
         based_on: Annotated[int | None, Form(ge=0)] = None) -> Response:
    opened, allowed = _open(request, actor, plan, scenario)
    form = _form(action, target, territory_id, effective, reason)
    bench: Workbench = request.app.state.bench
    try:
        kind, payload = form.kind(), form.payload(account_id)
        if not reason.strip():
            raise WebError(422, "say why: the reason is kept with the change", field="reason")
        with bench.lock:
            workspace = bench.as_actor(actor)
            if opened.scenario.status == "published":
                event = workspace.request_change(plan, scenario, kind, payload,
                                                 effective=form.effective.strip() or None,
                                                 reason=reason.strip(), based_on=based_on)
            else:
                event = workspace.change(plan, scenario, kind, payload, reason=reason.strip(),
                                         based_on=based_on)
    except (QuotaplanError, WebError) as exc:
        error = from_exception(exc)
        if error.status == 404:
            raise
        return _render(request, actor, opened, allowed, q=q, account=account_id, form=form,
                       status=error.status, error=error)
    query = urlencode({"account": account_id, "saved": event.seq, **({"q": q} if q else {})})
    return RedirectResponse(f"{_base(plan, scenario)}?{query}#change", status_code=303)
