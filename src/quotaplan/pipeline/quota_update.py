"""The quotas stage's incremental step: only the carriers whose adjustments changed are recomputed.

When every input of the quotas stage is what it was at its last run except adjustments.csv, a
carrier's quota depends on its own adjustment lines alone: its :class:`CarrierInputs` are the last
run's with new manual lines, and :func:`~quotaplan.core.ledger.carrier_figures` and
:func:`~quotaplan.core.quotas.quota_columns` give its rows of quotas and quota_periods — the very
functions :func:`~quotaplan.core.quotas.compute_quotas` calls for every carrier. Whatever this step
cannot decide as the full stage would (a carrier's quota crossing zero, which changes the warnings;
figures near the limit of exactness; many carriers changed at once) it leaves to the full stage
by answering ``None``.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import polars as pl

from quotaplan.core.ledger import Figures, LazyLedgers, carrier_figures, manual_lines, quota_rules
from quotaplan.core.quotas import QuotasResult, quota_columns
from quotaplan.money import MAX_CENTS
from quotaplan.problems import has_errors
from quotaplan.settings import Settings

#: More changed carriers than this and the full stage is as quick.
MOST_CHANGED = 64


def changed_sellers(old: pl.DataFrame, new: pl.DataFrame) -> set[str] | None:
    """The seller ids whose adjustment rows differ between two adjustments tables (``None`` when
    the difference cannot be told row by row: another schema, or repeated identical rows)."""
    if old.schema != new.schema:
        return None
    gone = old.join(new, on=old.columns, how="anti", nulls_equal=True)
    came = new.join(old, on=old.columns, how="anti", nulls_equal=True)
    if old.height - gone.height + came.height != new.height:
        return None
    return {str(s) for s in pl.concat([gone, came]).get_column("seller_id").to_list()}


def update_quotas(previous: QuotasResult, old_adjustments: pl.DataFrame,
                  adjustments: pl.DataFrame, settings: Settings) -> QuotasResult | None:
    """``previous`` (the quotas stage's output for ``old_adjustments``) for ``adjustments``, or
    ``None`` when the full stage must decide."""
    if has_errors(previous.problems) or previous.quotas.height != len(previous.inputs):
        return None
    changed = changed_sellers(old_adjustments, adjustments)
    if changed is None:
        return None
    carriers = sorted(s for s in changed if s in previous.inputs)  # others carry no quota
    if not carriers:
        return previous
    if len(carriers) > MOST_CHANGED:
        return None
    rules = quota_rules(settings)
    manual = manual_lines(adjustments.filter(pl.col("seller_id").is_in(carriers)))
    inputs = dict(previous.inputs)
    figured: dict[str, Figures] = {}
    for seller in carriers:
        before = carrier_figures(inputs[seller], rules)
        inputs[seller] = replace(inputs[seller], manual=manual.get(seller, ()))
        figured[seller] = after = carrier_figures(inputs[seller], rules)
        if after.negative != before.negative or not _plainly_in_range(after):
            return None
    quotas, periods = previous.quotas, previous.periods
    seller_ids = quotas.get_column("seller_id").to_list()
    row_of = {seller: i for i, seller in enumerate(seller_ids)}
    count = len(rules.periods)
    for seller in carriers:
        at = row_of[seller]
        old = quotas.row(at, named=True)
        new = old | {name: values[0] for name, values in
                     quota_columns([inputs[seller]], [figured[seller]], [old["ote"]]).items()}
        quotas = _replace_rows(quotas, at, pl.DataFrame([new], schema=quotas.schema, orient="row"))
        first = at * count  # periods: count rows per carrier, in the carriers' order
        rows = periods.slice(first, count).with_columns(
            pl.Series("quota", figured[seller].period_quotas, dtype=pl.Int64))
        periods = _replace_rows(periods, first, rows)
    if not _roll_ups_plainly_in_range(quotas, settings):
        return None
    return QuotasResult(quotas, periods, LazyLedgers(inputs, rules), previous.problems, inputs)


def _plainly_in_range(figures: Figures) -> bool:
    """Far within :data:`~quotaplan.money.MAX_CENTS` (the full stage decides anything closer)."""
    limit = MAX_CENTS // 1000
    return max(abs(figures.base_quota), abs(figures.manual_adjustment),
               abs(figures.full_year_quota), abs(figures.final_quota),
               *(abs(q) for q in figures.period_quotas)) <= limit


def _roll_ups_plainly_in_range(quotas: pl.DataFrame, settings: Settings) -> bool:
    """Every roll-up far within :data:`~quotaplan.money.MAX_CENTS`: Σ |final quota| times every
    hedge factor that raises a sum (the full stage decides anything closer)."""
    bound = Fraction(int(quotas.get_column("final_quota").abs().sum()))
    for hedge in settings.quotas.hedge.values():
        bound *= max(Fraction(1), 1 - Fraction(hedge))
    return bound <= MAX_CENTS // 1000


def _replace_rows(frame: pl.DataFrame, at: int, rows: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its rows from ``at`` replaced by ``rows`` (same schema)."""
    return pl.concat([frame.slice(0, at), rows, frame.slice(at + rows.height)], rechunk=False)
