"""What a quota letter says, as data: one :class:`Letter` per quota carrier and per manager.

Pure (a build in, letters out); :mod:`.pdf` and :mod:`.page` render them. Amounts are cents.

- A **carrier**'s letter: their final quota and its periods (each with its ramp factor), the
  ledger that made it (base → over-assignment → adjustments → full-year → ramp → final, each line
  with its reason), the ramp, and the largest accounts of the book with their targets.
- A **manager**'s letter: the rolled-up quota of their node. Its periods split that quota in
  proportion to the period quotas of the carriers beneath the node (largest remainder on cents,
  so they sum exactly to it); the "how it was made" lines are the node's children (a carrier's
  final quota or a child node's rolled-up quota), their total and the hedge of the node's depth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core.ramp import add_months
from quotaplan.money import largest_remainder, round_half_away

#: Accounts of the book listed on a letter.
TOP_ACCOUNTS = 10
DRAFT = "draft — not yet published"


@dataclass(frozen=True)
class Version:
    """Which version of the plan a letter is of. ``label`` ``None``: a draft (published versions
    come with the plan store); ``effective``: the date the quotas take effect, when known."""

    label: str | None = None
    effective: date | None = None

    def text(self) -> str:
        return DRAFT if self.label is None else self.label


@dataclass(frozen=True)
class Line:
    """One step of how the quota was made: ``factor`` the step's multiplier (``None`` for amounts
    and totals), ``change`` the cents it changed, ``value`` the quota after it (cents);
    ``total``: a summary line (base, full-year, final, a team total)."""

    label: str
    factor: Decimal | Fraction | None
    change: int | None
    value: int | None
    reason: str
    total: bool = False


@dataclass(frozen=True)
class PeriodRow:
    """One period: ``label`` (Q1 or M1 …), dates inclusive, the ramp factor (carriers only) and
    the quota in cents."""

    label: str
    start: date
    end: date
    ramp: Fraction | None
    quota: int


@dataclass(frozen=True)
class AccountRow:
    rank: int
    account_id: str
    name: str | None
    target: int
    share: float | None


@dataclass(frozen=True)
class Letter:
    """A quota letter. ``kind``: ``"carrier"`` or ``"manager"``."""

    seller_id: str
    name: str
    role: str | None
    kind: str
    territory_id: str
    territory_name: str | None
    manager_id: str | None
    manager_name: str | None
    plan_name: str
    year_start: date
    year_end: date
    currency: str
    version: Version
    final_quota: int
    full_year_quota: int | None
    periods: tuple[PeriodRow, ...]
    lines: tuple[Line, ...]
    ramp: tuple[str, ...]
    accounts: tuple[AccountRow, ...]
    book_target: int | None
    book_accounts: int


def _text(value: object) -> str | None:
    return None if value is None or str(value) == "" else str(value)


def _period_label(period: str, index: int) -> str:
    return f"Q{index + 1}" if period == "quarter" else f"M{index + 1}"


class _Context:
    """Lookups shared by every letter of one build."""

    def __init__(self, result: BuildResult) -> None:
        self.result = result
        plan = result.plan
        self.settings = plan.settings
        self.sellers = {r["seller_id"]: r for r in plan.sellers.iter_rows(named=True)}
        self.territories = {r["territory_id"]: r for r in plan.territories.iter_rows(named=True)}
        rollup = result.rollup
        self.nodes = {r["territory_id"]: r for r in rollup.iter_rows(named=True)}
        self.children: dict[str, list[str]] = {}
        for r in rollup.iter_rows(named=True):
            if r["parent_id"] is not None:
                self.children.setdefault(r["parent_id"], []).append(r["territory_id"])
        carriers = result.hierarchy.carriers
        self.carrier_of = dict(zip(carriers.get_column("territory_id").to_list(),
                                   carriers.get_column("seller_id").to_list(), strict=True))
        self.managers: dict[str, str] = {
            r["territory_id"]: r["manager_id"] for r in rollup.iter_rows(named=True)
            if r["manager_id"] is not None}
        self.final = dict(zip(result.quotas.get_column("seller_id").to_list(),
                              result.quotas.get_column("final_quota").to_list(), strict=True))
        start = self.settings.plan.fiscal_year_start
        self.year_start = start
        self.year_end = add_months(start, 12) - timedelta(days=1)

    def manager_above(self, territory_id: str) -> str | None:
        """The manager of the nearest node above ``territory_id`` that has one."""
        node = self.territories.get(territory_id)
        parent = node["parent_id"] if node else None
        seen: set[str] = set()
        while parent is not None and parent not in seen:
            seen.add(parent)
            if parent in self.managers:
                return self.managers[parent]
            up = self.territories.get(parent)
            parent = up["parent_id"] if up else None
        return None

    def letter(self, seller_id: str, kind: str, version: Version, **content: Any) -> Letter:
        seller = self.sellers[seller_id]
        territory_id = seller["territory_id"]
        manager_id = self.manager_above(territory_id)
        manager = self.sellers.get(manager_id) if manager_id else None
        return Letter(
            seller_id=seller_id, name=_text(seller.get("name")) or seller_id,
            role=_text(seller.get("role")), kind=kind, territory_id=territory_id,
            territory_name=_text(self.territories.get(territory_id, {}).get("name")),
            manager_id=manager_id, manager_name=_text(manager.get("name")) if manager else None,
            plan_name=self.settings.plan.name, year_start=self.year_start,
            year_end=self.year_end, currency=self.settings.plan.currency, version=version,
            **content,
        )


def carrier_letter(ctx: _Context, seller_id: str, version: Version) -> Letter:
    result = ctx.result
    ledger = result.ledgers[seller_id]
    period = ctx.settings.plan.period
    # A published version after in-year changes carries its own periods (version N's before a
    # change's date, the change from it): the letter shows those, and the change as a line.
    published = (result.quota_periods.filter(pl.col("seller_id") == seller_id)
                 .sort("period_start").get_column("quota").to_list())
    changed = (len(published) == len(ledger.periods)
               and published != [p.quota for p in ledger.periods])
    final_quota = int(sum(published)) if changed else ledger.final_quota
    periods = tuple(PeriodRow(_period_label(period, i), p.start, p.end, p.ramp_factor,
                              int(published[i]) if changed else p.quota)
                    for i, p in enumerate(ledger.periods))
    lines = []
    for line in ledger.lines:
        if line.step == "final" and changed:
            lines.append(Line("In-year changes", None, final_quota - ledger.final_quota,
                              final_quota, "approved in-year changes of this version: periods "
                              "before a change's date stay as published, later ones carry it",
                              False))
        value = final_quota if line.step == "final" else round_half_away(line.value)
        summary = line.step in ("base", "full_year", "final")
        lines.append(Line(line.label, line.factor, None if summary else line.amount, value,
                          line.reason, summary))
    ramp_line = ledger.line("ramp")
    full_year = ledger.line("full_year").amount
    ramp = _ramp_text(ctx, seller_id, ramp_line.factor, periods)
    ramp.append(f"How the ramp was computed: {ramp_line.reason}.")
    book = (result.account_targets.filter(pl.col("territory_id") == ledger.territory_id)
            .select("account_id", "target").sort(["target", "account_id"],
                                                 descending=[True, False]))
    names = _account_names(result, book.head(TOP_ACCOUNTS).get_column("account_id").to_list())
    total = int(book.get_column("target").sum() or 0)
    accounts = tuple(
        AccountRow(rank, aid, names.get(aid), target,
                   target / total if total else None)
        for rank, (aid, target) in enumerate(book.head(TOP_ACCOUNTS).iter_rows(), start=1)
    )
    return ctx.letter(seller_id, "carrier", version, final_quota=final_quota,
                      full_year_quota=full_year, periods=periods, lines=tuple(lines),
                      ramp=tuple(ramp), accounts=accounts, book_target=total,
                      book_accounts=book.height)


def _ramp_text(ctx: _Context, seller_id: str, factor: Decimal | Fraction | None,
               periods: tuple[PeriodRow, ...]) -> list[str]:
    seller = ctx.sellers[seller_id]
    start = seller.get("hire_date")
    profile = _text(seller.get("ramp_profile")) or ctx.settings.ramp.default_profile
    vacant = seller.get("status") == "tbh"
    facts = []
    if isinstance(start, date):
        facts.append(f"{'planned start' if vacant else 'hired'} {start.isoformat()}")
    facts.append(f"ramp profile '{profile}'" if profile else "no ramp profile")
    end = seller.get("end_date")
    ends = False
    if isinstance(end, date) and end <= ctx.year_end:
        ends = True
        facts.append(f"end date {end.isoformat()}")
    kept = Fraction(factor) if factor is not None else Fraction(1)
    if kept == 1:
        summary = "You carry your full-year quota in every period: no ramp reduces it."
    else:
        why = "your ramp and your end date keep" if ends else "your ramp keeps"
        summary = (f"Over the year, {why} {float(kept) * 100:.2f} % of your full-year quota "
                   f"({_ramp_by_period(periods)}).")
    said = ", ".join(facts)
    lines = [f"{said[:1].upper()}{said[1:]}. {summary}"]
    if vacant:
        lines.append("This seat is vacant (to be hired): the quota is for whoever fills it from "
                     "the planned start.")
    return lines


def _ramp_by_period(periods: tuple[PeriodRow, ...]) -> str:
    """``Q1 25 %, Q2 92 %; 100 % from Q3`` (the periods at 100 % at the end told once)."""
    full = len(periods)
    while full > 0 and periods[full - 1].ramp == 1:
        full -= 1
    shown = [f"{p.label} {float(p.ramp or 0) * 100:.0f} %" for p in periods[:full]]
    if full < len(periods) and full > 0:
        return ", ".join(shown) + f"; 100 % from {periods[full].label}"
    return ", ".join(shown)


def _account_names(result: BuildResult, ids: list[str]) -> dict[str, str]:
    accounts = result.plan.accounts
    if "name" not in accounts.columns or not ids:
        return {}
    rows = accounts.filter(pl.col("account_id").is_in(ids)).select("account_id", "name")
    return {a: n for a, n in rows.iter_rows() if n is not None}


def manager_letter(ctx: _Context, seller_id: str, version: Version) -> Letter:
    node_id = ctx.sellers[seller_id]["territory_id"]
    node = ctx.nodes[node_id]
    quota = int(node["manager_quota"] or 0)
    lines: list[Line] = []
    team = 0
    for child in sorted(ctx.children.get(node_id, [])):
        row = ctx.nodes[child]
        name = _text(ctx.territories.get(child, {}).get("name"))
        where = f"{name} ({child})" if name else child
        if row["is_leaf"]:
            carrier = ctx.carrier_of.get(child)
            amount = int(ctx.final.get(carrier, 0) or 0) if carrier else 0
            who = _text(ctx.sellers[carrier].get("name")) if carrier else None
            reason = (f"final quota of {who or carrier} ({carrier})" if carrier
                      else "no quota carrier: the territory's accounts are uncovered")
        else:
            amount = int(row["manager_quota"] or 0)
            manager = ctx.managers.get(child)
            who = _text(ctx.sellers[manager].get("name")) if manager else None
            reason = "rolled-up quota of the team" + (
                f" managed by {who} ({manager})" if who else f" managed by {manager}"
                if manager else " (no manager)")
        team += amount
        lines.append(Line(where, None, None, amount, reason))
    lines.append(Line("Team total", None, None, team, "the sum of the lines above", total=True))
    hedge = Fraction(ctx.settings.quotas.hedge.get(int(node["depth"]), 0))
    lines.append(Line("Hedge", 1 - hedge, quota - team, quota,
                      f"hedge at depth {node['depth']}: {float(hedge) * 100:g} % kept back"
                      if hedge else "no hedge at this depth"))
    lines.append(Line("Your quota", None, None, quota, "the rolled-up quota of your node "
                      f"{node_id}, computed exactly and rounded once", total=True))
    periods = _manager_periods(ctx, node_id, quota)
    ramp = ("Your quota rolls up from your team's quotas: their ramps are in it, and no ramp of "
            "your own applies.",
            "The periods split your quota in proportion to your team's period quotas, to the "
            "cent.")
    return ctx.letter(seller_id, "manager", version, final_quota=quota, full_year_quota=None,
                      periods=periods, lines=tuple(lines), ramp=ramp, accounts=(),
                      book_target=None, book_accounts=0)


def _manager_periods(ctx: _Context, node_id: str, quota: int) -> tuple[PeriodRow, ...]:
    closure = ctx.result.hierarchy.closure
    leaves = closure.filter(pl.col("ancestor_id") == node_id).get_column("territory_id")
    carriers = [ctx.carrier_of[t] for t in leaves.to_list() if t in ctx.carrier_of]
    periods = (ctx.result.quota_periods.filter(pl.col("seller_id").is_in(carriers))
               .group_by("period_start", "period_end").agg(pl.col("quota").sum())
               .sort("period_start"))
    if periods.is_empty():
        return ()
    team = [int(q) for q in periods.get_column("quota").to_list()]
    starts = periods.get_column("period_start").to_list()
    weights = team if sum(team) > 0 and min(team) >= 0 else [1] * len(team)
    parts = largest_remainder(quota, weights, [s.isoformat() for s in starts])
    period = ctx.settings.plan.period
    return tuple(PeriodRow(_period_label(period, i), start, end, None, part)
                 for i, (start, end, part) in enumerate(
                     zip(starts, periods.get_column("period_end").to_list(), parts, strict=True)))


def build_letters(result: BuildResult, version: Version,
                  seller_id: str | None = None) -> list[Letter]:
    """Every carrier's and manager's letter (ordered by seller id), or only ``seller_id``'s.
    A seller who neither carries a quota nor manages a node gets none."""
    ctx = _Context(result)
    carriers = set(ctx.final)
    managers = set(ctx.managers.values())
    wanted = sorted(carriers | managers) if seller_id is None else [seller_id]
    letters = []
    for sid in wanted:
        if sid in carriers:
            letters.append(carrier_letter(ctx, sid, version))
        elif sid in managers:
            letters.append(manager_letter(ctx, sid, version))
    return letters


def letter_sellers(result: BuildResult) -> Mapping[str, str]:
    """seller_id → ``"carrier"`` or ``"manager"`` for everyone who gets a letter."""
    ctx = _Context(result)
    kinds = dict.fromkeys(ctx.managers.values(), "manager")
    kinds.update(dict.fromkeys(ctx.final, "carrier"))
    return kinds


__all__ = ["DRAFT", "Letter", "Line", "PeriodRow", "Version", "build_letters", "letter_sellers"]
