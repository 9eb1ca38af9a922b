"""A validated plan → every output table (pure; writing is :mod:`.outputs`), by the staged
build of :mod:`quotaplan.pipeline`.

In-memory conventions of every result table: amounts are ``Int64`` cents, counts are integers named
in :data:`quotaplan.schemas.COUNT_COLUMNS`, ratios are ``Float64``, ids ``String``, dates ``Date``.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def build(plan: Plan) -> BuildResult:
    """Compute every output of a valid plan: a build through a fresh
    :class:`~quotaplan.pipeline.Pipeline` (keep one to build edited plans quickly). Raises
    :class:`PlanInvalid` when the computation finds errors that reading could not (Σweight = 0
    under a node with something to split, …)."""
    from quotaplan.pipeline import Pipeline

    return Pipeline().build(plan)
