"""Published versions: numbered 1, 2, …, their tables back byte for byte, the content hash recomputable
from what is stored, and a table changed behind quotaplan's back caught (on SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import date

import pytest
from sqlalchemy import select, update

from quotaplan.errors import NotFound, Refused, StoreError
from quotaplan.outputs import PUBLISHED_FILES
from quotaplan.store import plans, schema, workflow
from quotaplan.store.db import Store
from quotaplan.store.versions import Version, content_hash, list_versions, publish_version, version_tables


def tables(tag: str) -> dict[str, bytes]:
    """Distinct bytes per file and per version (with a non-ASCII cell and a NUL-free binary tail)."""
    return {name: f"seller_id,final_quota\nS1,{tag}\nSé,1.00\n".encode() + name.encode()
            + bytes(range(1, 200)) for name in PUBLISHED_FILES}


@pytest.fixture
def published(store: Store) -> Store:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        workflow.transition(conn, "FY27", "baseline", "submit", actor="ana", reason=None)
        workflow.transition(conn, "FY27", "baseline", "approve", actor="ben", reason=None)
        workflow.transition(conn, "FY27", "baseline", "publish", actor="ben", reason=None)
    return store


def publish(store: Store, tag: str, *, effective: date | None = None,
            change_id: int | None = None) -> Version:
    with store.write() as conn:
        return publish_version(conn, "FY27", "baseline", 3, tables(tag), effective=effective,
                               approved_by="ben", change_id=change_id)


def test_versions_are_numbered_one_two_three_and_listed_in_order(published: Store) -> None:
    first = publish(published, "100.00")
    second = publish(published, "90.00", effective=date(2027, 8, 17), change_id=4)
    third = publish(published, "80.00", effective=date(2027, 10, 1), change_id=6)
    assert [v.number for v in (first, second, third)] == [1, 2, 3]
    with published.read() as conn:
        listed = list_versions(conn, "FY27")
    assert listed == [first, second, third]
    assert [(v.scenario, v.seq, v.effective, v.change_id, v.approved_by) for v in listed] == [
        ("baseline", 3, None, None, "ben"), ("baseline", 3, date(2027, 8, 17), 4, "ben"),
        ("baseline", 3, date(2027, 10, 1), 6, "ben")]


def test_a_versions_tables_come_back_byte_identical_latest_by_default(published: Store) -> None:
    publish(published, "100.00")
    publish(published, "90.00", effective=date(2027, 8, 17), change_id=4)
    with published.read() as conn:
        assert version_tables(conn, "FY27", 1) == tables("100.00")
        assert version_tables(conn, "FY27", 2) == tables("90.00")
        assert version_tables(conn, "FY27") == tables("90.00")


def test_the_content_hash_is_recomputable_from_the_stored_tables(published: Store) -> None:
    version = publish(published, "100.00")
    with published.read() as conn:
        rows = conn.execute(select(schema.version_tables.c.name, schema.version_tables.c.sha256,
                                   schema.version_tables.c.data)
                            .where(schema.version_tables.c.version_id == version.id)).all()
    stored = {r.name: zlib.decompress(r.data) for r in rows}
    assert stored == tables("100.00")
    assert {r.name: r.sha256 for r in rows} == {n: hashlib.sha256(b).hexdigest() for n, b in stored.items()}
    lines = "".join(f"{name}\0{hashlib.sha256(stored[name]).hexdigest()}\n" for name in sorted(stored))
    assert version.content_sha256 == hashlib.sha256(lines.encode()).hexdigest() == content_hash(stored)


def test_the_content_hash_changes_with_any_byte_or_name() -> None:
    base = tables("1")
    changed = dict(base, **{"gap.csv": base["gap.csv"] + b"\n"})
    renamed = {("x" + n if n == "gap.csv" else n): b for n, b in base.items()}
    assert len({content_hash(base), content_hash(changed), content_hash(renamed)}) == 3


@pytest.mark.parametrize("tamper", ["data", "sha256"])
def test_a_table_changed_outside_quotaplan_is_a_store_error(published: Store, tamper: str) -> None:
    version = publish(published, "100.00")
    value = zlib.compress(b"seller_id,final_quota\nS1,999999.00\n") if tamper == "data" else "0" * 64
    with published.write() as conn:
        conn.execute(update(schema.version_tables).where(schema.version_tables.c.version_id == version.id,
                                                         schema.version_tables.c.name == "quotas.csv")
                     .values({tamper: value}))
    with pytest.raises(StoreError, match=r"version 1 of plan 'FY27' is not as published: its table "
                                         r"'quotas.csv' does not match its checksum; the database was "
                                         r"changed outside quotaplan"), published.read() as conn:
        version_tables(conn, "FY27", 1)


def test_a_table_removed_outside_quotaplan_is_a_store_error(published: Store) -> None:
    version = publish(published, "100.00")
    with published.write() as conn:
        conn.execute(schema.version_tables.delete().where(schema.version_tables.c.version_id == version.id,
                                                          schema.version_tables.c.name == "gap.csv"))
    with pytest.raises(StoreError, match="do not match its content hash; the database was changed "
                                         "outside quotaplan"), published.read() as conn:
        version_tables(conn, "FY27")


def test_a_version_that_does_not_exist_is_named(published: Store) -> None:
    with pytest.raises(NotFound, match=r"published version of plan 'FY27' does not exist; nothing is "
                                       r"published yet"), published.read() as conn:
        version_tables(conn, "FY27")
    publish(published, "100.00")
    with pytest.raises(NotFound, match=r"version of plan 'FY27' numbered '2' does not exist; "
                                       r"`quotaplan versions FY27` lists"), published.read() as conn:
        version_tables(conn, "FY27", 2)


def test_only_the_published_scenario_becomes_a_version(store: Store) -> None:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        workflow.transition(conn, "FY27", "baseline", "submit", actor="ana", reason=None)
    with pytest.raises(Refused, match="is in_review: only the published scenario's figures become a "
                                      "version"), store.write() as conn:
        publish_version(conn, "FY27", "baseline", 1, tables("1"), effective=None, approved_by="ben",
                        change_id=None)
    with store.read() as conn:
        assert list_versions(conn, "FY27") == []


def test_publishing_and_its_version_are_one_transaction(store: Store) -> None:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {"plan.toml": b"[plan]\n"}, actor="ana")
        workflow.transition(conn, "FY27", "baseline", "submit", actor="ana", reason=None)
        workflow.transition(conn, "FY27", "baseline", "approve", actor="ben", reason=None)
    def publish_with_a_table_missing() -> None:
        with store.write() as conn:
            event = workflow.transition(conn, "FY27", "baseline", "publish", actor="ben", reason=None)
            publish_version(conn, "FY27", "baseline", event.seq, {"quotas.csv": b"x"}, effective=None,
                            approved_by="ben", change_id=None)

    with pytest.raises(ValueError, match="a version keeps exactly"):
        publish_with_a_table_missing()
    with store.read() as conn:  # the failed version took the publish step with it
        assert (workflow.status(conn, "FY27", "baseline"), list_versions(conn, "FY27")) == ("approved", [])


@pytest.mark.parametrize(("effective", "change_id"),
                         [(date(2027, 8, 17), 4), (None, 4), (date(2027, 8, 17), None)])
def test_version_one_has_no_effective_date_or_change_and_later_ones_have_both(
        published: Store, effective: date | None, change_id: int | None) -> None:
    with pytest.raises(ValueError, match="version 1 has no effective date and no change"):
        publish(published, "1", effective=effective, change_id=change_id)
    publish(published, "1")
    with pytest.raises(ValueError, match="every later one publishes an in-year change and has both"):
        publish(published, "2")


def test_a_seq_after_the_head_is_not_a_state(published: Store) -> None:
    with pytest.raises(ValueError, match=r"seq 9 is not a state of scenario 'baseline' \(head 3\)"), \
            published.write() as conn:
        publish_version(conn, "FY27", "baseline", 9, tables("1"), effective=None, approved_by="ben",
                        change_id=None)
