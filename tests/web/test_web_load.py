"""A bounded load on a real ``quotaplan serve --workers 2`` on localhost: 20 readers and 2 writers at
once for a few seconds. No reader gets an error or sees a scenario older than one it saw before; the
writers adjust the same seller, each change based on the head it read, so some collide: a collision
is a 409 in the one error shape naming who changed what, and every change that was accepted is in
the journal exactly once (no lost update): the seller's quota moved by exactly their sum."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import httpx2 as httpx

from web.served import PLAN, serving, team_store
from web.webteam import bearer

SCENARIO = f"/api/v1/plans/{PLAN}/scenarios/baseline"
SELLER = "S05"
READERS = 20
SECONDS = 12.0
READS = (SCENARIO, f"{SCENARIO}/sellers/{SELLER}", f"{SCENARIO}/sellers?per_page=20&sort=risk",
         f"{SCENARIO}/nodes/RG1", f"{SCENARIO}/accounts?per_page=20")


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    reads: int = 0
    errors: list[str] = field(default_factory=list)
    accepted: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # reason → (seq, amount)
    conflicts: list[dict[str, object]] = field(default_factory=list)


def _reader(base: str, token: str, until: float, tally: Tally, number: int) -> None:
    seen = 0
    with httpx.Client(base_url=base, timeout=60, headers=bearer(token)) as client:
        i = number
        while time.monotonic() < until:
            path = READS[i % len(READS)]
            i += 1
            try:
                r = client.get(path)
            except httpx.HTTPError as exc:
                with tally.lock:
                    tally.errors.append(f"{path}: {exc!r}")
                continue
            with tally.lock:
                tally.reads += 1
                if r.status_code != 200:
                    tally.errors.append(f"{path}: {r.status_code} {r.text[:200]}")
                    continue
            seq = r.json().get("seq")
            if isinstance(seq, int):
                if seq < seen:
                    with tally.lock:
                        tally.errors.append(f"{path}: seq {seq} after seq {seen} (a stale figure)")
                seen = max(seen, seq)


def _writer(base: str, token: str, name: str, until: float, tally: Tally) -> None:
    with httpx.Client(base_url=base, timeout=60, headers=bearer(token)) as client:
        n = 0
        while time.monotonic() < until:
            n += 1
            head = client.get(SCENARIO)
            if head.status_code != 200:
                with tally.lock:
                    tally.errors.append(f"writer {name} read: {head.status_code} {head.text[:200]}")
                continue
            reason = f"load {name} #{n}"
            amount = Decimal(n % 7 + 1) * Decimal("10.01")
            body = {"amount": f"{amount:.2f}", "reason": reason, "based_on": head.json()["seq"]}
            r = client.post(f"{SCENARIO}/sellers/{SELLER}/adjustments", json=body)
            with tally.lock:
                if r.status_code == 201:
                    tally.accepted[reason] = (r.json()["seq"], amount)
                elif r.status_code == 409:
                    tally.conflicts.append(r.json())
                else:
                    tally.errors.append(f"writer {name}: {r.status_code} {r.text[:200]}")


def test_twenty_readers_and_two_writers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quotaplan.db'}"
    tokens = team_store(url)
    with serving(url, "--workers", "2") as (base, _process):
        with httpx.Client(base_url=base, timeout=60, headers=bearer(tokens["ben"])) as client:
            for path in READS:  # both workers' first build happens before the clock starts
                assert client.get(path).status_code == 200
            before = Decimal(client.get(f"{SCENARIO}/sellers/{SELLER}").json()["figures"]["final_quota"])
        tally = Tally()
        until = time.monotonic() + SECONDS
        threads = [threading.Thread(target=_reader, args=(base, tokens["ben"], until, tally, i))
                   for i in range(READERS)]
        threads += [threading.Thread(target=_writer, args=(base, tokens[name], name, until, tally))
                    for name in ("pia", "ben")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
        assert not any(thread.is_alive() for thread in threads)
        assert tally.errors == []
        assert tally.reads > READERS * 5
        assert len(tally.accepted) >= 2
        for body in tally.conflicts:
            assert set(body) == {"error"}
            assert body["error"]["code"] == "conflict"  # type: ignore[index]
            assert f"seller {SELLER}" in body["error"]["message"]  # type: ignore[index]
        with httpx.Client(base_url=base, timeout=60, headers=bearer(tokens["ben"])) as client:
            events = client.get(f"{SCENARIO}/events", params={"seller": SELLER, "kind": "adjustment.add"})
            after = Decimal(client.get(f"{SCENARIO}/sellers/{SELLER}").json()["figures"]["final_quota"])
    journal = [(e["seq"], e["reason"]) for e in events.json()["events"] if e["reason"].startswith("load ")]
    assert sorted(journal) == sorted((seq, reason) for reason, (seq, _a) in tally.accepted.items())
    assert len({seq for seq, _r in journal}) == len(journal)  # each exactly once
    assert after - before == sum(amount for _seq, amount in tally.accepted.values())
