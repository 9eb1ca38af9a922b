"""The workspace on a real store: load (validated), open, changes of every kind (checked before they
are appended), export of any state that builds to the same bytes as the store's own figures."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaplan.build import build
from quotaplan.errors import Conflict, PlanInvalid
from quotaplan.generate import GenerateOptions, generate_plan, write_generated
from quotaplan.outputs import write_outputs
from quotaplan.planfolder.read import PLAN_FILES, read_plan
from quotaplan.store import journal
from quotaplan.workspace import Workspace

OUTPUTS = ("account_targets.csv", "quotas.csv", "quota_periods.csv", "gap.csv", "rollup.csv",
           "summary.json")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plan") / "plan"
    write_generated(generate_plan(GenerateOptions(accounts=120, sellers=6, seed=3, levels=3,
                                                  history_years=2, bookings_per_account=3)), out)
    return out


@pytest.fixture
def ws(db_url: str, folder: Path) -> Iterator[Workspace]:
    with Workspace(db_url) as workspace:
        workspace.load(folder, "fy27")
        yield workspace


def outputs_of(result: object, where: Path) -> dict[str, bytes]:
    write_outputs(result, where, force=True)  # type: ignore[arg-type]
    return {name: (where / name).read_bytes() for name in OUTPUTS}


def built(folder: Path, where: Path) -> dict[str, bytes]:
    plan, problems = read_plan(folder)
    assert plan is not None, [p.render() for p in problems]
    return outputs_of(build(plan), where)


def carriers(ws: Workspace) -> list[str]:
    return ws.open("fy27").result.quotas.get_column("seller_id").to_list()


def test_load_creates_the_store_and_opening_gives_the_folders_own_figures(
        ws: Workspace, folder: Path, tmp_path: Path) -> None:
    opened = ws.open("fy27")
    assert opened.seq == 0
    assert opened.events == []
    assert outputs_of(opened.result, tmp_path / "store") == built(folder, tmp_path / "folder")
    # a second workspace (another process) opens the same figures from the stored snapshot
    with Workspace(ws.url) as other:
        assert other.open("fy27").result.quotas.equals(opened.result.quotas)


def test_a_plan_with_errors_is_refused_with_validates_messages_and_nothing_is_stored(
        db_url: str, folder: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    sellers = (broken / "sellers.csv").read_text().splitlines()
    sellers.append(sellers[-1])  # a seller twice
    (broken / "sellers.csv").write_text("\n".join(sellers) + "\n")
    _, expected = read_plan(broken)
    with Workspace(db_url) as ws:
        with pytest.raises(PlanInvalid) as refused:
            ws.load(broken, "bad")
        assert [p.render() for p in refused.value.problems] == [p.render() for p in expected]
        assert any(p.severity == "error" and p.file == "sellers.csv"
                   for p in refused.value.problems)
        ws.load(folder, "good")
        assert [p.name for p in ws.plans()] == ["good"]


def test_an_adjustment_changes_one_carriers_quota_and_is_in_the_log(ws: Workspace) -> None:
    seller = carriers(ws)[0]
    before = ws.open("fy27").result.quotas
    event = ws.change("fy27", "baseline", "adjustment.add", {"seller_id": seller, "amount": "1250.00"},
                      reason="new logo pipeline")
    after = ws.open("fy27").result.quotas
    assert event.seq == 1
    changed = before.join(after, on="seller_id", suffix="_after").filter(
        pl.col("final_quota") != pl.col("final_quota_after"))
    assert changed.get_column("seller_id").to_list() == [seller]
    assert [(e.seq, e.kind, e.reason) for e in ws.log("fy27", seller=seller)] == [
        (1, "adjustment.add", "new logo pipeline")]


@pytest.mark.parametrize(("kind", "payload", "said"), [
    ("adjustment.add", {"seller_id": "NOBODY", "amount": "10.00"}, "no seller 'NOBODY'"),
    ("adjustment.add", {"seller_id": "{carrier}", "amount": "12,50"}, "amount"),
    ("adjustment.add", {"seller_id": "{carrier}", "amount": "1.00", "rate": "0.1"}, "exactly one"),
    ("target.override", {"account_id": "NOPE", "target": "10.00"}, "no account 'NOPE'"),
    ("topdown.set", {"territory_id": "{leaf}", "amount": "-5.00"}, "amount"),
    ("account.move", {"account_id": "{account}", "territory_id": "{root}"}, "not a leaf"),
    ("seller.set", {"seller_id": "{carrier}", "status": "gone"}, "status"),
    ("seller.set", {"seller_id": "{carrier}", "hire_date": "03/04/2027"}, "hire_date"),
    ("setting.set", {"key": "targets.method", "value": '"crystal_ball"'}, "targets.method"),
    ("setting.set", {"key": "targets.growth", "value": "0.1.2"}, "not a plan.toml value"),
    ("seller.add", {"seller_id": "{carrier}", "territory_id": "{leaf}"}, "already in the plan"),
])
def test_an_event_that_would_make_the_plan_invalid_is_refused_and_nothing_is_appended(
        ws: Workspace, kind: str, payload: dict[str, str], said: str) -> None:
    opened = ws.open("fy27")
    names = {"carrier": carriers(ws)[0],
             "account": opened.plan.accounts.get_column("account_id")[0],
             "leaf": opened.result.hierarchy.carriers.get_column("territory_id")[0],
             "root": opened.plan.territories.filter(pl.col("parent_id").is_null())
             .get_column("territory_id")[0]}
    filled = {k: v.format(**names) for k, v in payload.items()}
    with pytest.raises(PlanInvalid) as refused:
        ws.change("fy27", "baseline", kind, filled, reason="try")
    assert said in " ".join(p.render() for p in refused.value.problems)
    assert ws.log("fy27") == []


def test_a_stale_change_to_the_same_seller_is_a_conflict_naming_who(ws: Workspace) -> None:
    seller = carriers(ws)[0]
    ws.change("fy27", "baseline", "adjustment.add", {"seller_id": seller, "rate": "0.02"}, reason="a")
    with pytest.raises(Conflict) as conflict:
        ws.change("fy27", "baseline", "adjustment.add", {"seller_id": seller, "rate": "0.03"},
                  reason="b", based_on=0)
    assert f"seller {seller}" in str(conflict.value)
    assert len(ws.log("fy27")) == 1


def test_a_fork_starts_from_the_head_and_copies_nothing(ws: Workspace) -> None:
    seller = carriers(ws)[0]
    ws.change("fy27", "baseline", "adjustment.add", {"seller_id": seller, "rate": "0.02"}, reason="a")
    ws.fork("fy27", "baseline", "stretch")
    ws.change("fy27", "stretch", "adjustment.add", {"seller_id": seller, "rate": "0.08"}, reason="b")
    base, stretch = ws.open("fy27", "baseline"), ws.open("fy27", "stretch")
    assert (base.seq, stretch.seq) == (1, 2)
    assert [e.seq for e in stretch.events] == [1, 2]
    q = {o.scenario.name: o.result.quotas.filter(pl.col("seller_id") == seller)
         .get_column("final_quota")[0] for o in (base, stretch)}
    assert q["stretch"] > q["baseline"]


EDITS = st.lists(st.sampled_from(["adjust", "rate", "override", "clear", "move", "topdown",
                                  "seller", "hire", "setting", "remove"]), min_size=1, max_size=5)


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=EDITS, pick=st.integers(0, 10_000))
def test_every_state_exports_a_folder_that_builds_to_the_stores_own_figures(
        ws: Workspace, tmp_path: Path, edits: list[str], pick: int) -> None:
    """Load → changes of every kind → export → build gives byte-identical outputs, at the head
    and at every earlier seq (``--as-of``)."""
    scenario = f"s{pick}-{len(edits)}-{abs(hash(tuple(edits))) % 10_000}"
    ws.fork("fy27", "baseline", scenario)
    opened = ws.open("fy27", scenario)
    sellers = opened.result.quotas.get_column("seller_id").to_list()
    accounts = opened.plan.accounts.get_column("account_id").to_list()
    leaves = opened.result.hierarchy.carriers.get_column("territory_id").to_list()
    seller, account, leaf = (sellers[pick % len(sellers)], accounts[pick % len(accounts)],
                             leaves[pick % len(leaves)])
    payloads = {
        "adjust": ("adjustment.add", {"seller_id": seller, "amount": f"{pick % 900}.25"}),
        "rate": ("adjustment.add", {"seller_id": seller, "rate": "-0.035"}),
        "override": ("target.override", {"account_id": account, "target": f"{pick}.10"}),
        "clear": ("target.clear_override", {"account_id": account}),
        "move": ("account.move", {"account_id": account, "territory_id": leaf, "effective": None}),
        "topdown": ("topdown.set", {"territory_id": leaf, "amount": f"{100_000 + pick}.00"}),
        "seller": ("seller.set", {"seller_id": seller, "seniority": None, "ote": "120000.00"}),
        "hire": ("seller.set", {"seller_id": seller, "hire_date": "2027-03-15"}),
        "setting": ("setting.set", {"key": "targets.growth", "value": f"0.{pick % 90:02d}"}),
        "remove": ("adjustment.remove", {"seller_id": seller, "line": "999999"}),
    }
    for edit in edits:
        kind, payload = payloads[edit]
        with contextlib.suppress(PlanInvalid):  # refused (e.g. a line that is not there)
            ws.change("fy27", scenario, kind, payload, reason=edit)
    head = ws.open("fy27", scenario).seq
    for seq in sorted({0, head, head // 2}):
        state = ws.open("fy27", scenario, as_of=seq)
        out = tmp_path / f"export-{scenario}-{seq}"
        ws.export_folder("fy27", scenario, out, as_of=seq, force=True)
        assert built(out, tmp_path / f"b-{scenario}-{seq}") == outputs_of(
            state.result, tmp_path / f"o-{scenario}-{seq}")


def test_exporting_the_loaded_state_gives_the_files_back_byte_for_byte(
        ws: Workspace, folder: Path, tmp_path: Path) -> None:
    ws.change("fy27", "baseline", "adjustment.add", {"seller_id": carriers(ws)[0], "rate": "0.01"},
              reason="later")
    ws.export_folder("fy27", "baseline", tmp_path / "as-loaded", as_of=0)
    files = [path for path in folder.iterdir() if path.name in PLAN_FILES]
    assert len(files) >= 5
    for path in files:
        assert (tmp_path / "as-loaded" / path.name).read_bytes() == path.read_bytes()


def test_the_journal_of_a_change_holds_exactly_what_was_asked(ws: Workspace) -> None:
    seller = carriers(ws)[0]
    ws.change("fy27", "baseline", "seller.set", {"seller_id": seller, "end_date": "2027-09-30"},
              reason="leaving")
    with ws.store.read() as conn:
        (event,) = journal.read(conn, "fy27", "baseline")
    assert (event.kind, event.payload, event.reason) == (
        "seller.set", {"seller_id": seller, "end_date": "2027-09-30"}, "leaving")
    ends = ws.open("fy27").plan.sellers.filter(pl.col("seller_id") == seller).get_column("end_date")
    assert str(ends[0]) == "2027-09-30"


def test_every_kind_of_change_is_appended_and_its_state_builds_like_its_exported_folder(
        ws: Workspace, tmp_path: Path) -> None:
    opened = ws.open("fy27")
    seller = carriers(ws)[0]
    account = opened.plan.accounts.get_column("account_id")[0]
    leaf = opened.result.hierarchy.carriers.get_column("territory_id")[0]
    changes = [
        ("setting.set", {"key": "quotas.rounding", "value": '"period"'}),
        ("topdown.set", {"territory_id": leaf, "amount": "250000.00"}),
        ("topdown.clear", {"territory_id": leaf}),
        ("target.override", {"account_id": account, "target": "1234.56"}),
        ("target.clear_override", {"account_id": account}),
        ("bottom_up.set", {"account_id": account, "amount": "5000.00"}),
        ("adjustment.add", {"seller_id": seller, "amount": "-250.00"}),
        ("adjustment.remove", {"seller_id": seller, "event": "7"}),
        ("assigned_quota.set", {"seller_id": seller, "quota": "90000.00"}),
        ("assigned_quota.set", {"seller_id": seller, "quota": None}),
        ("seller.set", {"seller_id": seller, "ote": "150000.00", "seniority": None}),
        ("territory.add", {"territory_id": "NEW-LEAF",
                           "parent_id": opened.plan.territories.filter(
                               pl.col("territory_id") == leaf).get_column("parent_id")[0]}),
        ("seller.add", {"seller_id": "NEW-S", "territory_id": "NEW-LEAF", "status": "tbh",
                        "hire_date": "2027-04-01"}),
        ("account.add", {"account_id": "NEW-A", "territory_id": "NEW-LEAF", "name": "Newco"}),
        ("account.move", {"account_id": account, "territory_id": "NEW-LEAF", "effective": None}),
    ]
    for kind, payload in changes:
        ws.change("fy27", "baseline", kind, payload, reason=f"test {kind}")
    head = ws.open("fy27")
    assert head.seq == len(changes)
    assert "NEW-S" in head.result.quotas.get_column("seller_id").to_list()
    moved = head.result.account_targets.filter(pl.col("account_id") == account)
    assert moved.get_column("seller_id").to_list() == ["NEW-S"]
    ws.export_folder("fy27", "baseline", tmp_path / "exported")
    assert built(tmp_path / "exported", tmp_path / "b") == outputs_of(head.result, tmp_path / "o")


def test_a_manager_proposes_adjustments_in_their_subtree_only_and_never_their_own(
        db_url: str, folder: Path, tmp_path: Path) -> None:
    from quotaplan.errors import Forbidden, NotFound
    from quotaplan.store import admin

    with Workspace(db_url) as setup:
        setup.load(folder, "fy27")
        opened = setup.open("fy27")
    admin.add_user(db_url, "ana", "a long password", email=None, as_user=None)
    admin.add_user(db_url, "max", "a long password", email=None, as_user="ana")
    hierarchy = opened.result.hierarchy
    carriers_ = hierarchy.carriers.select("territory_id", "seller_id")
    territories = opened.plan.territories
    parents = dict(zip(territories.get_column("territory_id").to_list(),
                       territories.get_column("parent_id").to_list(), strict=True))
    leaf, mine = carriers_.row(0)
    node = parents[leaf]
    outside = next(s for t, s in carriers_.iter_rows() if parents[t] != node)
    boss = opened.plan.sellers.filter(pl.col("territory_id") == node).get_column("seller_id")[0]
    admin.grant(db_url, "max", "manager", plan="fy27", node=node, seller=boss, as_user="ana")
    with Workspace(db_url, as_user="max") as ws:
        event = ws.change("fy27", "baseline", "adjustment.add", {"seller_id": mine, "rate": "0.02"},
                          reason="a strong quarter ahead")
        assert event.actor == "max"
        with pytest.raises(NotFound):
            ws.change("fy27", "baseline", "adjustment.add", {"seller_id": outside, "rate": "0.02"},
                      reason="not mine")
        with pytest.raises(Forbidden):
            ws.change("fy27", "baseline", "adjustment.add", {"seller_id": boss, "rate": "0.5"},
                      reason="my own")
        with pytest.raises(Forbidden):
            ws.change("fy27", "baseline", "target.override",
                      {"account_id": opened.plan.accounts.filter(pl.col("territory_id") == leaf)
                       .get_column("account_id")[0], "target": "1.00"}, reason="no")
    with Workspace(db_url, as_user="ana") as ana:
        assert [e.actor for e in ana.log("fy27")] == ["max"]


@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), accounts=st.integers(30, 200), sellers=st.integers(2, 9),
       levels=st.integers(2, 4), rate=st.sampled_from(["0.05", "-0.1", "0.333"]))
def test_any_generated_plan_loads_and_exports_to_folders_that_build_to_the_same_bytes(
        db_url: str, tmp_path: Path, seed: int, accounts: int, sellers: int, levels: int,
        rate: str) -> None:
    run = tmp_path / f"{seed}-{accounts}-{sellers}-{levels}-{rate}"
    write_generated(generate_plan(GenerateOptions(accounts=accounts, sellers=sellers, seed=seed,
                                                  levels=levels, history_years=2,
                                                  bookings_per_account=2)), run / "plan")
    name = run.name
    with Workspace(db_url) as ws:
        ws.load(run / "plan", name)
        loaded = ws.open(name)
        ws.export_folder(name, "baseline", run / "as-loaded")
        assert built(run / "as-loaded", run / "b0") == built(run / "plan", run / "f0")
        assert built(run / "as-loaded", run / "b1") == outputs_of(loaded.result, run / "o0")
        seller = loaded.result.quotas.get_column("seller_id")[seed % loaded.result.quotas.height]
        ws.change(name, "baseline", "adjustment.add", {"seller_id": seller, "rate": rate},
                  reason="property")
        ws.export_folder(name, "baseline", run / "changed")
        assert built(run / "changed", run / "b2") == outputs_of(ws.open(name).result, run / "o1")


def test_the_roots_number_from_plan_toml_is_changed_there(ws: Workspace, tmp_path: Path) -> None:
    opened = ws.open("fy27")
    root = opened.plan.territories.filter(pl.col("parent_id").is_null()).get_column("territory_id")[0]
    assert opened.plan.settings.targets.topdown is not None  # the generated plan numbers its root there
    ws.change("fy27", "baseline", "topdown.set", {"territory_id": root, "amount": "12345678.90"},
              reason="board")
    head = ws.open("fy27")
    assert head.result.summary["topdown"] == 1_234_567_890
    ws.export_folder("fy27", "baseline", tmp_path / "exported")
    assert "topdown = 12345678.90" in (tmp_path / "exported" / "plan.toml").read_text()
    assert built(tmp_path / "exported", tmp_path / "b") == outputs_of(head.result, tmp_path / "o")


KINDS_FUZZED = ["setting.set", "topdown.set", "topdown.clear", "target.override",
                "target.clear_override", "bottom_up.set", "adjustment.add", "adjustment.remove",
                "assigned_quota.set", "seller.set", "seller.add", "territory.add", "account.add",
                "account.move"]
KEYS = ["seller_id", "account_id", "territory_id", "parent_id", "amount", "rate", "target", "quota",
        "key", "value", "line", "event", "hire_date", "end_date", "status", "ote", "seniority",
        "ramp_profile", "name", "effective"]
CELLS = st.one_of(st.none(), st.sampled_from(["", "0", "-1", "12.5", "1e9", "0.05", "abc", "2027-02-30",
                                              "2027-05-01", "active", "tbh", "99999999999999999999",
                                              '"history"', "targets.growth", "quotas.rounding",
                                              "nan", "{ROOT}", "{LEAF}", "{SELLER}", "{ACCOUNT}"]),
                  st.text(max_size=8), st.integers(-5, 5))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(KINDS_FUZZED), payload=st.dictionaries(st.sampled_from(KEYS), CELLS,
                                                                  max_size=5))
def test_no_change_of_any_shape_is_a_bug(ws: Workspace, kind: str, payload: dict[str, object]) -> None:
    """Whatever a script or form sends, a change is appended or refused with a reason (a
    QuotaplanError the edges turn into exit 1/2 or 4xx): never an internal error."""
    from quotaplan.errors import QuotaplanError

    opened = ws.open("fy27")
    names = {"{ROOT}": opened.plan.territories.filter(pl.col("parent_id").is_null())
             .get_column("territory_id")[0],
             "{LEAF}": opened.result.hierarchy.carriers.get_column("territory_id")[0],
             "{SELLER}": carriers(ws)[0],
             "{ACCOUNT}": opened.plan.accounts.get_column("account_id")[0]}
    filled = {k: names.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    with contextlib.suppress(QuotaplanError):
        ws.change("fy27", "baseline", kind, filled, reason="fuzz")


IN_YEAR = st.sampled_from([
    ("account.move", {"account_id": "{ACCOUNT}", "territory_id": "{LEAF2}"}),
    ("account.move", {"account_id": "{ACCOUNT}", "territory_id": "{ROOT}"}),
    ("seller.set", {"seller_id": "{SELLER}", "end_date": "{DAY}"}),
    ("seller.set", {"seller_id": "{SELLER}", "hire_date": "{DAY}"}),
    ("seller.set", {"seller_id": "{SELLER}", "status": "tbh"}),
    ("seller.set", {"seller_id": "{SELLER}", "end_date": None}),
    ("seller.add", {"seller_id": "HIRE", "territory_id": "{LEAF2}", "hire_date": "{DAY}"}),
    ("adjustment.add", {"seller_id": "{SELLER}", "amount": "-7000.00"}),
    ("adjustment.add", {"seller_id": "{SELLER}", "rate": "0.125"}),
    ("topdown.set", {"territory_id": "{ROOT}", "amount": "1000.00"}),
    ("topdown.set", {"territory_id": "{LEAF2}", "amount": "50000.00"}),
])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(IN_YEAR, st.dates(min_value=date(2026, 12, 1),
                                                    max_value=date(2028, 1, 31))), min_size=1,
                        max_size=4))
def test_in_year_requests_and_their_approval_are_never_a_bug(
        db_url: str, folder: Path, changes: list[tuple[tuple[str, dict[str, object]], date]]) -> None:
    """Requests of every in-year kind at any date are filed or refused with a reason, and each
    approval publishes the next version (or is refused) — never an internal error."""
    from quotaplan.errors import QuotaplanError
    from quotaplan.store import admin
    from quotaplan.store.db import upgrade

    upgrade(db_url)
    name = f"p{abs(hash(repr(changes))) % 10**9}"
    with contextlib.suppress(QuotaplanError):  # the first example adds the users
        admin.add_user(db_url, "ask", "a long password", email=None, as_user=None)
        admin.add_user(db_url, "rev", "a long password", email=None, as_user="ask")
    with Workspace(db_url, as_user="ask") as asker, Workspace(db_url, as_user="rev") as reviewer:
        if name in [p.name for p in asker.plans()]:
            return  # hypothesis replays an example: its plan is there already
        asker.load(folder, name)
        admin.grant(db_url, "rev", "planner", plan=name, node=None, seller=None, as_user="ask")
        asker.transition(name, "baseline", "submit", reason=None)
        reviewer.transition(name, "baseline", "approve", reason=None)
        reviewer.transition(name, "baseline", "publish", reason=None)
        opened = reviewer.open(name)
        names = {"{ROOT}": opened.plan.territories.filter(pl.col("parent_id").is_null())
                 .get_column("territory_id")[0],
                 "{LEAF2}": opened.result.hierarchy.carriers.get_column("territory_id")[-1],
                 "{SELLER}": opened.result.quotas.get_column("seller_id")[0],
                 "{ACCOUNT}": opened.plan.accounts.get_column("account_id")[0]}
        published = 1
        for (kind, payload), day in changes:
            filled = {k: names.get(str(v), v) if v != "{DAY}" else day.isoformat()
                      for k, v in payload.items()}
            try:
                event = asker.request_change(name, "baseline", kind, filled,
                                             effective=day.isoformat(), reason="fuzz")
            except QuotaplanError:
                continue
            with contextlib.suppress(QuotaplanError):
                _, version = reviewer.decide_change(name, event.seq, True, reason=None)
                published += version is not None
        assert [v.number for v in reviewer.versions(name)] == list(range(1, published + 1))
