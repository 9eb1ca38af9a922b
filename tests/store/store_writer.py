"""A writer process for the durability tests: run, then killed (SIGKILL) at a chosen moment.

    python store_writer.py URL MODE [N]

MODE
  events-pause   append N events in one transaction; print "halfway" in the middle, then wait
  events-commit  append N events in one transaction, commit, print "committed", then wait
  events-run     append N events in one transaction and commit, printing nothing (killed at random)
  load-pause     load a plan of three multi-part files; once the first file's parts are written,
                 print "halfway", then wait (inside the load's transaction)
"""

from __future__ import annotations

import sys
import time

from sqlalchemy import event

from quotaplan.store import journal, plans
from quotaplan.store.db import open_store
from quotaplan.store.schema import PART_BYTES


def say(word: str) -> None:
    print(word, flush=True)


def wait_to_be_killed() -> None:
    time.sleep(600)


def append_events(url: str, mode: str, count: int) -> None:
    store = open_store(url)
    with store.write() as conn:
        for i in range(count):
            journal.append(conn, "FY27", "baseline", "adjustment.add",
                           {"seller_id": f"S{i}", "rate": "0.01"}, actor="batch", reason="batch")
            if mode == "events-pause" and i == count // 2:
                say("halfway")
                wait_to_be_killed()
    if mode == "events-commit":
        say("committed")
        wait_to_be_killed()


def load(url: str) -> None:
    store = open_store(url)
    files = {name: (f"{name},row\n" * (PART_BYTES // 8)).encode()[: 2 * PART_BYTES + 1000]
             for name in ("accounts.csv", "bookings.csv", "sellers.csv")}

    @event.listens_for(store.engine, "after_cursor_execute")
    def pause_after_first_file(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith("INSERT INTO plan_file_parts"):
            say("halfway")
            wait_to_be_killed()

    with store.write() as conn:
        plans.add_plan(conn, "FY28", files, actor="batch")


if __name__ == "__main__":
    url, mode = sys.argv[1], sys.argv[2]
    if mode == "load-pause":
        load(url)
    else:
        append_events(url, mode, int(sys.argv[3]) if len(sys.argv) > 3 else 300)
