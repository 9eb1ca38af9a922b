"""What-if: one carrier's manual adjustments changed, the build updated in place of a rebuild.

SPEC: "What-if (one carrier's adjustment changed) updates that carrier and every ancestor's roll-up
in ≤ 100 ms." :class:`WhatIf` indexes a :class:`~quotaplan.build.BuildResult` once; each
:meth:`WhatIf.with_adjustments` then recomputes only that carrier's ledger, its rows of quotas,
quota_periods and gap, the roll-up rows of its leaf and every ancestor (sums, hedged manager quotas
— exact —, gaps, attainment factor, productive capacity, headcount to close) and the summary, and
returns a new result equal to a full rebuild of the plan with those adjustments (its ``plan``
holds them too). The result it
starts from is never changed; each what-if starts from it (they do not accumulate).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core import capacity, feasibility, quotas, rollup
from quotaplan.core.ledger import (
    CarrierInputs,
    ManualLine,
    QuotaLedger,
    carrier_figures,
    carrier_ledger,
    quota_rules,
)
from quotaplan.money import round_half_away
from quotaplan.plan import Plan
from quotaplan.problems import Problem, warning


class _Overlay(Mapping[str, QuotaLedger]):
    """The build's ledgers with one replaced, without building the others."""

    def __init__(self, key: str, value: QuotaLedger, under: Mapping[str, QuotaLedger]) -> None:
        self._key, self._value, self._under = key, value, under

    def __getitem__(self, key: str) -> QuotaLedger:
        return self._value if key == self._key else self._under[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._under)

    def __len__(self) -> int:
        return len(self._under)


def quota_inputs_of(result: BuildResult) -> dict[str, CarrierInputs]:
    """Every carrier's :class:`CarrierInputs` of a build (recomputed from its account targets; a
    few tenths of a second on a million accounts). ``BuildResult.quota_inputs``, when the build
    carries it, is used as is."""
    carried = result.quota_inputs or None
    if carried is not None:
        return dict(carried)
    return quotas.compute_quotas(result.plan, result.hierarchy, result.account_targets).inputs


def plan_with_adjustments(plan: Plan, seller_id: str, adjustments: Sequence[ManualLine]) -> Plan:
    """The plan with ``seller_id``'s adjustments.csv lines replaced by ``adjustments`` (one line
    per :class:`ManualLine`, its ``line`` kept): what a rebuild of the what-if reads."""
    table = plan.adjustments
    rows = pl.DataFrame(
        {
            "line": [a.line for a in adjustments],
            "seller_id": [seller_id] * len(adjustments),
            "amount": [a.amount for a in adjustments],
            "rate": [None if a.rate is None else str(a.rate) for a in adjustments],
            "reason": [a.reason for a in adjustments],
            "author": [a.author for a in adjustments],
        },
        schema={"line": pl.Int64(), "seller_id": pl.String(), "amount": pl.Int64(),
                "rate": pl.String(), "reason": pl.String(), "author": pl.String()},
    )
    kept = table.filter(pl.col("seller_id") != seller_id)
    rows = rows.select([pl.col(c).cast(kept.schema[c]) if c in rows.columns
                        else pl.lit(None, dtype=kept.schema[c]).alias(c) for c in kept.columns])
    return plan.with_tables(adjustments=pl.concat([kept, rows]).sort("line", nulls_last=True,
                                                                       maintain_order=True))


class WhatIf:
    """A build indexed for what-ifs. Construction costs about one quota step (the carriers' books
    and, when not given, their inputs); each :meth:`with_adjustments` a few milliseconds.

    ``quota_inputs``: seller_id → :class:`CarrierInputs` of the build
    (``QuotasResult.inputs``); computed by :func:`quota_inputs_of` when omitted.
    """

    def __init__(
        self, result: BuildResult, quota_inputs: Mapping[str, CarrierInputs] | None = None
    ) -> None:
        plan = result.plan
        self.result = result
        self.inputs: Mapping[str, CarrierInputs] = (
            quota_inputs if quota_inputs is not None else quota_inputs_of(result)
        )
        self._rules = quota_rules(plan.settings)
        if result.books is not None:
            self._books = result.books
        else:
            accounts = result.account_targets.select(
                "account_id", "territory_id", "target",
                *[c for c in ("base_bookings",) if c in result.account_targets.columns])
            threshold = capacity.high_value_threshold(plan, accounts)
            self._books = feasibility.concentration(accounts, high_value_target=threshold)[0]
        self._book_row = _index(self._books, "territory_id")
        self._quota_row = _index(result.quotas, "seller_id")
        self._gap_row = _index(result.gap, "seller_id")
        self._period_row = _first_index(result.quota_periods, "seller_id")
        self._periods = len(self._rules.periods)
        nodes = result.rollup
        self._node_row = _index(nodes, "territory_id")
        self._parent: dict[str, str | None] = dict(
            nodes.select("territory_id", "parent_id").iter_rows())
        hedge = plan.settings.quotas.hedge
        self._keep = {node: 1 - Fraction(hedge.get(depth, 0)) for node, depth in
                      nodes.select("territory_id", "depth").iter_rows()}
        self._rolled = rollup._manager_quotas(plan, nodes)
        self._numbered = [self._node_row[node] for node in nodes.filter(
            pl.col("topdown").is_not_null()).get_column("territory_id").to_list()]
        self._hire_factors = capacity.hire_factors(plan, plan.settings.plan.fiscal_year_start)

    def with_adjustments(self, seller_id: str, adjustments: Sequence[ManualLine]) -> BuildResult:
        """The build as if ``seller_id``'s adjustments.csv lines were ``adjustments`` (in file
        order; each with exactly one of rate or amount). KeyError for a seller who carries no
        quota."""
        base = self.result
        plan = base.plan
        inputs = replace(self.inputs[seller_id], manual=tuple(adjustments))
        figures = carrier_figures(inputs, self._rules)

        at = self._quota_row[seller_id]
        old = base.quotas.row(at, named=True)
        new = old | {name: values[0] for name, values in
                     quotas.quota_columns([inputs], [figures], [old["ote"]]).items()}
        row = pl.DataFrame([new], schema=base.quotas.schema, orient="row")
        quota_frame = _replace_rows(base.quotas, at, row)
        first = self._period_row[seller_id]
        periods = base.quota_periods.slice(first, self._periods).with_columns(
            pl.Series("quota", figures.period_quotas, dtype=pl.Int64))
        period_frame = _replace_rows(base.quota_periods, first, periods)

        book = self._book_row.get(inputs.territory_id)
        books = self._books.slice(book, 1) if book is not None else self._books.clear()
        gap_row = feasibility.gap_table(plan, row, books)
        g = self._gap_row[seller_id]
        gap = _replace_rows(base.gap, g, gap_row.select(base.gap.columns).cast(base.gap.schema))
        old_risk, new_risk = base.gap.get_column("risk")[g], gap_row.get_column("risk")[0]

        nodes = self._rollup(inputs.territory_id, old, new, old_risk, new_risk)
        # Only the changed ledger is new; the others stay those of the build (built on demand).
        ledgers = _Overlay(seller_id, carrier_ledger(inputs, self._rules), base.ledgers)
        return replace(
            base,
            plan=plan_with_adjustments(plan, seller_id, adjustments),
            quotas=quota_frame,
            quota_periods=period_frame,
            gap=gap,
            rollup=nodes,
            summary=rollup.summary(plan, base.hierarchy, nodes, gap,
                                   hire_monthly_factors=self._hire_factors),
            ledgers=ledgers,
            problems=_problems(base.problems, seller_id, figures.negative),
        )

    def _rollup(self, leaf: str, old: Mapping[str, Any], new: Mapping[str, Any],
                old_risk: str | None, new_risk: str | None) -> pl.DataFrame:
        """The roll-up with the carrier's leaf and its ancestors updated."""
        plan, nodes = self.result.plan, self.result.rollup

        def ramped(row: Mapping[str, Any]) -> tuple[int, int]:
            return (1, row["full_year_quota"]) if row["ramp_factor"] == 1.0 else (0, 0)

        (old_n, old_sum), (new_n, new_sum) = ramped(old), ramped(new)
        change = {
            "quota_sum": new["final_quota"] - old["final_quota"],
            "ramped_carriers": new_n - old_n,
            "ramped_full_year_sum": new_sum - old_sum,
            "high_risk_carriers": (new_risk == "high") - (old_risk == "high"),
        }
        path: list[str] = []
        node: str | None = leaf
        while node is not None:
            path.append(node)
            node = self._parent[node]
        rows = [self._node_row[n] for n in path]
        columns = {name: nodes.get_column(name).clone() for name in
                   (*change, "manager_quota", "headcount_to_close")}
        for name, delta in change.items():
            if delta:
                values = columns[name].gather(rows) + delta
                columns[name].scatter(rows, values)
        # Hedged manager quotas, exact: a change of a child's value changes its parent's
        # children sum by as much, and the parent's value by that × (1 − hedge[parent depth]).
        moved = Fraction(change["quota_sum"])
        managers: list[int] = []
        for n in path[1:]:
            moved *= self._keep[n]
            managers.append(round_half_away(self._rolled[n] + moved))
        if managers:
            columns["manager_quota"].scatter(rows[1:], managers)
        self._headcounts(nodes, columns, rows)
        frame = nodes.with_columns(*columns.values())
        return frame.with_columns(_derived(plan)).select(nodes.columns)

    def _headcounts(self, nodes: pl.DataFrame, columns: dict[str, pl.Series],
                    path: list[int]) -> None:
        """headcount_to_close of every numbered node whose figures (its own, or the plan-wide ones
        it falls back on) may have changed."""
        root = path[-1]
        carriers, sums = columns["ramped_carriers"], columns["ramped_full_year_sum"]
        plan_n, plan_sum = carriers[root], sums[root]
        plan_moved = plan_n != nodes.get_column("ramped_carriers")[root] or (
            plan_sum != nodes.get_column("ramped_full_year_sum")[root])
        on_path = set(path)
        topdown, targets = nodes.get_column("topdown"), nodes.get_column("account_target_sum")
        attainment = Fraction(self.result.plan.settings.capacity.expected_attainment)
        rows: list[int] = []
        values: list[int | None] = []
        for i in self._numbered:
            own = carriers[i] > 0
            if i not in on_path and (own or not plan_moved):
                continue
            rows.append(i)
            values.append(capacity.headcount_to_close(
                topdown[i] - targets[i], sums[i] if own else plan_sum,
                carriers[i] if own else plan_n, attainment))
        if rows:
            columns["headcount_to_close"].scatter(rows, pl.Series(values, dtype=pl.Int64))


def with_adjustments(
    result: BuildResult,
    seller_id: str,
    adjustments: Sequence[ManualLine],
    quota_inputs: Mapping[str, CarrierInputs] | None = None,
) -> BuildResult:
    """One what-if (see :class:`WhatIf`; build one to run many)."""
    return WhatIf(result, quota_inputs).with_adjustments(seller_id, adjustments)


def _derived(plan: Plan) -> list[pl.Expr]:
    """The roll-up columns computed from the others, as :func:`quotaplan.core.rollup.rollup_table`
    computes them."""
    settings = plan.settings
    numbered = pl.col("topdown").is_not_null()
    topdown, quota_sum = pl.col("topdown"), pl.col("quota_sum")
    strategic = topdown - pl.col("account_target_sum")
    quota_gap = topdown - quota_sum
    cap = settings.capacity
    attainment = Fraction(cap.expected_attainment)
    loss_rate = attainment * Fraction(cap.attrition) / 2
    return [
        quota_gap.alias("quota_gap"),
        pl.when(numbered & (quota_sum != 0))
        .then(topdown.cast(pl.Float64) / quota_sum.cast(pl.Float64))
        .otherwise(None)
        .alias("attainment_factor"),
        capacity.times_rate(quota_sum, attainment).alias("productive_capacity"),
        capacity.times_rate(quota_sum, loss_rate).alias("expected_attrition_loss"),
        (numbered & (quota_gap < 0) & (strategic > 0)).fill_null(False)
        .alias("pushed_above_support"),
    ]


def _problems(problems: list[Problem], seller_id: str, negative: bool) -> list[Problem]:
    """The build's problems with the seller's negative-quota warning as the what-if decides."""
    mark = f"seller {seller_id}'s full-year quota is below 0"
    kept = [p for p in problems if not (p.code == "negative-quota" and mark in p.message)]
    if negative:
        kept.append(warning("adjustments.csv", None, "amount", f"{mark} after manual amounts; "
                            "check their adjustments", "negative-quota"))
    return kept


def _index(frame: pl.DataFrame, column: str) -> dict[str, int]:
    return {value: i for i, value in enumerate(frame.get_column(column).to_list())}


def _first_index(frame: pl.DataFrame, column: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, value in enumerate(frame.get_column(column).to_list()):
        out.setdefault(value, i)
    return out


def _replace_rows(frame: pl.DataFrame, at: int, rows: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its rows from ``at`` replaced by ``rows`` (same schema)."""
    return pl.concat([frame.slice(0, at), rows, frame.slice(at + rows.height)], rechunk=False)


__all__ = ["WhatIf", "plan_with_adjustments", "quota_inputs_of", "with_adjustments"]
