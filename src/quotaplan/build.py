"""The one pipeline: a validated plan → every output table (pure; writing is :mod:`.outputs`).

In-memory conventions of every result table: amounts are ``Int64`` cents, counts are integers named
in :data:`quotaplan.schemas.COUNT_COLUMNS`, ratios are ``Float64``, ids ``String``, dates ``Date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from quotaplan.core.hierarchy import Hierarchy
from quotaplan.plan import Plan
from quotaplan.problems import Problem


@dataclass(frozen=True)
class BuildResult:
    """Everything a build computes. Frames carry SPEC's contract columns (and may carry more).

    - ``account_targets``: account_targets.csv (+ book share columns used by reports)
    - ``quotas``: quotas.csv, one row per carrier
    - ``quota_periods``: quota_periods.csv
    - ``gap``: gap.csv, one row per carrier (+ risk etc.)
    - ``rollup``: rollup.csv, one row per node
    - ``summary``: summary.json as a dict (amounts as cents ``int`` or ``None``; ratios ``float``)
    - ``ledgers``: seller_id → the quota ledger (see :mod:`quotaplan.core.quotas`)
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
    ledgers: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
