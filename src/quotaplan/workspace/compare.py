"""Two scenarios side by side: headline figures, the carriers that differ, the events that differ.

Pure: two opened states in, tables out (the command line and the workbench render them). Amounts
stay integer cents; coverage is compared as written in gap.csv (six decimals), so a difference
shown is a difference a reader of the outputs would see.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.outputs import RATIO_DIGITS, SUMMARY_AMOUNTS
from quotaplan.store.journal import Event

#: The headline figures compared, in the order a sales leader reads them.
HEADLINE = ("topdown", "street_quota", "manager_quota", "account_target_sum", "quota_gap",
            "strategic_gap", "uncovered_target", "productive_capacity", "headcount_to_close",
            "carriers", "attainment_factor")
RISKS = ("high", "medium", "low", "none")

#: Columns of the per-carrier table (``--csv``).
CARRIER_COLUMNS = ("seller_id", "final_quota_a", "final_quota_b", "final_quota_diff", "coverage_a",
                   "coverage_b", "coverage_diff", "risk_a", "risk_b")


@dataclass(frozen=True)
class Headline:
    key: str
    a: int | float | None
    b: int | float | None
    amount: bool

    @property
    def diff(self) -> int | float | None:
        if self.a is None or self.b is None:
            return None
        return self.b - self.a


@dataclass(frozen=True)
class Comparison:
    headline: list[Headline]
    carriers: pl.DataFrame  # CARRIER_COLUMNS, only carriers whose quota, coverage or risk differ
    only_a: list[Event]
    only_b: list[Event]


def compare(a: BuildResult, b: BuildResult, events_a: list[Event],
            events_b: list[Event]) -> Comparison:
    """B against A: every difference is B − A."""
    headline = [Headline(key, a.summary.get(key), b.summary.get(key), key in SUMMARY_AMOUNTS)
                for key in HEADLINE if key in a.summary or key in b.summary]
    for risk in RISKS:
        label = "carriers without a risk band" if risk == "none" else f"{risk}-risk carriers"
        headline.append(Headline(label, a.summary["sellers_by_risk"].get(risk, 0),
                                 b.summary["sellers_by_risk"].get(risk, 0), False))
    return Comparison(headline, carrier_differences(a.gap, b.gap), _only(events_a, events_b),
                      _only(events_b, events_a))


def carrier_differences(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    def side(gap: pl.DataFrame, tag: str) -> pl.DataFrame:
        return gap.select(
            "seller_id", pl.col("final_quota").alias(f"final_quota_{tag}"),
            pl.col("coverage").round(RATIO_DIGITS).alias(f"coverage_{tag}"),
            pl.col("risk").alias(f"risk_{tag}"))

    both = side(a, "a").join(side(b, "b"), on="seller_id", how="full", coalesce=True)
    differs = (pl.col("final_quota_a").ne_missing(pl.col("final_quota_b"))
               | pl.col("coverage_a").ne_missing(pl.col("coverage_b"))
               | pl.col("risk_a").ne_missing(pl.col("risk_b")))
    return both.filter(differs).with_columns(
        (pl.col("final_quota_b") - pl.col("final_quota_a")).alias("final_quota_diff"),
        (pl.col("coverage_b") - pl.col("coverage_a")).round(RATIO_DIGITS).alias("coverage_diff"),
    ).select(CARRIER_COLUMNS).sort("seller_id")


def _only(mine: list[Event], theirs: list[Event]) -> list[Event]:
    """Events in ``mine`` and not in ``theirs`` (the same stored event is the same id)."""
    seen = {e.id for e in theirs}
    return [e for e in mine if e.id not in seen]
