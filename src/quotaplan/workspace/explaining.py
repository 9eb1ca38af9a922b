"""Explaining one seller's quota from a build: what ``quotaplan explain`` prints and the
workbench's seller and node pages show.

A carrier's quota is explained line by line (base → adjustments → periods → final) with their book;
a manager's rolled-up quota child by child. Pure: a build result in, an explanation out.
"""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core.explain import (
    Explanation,
    NodeExplanation,
    explain_node,
    explain_seller,
    managed_node,
)
from quotaplan.core.targets import base_window
from quotaplan.errors import UnknownSeller


def explain(result: BuildResult, seller_id: str, *,
            hint: str = "run `quotaplan report` to see the sellers, or open sellers.csv for a "
                        "carrier's or a manager's id") -> Explanation | NodeExplanation:
    """The explanation of ``seller_id``'s quota (a carrier's, or a manager's rolled-up one);
    UnknownSeller, with ``hint``, when the plan has no such carrier or manager."""
    ledger = result.ledgers.get(seller_id)
    if ledger is None:
        node = managed_node(result.hierarchy, seller_id)
        if node is None:
            raise UnknownSeller(seller_id, hint)
        return explain_node(result.plan, result.rollup, result.quotas, node)
    settings = result.plan.settings
    row = result.plan.sellers.filter(pl.col("seller_id") == seller_id).row(0, named=True)
    start = settings.plan.fiscal_year_start
    first, _ = base_window(start, settings.targets.base_window_months)
    return explain_seller(ledger, result.account_targets, row, settings=settings, gap=result.gap,
                          account_names=result.plan.accounts,
                          base_window=(first, start - timedelta(days=1)))
