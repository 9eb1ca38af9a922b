"""The real ``quotaplan`` command line, stopped inside its store transaction to be killed there.

    python quotaplan_paused.py STATEMENT N [pause|mark] -- ARGS...

Runs ``quotaplan ARGS...`` (``quotaplan.cli.main``, exactly what the console script runs). When the
database has executed the N-th statement that begins with STATEMENT (``INSERT INTO events``,
``INSERT INTO plan_file_parts``, …), this process prints ``halfway`` on its own line on stdout and
then (``pause``, the default) waits to be killed: the statement is written, its transaction not
committed. Nothing of quotaplan is changed but that wait, so the kill lands inside the command's
own transaction. With ``mark`` it goes on at once: the test kills it a random moment later, inside
the rest of that transaction, at its commit or after it.

A point inside any other step is one more STATEMENT: a publish stopped after the first of its
version's tables is ``INSERT INTO version_tables 1 -- publish PLAN --reason …``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from quotaplan.cli import main

MARK = "halfway"


def pause_after(prefix: str, nth: int, *, wait: bool = True) -> None:
    """Every engine of this process says ``halfway`` after the ``nth`` statement beginning with
    ``prefix``, then waits there (``wait``) or goes on."""
    seen = 0

    @event.listens_for(Engine, "after_cursor_execute")
    def after(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        nonlocal seen
        if statement.lstrip().upper().startswith(prefix.upper()):
            seen += 1
            if seen == nth:
                sys.stdout.write(f"\n{MARK}\n")
                sys.stdout.flush()
                if wait:
                    time.sleep(600)


if __name__ == "__main__":
    statement, nth, *rest = sys.argv[1:]
    mode = "pause" if rest[:1] == ["--"] else rest.pop(0)
    if rest[:1] != ["--"] or mode not in ("pause", "mark"):
        raise SystemExit("usage: quotaplan_paused.py STATEMENT N [pause|mark] -- ARGS...")
    pause_after(statement, int(nth), wait=mode == "pause")
    args = rest[1:]
    main(args)
