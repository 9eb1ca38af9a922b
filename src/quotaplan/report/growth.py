"""What the reports say about the growth ask and about remedies a book cannot absorb.

SPEC, "The growth ask": with ``even``, ``weighted``, ``bucketed`` (and the split part of
``blend``) the account targets *are* a split of the top-down number, so the strategic gap is 0 by
construction and the honest comparison is with history. The terminal and the HTML report both
take their sentences from here, so they say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.plan import Plan
from quotaplan.report.charts import compact

#: Methods whose account targets are a split of the top-down number (blend: its split part).
SPLIT_METHODS = frozenset({"even", "weighted", "bucketed", "blend"})
#: Where a book too small for its gap is pointed to.
FIX_COVERAGE = "quotaplan optimize --goal fix-coverage"


def targets_split_topdown(plan: Plan) -> bool:
    """Are the account targets (or, with blend, a part of each) a split of the top-down number?"""
    return plan.settings.targets.method in SPLIT_METHODS


def history_label(plan: Plan) -> str:
    """What the prior bookings are, in words: the base window before the plan year."""
    months = plan.settings.targets.base_window_months
    return ("last year's bookings" if months == 12
            else f"the bookings of the {months} months before the plan year")


def ask_pct(ask: float | None) -> str:
    """A growth ask (0.4) → ``"+40.0 %"``; ``"—"`` when there is none."""
    if ask is None:
        return "—"
    sign = "+" if ask >= 0 else "−"
    return f"{sign}{abs(ask) * 100:.1f} %"


def _short(cents: int) -> str:
    return compact(cents / 100)


@dataclass(frozen=True)
class GrowthLead:
    """The root's growth ask as the reports lead with it.

    ``headline``: "Growth ask: +40.0 % over last year's bookings (prior 35.7M → top-down 50.0M
    USD)", or why there is no ratio. ``note``: why the stretch is against history (the strategic
    gap is 0 by construction), empty when the targets are not a split. ``leads``: the targets are
    a split of the top-down number (and the root's number and prior bookings are known), so the
    growth ask comes before the strategic gap.
    """

    ask: float | None
    prior: int | None
    topdown: int | None
    headline: str
    detail: str
    note: str
    leads: bool


def growth_lead(result: BuildResult) -> GrowthLead:
    """The root's growth ask, with the sentences that present it."""
    plan = result.plan
    s = result.summary
    currency = plan.settings.plan.currency
    ask, prior, topdown = s.get("growth_ask"), s.get("prior_bookings"), s.get("topdown")
    history = history_label(plan)
    if topdown is None:
        headline = "Growth ask: — (no top-down number at the root to compare with history)"
        detail = ""
    elif prior is None:
        headline = "Growth ask: — (the bookings before the plan year are not known)"
        detail = ""
    elif ask is None:
        headline = (f"Growth ask: — ({history} sum to {format_cents_grouped(prior)} {currency}, "
                    "so there is no history to grow from)")
        detail = f"Top-down {format_cents_grouped(topdown)} {currency} against {history}."
    else:
        headline = (f"Growth ask: {ask_pct(ask)} over {history} "
                    f"(prior {_short(prior)} → top-down {_short(topdown)} {currency})")
        detail = (f"Top-down {format_cents_grouped(topdown)} {currency} against {history} of "
                  f"{format_cents_grouped(prior)} {currency}.")
    leads = targets_split_topdown(plan) and topdown is not None and prior is not None
    return GrowthLead(ask, prior, topdown, headline, detail, _note(result) if leads else "",
                      leads)


def _note(result: BuildResult) -> str:
    """Why the stretch is against history, for a plan whose targets split the top-down number."""
    ts = result.plan.settings.targets
    if ts.method == "blend":
        split = float(1 - ts.blend_alpha)
        note = (f"{split * 100:g} % of every account target is a split of the top-down number "
                "(the blend's top-down part), so that part of the strategic gap is 0 by "
                "construction; the stretch is against history.")
    else:
        note = ("Here account targets are a split of the top-down number, so the strategic gap "
                "is 0 by construction; the stretch is against history.")
        gap = result.summary.get("strategic_gap")
        if isinstance(gap, int) and gap != 0:
            note += (f" (Here it is {format_cents_grouped(gap)} "
                     f"{result.plan.settings.plan.currency}: overrides and bottom-up inputs "
                     "change the final targets.)")
    return note


def exceeds_book(row: dict[str, Any]) -> bool:
    """Would the accounts to add be more than the book holds? (``row`` from a sellers view.)"""
    flag = row.get("accounts_to_add_exceeds_book")
    if flag is not None:
        return bool(flag)
    add, held = row.get("accounts_to_add"), row.get("accounts")
    return add is not None and held is not None and add > held


def accounts_to_add_text(row: dict[str, Any]) -> str:
    """The accounts-to-add cell: the number, or the number and the book's size when the book
    could not absorb it ("6,737 (book holds 57)")."""
    add = row.get("accounts_to_add")
    if add is None:
        return "—"
    if exceeds_book(row):
        return f"{add:,} (book holds {row.get('accounts') or 0:,})"
    return f"{add:,}"


def add_accounts_clause(row: dict[str, Any]) -> str:
    """The first remedy of a carrier with a gap and a book: add accounts, or, when that is more
    than the book holds, move them from other sellers."""
    add = row.get("accounts_to_add")
    if add is None:
        return "assign accounts"
    if exceeds_book(row):
        held = row.get("accounts") or 0
        return (f"the gap is {add:,} accounts at the book's median target, more than the book's "
                f"{held:,} account{'s' if held != 1 else ''}: move accounts from other sellers "
                f"(see `{FIX_COVERAGE}`)")
    return f"add {add:,} account{'s' if add != 1 else ''} at the book's median target"


__all__ = [
    "FIX_COVERAGE", "SPLIT_METHODS", "GrowthLead", "accounts_to_add_text", "add_accounts_clause",
    "ask_pct", "exceeds_book", "growth_lead", "history_label", "targets_split_topdown",
]
