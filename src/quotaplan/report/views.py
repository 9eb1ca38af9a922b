"""What a report shows, computed once from a :class:`~quotaplan.build.BuildResult`.

:func:`report_view` returns a :class:`ReportView`: plain frozen data (amounts in integer cents,
ratios as floats, sentences as text) that the terminal report (:mod:`.terminal`), the HTML report
(:mod:`.html`, through Jinja2 templates) and any other page render without computing anything of
their own, so they all say the same thing. Nothing here knows Rich or HTML; :data:`FORMATTERS`
are the few ways a page writes a figure (``1,234.56 EUR``, ``87.5 %``, ``+40.0 %``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from quotaplan.build import BuildResult
from quotaplan.money import format_cents_grouped
from quotaplan.report.frames import RISK_BANDS, nodes_view, numbered_nodes, risk_counts, sellers_view
from quotaplan.report.growth import (
    GrowthLead,
    accounts_to_add_text,
    add_accounts_clause,
    ask_pct,
    exceeds_book,
    growth_lead,
    history_label,
)
from quotaplan.report.palette import PRIOR_COLOR, TOPDOWN_COLOR

# --- how figures are written ------------------------------------------------------------------

def money(cents: int | None, currency: str) -> str:
    """Cents → ``"1,234.56 USD"``; ``"—"`` when absent."""
    return "—" if cents is None else f"{format_cents_grouped(cents)} {currency}"


def ratio_pct(value: float | None, digits: int = 1) -> str:
    """A ratio (0.875) → ``"87.5 %"``; ``"—"`` when absent."""
    return "—" if value is None else f"{value * 100:.{digits}f} %"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def factor(value: float | None) -> str:
    """An attainment factor (1.1673) → ``"1.167"``; ``"—"`` when absent."""
    return "—" if value is None else f"{float(value):.3f}"


def currency_of(result: BuildResult) -> str:
    return result.plan.settings.plan.currency


def display(name: str, ident: str) -> str:
    """``"Ana Ruiz (S1)"``, or just the id when there is no other name."""
    return name if name == ident else f"{name} ({ident})"


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


#: Every way a page writes a figure, by name (the HTML templates use them as filters).
FORMATTERS: dict[str, Callable[..., str]] = {
    "cents": format_cents_grouped, "money": money, "ratio_pct": ratio_pct, "ask_pct": ask_pct,
    "count": count, "factor": factor, "sentence": sentence,
}


# --- what a page shows ------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One headline figure: ``value`` already formatted, ``key`` the summary key it shows."""

    key: str
    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class Card:
    """A large headline figure: ``value`` formatted, ``unit`` beside it, ``tone`` ``bad``, ``warn``,
    ``ok`` or empty (neutral)."""

    key: str
    label: str
    value: str
    unit: str
    hint: str
    tone: str


@dataclass(frozen=True)
class GrowthBar:
    """One of the growth banner's two bars: ``width`` in percent of the larger amount."""

    label: str
    amount: str
    width: float
    color: str


@dataclass(frozen=True)
class GrowthBanner:
    """The growth ask leading the page: ``value`` ("+40.0 %"), ``over`` what, the two bars (prior
    bookings and the top-down number; none when either is unknown) and why it leads."""

    value: str
    over: str
    bars: tuple[GrowthBar, ...]
    note: str


@dataclass(frozen=True)
class SellerRow:
    """One quota carrier, as every report lists it (amounts in cents, ratios 0–1, ``None``: none).

    ``accounts_to_add_text`` is the cell ("6,737 (book holds 57)"); ``remedy`` the sentence of what
    to do; ``ote_outside_band``: the quota-to-OTE ratio lies outside the plan's healthy band."""

    seller_id: str
    seller_name: str
    label: str
    territory_id: str | None
    territory_name: str
    final_quota: int | None
    book_target: int | None
    gap: int | None
    coverage: float | None
    risk: str
    growth_ask: float | None
    accounts: int | None
    accounts_to_add: int | None
    accounts_to_add_text: str
    exceeds_book: bool
    pipeline_needed: int | None
    quota_at_target_coverage: int | None
    accounts_for_80pct: int | None
    top1_share: float | None
    quota_to_ote: float | None
    ote_outside_band: bool
    remedy: str

    @property
    def risk_rank(self) -> int:
        """0 for high … 3 for none: the order a table sorts the risk column by."""
        return RISK_BANDS.index(self.risk) if self.risk in RISK_BANDS else 3


@dataclass(frozen=True)
class NodeRow:
    """One territory node's roll-up; ``pushed``: quotas pushed above what its accounts support."""

    territory_id: str
    territory_name: str
    label: str
    depth: int | None
    manager_name: str
    topdown: int | None
    prior_bookings: int | None
    growth_ask: float | None
    account_target_sum: int | None
    quota_sum: int | None
    manager_quota: int | None
    strategic_gap: int | None
    quota_gap: int | None
    attainment_factor: float | None
    productive_capacity: int | None
    uncovered_target: int | None
    headcount_to_close: int | None
    pushed: bool


@dataclass(frozen=True)
class ReportView:
    """The whole report of one build.

    ``figures``: the root's headline figures in reading order (the terminal shows them all);
    ``cards``: the three large ones a page opens with (strategic gap, quota gap, sellers at high
    risk) and ``small_figures`` the rest; ``sellers``: every carrier, riskiest first; ``nodes``:
    every node by depth; ``numbered``: the nodes with a top-down number, largest strategic gap (or
    growth ask, when it leads) first; ``footer``: how the figures are defined.
    """

    title: str
    meta: str
    plan_name: str
    fiscal_year_start: str
    currency: str
    growth: GrowthLead
    banner: GrowthBanner | None
    figures: tuple[Figure, ...]
    cards: tuple[Card, ...]
    small_figures: tuple[Figure, ...]
    risks: Mapping[str, int]
    sellers: tuple[SellerRow, ...]
    has_ote: bool
    ote_band: str
    nodes: tuple[NodeRow, ...]
    numbered: tuple[NodeRow, ...]
    nodes_heading: str
    nodes_lead: str
    footer: tuple[str, ...]

    def at_risk(self, top: int) -> list[SellerRow]:
        """The sellers among the ``top`` riskiest with a high or medium risk and a gap above 0."""
        return [r for r in self.sellers[:top]
                if r.risk in {"high", "medium"} and (r.gap or 0) > 0]

    @property
    def table_nodes(self) -> tuple[NodeRow, ...]:
        """Every node for a table: the numbered ones first (in their order), then the others."""
        return self.numbered + tuple(n for n in self.nodes if n.topdown is None)


def headline(result: BuildResult) -> list[Figure]:
    """The root's figures, in reading order: the number, what supports it, what is missing."""
    s = result.summary
    cur = currency_of(result)
    risks = risk_counts(result)
    growth = [
        Figure("growth_ask", "Growth ask", ask_pct(s.get("growth_ask")),
               f"top-down ÷ {history_label(result.plan)} − 1"),
        Figure("prior_bookings", "Prior bookings", money(s.get("prior_bookings"), cur),
               f"{history_label(result.plan)}: the base window before the plan year"),
    ]
    lead = growth_lead(result).leads
    return [
        *(growth if lead else []),
        Figure("topdown", "Top-down number", money(s.get("topdown"), cur),
               "the company number at the root"),
        Figure("account_target_sum", "Account targets", money(s.get("account_target_sum"), cur),
               "Σ final account targets"),
        Figure("street_quota", "Street quota", money(s.get("street_quota"), cur),
               "Σ carriers' final quotas"),
        Figure("attainment_factor", "Attainment factor", factor(s.get("attainment_factor")),
               "top-down ÷ street quota"),
        Figure("strategic_gap", "Strategic gap", money(s.get("strategic_gap"), cur),
               "top-down − account targets: what the accounts cannot support"),
        Figure("quota_gap", "Quota gap", money(s.get("quota_gap"), cur),
               "top-down − street quota"),
        *([] if lead else growth),
        Figure("uncovered_target", "Uncovered target", money(s.get("uncovered_target"), cur),
               "targets of accounts on leaves with no carrier"),
        Figure("productive_capacity", "Productive capacity",
               money(s.get("productive_capacity"), cur), "Σ final quota × expected attainment"),
        Figure("headcount_to_close", "Headcount to close", count(s.get("headcount_to_close")),
               "hires needed to close the strategic gap"),
        Figure("sellers_by_risk", "Sellers by risk",
               " · ".join(f"{band} {risks[band]}" for band in RISK_BANDS),
               "coverage bands: high < medium < low"),
    ]


def remedy(row: dict[str, Any], currency: str) -> str:
    """What to do about one carrier's gap, as one sentence (``row`` from :func:`sellers_view`)."""
    gap = row.get("gap")
    if row.get("final_quota") in (None, 0):
        return "no quota to cover"
    if gap is None or gap <= 0:
        return "covered: the book supports the quota"
    pipeline = money(row.get("pipeline_needed"), currency)
    lower = money(row.get("quota_at_target_coverage"), currency)
    if not row.get("book_target"):
        return (f"the book holds no target: assign accounts, or build {pipeline} of pipeline, "
                f"or lower the quota to {lower}")
    return f"{add_accounts_clause(row)}, or build {pipeline} of pipeline, or lower the quota to {lower}"


# --- computing the view -----------------------------------------------------------------------

def _cards(result: BuildResult, risks: Mapping[str, int], lead: GrowthLead) -> tuple[Card, ...]:
    """Strategic gap, quota gap (each against the top-down number) and sellers at high risk."""
    s = result.summary
    cur = currency_of(result)
    topdown = s.get("topdown")
    strategic, quota_gap = s.get("strategic_gap"), s.get("quota_gap")

    def share(cents: int | None) -> str:
        if cents is None or not topdown:
            return "no top-down number at the root" if topdown is None else ""
        return f"{cents / topdown * 100:.1f} % of the top-down number"

    def tone(cents: int | None) -> str:
        return "" if cents is None else "bad" if cents > 0 else "ok"

    strategic_hint = "Top-down − Σ account targets: what the accounts cannot support. "
    if lead.leads:
        strategic_hint = ("Top-down − Σ account targets: 0 by construction, since the targets are "
                          "a split of the top-down number" + (
                              "; overrides and bottom-up inputs make the difference. "
                              if strategic else ". "))
    total = sum(risks.values())
    high_below = ratio_pct(float(result.plan.settings.risk.high_below), 0)
    return (
        Card("strategic_gap", "Strategic gap", format_cents_grouped(strategic),
             cur if strategic is not None else "", strategic_hint + share(strategic),
             tone(strategic)),
        Card("quota_gap", "Quota gap", format_cents_grouped(quota_gap),
             cur if quota_gap is not None else "",
             "Top-down − Σ carriers' final quotas. " + share(quota_gap), tone(quota_gap)),
        Card("high_risk", "Sellers at high risk", f"{risks['high']}", f"of {total}",
             f"{risks['medium']} more at medium risk; coverage below {high_below} is high risk.",
             "bad" if risks["high"] else "warn" if risks["medium"] else "ok"),
    )


def _banner(result: BuildResult, lead: GrowthLead) -> GrowthBanner | None:
    """The growth ask first, when the targets are a split of the top-down number: the ratio, last
    year's bookings against the number as two bars, and why the stretch is against history."""
    if not lead.leads:
        return None
    cur = currency_of(result)
    history = history_label(result.plan)
    if lead.ask is None:
        value = "—"
        over = sentence(lead.headline.removeprefix("Growth ask: — ").strip("()"))
    else:
        value = ask_pct(lead.ask)
        over = f"over {history}"
    bars: tuple[GrowthBar, ...] = ()
    prior, topdown = lead.prior, lead.topdown
    if prior is not None and topdown is not None:
        largest = max(prior, topdown, 1)
        bars = tuple(GrowthBar(label, money(cents, cur), max(0.0, cents / largest * 100), color)
                     for label, cents, color in (
                         (history[:1].upper() + history[1:], prior, PRIOR_COLOR),
                         ("Top-down number", topdown, TOPDOWN_COLOR)))
    return GrowthBanner(value, over, bars, lead.note)


def _seller_row(r: dict[str, Any], currency: str, band: tuple[float, float]) -> SellerRow:
    ote = r.get("quota_to_ote")
    low, high = band
    return SellerRow(
        seller_id=r["seller_id"], seller_name=r["seller_name"],
        label=display(r["seller_name"], r["seller_id"]),
        territory_id=r["territory_id"], territory_name=r["territory_name"],
        final_quota=r["final_quota"], book_target=r["book_target"], gap=r["gap"],
        coverage=r["coverage"], risk=r["risk"], growth_ask=r["growth_ask"],
        accounts=r["accounts"], accounts_to_add=r["accounts_to_add"],
        accounts_to_add_text=accounts_to_add_text(r), exceeds_book=exceeds_book(r),
        pipeline_needed=r["pipeline_needed"],
        quota_at_target_coverage=r["quota_at_target_coverage"],
        accounts_for_80pct=r["accounts_for_80pct"], top1_share=r["top1_share"],
        quota_to_ote=ote, ote_outside_band=ote is not None and not low <= ote <= high,
        remedy=remedy(r, currency),
    )


def _node_row(r: dict[str, Any]) -> NodeRow:
    return NodeRow(
        territory_id=r["territory_id"], territory_name=r["territory_name"],
        label=display(r["territory_name"], r["territory_id"]), depth=r["depth"],
        manager_name=r["manager_name"] or "", topdown=r["topdown"],
        prior_bookings=r["prior_bookings"], growth_ask=r["growth_ask"],
        account_target_sum=r["account_target_sum"], quota_sum=r["quota_sum"],
        manager_quota=r["manager_quota"], strategic_gap=r["strategic_gap"],
        quota_gap=r["quota_gap"], attainment_factor=r["attainment_factor"],
        productive_capacity=r["productive_capacity"], uncovered_target=r["uncovered_target"],
        headcount_to_close=r["headcount_to_close"], pushed=bool(r["pushed"]),
    )


def _nodes_lead(result: BuildResult, lead: GrowthLead) -> str:
    order = "largest growth ask first" if lead.leads else "largest strategic gap first"
    text = (f"Numbered nodes first, {order}; the figures of nodes without a number of their own "
            "are roll-ups. Red: short of the top-down number.")
    if lead.leads:
        text += (" Strategic gaps are 0 by construction where the targets split the node's "
                 f"number; the growth ask compares the number with {history_label(result.plan)}.")
    return text


def _footer(result: BuildResult) -> tuple[str, ...]:
    s = result.plan.settings
    return (
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


def report_view(result: BuildResult) -> ReportView:
    """Everything the reports show of ``result``, computed once."""
    settings = result.plan.settings
    cur = currency_of(result)
    lead = growth_lead(result)
    risks = risk_counts(result)
    sellers_frame = sellers_view(result)
    nodes_frame = nodes_view(result)
    band = (float(settings.capacity.quota_to_ote[0]), float(settings.capacity.quota_to_ote[1]))
    sellers = tuple(_seller_row(r, cur, band) for r in sellers_frame.iter_rows(named=True))
    nodes = tuple(_node_row(r) for r in nodes_frame.iter_rows(named=True))
    numbered = tuple(_node_row(r) for r in numbered_nodes(nodes_frame, by_growth_ask=lead.leads)
                     .iter_rows(named=True))
    figures = tuple(headline(result))
    shown = {"strategic_gap", "quota_gap"} | ({"growth_ask", "prior_bookings"} if lead.leads
                                             else set())
    return ReportView(
        title=f"{settings.plan.name} — quota plan report",
        meta=(f"Fiscal year from {settings.plan.fiscal_year_start.isoformat()} · "
              f"{len(sellers)} quota carriers · {len(nodes)} territories · amounts in {cur}"),
        plan_name=settings.plan.name,
        fiscal_year_start=settings.plan.fiscal_year_start.isoformat(),
        currency=cur, growth=lead, banner=_banner(result, lead), figures=figures,
        cards=_cards(result, risks, lead),
        small_figures=tuple(f for f in figures if f.key not in shown),
        risks=risks, sellers=sellers, has_ote="quota_to_ote" in sellers_frame.columns,
        ote_band=f"{band[0]:g}–{band[1]:g}", nodes=nodes, numbered=numbered,
        nodes_heading=("Growth ask and strategic gaps by node" if lead.leads
                       else "Strategic gaps by node"),
        nodes_lead=_nodes_lead(result, lead), footer=_footer(result),
    )


__all__ = [
    "FORMATTERS", "RISK_BANDS", "Card", "Figure", "GrowthBanner", "GrowthBar", "NodeRow",
    "ReportView", "SellerRow", "count", "currency_of", "display", "headline", "money", "nodes_view",
    "numbered_nodes", "plural", "ratio_pct", "remedy", "report_view", "risk_counts", "sellers_view",
    "sentence",
]
