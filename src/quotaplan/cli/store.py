"""Commands on stored plans: load, scenarios, the changes of a draft, and the journal.

Thin: parse, call :class:`quotaplan.workspace.Workspace` (which opens the store, finds the actor,
asks the policy and checks every change before it is appended), print. Every change prints what it
did to the figures (the seller's final quota and risk before → after), so a planner sees the
effect at once; ``quotaplan log`` shows who changed what, when and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.table import Table

from quotaplan.cli.common import AsOpt, DbOpt, err, guarded, out, print_problems
from quotaplan.money import format_cents_grouped
from quotaplan.store.journal import Event
from quotaplan.workspace import Opened, Workspace
from quotaplan.workspace.provenance import payload_text

StoredPlanArg = Annotated[str, typer.Argument(help="The stored plan's name (`quotaplan plans`).")]
ScenarioOpt = Annotated[str, typer.Option(
    "--scenario", help="The scenario (default: baseline).")]
ReasonOpt = Annotated[str, typer.Option(
    "--reason", help="Why: kept with the change in the journal (required).")]
BasedOnOpt = Annotated[int | None, typer.Option(
    "--based-on", help="The scenario seq this change was prepared against (default: the head when "
    "the command starts); a change since then to the same object is refused as a conflict.")]
EffectiveOpt = Annotated[str | None, typer.Option(
    "--effective", help="YYYY-MM-DD: from when an in-year change applies (required once the "
    "scenario is published; then the change is a request for review).")]


def _sub(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True, add_completion=False,
                       pretty_exceptions_enable=False, rich_markup_mode=None)


scenario_app = _sub("Scenarios of a stored plan: fork one, list them.")


def load(
    folder: Annotated[Path, typer.Argument(help="The plan folder to load.")],
    name: Annotated[str, typer.Option("--name", help="The name of the plan in the store.")],
    db: DbOpt = None,
    as_user: AsOpt = None,
) -> None:
    """Validate a plan folder and store it (files exact) with its baseline scenario."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            stored, warnings = ws.load(folder, name)
            if warnings:
                print_problems(warnings, err)
            opened = ws.open(name)
        plan = opened.plan
        out.print(f"Loaded {folder} as plan {stored.name}: {plan.accounts.height:,} accounts, "
                  f"{plan.sellers.height:,} sellers, {plan.bookings.height:,} bookings; scenario "
                  "baseline at seq 0", markup=False)

    guarded(run)


@scenario_app.command("fork")
def scenario_fork(plan: StoredPlanArg,
                  source: Annotated[str, typer.Argument(help="The scenario to start from.")],
                  new: Annotated[str, typer.Argument(help="The new scenario's name.")],
                  db: DbOpt = None, as_user: AsOpt = None) -> None:
    """Start a scenario from another one's current state (copies nothing)."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            made = ws.fork(plan, source, new)
        out.print(f"Scenario {made.name} of plan {plan} starts from {source} at seq {made.fork_seq}",
                  markup=False)

    guarded(run)


@scenario_app.command("list")
def scenario_list(plan: StoredPlanArg, db: DbOpt = None, as_user: AsOpt = None) -> None:
    """The plan's scenarios: status, where each started, its head seq."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            rows = [(s, ws.head(plan, s.name)) for s in ws.scenarios(plan)]
            names = {s.id: s.name for s, _ in rows}
        table = Table("scenario", "status", "forked from", "head seq", box=None)
        for s, head in rows:
            origin = f"{names.get(s.parent_id, '?')} at seq {s.fork_seq}" if s.parent_id else "(loaded)"
            table.add_row(s.name, s.status, origin, str(head))
        out.print(table)

    guarded(run)


def _change(db: str | None, as_user: str | None, plan: str, scenario: str, kind: str,
            payload: Mapping[str, Any], reason: str, based_on: int | None,
            effective: str | None = None, seller: str | None = None) -> None:
    """Append one change (or, on a published scenario, file it as an in-year request) and say
    what it did."""
    with Workspace(db, as_user=as_user) as ws:
        before = ws.open(plan, scenario)
        if before.scenario.status == "published":
            event = ws.request_change(plan, scenario, kind, dict(payload), effective=effective,
                                      reason=reason, based_on=based_on)
            out.print(f"seq {event.seq}: in-year change request {event.seq} filed ({kind}, "
                      f"effective {effective}); a reviewer approves it with `quotaplan change "
                      f"approve {plan} {event.seq}`", markup=False)
            return
        event = ws.change(plan, scenario, kind, dict(payload), reason=reason, based_on=based_on)
        after = ws.open(plan, scenario)
    out.print(f"seq {event.seq}: {kind} {_what(event)} — {reason}", markup=False)
    for line in effect_lines(before, after, seller):
        out.print(line, markup=False)


def effect_lines(before: Opened, after: Opened, seller: str | None) -> list[str]:
    """What a change did: the named seller's quota and risk, the carriers whose quota changed."""
    old = before.result.gap.select("seller_id", "final_quota", "risk")
    new = after.result.gap.select("seller_id", "final_quota", "risk")
    both = old.join(new, on="seller_id", how="full", suffix="_after", coalesce=True)
    moved = both.filter((pl.col("final_quota") != pl.col("final_quota_after"))
                        | (pl.col("risk") != pl.col("risk_after"))
                        | pl.col("final_quota").is_null() | pl.col("final_quota_after").is_null())
    lines = []
    shown = moved.filter(pl.col("seller_id") == seller) if seller else moved.head(0)
    for row in [*shown.iter_rows(named=True),
                *moved.filter(pl.col("seller_id") != (seller or "")).head(5).iter_rows(named=True)]:
        lines.append(f"  {row['seller_id']}: final quota {_money(row['final_quota'])} → "
                     f"{_money(row['final_quota_after'])}; risk {row['risk'] or '—'} → "
                     f"{row['risk_after'] or '—'}")
    rest = moved.height - len(lines)
    if rest > 0:
        lines.append(f"  … and {rest} more carriers (`quotaplan compare` lists every one)")
    if not lines:
        lines.append("  no carrier's final quota or risk changed")
    return lines


def _money(cents: int | None) -> str:
    return "—" if cents is None else format_cents_grouped(cents)


def _what(event: Event) -> str:
    """An event's payload as a reader scans it: ``seller_id=S01, rate=0.05``; an in-year request
    as its change and date."""
    payload = event.payload
    inner = payload.get("change")
    if event.kind == "change.request" and isinstance(inner, dict):
        body = payload_text(inner.get("payload", {}), leave_out=("effective",))
        return f"{inner.get('kind')} {body} from {payload.get('effective')}"
    return payload_text(payload)


def adjust(
    plan: StoredPlanArg,
    seller: Annotated[str, typer.Argument(help="The quota carrier's seller_id.")],
    reason: ReasonOpt,
    rate: Annotated[str | None, typer.Option("--rate", help="A rate of the quota: 0.05 = +5 %.")] = None,
    amount: Annotated[str | None, typer.Option("--amount", help="An amount: 12500.00.")] = None,
    scenario: ScenarioOpt = "baseline", based_on: BasedOnOpt = None, effective: EffectiveOpt = None,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Add a manual adjustment (a rate or an amount) to a carrier's quota."""
    def run() -> None:
        from quotaplan.errors import UsageError

        if (rate is None) == (amount is None):
            raise UsageError("give exactly one of --rate R or --amount A")
        payload = {"seller_id": seller, **({"rate": rate} if rate is not None else {"amount": amount})}
        _change(db, as_user, plan, scenario, "adjustment.add", payload, reason, based_on, effective,
                seller)

    guarded(run)


def override(
    plan: StoredPlanArg,
    account: Annotated[str, typer.Argument(help="The account_id.")],
    target: Annotated[str, typer.Argument(help="The account's new target, e.g. 40000.00.")],
    reason: ReasonOpt,
    scenario: ScenarioOpt = "baseline", based_on: BasedOnOpt = None,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Override an account's target (a draft only: fork a scenario to change a published one)."""
    def run() -> None:
        _change(db, as_user, plan, scenario, "target.override",
                {"account_id": account, "target": target}, reason, based_on)

    guarded(run)


def topdown(
    plan: StoredPlanArg,
    territory: Annotated[str, typer.Argument(help="The territory_id.")],
    amount: Annotated[str, typer.Argument(help="Its top-down number, e.g. 2500000.00.")],
    reason: ReasonOpt,
    scenario: ScenarioOpt = "baseline", based_on: BasedOnOpt = None, effective: EffectiveOpt = None,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Set a territory's top-down number."""
    def run() -> None:
        _change(db, as_user, plan, scenario, "topdown.set",
                {"territory_id": territory, "amount": amount}, reason, based_on, effective)

    guarded(run)


def move(
    plan: StoredPlanArg,
    account: Annotated[str, typer.Argument(help="The account_id.")],
    territory: Annotated[str, typer.Argument(help="The leaf territory it moves to.")],
    reason: ReasonOpt,
    scenario: ScenarioOpt = "baseline", based_on: BasedOnOpt = None, effective: EffectiveOpt = None,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Move an account to another leaf (in a draft: the whole year; once published: a request)."""
    def run() -> None:
        _change(db, as_user, plan, scenario, "account.move",
                {"account_id": account, "territory_id": territory, "effective": effective},
                reason, based_on, effective)

    guarded(run)


def seller(
    plan: StoredPlanArg,
    seller_id: Annotated[str, typer.Argument(help="The seller_id.")],
    reason: ReasonOpt,
    end_date: Annotated[str | None, typer.Option("--end-date", help="YYYY-MM-DD; '' clears it.")] = None,
    hire_date: Annotated[str | None, typer.Option("--hire-date", help="YYYY-MM-DD.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="active, tbh or leaving.")] = None,
    ote: Annotated[str | None, typer.Option("--ote", help="On-target earnings, e.g. 180000.00.")] = None,
    seniority: Annotated[str | None, typer.Option("--seniority", help="A [seniority] level.")] = None,
    ramp_profile: Annotated[str | None, typer.Option("--ramp-profile", help="A [ramp] profile.")] = None,
    territory: Annotated[str | None, typer.Option("--territory", help="The seat's territory_id.")] = None,
    scenario: ScenarioOpt = "baseline", based_on: BasedOnOpt = None, effective: EffectiveOpt = None,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Change a seller: dates, status, OTE, seniority, ramp profile, seat."""
    def run() -> None:
        from quotaplan.errors import UsageError

        given = {"end_date": end_date, "hire_date": hire_date, "status": status, "ote": ote,
                 "seniority": seniority, "ramp_profile": ramp_profile, "territory_id": territory}
        fields = {k: (v or None) for k, v in given.items() if v is not None}
        if not fields:
            raise UsageError("give at least one of --end-date, --hire-date, --status, --ote, "
                             "--seniority, --ramp-profile, --territory")
        _change(db, as_user, plan, scenario, "seller.set", {"seller_id": seller_id, **fields},
                reason, based_on, effective, seller_id)

    guarded(run)


def log(
    plan: StoredPlanArg,
    scenario: ScenarioOpt = "baseline",
    seller_id: Annotated[str | None, typer.Option("--seller", help="Only events about this seller.")] = None,
    account: Annotated[str | None, typer.Option("--account", help="Only events about this account.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only events by this user.")] = None,
    kind: Annotated[list[str] | None, typer.Option(
        "--kind", help="Only events of this kind (repeatable).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per event.")] = False,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """The scenario's journal, newest first: seq, when, who, what, why."""
    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            events = ws.log(plan, scenario, seller=seller_id, account=account, actor=actor,
                            kinds=kind or ())
        if as_json:
            for e in events:
                out.print(json.dumps({"seq": e.seq, "at": e.at.isoformat(), "actor": e.actor,
                                      "kind": e.kind, "payload": e.payload, "reason": e.reason},
                                     ensure_ascii=False), markup=False)
            return
        if not events:
            out.print(f"No events in scenario {scenario} of plan {plan} match.", markup=False)
            return
        table = Table("seq", "at (UTC)", "actor", "kind", "what", "reason", box=None)
        for e in events:
            table.add_row(str(e.seq), e.at.strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.kind, _what(e),
                          e.reason or "")
        out.print(table)

    guarded(run)


def parse_date(text: str | None, option: str) -> date | None:
    from quotaplan.errors import UsageError

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; write YYYY-MM-DD") from None


def compare(
    plan: StoredPlanArg,
    a: Annotated[str, typer.Argument(help="The first scenario.")],
    b: Annotated[str, typer.Argument(help="The second scenario (differences are B − A).")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Write the per-carrier table here.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a CSV an earlier compare wrote.")] = False,
    db: DbOpt = None, as_user: AsOpt = None,
) -> None:
    """Two scenarios side by side: headline figures, every carrier that differs, the events that differ."""
    from quotaplan.workspace.compare import CARRIER_COLUMNS
    from quotaplan.workspace.compare import compare as compared

    def run() -> None:
        with Workspace(db, as_user=as_user) as ws:
            left, right = ws.open(plan, a), ws.open(plan, b)
        result = compared(left.result, right.result, left.events, right.events)
        table = Table("figure", a, b, f"{b} − {a}", box=None)
        for h in result.headline:
            table.add_row(h.key.replace("_", " "), _figure(h.a, h.amount), _figure(h.b, h.amount),
                          _figure(h.diff, h.amount, signed=True))
        out.print(table)
        carriers = result.carriers
        out.print(f"\n{carriers.height} carrier(s) whose final quota, coverage or risk differ",
                  markup=False)
        if carriers.height:
            rows = Table("seller", f"quota {a}", f"quota {b}", "difference", f"coverage {a}",
                         f"coverage {b}", f"risk {a}", f"risk {b}", box=None)
            for r in carriers.iter_rows(named=True):
                rows.add_row(r["seller_id"], _money(r["final_quota_a"]), _money(r["final_quota_b"]),
                             _figure(r["final_quota_diff"], True, signed=True),
                             _ratio(r["coverage_a"]), _ratio(r["coverage_b"]), r["risk_a"] or "—",
                             r["risk_b"] or "—")
            out.print(rows)
        for name, events in ((a, result.only_a), (b, result.only_b)):
            out.print(f"\nEvents only in {name}: {len(events)}", markup=False)
            for e in events:
                out.print(f"  seq {e.seq} {e.at:%Y-%m-%d %H:%M} {e.actor} {e.kind} {_what(e)}"
                          + (f" — {e.reason}" if e.reason else ""), markup=False)
        if csv is not None:
            _write_compare_csv(carriers, csv, force, CARRIER_COLUMNS)
            out.print(f"\nWrote {csv}: {carriers.height} carrier(s)", markup=False)

    guarded(run)


def _figure(value: int | float | None, amount: bool, *, signed: bool = False) -> str:
    if value is None:
        return "—"
    if amount:
        text = format_cents_grouped(int(value))
        return f"+{text}" if signed and value > 0 else text
    if isinstance(value, float):
        return f"{value:+.4f}" if signed else f"{value:.4f}"
    return f"{value:+,}" if signed else f"{value:,}"


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _write_compare_csv(carriers: pl.DataFrame, path: Path, force: bool,
                       columns: tuple[str, ...]) -> None:
    from quotaplan.money import cents_to_decimal_expr
    from quotaplan.outsafe import csv_written_by_quotaplan, write_file

    amounts = ("final_quota_a", "final_quota_b", "final_quota_diff")
    frame = carriers.with_columns(cents_to_decimal_expr(pl.col(c)).alias(c) for c in amounts)
    write_file(path, "compare", lambda tmp: frame.write_csv(tmp, float_precision=6, null_value=""),
               recognise=csv_written_by_quotaplan(",".join(columns)), force=force, option="--csv")
