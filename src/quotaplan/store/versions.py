"""Published versions of a plan's quotas: the build's tables of a state, kept exactly as published.

Publishing a scenario records version 1; each approved in-year change records the next one. A
version keeps the build's files (:data:`quotaplan.outputs.PUBLISHED_FILES`) byte for byte, each
zlib-compressed with the SHA-256 of its bytes, and a content hash over them all: SHA-256 of, for
each table in name order, its name, a NUL, its SHA-256 in hex and a newline (:func:`content_hash`).
Reading a version back checks every table and the content hash, so what comes out is what was
published. Everything here runs inside the caller's transaction.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, insert, select
from sqlalchemy.engine import Connection

from quotaplan.errors import NotFound, Refused, StoreError
from quotaplan.outputs import PUBLISHED_FILES
from quotaplan.store import schema as t
from quotaplan.store.clock import utc, utc_now
from quotaplan.store.plans import LEVEL, find_plan
from quotaplan.store.scenarios import find_scenario, head


@dataclass(frozen=True)
class Version:
    id: int
    plan: str
    number: int
    scenario: str
    seq: int                     # the scenario's seq the version was built from
    effective: date | None       # None for version 1, D for an in-year change
    change_id: int | None        # the in-year change request it publishes (None for version 1)
    approved_by: str
    published_at: datetime
    content_sha256: str


def content_hash(tables: Mapping[str, bytes]) -> str:
    """SHA-256 over the tables in name order: name, NUL, the table's SHA-256 in hex, newline."""
    digest = hashlib.sha256()
    for name in sorted(tables):
        digest.update(f"{name}\0{hashlib.sha256(tables[name]).hexdigest()}\n".encode())
    return digest.hexdigest()


def publish_version(conn: Connection, plan: str, scenario: str, seq: int, tables: Mapping[str, bytes], *,
                    effective: date | None, approved_by: str, change_id: int | None) -> Version:
    """Record the next version of ``plan``: ``tables`` (file name → bytes) of ``scenario`` at ``seq``.

    The scenario must be published (its ``publish`` step goes first, in the same transaction).
    Version 1 has no effective date and no change; every later one has both.
    """
    if sorted(tables) != sorted(PUBLISHED_FILES):
        raise ValueError(f"a version keeps exactly {', '.join(PUBLISHED_FILES)}; got {', '.join(tables)}")
    stored = find_plan(conn, plan)
    # The plan's row serialises publishers (PostgreSQL; SQLite's write transactions are exclusive).
    conn.execute(select(t.plans.c.id).where(t.plans.c.id == stored.id).with_for_update())
    source = find_scenario(conn, plan, scenario)
    if source.status != "published":
        raise Refused(f"scenario {scenario!r} of plan {plan!r} is {source.status}: only the published "
                      "scenario's figures become a version "
                      f"(`quotaplan publish {plan} --scenario {scenario}`)")
    if not 0 <= seq <= head(conn, source):
        raise ValueError(f"seq {seq} is not a state of scenario {scenario!r} (head {head(conn, source)})")
    last = conn.scalar(select(func.max(t.versions.c.number)).where(t.versions.c.plan_id == stored.id))
    number = int(last or 0) + 1
    first = effective is None and change_id is None
    if (number == 1) != first or (effective is None) != (change_id is None):
        raise ValueError(f"version {number}: version 1 has no effective date and no change; every later "
                         "one publishes an in-year change and has both")
    when = utc_now()
    digest = content_hash(tables)
    version_id = conn.execute(insert(t.versions).values(
        plan_id=stored.id, number=number, scenario_id=source.id, seq=seq, effective=effective,
        change_id=change_id, approved_by=approved_by, published_at=when, content_sha256=digest,
        )).inserted_primary_key[0]  # type: ignore[index]
    conn.execute(insert(t.version_tables), [
        {"version_id": version_id, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
         "data": zlib.compress(data, LEVEL)} for name, data in sorted(tables.items())])
    return Version(version_id, plan, number, scenario, seq, effective, change_id, approved_by, when, digest)


def _query(plan_id: int) -> Select[Any]:
    return (select(t.versions, t.scenarios.c.name.label("scenario_name"))
            .join(t.scenarios, t.scenarios.c.id == t.versions.c.scenario_id)
            .where(t.versions.c.plan_id == plan_id))


def _version(row: object, plan: str) -> Version:
    m = row._mapping  # type: ignore[attr-defined]
    return Version(m["id"], plan, m["number"], m["scenario_name"], m["seq"], m["effective"], m["change_id"],
                   m["approved_by"], utc(m["published_at"]), m["content_sha256"])


def list_versions(conn: Connection, plan: str) -> list[Version]:
    """The plan's published versions, oldest (1) first."""
    stored = find_plan(conn, plan)
    return [_version(r, plan) for r in conn.execute(_query(stored.id).order_by(t.versions.c.number))]


def find_version(conn: Connection, plan: str, number: int | None = None) -> Version:
    """Version ``number`` of the plan (the latest when None); NotFound naming it."""
    stored = find_plan(conn, plan)
    query = _query(stored.id)
    if number is None:
        row = conn.execute(query.order_by(t.versions.c.number.desc()).limit(1)).first()
        if row is None:
            raise NotFound("published version of plan", plan,
                           f"nothing is published yet: approve a scenario, then `quotaplan publish {plan}`")
        return _version(row, plan)
    row = conn.execute(query.where(t.versions.c.number == number)).first()
    if row is None:
        raise NotFound(f"version of plan {plan!r} numbered", str(number),
                       f"`quotaplan versions {plan}` lists the published versions")
    return _version(row, plan)


def version_tables(conn: Connection, plan: str, number: int | None = None) -> dict[str, bytes]:
    """The tables of version ``number`` (the latest when None), exactly as published: file name → bytes.

    Every table is checked against its SHA-256 and the whole against the content hash; a mismatch is
    a StoreError (the database was changed outside quotaplan).
    """
    version = find_version(conn, plan, number)
    tables: dict[str, bytes] = {}
    for row in conn.execute(select(t.version_tables).where(t.version_tables.c.version_id == version.id)
                            .order_by(t.version_tables.c.name)):
        try:
            data = zlib.decompress(row.data)
        except zlib.error:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != row.sha256:
            raise _tampered(plan, version.number, f"its table {row.name!r} does not match its checksum")
        tables[row.name] = data
    if content_hash(tables) != version.content_sha256:
        raise _tampered(plan, version.number, "its tables do not match its content hash")
    return tables


def _tampered(plan: str, number: int, what: str) -> StoreError:
    return StoreError(f"version {number} of plan {plan!r} is not as published: {what}; the database was "
                      "changed outside quotaplan: restore it from a backup")
