"""Salesforce record ids: 15 characters (case-sensitive) or 18 (with a case-safe suffix).

The 18-character id is the 15-character one plus three suffix characters: for each 5-character
chunk of the 15, a 5-bit number whose bit ``i`` is set when the chunk's character ``i`` is an
upper-case letter (so the chunk is read reversed, last character = highest bit), used as an index
into :data:`SUFFIX_ALPHABET`. Both forms name the same record; quotaplan keeps the 18-character one.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")


def suffix(id15: str) -> str:
    """The three case-safe characters of a 15-character id."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, char in enumerate(id15[chunk * 5:chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        out.append(SUFFIX_ALPHABET[bits])
    return "".join(out)


def to_18(value: str) -> str | None:
    """A Salesforce id (15 or 18 characters) as 18 characters; ``None`` when ``value`` is not
    one (wrong length or characters, or an 18-character id whose suffix does not match)."""
    if not _ID.match(value):
        return None
    if len(value) == 15:
        return value + suffix(value)
    return value if suffix(value[:15]) == value[15:] else None


def is_salesforce_id(value: str) -> bool:
    return to_18(value) is not None


def suffixes(first: pl.Series) -> pl.Series:
    """The case-safe suffixes of a column of 15-character ids (letters and digits only), computed
    on their bytes at once: a capital is a byte from ``A`` to ``Z``."""
    if first.len() == 0:
        return pl.Series(first.name, [], dtype=pl.String)
    raw = np.frombuffer("".join(first.to_list()).encode("ascii"), dtype=np.uint8)
    chunks = raw.reshape(-1, 3, 5)
    capitals = (chunks >= ord("A")) & (chunks <= ord("Z"))
    index = (capitals * np.array([1, 2, 4, 8, 16], dtype=np.uint8)).sum(axis=2)
    letters = np.frombuffer(SUFFIX_ALPHABET.encode("ascii"), dtype=np.uint8)[index]
    return pl.Series(first.name, np.ascontiguousarray(letters).view("S3").ravel()).cast(pl.String)


def normalise(column: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Vectorised :func:`to_18` over a text column: ``(valid, id18)``. Empty cells are null and
    valid; ``id18`` is null where the cell is empty or not a Salesforce id."""
    text = column.str.strip_chars()
    present = (text.is_not_null() & (text != "")).fill_null(False)
    shaped = text.str.contains(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$").fill_null(False)
    picked = text.filter(shaped)
    first = picked.str.slice(0, 15)
    computed = suffixes(first)
    given = picked.str.slice(15, 3)
    good = (given == "") | (given == computed)
    values = pl.Series(column.name, [None] * text.len(), dtype=pl.String)
    valid = ~present
    where = np.flatnonzero(shaped.to_numpy())
    if where.size:
        values = values.scatter(where, pl.select(pl.when(good).then(first + computed)).to_series())
        valid = valid.scatter(where, good)
    return valid, values.alias(column.name)
