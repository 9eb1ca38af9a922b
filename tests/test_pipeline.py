"""The staged build: an edited plan built through a kept pipeline equals a fresh build of it, for
every kind of edit, and an edit reruns only the stages it reaches."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan import edits
from quotaplan.build import BuildResult, build
from quotaplan.demo import demo_plan_path
from quotaplan.errors import PlanInvalid
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.pipeline import Pipeline
from quotaplan.pipeline.memo import SMALL_ROWS, Memo, same
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan, read_plan_files
from test_whatif import RAMPING

TABLES = ("account_targets", "quotas", "quota_periods", "gap", "rollup")

#: The what-if tests' ramping plan (root W numbered 4,000.00, M hedged 10 %, ramping sellers,
#: seasonality, additive adjustments) with seniority, a second profile, OTEs, a numbered M, an
#: override and a leaf of its own for L4.
HAND = {
    **RAMPING,
    "plan.toml": RAMPING["plan.toml"].replace('profiles = { slow = [0.0, 0.3, 0.7] }',
                                              'profiles = { slow = [0.0, 0.3, 0.7], quick = [0.5] }')
    + """
        [seniority]
        factors = { junior = 0.9, senior = 1.1 }
        """,
    "territories.csv": "territory_id,parent_id\nW,\nM,W\nL1,M\nL2,M\nL3,W\nL4,W\n",
    "sellers.csv": "seller_id,territory_id,hire_date,ote,seniority\nboss,M,,,\n"
                   "s1,L1,2026-02-20,12000000,junior\ns2,L2,,9000000,\ns3,L3,2025-12-01,,senior\n",
    "accounts.csv": "account_id,territory_id\na1,L1\na2,L1\na3,L2\na4,L3\na5,L4\n",
    "topdown.csv": "territory_id,amount\nM,2500.00\n",
    "overrides.csv": "account_id,target,reason\na2,700.00,known deal\n",
    "adjustments.csv": "seller_id,amount,rate,reason\ns2,-50.00,,handover\ns1,,0.05,push\n",
}


def _hand() -> Plan:
    files = {k: (textwrap.dedent(v).strip() + "\n").encode() for k, v in HAND.items()}
    plan, problems = read_plan_files(files)
    assert plan is not None, [p.render() for p in problems]
    return plan


def _generated(folder: Path) -> Plan:
    write_generated(generate_plan(GenerateOptions(accounts=150, sellers=8, seed=5, levels=3,
                                                  history_years=2, bookings_per_account=3)),
                    folder)
    plan, problems = read_plan(folder)
    assert plan is not None, [p.render() for p in problems]
    return plan


def _demo() -> Plan:
    plan, problems = read_plan(demo_plan_path())
    assert plan is not None, [p.render() for p in problems]
    return plan


@pytest.fixture(scope="module", params=["hand", "generated", "demo"])
def plan(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Plan:
    if request.param == "hand":
        return _hand()
    if request.param == "generated":
        return _generated(tmp_path_factory.mktemp("generated"))
    return _demo()


def _ids(frame: pl.DataFrame, column: str) -> list[str]:
    return sorted(str(v) for v in frame.get_column(column).unique().to_list())


def _leaves(plan: Plan) -> list[str]:
    parents = set(plan.territories.get_column("parent_id").drop_nulls().to_list())
    return [t for t in _ids(plan.territories, "territory_id") if t not in parents]


Edit = Callable[[Plan], Plan]
CENTS = st.integers(min_value=0, max_value=50_000_000)


def adjustment_edits(plan: Plan) -> st.SearchStrategy[Edit]:
    add = st.builds(
        lambda seller, amount, rate: lambda p: edits.add_adjustment(
            p, seller, amount=amount if rate is None else None, rate=rate, reason="edit"),
        st.sampled_from(_ids(plan.sellers, "seller_id")),
        st.integers(min_value=-5_000_000, max_value=5_000_000),
        st.one_of(st.none(), st.decimals(min_value=Decimal("-0.5"), max_value=Decimal("0.5"),
                                         places=3)))
    lines = plan.adjustments.get_column("line").drop_nulls().to_list()
    if not lines:
        return add
    remove = st.sampled_from(lines).map(lambda line: lambda p: edits.remove_adjustment(p, line))
    return st.one_of(add, remove)


def override_edits(plan: Plan) -> st.SearchStrategy[Edit]:
    return st.builds(lambda account, target: lambda p: edits.set_override(p, account, target),
                     st.sampled_from(_ids(plan.accounts, "account_id")),
                     st.one_of(st.none(), CENTS))


def topdown_edits(plan: Plan) -> st.SearchStrategy[Edit]:
    return st.builds(lambda node, amount: lambda p: edits.set_topdown(p, node, amount),
                     st.sampled_from(_ids(plan.territories, "territory_id")),
                     st.one_of(st.none(), st.integers(min_value=0, max_value=10**11)))


def seller_edits(plan: Plan) -> st.SearchStrategy[Edit]:
    start = plan.settings.plan.fiscal_year_start
    days = st.integers(min_value=-500, max_value=500).map(lambda n: start + timedelta(days=n))
    later = st.integers(min_value=1, max_value=500).map(lambda n: start + timedelta(days=n))
    values: dict[str, st.SearchStrategy[object]] = {
        "hire_date": st.one_of(st.none(), days),
        "end_date": st.one_of(st.none(), later),
        "ote": st.one_of(st.none(), CENTS),
        "seniority": st.one_of(st.none(), st.sampled_from(
            sorted(plan.settings.seniority.factors) or ["none"]).filter(lambda s: s != "none")),
        "ramp_profile": st.one_of(st.none(), st.sampled_from(
            sorted(plan.settings.ramp.profiles) or ["none"]).filter(lambda s: s != "none")),
        "status": st.sampled_from(["active", "tbh", "leaving"]),
    }
    change = st.sampled_from(sorted(values)).flatmap(
        lambda name: values[name].map(lambda value: {name: value}))
    return st.builds(lambda seller, fields: lambda p: edits.change_seller(p, seller, **fields),
                     st.sampled_from(_ids(plan.sellers, "seller_id")), change)


def move_edits(plan: Plan) -> st.SearchStrategy[Edit]:
    return st.builds(lambda account, leaf: lambda p: edits.move_account(p, account, leaf),
                     st.sampled_from(_ids(plan.accounts, "account_id")),
                     st.sampled_from(_leaves(plan)))


KINDS = {
    "adjustment": adjustment_edits,
    "override": override_edits,
    "topdown": topdown_edits,
    "seller": seller_edits,
    "move": move_edits,
}

Outcome = BuildResult | list[str]


def _outcome(pipeline: Pipeline, plan: Plan) -> Outcome:
    """The build, or the rendered problems of a plan the build finds invalid."""
    try:
        return pipeline.build(plan)
    except PlanInvalid as invalid:
        return [p.render() for p in invalid.problems]


def assert_equal(got: Outcome, want: Outcome) -> None:
    if isinstance(want, list) or isinstance(got, list):
        assert got == want
        return
    for name in TABLES:
        assert getattr(got, name).equals(getattr(want, name)), name
    assert got.summary == want.summary
    assert [p.render() for p in got.problems] == [p.render() for p in want.problems]
    assert set(got.ledgers) == set(want.ledgers)
    for seller in want.ledgers:
        assert got.ledgers[seller] == want.ledgers[seller], seller


@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow,
                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_edits_through_a_kept_pipeline_equal_a_fresh_build(plan: Plan, data: st.DataObject) -> None:
    """A few random edits of any kind in a row, each built through the pipeline that built the
    plans before it and compared with a fresh pipeline's build of the same edited plan."""
    pipeline = Pipeline()
    assert_equal(_outcome(pipeline, plan), _outcome(Pipeline(), plan))
    current = plan
    for _ in range(data.draw(st.integers(min_value=1, max_value=3), label="edits")):
        kind = data.draw(st.sampled_from(sorted(KINDS)), label="kind")
        edited = data.draw(KINDS[kind](current), label=kind)(current)
        want = _outcome(Pipeline(), edited)
        assert_equal(_outcome(pipeline, edited), want)
        if not isinstance(want, list):
            current = edited


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_each_kind_of_edit_equals_a_fresh_build(plan: Plan, kind: str,
                                                data: st.DataObject) -> None:
    """Every kind is drawn for every plan (the mixed test above may favour some)."""
    pipeline = Pipeline()
    pipeline.build(plan)
    edited = data.draw(KINDS[kind](plan), label=kind)(plan)
    assert_equal(_outcome(pipeline, edited), _outcome(Pipeline(), edited))


def _ran(pipeline: Pipeline, plan: Plan) -> set[str]:
    pipeline.build(plan)
    return set(pipeline.memo.ran)


def test_an_edit_reruns_only_the_stages_it_reaches() -> None:
    plan = _hand()
    pipeline = Pipeline()
    first = _ran(pipeline, plan)
    assert {"hierarchy", "targets", "quotas", "roll-up", "summary"} <= first
    assert _ran(pipeline, plan) == set()  # the same plan again: nothing runs
    adjusted = _ran(pipeline, edits.add_adjustment(plan, "s1", amount=10_000, reason="deal"))
    assert adjusted == {"quotas", "gap", "roll-up", "summary"}
    plan = edits.change_seller(plan, "s2", ote=8_000_000)
    ote = _ran(pipeline, plan)
    assert "targets" not in ote
    assert "books" not in ote
    assert "quotas" in ote
    override = _ran(pipeline, edits.set_override(plan, "a3", 12_345))
    assert "hierarchy" not in override
    assert "history" not in override
    assert "targets" in override


def test_an_adjustment_recomputes_only_its_carrier(monkeypatch: pytest.MonkeyPatch) -> None:
    """The quotas stage's incremental step: the full quota step is not called again, the other
    carriers' rows are the very same values, the changed one equals a fresh build."""
    plan = _hand()
    pipeline = Pipeline()
    before = pipeline.build(plan)

    def refuse(*_: object) -> None:
        raise AssertionError("the full quota step ran for one carrier's adjustment")

    monkeypatch.setattr("quotaplan.core.quotas.compute_quotas", refuse)
    after = pipeline.build(edits.add_adjustment(plan, "s3", amount=-25_000, reason="carve-out"))
    monkeypatch.undo()
    fresh = build(after.plan)
    assert after.quotas.equals(fresh.quotas)
    assert after.quota_periods.equals(fresh.quota_periods)
    changed = after.quotas.join(before.quotas, on=before.quotas.columns, how="anti",
                                nulls_equal=True)
    assert changed.get_column("seller_id").to_list() == ["s3"]
    assert after.quota_inputs["s3"].manual[-1].amount == -25_000


def test_a_negative_quota_warning_follows_the_edit() -> None:
    plan = _hand()
    pipeline = Pipeline()
    pipeline.build(plan)
    negative = edits.add_adjustment(plan, "s2", amount=-900_000_00, reason="gone")
    codes = [p.code for p in pipeline.build(negative).problems]
    assert codes.count("negative-quota") == 1
    assert "negative-quota" not in [p.code for p in pipeline.build(plan).problems]


def test_a_large_frame_is_recognised_by_identity_only() -> None:
    big = pl.DataFrame({"x": range(SMALL_ROWS + 1)})
    assert same(big, big)
    assert not same(big, big.clone())
    small = pl.DataFrame({"x": [1, 2]})
    assert same(small, small.clone())
    assert not same(small, small.with_columns(pl.col("x") + 1))
    memo, calls = Memo(), []
    for frame in (small, small.clone(), big, big.clone()):
        memo.run("stage", (frame,), lambda: calls.append(1))
    assert len(calls) == 3  # the clone of the small frame was recognised, the big one's not


def test_edits_check_their_ids() -> None:
    plan = _hand()
    with pytest.raises(KeyError):
        edits.move_account(plan, "nope", "L1")
    with pytest.raises(ValueError, match="not a leaf"):
        edits.move_account(plan, "a1", "M")
    with pytest.raises(ValueError, match="exactly one"):
        edits.add_adjustment(plan, "s1", amount=1, rate=Decimal("0.1"))
    with pytest.raises(ValueError, match="sets only"):
        edits.change_seller(plan, "s1", territory_id="L2")
    assert edits.set_topdown(plan, "M", None).topdown.filter(
        pl.col("territory_id") == "M").is_empty()
    assert edits.change_seller(plan, "s1", hire_date=date(2026, 3, 1)).sellers.filter(
        pl.col("seller_id") == "s1").get_column("hire_date")[0] == date(2026, 3, 1)
