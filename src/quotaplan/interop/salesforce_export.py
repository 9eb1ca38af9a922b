"""A plan's quotas → ``ForecastingQuota`` rows for Data Loader (``quotaplan export salesforce``).

One row per quota carrier per forecast period, and one per manager with the rolled-up quota
(Salesforce does not roll quotas up). The org's forecast period (``--period``) may differ from the
plan's:

- a quarter plan written monthly splits each quarter's quota **evenly** over its three months,
  by largest remainder on cents (the leftover cents go to the earliest months);
- a month plan written quarterly sums each three months from the plan year's start.

A manager's rolled-up quota (``manager_quota``) is split over the periods **in proportion to the
period quotas of the carriers beneath them** (so the manager's phasing follows the team's
seasonality and ramps), by largest remainder on cents (ties: the earliest period first); where
those carriers' period quotas are all 0, evenly. So every user's rows sum exactly to their
``final_quota`` or ``manager_quota``. Amounts have two decimals, dates are ``YYYY-MM-DD``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.generate import add_months
from quotaplan.interop.sfcsv import cents, dates, read_export
from quotaplan.interop.sfid import to_18
from quotaplan.money import format_cents, largest_remainder
from quotaplan.outputs import cents_to_decimal_expr, neutralise
from quotaplan.problems import Problem, error, has_errors, sort_key

HEADER = ("QuotaOwnerId", "QuotaAmount", "StartDate", "ForecastingTypeId", "CurrencyIsoCode",
          "Territory2Id", "ProductFamily")
Period = Literal["month", "quarter"]


@dataclass(frozen=True)
class Quotas:
    """What the export reads, from a build or from its output folder. Amounts in cents.

    ``carriers``: seller_id, territory_id, final_quota; ``periods``: seller_id, period_start,
    period_end, quota; ``nodes``: territory_id, parent_id, manager_id, manager_quota.
    """

    carriers: pl.DataFrame
    periods: pl.DataFrame
    nodes: pl.DataFrame
    currency: str | None = None


def from_build(result: BuildResult) -> Quotas:
    return Quotas(
        carriers=result.quotas.select("seller_id", "territory_id", "final_quota"),
        periods=result.quota_periods.select("seller_id", "period_start", "period_end", "quota"),
        nodes=result.rollup.select("territory_id", "parent_id", "manager_id", "manager_quota"),
        currency=result.plan.settings.plan.currency,
    )


def read_outputs(folder: Path) -> Quotas:
    """``quotas.csv``, ``quota_periods.csv`` and ``rollup.csv`` of a build's output folder; every
    problem (file, line, column) is raised together as :class:`PlanInvalid`."""
    problems: list[Problem] = []
    hint = "rebuild the outputs with `quotaplan build`"
    quotas = read_export(folder, "quotas.csv", ("seller_id", "territory_id", "final_quota"), (),
                         problems, what="the carriers' quotas", fix=hint)
    periods = read_export(folder, "quota_periods.csv", ("seller_id", "period_start", "period_end",
                                                        "quota"), (), problems,
                          what="the period quotas", fix=hint)
    rollup = read_export(folder, "rollup.csv", ("territory_id", "parent_id", "manager_id",
                                                "manager_quota"), (), problems,
                         what="the roll-up", fix=hint)
    if quotas is not None:
        quotas = quotas.with_columns(pl.Series("final_quota", cents(quotas, "final_quota", problems)))
    if periods is not None:
        periods = periods.with_columns(
            pl.Series("quota", cents(periods, "quota", problems)),
            dates(periods, "period_start", problems, required=True),
            dates(periods, "period_end", problems, required=True))
    if rollup is not None:
        rollup = rollup.with_columns(
            pl.Series("manager_quota", cents(rollup, "manager_quota", problems)),
            *(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in ("parent_id", "manager_id")))
    if has_errors(problems) or quotas is None or periods is None or rollup is None:
        raise PlanInvalid(sorted(problems, key=sort_key))
    sums = periods.group_by("seller_id").agg(pl.col("quota").sum().alias("_sum"),
                                             pl.col("line").min().alias("_line"))
    wrong = quotas.join(sums, on="seller_id", how="left").filter(
        pl.col("_sum").fill_null(0) != pl.col("final_quota"))
    for row in wrong.head(20).iter_rows(named=True):
        problems.append(error(
            "quota_periods.csv", row["_line"], "quota",
            f"the periods of seller {row['seller_id']} sum to {format_cents(row['_sum'] or 0)} but "
            f"quotas.csv line {row['line']} says final_quota {format_cents(row['final_quota'])}; "
            f"{hint}", "periods-sum"))
    if problems:
        raise PlanInvalid(sorted(problems, key=sort_key))
    return Quotas(quotas.drop("_file"), periods.drop("_file"), rollup.drop("_file"))


def plan_period(periods: pl.DataFrame) -> tuple[Period, list[tuple[date, date]]]:
    """The plan's period kind and its periods (start, end inclusive), from the period rows."""
    spans = periods.select("period_start", "period_end").unique().sort("period_start")
    rows = [(s, e) for s, e in spans.iter_rows()]
    if not rows:
        raise UsageError("the plan has no period quotas (no quota carrier); nothing to export")
    months = {_months(s, e) for s, e in rows}
    if months == {1}:
        return "month", rows
    if months == {3}:
        return "quarter", rows
    odd = periods.filter(pl.col("period_end") != pl.col("period_start").dt.offset_by(
        "3mo" if 3 in months else "1mo").dt.offset_by("-1d"))
    line = int(odd.get_column("line")[0]) if "line" in odd.columns and odd.height else None
    raise PlanInvalid([error("quota_periods.csv", line, "period_end", "the periods are neither "
                             "all months nor all quarters; rebuild the outputs with `quotaplan "
                             "build`", "periods")])


def _months(start: date, end: date) -> int:
    after = end + timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


def _carrier_periods(quotas: Quotas, period: Period | None) -> pl.DataFrame:
    """Carriers' quotas by the org's period: seller_id, territory_id, start, cents."""
    kind, spans = plan_period(quotas.periods)
    rows = quotas.periods.select("seller_id", start="period_start", cents="quota")
    if period in (None, kind):
        pass
    elif kind == "quarter":  # → months: each quarter evenly, by largest remainder on cents
        magnitude, sign = pl.col("cents").abs(), pl.col("cents").sign()
        rows = rows.join(pl.DataFrame({"k": [0, 1, 2]}), how="cross").with_columns(
            cents=sign * (magnitude // 3 + (pl.col("k") < magnitude % 3).cast(pl.Int64)),
            start=pl.col("start").dt.offset_by(pl.format("{}mo", pl.col("k")))).drop("k")
    else:  # months → quarters from the plan year's start
        first = spans[0][0]
        quarter = {s: add_months(first, 3 * (i // 3)) for i, (s, _) in enumerate(spans)}
        rows = rows.with_columns(start=pl.col("start").replace_strict(quarter)).group_by(
            "seller_id", "start").agg(pl.col("cents").sum())
    return rows.join(quotas.carriers.select("seller_id", "territory_id"), on="seller_id").sort(
        "seller_id", "start")


def _ancestors(nodes: pl.DataFrame) -> pl.DataFrame:
    """(territory_id, ancestor) for every node and each node above it."""
    parent = dict(zip(nodes.get_column("territory_id").to_list(),
                      nodes.get_column("parent_id").to_list(), strict=True))
    pairs: list[tuple[str, str]] = []
    for node, first in parent.items():
        up, seen = first, {node}
        while up is not None and up not in seen:
            pairs.append((node, up))
            seen.add(up)
            up = parent.get(up)
    return pl.DataFrame(pairs, schema={"territory_id": pl.String, "ancestor": pl.String},
                        orient="row")


def _manager_periods(quotas: Quotas, carriers: pl.DataFrame) -> pl.DataFrame:
    """Managers' rolled-up quotas split over the periods (see the module's docstring)."""
    starts = sorted(carriers.get_column("start").unique().to_list())
    keys = [s.isoformat() for s in starts]
    team = (carriers.join(_ancestors(quotas.nodes), on="territory_id")
            .group_by("ancestor", "start").agg(pl.col("cents").sum()))
    weights: dict[tuple[str, date], int] = {(a, s): c for a, s, c in team.iter_rows()}
    rows: list[tuple[str, str, date, int]] = []
    managed = quotas.nodes.filter(pl.col("manager_id").is_not_null()).sort("manager_id")
    for node, manager, total in managed.select("territory_id", "manager_id",
                                               "manager_quota").iter_rows():
        share = [max(weights.get((node, s), 0), 0) for s in starts]
        if sum(share) == 0:
            share = [1] * len(starts)
        for s, amount in zip(starts, largest_remainder(total or 0, share, keys), strict=True):
            rows.append((manager, node, s, amount))
    return pl.DataFrame(rows, schema={"seller_id": pl.String, "territory_id": pl.String,
                                      "start": pl.Date, "cents": pl.Int64}, orient="row")


@dataclass(frozen=True)
class ExportOptions:
    """``--forecast-type`` (an 18-character id), ``--period`` (``None``: the plan's),
    ``--currency`` (``None``: the plan's, if known) and ``--product-family``."""

    forecast_type: str
    period: Period | None = None
    currency: str | None = None
    product_family: str | None = None

    @classmethod
    def parse(cls, forecast_type: str, period: str | None, currency: str | None,
              product_family: str | None) -> ExportOptions:
        """The command line's options; a :class:`UsageError` names a bad one."""
        if period is not None and period not in ("month", "quarter"):
            raise UsageError(f"--period {period!r}: use month or quarter")
        if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency.strip()):
            raise UsageError(f"--currency {currency!r} is not an ISO currency code (e.g. USD, EUR)")
        return cls(forecast_type_id(forecast_type), "month" if period == "month" else
                   "quarter" if period == "quarter" else None,
                   currency.strip().upper() if currency else None, product_family or None)


def forecasting_quotas(quotas: Quotas, options: ExportOptions) -> pl.DataFrame:
    """The ForecastingQuota rows (columns :data:`HEADER`, all text): carriers first, then
    managers, each by user id and period."""
    forecast_type, currency = options.forecast_type, options.currency
    product_family = options.product_family
    carriers = _carrier_periods(quotas, options.period)
    managers = _manager_periods(quotas, carriers)
    both = pl.concat([carriers.select("seller_id", "territory_id", "start", "cents"), managers])
    return both.select(
        QuotaOwnerId=neutralise(pl.col("seller_id")),
        QuotaAmount=cents_to_decimal_expr(pl.col("cents")).cast(pl.String),
        StartDate=pl.col("start").dt.strftime("%Y-%m-%d"),
        ForecastingTypeId=text(forecast_type),
        CurrencyIsoCode=text(currency or quotas.currency),
        Territory2Id=neutralise(pl.col("territory_id")),
        ProductFamily=neutralise(text(product_family)),
    )


def forecast_type_id(value: str) -> str:
    """``--forecast-type`` as an 18-character id; a :class:`UsageError` when it is not one."""
    id18 = to_18(value.strip())
    if id18 is None:
        raise UsageError(f"--forecast-type {value!r} is not a Salesforce id; pass the Id of the "
                         "forecast type (SELECT Id, DeveloperName FROM ForecastingType WHERE "
                         "IsActive = true)")
    return id18


def text(value: str | None) -> pl.Expr:
    return pl.lit(value or None, dtype=pl.String)


def owners(rows: pl.DataFrame) -> tuple[int, list[str]]:
    """How many users the rows name, and those whose id is not a Salesforce id (sorted)."""
    names = sorted(rows.get_column("QuotaOwnerId").unique().to_list())
    return len(names), [n for n in names if to_18(n) is None]


def write_rows(rows: pl.DataFrame, path: Path) -> None:
    rows.write_csv(path, null_value="", quote_style="necessary")
