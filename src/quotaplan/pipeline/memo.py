"""The memo of a staged build: each stage's last inputs and output, recognised again cheaply.

A stage is a pure function of the inputs it declares (plan tables, settings, earlier stages'
outputs). Its memo entry holds those inputs and what it returned; a later build whose inputs are the
same gets the output back without running the stage. "The same" is decided without reading a large
table: a :class:`~quotaplan.plan.Plan` is immutable and an edit makes new frames, so the very same
frame object is the same table (a million rows cost nothing to recognise). A small frame (at most
:data:`SMALL_ROWS` rows: the hierarchy, the sellers, the adjustments, …) is also recognised by its
content, so that a stage whose input was recomputed but came out equal (the hierarchy's nodes after
a seller's OTE changed) is not run again. Anything else (settings, sources) is compared with ``==``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from threading import Lock
from typing import Any, TypeVar

import polars as pl

#: Frames up to this many rows are recognised by content as well as by identity.
SMALL_ROWS = 100_000

T = TypeVar("T")


def same(a: object, b: object) -> bool:
    """Is the input ``a`` recognisably the input ``b``? (Identity; content for small frames;
    ``==`` for anything else.)"""
    if a is b:
        return True
    if isinstance(a, pl.DataFrame) and isinstance(b, pl.DataFrame):
        return (a.height <= SMALL_ROWS and a.height == b.height and a.schema == b.schema
                and a.equals(b))
    if isinstance(a, pl.DataFrame) or isinstance(b, pl.DataFrame):
        return False
    return bool(a == b)


class Memo:
    """One entry per stage: the inputs of its last run and its output. Safe to use from the
    threads a build runs two stages in (each thread runs different stages)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple[Any, ...], Any]] = {}
        self._lock = Lock()
        #: Stages run (not recognised), in order, since the list was last cleared (the pipeline
        #: clears it when a build starts): what an edit cost.
        self.ran: list[str] = []

    def last(self, stage: str) -> tuple[tuple[Any, ...], Any] | None:
        """The inputs and output of ``stage``'s last run, if any."""
        with self._lock:
            return self._entries.get(stage)

    def keep(self, stage: str, inputs: Sequence[Any], output: Any) -> None:
        with self._lock:
            self._entries[stage] = (tuple(inputs), output)
            self.ran.append(stage)

    def run(self, stage: str, inputs: Sequence[Any], compute: Callable[[], T]) -> T:
        """``compute()``, or its output of the last run when ``inputs`` are the same."""
        entry = self.last(stage)
        if entry is not None and len(entry[0]) == len(inputs) and all(
                same(old, new) for old, new in zip(entry[0], inputs, strict=True)):
            output: T = entry[1]
            return output
        output = compute()
        self.keep(stage, inputs, output)
        return output
