"""The one pipeline: a validated plan → every output table (pure; writing is :mod:`.outputs`).

In-memory conventions of every result table: amounts are ``Int64`` cents, counts are integers named
in :data:`quotaplan.schemas.COUNT_COLUMNS`, ratios are ``Float64``, ids ``String``, dates ``Date``.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.plan import Plan
from quotaplan.problems import Problem

if TYPE_CHECKING:
    from quotaplan.core.ledger import CarrierInputs, QuotaLedger


@dataclass(frozen=True)
class BuildResult:
    """Everything a build computes. Frames carry SPEC's contract columns (and may carry more).

    - ``account_targets``: account_targets.csv (+ book share columns used by reports)
    - ``quotas``: quotas.csv, one row per carrier
    - ``quota_periods``: quota_periods.csv
    - ``gap``: gap.csv, one row per carrier (+ risk etc.)
    - ``rollup``: rollup.csv, one row per node
    - ``summary``: summary.json as a dict (amounts as cents ``int`` or ``None``; ratios ``float``)
    - ``ledgers``: seller_id → the quota ledger (see :mod:`quotaplan.core.ledger`), built on demand
    - ``quota_inputs``: seller_id → what the carrier's quota depends on (for what-ifs)
    - ``books``: one row per book (leaf): concentration figures (for what-ifs and reports)
    - ``problems``: warnings (and errors) found while computing
    """

    plan: Plan
    hierarchy: Hierarchy
    account_targets: pl.DataFrame
    quotas: pl.DataFrame
    quota_periods: pl.DataFrame
    gap: pl.DataFrame
    rollup: pl.DataFrame
    summary: dict[str, Any]
    ledgers: Mapping[str, QuotaLedger] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    quota_inputs: Mapping[str, CarrierInputs] = field(default_factory=dict)
    books: pl.DataFrame | None = None


def _concentration(plan: Plan, accounts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(books, accounts with their ABC class and shares): see
    :func:`quotaplan.core.feasibility.concentration`."""
    from quotaplan.core import capacity, feasibility

    threshold = capacity.high_value_threshold(plan, accounts)
    return feasibility.concentration(accounts, high_value_target=threshold)


def build(plan: Plan) -> BuildResult:
    """Compute every output of a valid plan. Raises :class:`PlanInvalid` when the computation finds
    errors that reading could not (Σweight = 0 under a node with something to split, …)."""
    from quotaplan.core import feasibility, quotas, rollup, targets
    from quotaplan.core.hierarchy import build_hierarchy
    from quotaplan.core.history import history_problems
    from quotaplan.errors import PlanInvalid
    from quotaplan.problems import has_errors

    hierarchy = build_hierarchy(plan)
    # The history's warnings (one pass over the bookings) run beside the targets.
    with ThreadPoolExecutor(max_workers=1) as pool:
        history = pool.submit(history_problems, plan)
        target_result = targets.compute_targets(plan, hierarchy)
        problems = list(target_result.problems) + history.result()
    if has_errors(problems):
        raise PlanInvalid(problems)
    # A carrier who starts after the plan year carries none of their book this year: its accounts
    # are uncovered (no seller_id), as on a leaf without a carrier.
    carriers = hierarchy.carriers.filter(~pl.col("starts_after_year")).select("territory_id",
                                                                               "seller_id")
    # Account targets come in account_id order; the join keeps it (no second sort of the ids).
    accounts = target_result.accounts.join(carriers, on="territory_id", how="left",
                                           maintain_order="left")
    # Quotas (much of it Python on a row per carrier) and the books' concentration (Polars on
    # every account) do not depend on each other: the concentration runs beside the quotas.
    with ThreadPoolExecutor(max_workers=1) as pool:
        concentrated = pool.submit(_concentration, plan, accounts)
        quota_result = quotas.compute_quotas(plan, hierarchy, accounts)
        books, accounts = concentrated.result()
    problems += quota_result.problems
    if has_errors(problems):
        raise PlanInvalid(problems)
    gap = feasibility.gap_table(plan, quota_result.quotas, books)
    nodes = rollup.rollup_table(plan, hierarchy, accounts, quota_result.quotas)
    return BuildResult(
        plan=plan,
        hierarchy=hierarchy,
        account_targets=accounts.sort("account_id"),
        quotas=quota_result.quotas.sort("seller_id"),
        quota_periods=quota_result.periods.sort("seller_id", "period_start"),
        gap=gap.sort("seller_id"),
        rollup=nodes,
        summary=rollup.summary(plan, hierarchy, nodes, gap),
        ledgers=quota_result.ledgers,
        problems=problems,
        quota_inputs=quota_result.inputs,
        books=books,
    )
