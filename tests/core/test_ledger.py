"""One carrier's quota: the integer figures agree with the exact ledger, ledgers come on demand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.core.ledger import (
    CarrierInputs,
    Figures,
    LazyLedgers,
    ManualLine,
    QuotaLedger,
    QuotaRules,
    carrier_figures,
    carrier_ledger,
    ledger_row,
)
from quotaplan.core.ramp import period_months, plan_periods

ONES = (F(1),) * 12


def rules(mode: str = "multiplicative", period: str = "quarter",
          weights: tuple[F, ...] | None = None) -> QuotaRules:
    periods = tuple(plan_periods(date(2026, 1, 1), period))
    if weights is None:
        weights = tuple(F(1, len(periods)) for _ in periods)
    return QuotaRules(mode, periods, tuple(period_months(period)), weights)


def carrier(base: int, *, padding: tuple[tuple[int, Decimal], ...] = (),
            seniority: str = "1", strategic: F = F(1), manual: tuple[ManualLine, ...] = (),
            months: tuple[F, ...] = ONES, seller: str = "s1") -> CarrierInputs:
    return CarrierInputs(
        seller_id=seller, territory_id="L1", book_target=base, base=base, base_reason="book",
        padding=padding, padding_reason="", seniority_factor=Decimal(seniority),
        seniority_reason="", strategic_factor=strategic, strategic_reason="", manual=manual,
        months=months, ramp_reason="",
    )


def figures_of(ledger: QuotaLedger, inputs: CarrierInputs) -> Figures:
    row = ledger_row(ledger, inputs)
    return Figures(row["base_quota"], row["manual_adjustment"], row["full_year_quota"],
                   row["final_quota"], tuple(p.quota for p in ledger.periods),
                   ledger.full_year_quota < 0)


def test_spec_phasing_check_in_integers() -> None:
    """100,000 a year, weights .2/.2/.2/.4, first ramp month March (Q1 one month of three)."""
    months = (F(0), F(0), *(F(1),) * 10)
    plan_rules = rules(weights=(F(1, 5), F(1, 5), F(1, 5), F(2, 5)))
    figures = carrier_figures(carrier(10_000_000, months=months), plan_rules)
    assert figures.period_quotas == (666667, 2000000, 2000000, 4000000)
    assert figures.final_quota == 8666667
    assert figures.full_year_quota == 10_000_000


def test_rates_and_amounts_in_both_modes() -> None:
    """Two manual rates +0.10 and −0.02 (SPEC's worked check), then +50.00."""
    manual = (ManualLine(2, Decimal("0.10"), None, "a"), ManualLine(3, Decimal("-0.02"), None, "b"),
              ManualLine(4, None, 5000, "c"))
    additive = carrier_figures(carrier(100_000, manual=manual), rules("additive"))
    assert additive.full_year_quota == 108_000 + 5000  # 1,000 × 1.08 + 50
    assert additive.manual_adjustment == 13_000
    multiplicative = carrier_figures(carrier(10_000_000, manual=manual), rules())
    assert multiplicative.full_year_quota == 10_780_000 + 5000  # 100,000 × 1.1 × 0.98 + 50
    assert multiplicative.manual_adjustment == 785_000


def test_a_negative_year_is_rounded_as_its_mirror() -> None:
    """−100.01 over four even quarters: −25.0025 each → −25.01 once (the earliest), −25.00 thrice."""
    figures = carrier_figures(carrier(0, manual=(ManualLine(1, None, -10001, "x"),)), rules())
    assert figures.negative
    assert figures.final_quota == -10001
    assert figures.period_quotas == (-2501, -2500, -2500, -2500)


decimals = st.decimals(min_value=Decimal("-0.9"), max_value=Decimal("2"), places=4)


@settings(max_examples=300, deadline=None)
@given(
    base=st.integers(min_value=0, max_value=10**11),
    mode=st.sampled_from(["multiplicative", "additive"]),
    period=st.sampled_from(["quarter", "month"]),
    padding=st.lists(st.sampled_from(["0", "0.03", "0.05", "0.125", "-0.1"]), max_size=3),
    seniority=st.sampled_from(["1", "0.9", "1.1", "1.15"]),
    strategic=st.fractions(min_value=F(1, 2), max_value=F(3), max_denominator=10**9),
    rates=st.lists(decimals, max_size=3),
    amounts=st.lists(st.integers(min_value=-10**9, max_value=10**9), max_size=3),
    months=st.lists(st.fractions(min_value=0, max_value=F(3, 2), max_denominator=120),
                    min_size=12, max_size=12),
    raw_weights=st.lists(st.integers(min_value=0, max_value=50), min_size=12, max_size=12),
)
def test_figures_equal_the_ledger(
    base: int, mode: str, period: str, padding: list[str], seniority: str, strategic: F,
    rates: list[Decimal], amounts: list[int], months: list[F], raw_weights: list[int],
) -> None:
    count = 4 if period == "quarter" else 12
    raw = raw_weights[:count] if sum(raw_weights[:count]) else [1] * count
    plan_rules = rules(mode, period, tuple(F(w, sum(raw)) for w in raw))
    manual = tuple(ManualLine(i, r, None, "rate") for i, r in enumerate(rates)) + tuple(
        ManualLine(10 + i, None, a, "amount") for i, a in enumerate(amounts))
    inputs = carrier(base, padding=tuple((d + 1, Decimal(p)) for d, p in enumerate(padding)),
                     seniority=seniority, strategic=strategic, manual=manual,
                     months=tuple(months))
    assert carrier_figures(inputs, plan_rules) == figures_of(carrier_ledger(inputs, plan_rules),
                                                               inputs)


def test_a_profile_below_zero_takes_the_exact_path() -> None:
    months = (F(-1, 2), *(F(1),) * 11)
    inputs = carrier(1_000_000, months=months)
    assert carrier_figures(inputs, rules()) == figures_of(carrier_ledger(inputs, rules()), inputs)


def test_lazy_ledgers_build_each_ledger_once_on_demand() -> None:
    inputs = {s: carrier(100_000 * (i + 1), seller=s) for i, s in enumerate(["b", "a", "c"])}
    ledgers = LazyLedgers(inputs, rules())
    assert list(ledgers) == ["b", "a", "c"]
    assert len(ledgers) == 3
    assert ledgers["a"].final_quota == 200_000
    assert ledgers["a"] is ledgers["a"]
    assert ledgers == {s: carrier_ledger(i, rules()) for s, i in inputs.items()}
    with pytest.raises(KeyError):
        ledgers["nobody"]
