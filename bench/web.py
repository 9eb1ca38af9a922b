"""The workbench's pages and API on one generated plan, timed in one process (the app as served).

Usage::

    python bench/web.py [--accounts 200000] [--sellers 2000] [--runs 5] [--work bench/work]
    python bench/web.py --plan FOLDER [--runs 5]     # e.g. a plan from bench/independent.py

Generates a plan (``quotaplan generate``, seed 7) unless ``--plan`` names one, loads it into a
fresh SQLite store, signs in as its
admin, opens the baseline once (the first request: reported apart), then requests every page and API
route ``--runs`` times and reports the median and slowest (milliseconds) against SPEC's 1 s per page
once the scenario is open, and an adjust preview against its 200 ms. Timings mean something only on
an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path
from urllib.parse import quote, unquote

from starlette.testclient import TestClient

from quotaplan.generate import GenerateOptions, generate_plan
from quotaplan.planfiles import write_generated
from quotaplan.store import users
from quotaplan.store.db import open_store, upgrade
from quotaplan.web import create_app
from quotaplan.workspace import Workspace

PASSWORD = "a password for the benchmark"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--sellers", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(__file__).parent / "work")
    parser.add_argument("--plan", type=Path, default=None, help="a plan folder to serve instead")
    args = parser.parse_args()
    folder = args.plan or args.work / f"web-plan-{args.accounts}"
    args.work.mkdir(parents=True, exist_ok=True)
    if args.plan is None and not (folder / "plan.toml").exists():
        write_generated(generate_plan(GenerateOptions(accounts=args.accounts, sellers=args.sellers,
                                                      bookings_per_account=2.0)), folder)
    db = args.work / f"web-{args.accounts}.db"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    upgrade(url)
    store = open_store(url)
    try:
        with store.write() as conn:
            users.add_user(conn, "admin", PASSWORD, actor="admin")
        started = time.perf_counter()
        Workspace(url, as_user="admin", store=store).load(folder, "BIG")
        print(f"load into the store   {time.perf_counter() - started:8.2f} s")
        client = TestClient(create_app(url, store=store))
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"username": "admin", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
        started = time.perf_counter()
        assert client.get("/plans/BIG").status_code == 200
        print(f"first open (build)    {time.perf_counter() - started:8.2f} s")
        riskiest = client.get("/api/v1/plans/BIG/scenarios/baseline/sellers?per_page=1").json()
        seller = quote(riskiest["sellers"][0]["seller_id"], safe="")
        account = client.get("/api/v1/plans/BIG/scenarios/baseline/accounts?per_page=1").json()
        needle = quote(str(account["accounts"][0]["account_id"])[:6], safe="")
        nodes = client.get("/api/v1/plans/BIG/scenarios/baseline/nodes").json()["nodes"]
        root = quote(next(n["territory_id"] for n in nodes if n["parent_id"] is None), safe="")
        paths = ["/plans", "/plans/BIG", "/plans/BIG/baseline/sellers",
                 "/plans/BIG/baseline/sellers?sort=final_quota&desc=1&page=3",
                 f"/plans/BIG/baseline/sellers/{seller}", f"/plans/BIG/baseline/nodes/{root}",
                 "/plans/BIG/baseline/history", "/api/v1/plans/BIG/scenarios/baseline",
                 f"/api/v1/plans/BIG/scenarios/baseline/sellers/{seller}",
                 "/api/v1/plans/BIG/scenarios/baseline/sellers?sort=final_quota&desc=true&page=2",
                 "/api/v1/plans/BIG/scenarios/baseline/accounts?per_page=50",
                 f"/api/v1/plans/BIG/scenarios/baseline/accounts?q={needle}",
                 "/api/v1/plans/BIG/scenarios/baseline/nodes"]
        worst = 0.0
        for path in paths:
            times = []
            for _ in range(args.runs):
                started = time.perf_counter()
                assert client.get(path).status_code == 200, path
                times.append((time.perf_counter() - started) * 1000)
            worst = max(worst, *times)
            print(f"{statistics.median(times):8.0f} ms median {max(times):8.0f} ms slowest  {path}")
        page = client.get(f"/plans/BIG/baseline/sellers/{seller}").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        previews = []
        for i in range(args.runs):
            started = time.perf_counter()
            answer = client.post(f"/plans/BIG/baseline/sellers/{seller}/preview",
                                 headers={"HX-Request": "true"},
                                 data={"csrf_token": csrf.group(1), "how": "rate", "value": f"0.0{i + 1}",
                                       "reason": "benchmark"})
            assert answer.status_code == 200
            previews.append((time.perf_counter() - started) * 1000)
        print(f"{statistics.median(previews):8.0f} ms median {max(previews):8.0f} ms slowest  adjust preview")
        whatifs = []
        for i in range(args.runs):
            started = time.perf_counter()
            answer = client.post("/api/v1/plans/BIG/scenarios/baseline/whatif",
                                 headers={"X-CSRF-Token": csrf.group(1)},
                                 json={"kind": "adjustment.add",
                                       "payload": {"seller_id": unquote(seller), "rate": f"0.0{i + 1}"}})
            assert answer.status_code == 200, answer.text
            whatifs.append((time.perf_counter() - started) * 1000)
        print(f"{statistics.median(whatifs):8.0f} ms median {max(whatifs):8.0f} ms slowest  API whatif "
              "(an adjustment)")
        previews += whatifs
        ok = worst <= 1000 and max(previews) <= 200
        print(f"pages ≤ 1 s and previews ≤ 200 ms: {'yes' if ok else 'NO'}")
        return 0 if ok else 1
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
