"""Plans in the store: the loaded plan folder's files, kept byte for byte (see ``schema.py`` for why).

Each file is cut in parts of at most ``PART_BYTES`` raw bytes, each part zlib-compressed; its size
and SHA-256 are recorded so that reading it back is checked, not trusted. Adding a plan also
creates its ``baseline`` scenario. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from isal import isal_zlib
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from quotaplan.errors import NotFound, StoreError, UsageError
from quotaplan.store import schema as t
from quotaplan.store.clock import utc, utc_now
from quotaplan.store.names import check_name

BASELINE = "baseline"
CODEC = "zlib"
#: zlib level: 1 is several times faster than the default and within a few % of its size on CSV.
LEVEL = 1
# ISA-L writes and reads the same zlib streams as the standard library, about twice as fast: a
# million-account plan's 600 MB of CSV is packed in about 2 s of one core instead of 4–5.


@dataclass(frozen=True)
class StoredPlan:
    id: int
    name: str
    created_at: datetime
    created_by: str


def _row(row: object) -> StoredPlan:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredPlan(m["id"], m["name"], utc(m["created_at"]), m["created_by"])


def find_plan(conn: Connection, name: str) -> StoredPlan:
    """The plan called ``name``; NotFound when there is none."""
    check_name("the plan name", name)
    row = conn.execute(select(t.plans).where(t.plans.c.name == name)).first()
    if row is None:
        raise NotFound("plan", name, "`quotaplan plans` lists the plans of this store")
    return _row(row)


def list_plans(conn: Connection) -> list[StoredPlan]:
    return [_row(r) for r in conn.execute(select(t.plans).order_by(t.plans.c.name))]


@dataclass(frozen=True)
class PackedFile:
    """A plan file ready to store: its size and SHA-256, and its compressed parts."""

    size: int
    sha256: str
    parts: list[bytes]

    def data(self) -> bytes:
        """The original bytes back."""
        return b"".join(isal_zlib.decompress(part) for part in self.parts)


def pack(data: bytes) -> PackedFile:
    """Cut ``data`` in parts of at most ``PART_BYTES`` and compress each (zlib lets go of the
    interpreter, so files packed in threads use every core)."""
    return PackedFile(len(data), hashlib.sha256(data).hexdigest(),
                      [isal_zlib.compress(data[start:start + t.PART_BYTES], LEVEL)
                       for start in range(0, max(len(data), 1), t.PART_BYTES)])


def add_plan(conn: Connection, name: str, files: Mapping[str, bytes | PackedFile], *, actor: str,
             at: datetime | None = None) -> StoredPlan:
    """Store a plan folder's files (bytes, or packed already) under ``name`` and start its
    ``baseline`` scenario (a draft)."""
    if not check_name("--name", name).strip():
        raise UsageError("a plan needs a name: pass --name NAME")
    if conn.execute(select(t.plans.c.id).where(t.plans.c.name == name)).first() is not None:
        raise UsageError(f"a plan named {name!r} is already in the store; choose another --name")
    when = at or utc_now()
    plan_id = conn.execute(insert(t.plans).values(name=name, created_at=when, created_by=actor)
                           ).inserted_primary_key[0]  # type: ignore[index]
    for file_name in sorted(files):
        given = files[file_name]
        packed = given if isinstance(given, PackedFile) else pack(given)
        conn.execute(insert(t.plan_files).values(
            plan_id=plan_id, name=file_name, size=packed.size, sha256=packed.sha256, codec=CODEC))
        conn.execute(insert(t.plan_file_parts), [
            {"plan_id": plan_id, "name": file_name, "part": i, "data": data}
            for i, data in enumerate(packed.parts)])
    conn.execute(insert(t.scenarios).values(plan_id=plan_id, name=BASELINE, parent_id=None, fork_seq=None,
                                            status="draft", created_at=when, created_by=actor))
    return StoredPlan(plan_id, name, when, actor)


def file_names(conn: Connection, plan_id: int) -> list[str]:
    return list(conn.scalars(select(t.plan_files.c.name).where(t.plan_files.c.plan_id == plan_id)
                             .order_by(t.plan_files.c.name)))


def read_file(conn: Connection, plan_id: int, name: str) -> bytes:
    """One stored file's original bytes, checked against its recorded size and SHA-256."""
    meta = conn.execute(select(t.plan_files).where(t.plan_files.c.plan_id == plan_id,
                                                   t.plan_files.c.name == name)).first()
    if meta is None:
        raise NotFound("plan file", name)
    parts = conn.scalars(select(t.plan_file_parts.c.data)
                         .where(t.plan_file_parts.c.plan_id == plan_id, t.plan_file_parts.c.name == name)
                         .order_by(t.plan_file_parts.c.part))
    data = b"".join(isal_zlib.decompress(p) for p in parts)
    m = meta._mapping
    if len(data) != m["size"] or hashlib.sha256(data).hexdigest() != m["sha256"]:
        raise StoreError(f"the stored file {name!r} of plan id {plan_id} does not match its checksum; "
                         "the database was changed outside quotaplan: restore it from a backup")
    return data


def read_files(conn: Connection, plan_id: int) -> dict[str, bytes]:
    """Every stored file of the plan: ``{file name: original bytes}``."""
    return {name: read_file(conn, plan_id, name) for name in file_names(conn, plan_id)}


def plan_count(conn: Connection) -> int:
    return int(conn.scalar(select(func.count()).select_from(t.plans)) or 0)


def snapshot_bytes(frame: pl.DataFrame) -> bytes:
    """A typed table as Arrow IPC (LZ4 inside)."""
    sink = io.BytesIO()
    frame.write_ipc(sink, compression="lz4")
    return sink.getvalue()


def add_snapshot(conn: Connection, plan_id: int, tables: Mapping[str, bytes]) -> None:
    """Store the loaded plan's typed tables (:func:`snapshot_bytes` of each), in parts."""
    for name in sorted(tables):
        data = tables[name]
        conn.execute(insert(t.plan_snapshots), [
            {"plan_id": plan_id, "name": name, "part": i, "data": data[start:start + t.PART_BYTES]}
            for i, start in enumerate(range(0, max(len(data), 1), t.PART_BYTES))])


def read_snapshot(conn: Connection, plan_id: int) -> dict[str, pl.DataFrame]:
    """The loaded plan's typed tables, by table name."""
    rows = conn.execute(select(t.plan_snapshots.c.name, t.plan_snapshots.c.data)
                        .where(t.plan_snapshots.c.plan_id == plan_id)
                        .order_by(t.plan_snapshots.c.name, t.plan_snapshots.c.part))
    parts: dict[str, list[bytes]] = {}
    for name, data in rows:
        parts.setdefault(name, []).append(data)
    return {name: pl.read_ipc(io.BytesIO(b"".join(chunks)))
            for name, chunks in parts.items()}
