"""What the store accepts as a name or a text: every database keeps it as given, or it is refused.

PostgreSQL refuses NUL characters in text and longer values than a column's width; SQLite would
keep both. Checking here makes both databases answer the same, with a usage error naming the option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quotaplan.errors import UsageError

MAX_NAME = 200  # user, plan and scenario names, node and seller ids (the columns' width)
MAX_EMAIL = 320


def check_name(option: str, value: str, limit: int = MAX_NAME) -> str:
    """A name: no control characters, at most ``limit`` characters."""
    if len(value) > limit:
        raise UsageError(f"{option} is {len(value)} characters long; at most {limit} are allowed")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise UsageError(f"{option} {value!r} contains a control character; write it without one")
    return value


def check_text(option: str, value: str) -> str:
    """A free text (a reason): any length and line breaks, but no NUL character."""
    if "\x00" in value:
        raise UsageError(f"{option} contains a NUL character; write it without one")
    return value


def check_payload(value: Any, where: str = "payload") -> None:
    """An event's payload: JSON of text, integers, booleans and nulls — amounts as decimal strings,
    never floats (they would not be exact)."""
    if isinstance(value, float):
        raise ValueError(f"{where} is a float; an event keeps amounts and rates as decimal strings")
    if isinstance(value, str):
        check_text(where, value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key that is not text: {key!r}")
            check_payload(item, f"{where}.{key}")
    elif isinstance(value, Sequence):
        for i, item in enumerate(value):
            check_payload(item, f"{where}[{i}]")
    elif value is not None and not isinstance(value, bool | int):
        raise ValueError(f"{where} is a {type(value).__name__}, which JSON cannot keep exactly")
