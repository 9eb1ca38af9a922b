"""A plan's files in the store: kept byte for byte, in compressed parts, checked when read back."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import func, select, text

from quotaplan.errors import NotFound, StoreError, UsageError
from quotaplan.store import plans, scenarios
from quotaplan.store import schema as t
from quotaplan.store.db import Store


def test_files_come_back_byte_for_byte_across_parts(store: Store) -> None:
    rng = random.Random(7)
    rows = "".join(f"A{i},T{rng.randrange(50)},{rng.randrange(10**9)}.{rng.randrange(100):02d}\r\n"
                   for i in range(400_000))
    files = {
        "accounts.csv": ("\ufeffaccount_id,territory_id,bottom_up_target\r\n" + rows).encode(),
        "plan.toml": b"[plan]\nname = \"FY27\"\nfiscal_year_start = 2026-02-01\n",
        "overrides.csv": b"",
    }
    assert len(files["accounts.csv"]) > t.PART_BYTES  # so it is kept in more than one part
    with store.write() as conn:
        plans.add_plan(conn, "FY27", files, actor="ana")
    with store.read() as conn:
        stored = plans.find_plan(conn, "FY27")
        assert plans.read_files(conn, stored.id) == files
        parts = conn.scalar(select(func.count()).select_from(t.plan_file_parts)
                            .where(t.plan_file_parts.c.name == "accounts.csv"))
        kept = conn.scalar(select(func.sum(func.length(t.plan_file_parts.c.data))))
        baseline = scenarios.find_scenario(conn, "FY27", "baseline")
    assert parts == -(-len(files["accounts.csv"]) // t.PART_BYTES)
    assert kept is not None
    assert kept < len(files["accounts.csv"]) / 2  # compressed
    assert (baseline.status, baseline.parent_id, baseline.fork_seq) == ("draft", None, None)


def test_a_file_changed_behind_quotaplans_back_is_refused_when_read(store: Store) -> None:
    with store.write() as conn:
        stored = plans.add_plan(conn, "FY27", {"sellers.csv": b"seller_id,territory_id\nS1,W\n"}, actor="ana")
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE plan_files SET sha256 = :h"), {"h": "0" * 64})
    with pytest.raises(StoreError, match="does not match its checksum"), store.read() as conn:
        plans.read_files(conn, stored.id)


def test_plan_names_are_unique_and_named_when_missing(store: Store) -> None:
    with store.write() as conn:
        plans.add_plan(conn, "FY27", {}, actor="ana")
    with pytest.raises(UsageError, match="a plan named 'FY27' is already"), store.write() as conn:
        plans.add_plan(conn, "FY27", {}, actor="ana")
    with pytest.raises(NotFound, match="plan 'FY99' does not exist"), store.read() as conn:
        plans.find_plan(conn, "FY99")
    with store.read() as conn:
        assert [p.name for p in plans.list_plans(conn)] == ["FY27"]
