"""More than one process over one store: ``quotaplan serve --workers 2`` and two ``quotaplan serve``
processes. A change made through one is what the next request to the other answers (never a stale
figure), and a session signed by one is good at the other (the secret is shared)."""

from __future__ import annotations

from decimal import Decimal

import httpx2 as httpx
import pytest

from web.served import PLAN, cpu_ticks, serving, team_store, workers
from web.webteam import PASSWORD, bearer

SCENARIO = f"/api/v1/plans/{PLAN}/scenarios/baseline"
SELLER = "S05"


def _adjust(base: str, token: str, amount: str) -> int:
    with httpx.Client(base_url=base, timeout=60) as client:
        r = client.post(f"{SCENARIO}/sellers/{SELLER}/adjustments", headers=bearer(token),
                        json={"amount": amount, "reason": "worker test"})
    assert r.status_code == 201, r.text
    seq: int = r.json()["seq"]
    return seq


def _read(base: str, token: str) -> tuple[int, Decimal]:
    """(the scenario's seq, the seller's final quota) as one server answers them, on a new connection."""
    with httpx.Client(base_url=base, timeout=60) as client:
        head = client.get(SCENARIO, headers=bearer(token))
        seller = client.get(f"{SCENARIO}/sellers/{SELLER}", headers=bearer(token))
    assert head.status_code == seller.status_code == 200, (head.text, seller.text)
    assert head.json()["seq"] == seller.json()["seq"]
    return head.json()["seq"], Decimal(seller.json()["figures"]["final_quota"])


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_two_servers_over_one_store_see_each_others_changes(db_url: str) -> None:
    url = db_url
    tokens = team_store(url)
    secret = "a shared secret of enough length"
    with serving(url, secret=secret) as (a, _pa), serving(url, secret=secret) as (b, _pb):
        _seq, quota = _read(b, tokens["ben"])  # b has opened (and cached) the head
        for step, (writer, reader) in enumerate([(a, b), (b, a), (a, b), (b, a)], start=1):
            seq = _adjust(writer, tokens["pia"], "1000.00")
            assert _read(reader, tokens["ben"]) == (seq, quota + step * Decimal("1000.00"))
        with httpx.Client(base_url=a, timeout=60) as signer:
            signed = signer.post("/api/v1/session", json={"username": "pia", "password": PASSWORD})
            assert signed.status_code == 200
            cookie = signer.cookies
        with httpx.Client(base_url=b, timeout=60, cookies=cookie) as other:
            assert other.get("/api/v1/plans").status_code == 200  # signed by a, good at b


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql"], indirect=True)
def test_workers_share_the_store_and_the_secret(db_url: str) -> None:
    tokens = team_store(db_url)
    with serving(db_url, "--workers", "2") as (base, process):
        pids = workers(process.pid)
        assert len(pids) == 2
        before = {pid: cpu_ticks(pid) for pid in pids}
        with httpx.Client(base_url=base, timeout=60) as signer:
            assert signer.post("/api/v1/session", json={"username": "pia",
                                                        "password": PASSWORD}).status_code == 200
            cookie = signer.cookies
        _seq, quota = _read(base, tokens["ben"])
        for step in range(1, 9):
            # every request on a new connection: the workers take turns as the kernel hands them out
            seq = _adjust(base, tokens["pia"], "250.00")
            assert _read(base, tokens["ben"]) == (seq, quota + step * Decimal("250.00"))
            with httpx.Client(base_url=base, timeout=60, cookies=cookie) as browser:
                assert browser.get("/api/v1/plans").status_code == 200  # any worker knows the session
        assert all(cpu_ticks(pid) > before[pid] for pid in pids)  # both workers answered some of it


@pytest.mark.parametrize("count", ["0", "65"])
def test_a_number_of_workers_out_of_range_is_a_usage_error(team_url: str, count: str) -> None:
    from typer.testing import CliRunner

    from quotaplan.cli import app

    result = CliRunner().invoke(app, ["serve", "--db", team_url, "--workers", count])
    assert result.exit_code == 2
    assert f"--workers {count}: give a number of processes from 1 to 64" in result.output
