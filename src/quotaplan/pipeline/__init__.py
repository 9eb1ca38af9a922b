"""The staged build: hierarchy → targets → books → quotas → feasibility → roll-ups → summary.

Each stage is a pure function of the inputs it declares — the plan tables and settings it reads and
earlier stages' outputs — and is memoised on them (see :mod:`.memo`), so a :class:`Pipeline` that
built a plan builds an edited copy of it by running only the stages the edit reaches:

========================  =====================================================================
stage                     inputs
========================  =====================================================================
hierarchy                 territories, sellers, topdown, settings
history (warnings)        bookings, settings
targets                   hierarchy nodes, accounts, bookings, overrides, topdown, settings
accounts (+ carrier)      targets' accounts, carriers (territory, seller, starting this year)
books (concentration)     accounts, settings
quotas                    hierarchy, accounts, adjustments, assigned_quotas, topdown, settings
                          (only the carriers whose adjustments changed, when nothing else did)
gap                       quotas, books, settings
book sums                 accounts (with their concentration columns)
roll-up                   hierarchy, accounts, book sums, quotas, settings
summary                   roll-up, gap, settings
========================  =====================================================================

Every stage also reads ``plan.sources`` (where problems point). A full build is a build through a
fresh pipeline; what-ifs and edits are builds of edited plans through a kept one. Both give the
same :class:`~quotaplan.build.BuildResult`.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import polars as pl

from quotaplan.build import BuildResult
from quotaplan.core import capacity, feasibility, quotas, rollup, targets
from quotaplan.core.hierarchy import Hierarchy, build_hierarchy
from quotaplan.core.history import history_problems
from quotaplan.errors import PlanInvalid
from quotaplan.pipeline.memo import Memo, same
from quotaplan.pipeline.quota_update import update_quotas
from quotaplan.plan import Plan
from quotaplan.problems import Problem, has_errors


class Pipeline:
    """Builds plans, keeping every stage's last inputs and output between builds::

        pipeline = Pipeline()
        result = pipeline.build(plan)
        edited = pipeline.build(edits.set_override(plan, "A1", 5_000_00))

    It holds what its last build computed (about the memory of one build's tables). Settings are
    an input of every stage as a whole (a changed setting reruns every stage): edits change
    tables. ``memo.ran`` lists the stages the last build ran (those it did not recognise), in
    order.
    """

    def __init__(self) -> None:
        self.memo = Memo()

    def build(self, plan: Plan) -> BuildResult:
        """Every output of a valid plan, equal to :func:`quotaplan.build.build` of it. Raises
        :class:`PlanInvalid` when the computation finds errors that reading could not."""
        memo, settings, sources = self.memo, plan.settings, dict(plan.sources)
        memo.ran.clear()
        hierarchy = memo.run("hierarchy", (plan.territories, plan.sellers, plan.topdown, settings,
                                           sources), lambda: build_hierarchy(plan))
        with ThreadPoolExecutor(max_workers=1) as pool:
            # The history's warnings (one pass over the bookings) run beside the targets.
            history: Future[list[Problem]] = pool.submit(
                memo.run, "history", (plan.bookings, settings, sources),
                lambda: history_problems(plan))
            target_result = memo.run(
                "targets", (hierarchy.nodes, plan.accounts, plan.bookings, plan.overrides,
                            plan.topdown, settings, sources),
                lambda: targets.compute_targets(plan, hierarchy))
            problems = list(target_result.problems) + history.result()
        if has_errors(problems):
            raise PlanInvalid(problems)
        # A carrier who starts after the plan year carries none of their book this year: its
        # accounts are uncovered (no seller_id), as on a leaf without a carrier.
        carriers = hierarchy.carriers.filter(~pl.col("starts_after_year")).select(
            "territory_id", "seller_id")
        # Account targets come in account_id order; the join keeps it (no second sort of the ids).
        accounts = memo.run("accounts", (target_result.accounts, carriers), lambda: (
            target_result.accounts.join(carriers, on="territory_id", how="left",
                                        maintain_order="left")))
        # Quotas (Python on a row per carrier) and the books' concentration (Polars on every
        # account) do not depend on each other: the concentration runs beside the quotas.
        with ThreadPoolExecutor(max_workers=1) as pool:
            concentrated = pool.submit(memo.run, "books", (accounts, settings, sources),
                                       lambda: _concentration(plan, accounts))
            quota_result = self._quotas(plan, hierarchy, accounts)
            books, accounts = concentrated.result()
        problems += quota_result.problems
        if has_errors(problems):
            raise PlanInvalid(problems)
        gap = memo.run("gap", (quota_result.quotas, books, settings, sources),
                       lambda: feasibility.gap_table(plan, quota_result.quotas, books))
        sums = memo.run("book sums", (accounts,), lambda: rollup.book_sums(accounts))
        nodes = memo.run(
            "roll-up", (hierarchy.nodes, hierarchy.closure, accounts, sums, quota_result.quotas,
                        settings, sources),
            lambda: rollup.rollup_table(plan, hierarchy, accounts, quota_result.quotas,
                                        books=sums))
        factors = memo.run("hire factors", (settings,), lambda: capacity.hire_factors(
            plan, settings.plan.fiscal_year_start))
        summary = memo.run("summary", (nodes, gap, hierarchy.root, settings, sources),
                           lambda: rollup.summary(plan, hierarchy, nodes, gap,
                                                  hire_monthly_factors=factors))
        return BuildResult(
            plan=plan,
            hierarchy=hierarchy,
            account_targets=memo.run("account targets", (accounts,),
                                     lambda: accounts.sort("account_id")),
            quotas=quota_result.quotas.sort("seller_id"),
            quota_periods=quota_result.periods.sort("seller_id", "period_start"),
            gap=gap.sort("seller_id"),
            rollup=nodes,
            summary=dict(summary),
            ledgers=quota_result.ledgers,
            problems=problems,
            quota_inputs=quota_result.inputs,
            books=books,
        )

    def _quotas(self, plan: Plan, hierarchy: Hierarchy,
                accounts: pl.DataFrame) -> quotas.QuotasResult:
        """The quotas stage: when only adjustments changed since its last run, only the carriers
        whose adjustments changed are recomputed (:mod:`.quota_update`)."""
        inputs: tuple[Any, ...] = (hierarchy.carriers, hierarchy.nodes, accounts,
                                   plan.assigned_quotas, plan.topdown, plan.settings,
                                   dict(plan.sources), plan.adjustments)

        def compute() -> quotas.QuotasResult:
            last = self.memo.last("quotas")
            if last is not None and _same_but_last(last[0], inputs):
                updated = update_quotas(last[1], last[0][-1], plan.adjustments, plan.settings)
                if updated is not None:
                    return updated
            return quotas.compute_quotas(plan, hierarchy, accounts)

        return self.memo.run("quotas", inputs, compute)


def _same_but_last(old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """Are the inputs the same but for the last one?"""
    return len(old) == len(new) and all(same(a, b) for a, b in zip(old[:-1], new[:-1],
                                                                   strict=True))


def _concentration(plan: Plan, accounts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(books, accounts with their ABC class and shares): see
    :func:`quotaplan.core.feasibility.concentration`."""
    threshold = capacity.high_value_threshold(plan, accounts)
    return feasibility.concentration(accounts, high_value_target=threshold)


__all__ = ["Pipeline"]
