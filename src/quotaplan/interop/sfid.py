"""Salesforce record ids: 15 characters (case-sensitive) or 18 (with a case-safe suffix).

The 18-character id is the 15-character one plus three suffix characters: for each 5-character
chunk of the 15, a 5-bit number whose bit ``i`` is set when the chunk's character ``i`` is an
upper-case letter (so the chunk is read reversed, last character = highest bit), used as an index
into :data:`SUFFIX_ALPHABET`. Both forms name the same record; quotaplan keeps the 18-character one.
"""

from __future__ import annotations

import re

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


def normalise_expr(expr: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Vectorised :func:`to_18` over a text column: ``(valid, id18)``. Empty cells are null and
    valid; ``id18`` is null where the cell is empty or not a Salesforce id."""
    text = expr.str.strip_chars()
    present = text.is_not_null() & (text != "")
    shaped = text.str.contains(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
    first = text.str.slice(0, 15)
    alphabet = pl.lit(SUFFIX_ALPHABET)
    chars = []
    for chunk in range(3):
        bits = pl.sum_horizontal(
            first.str.slice(chunk * 5 + i, 1).str.contains(r"^[A-Z]$").cast(pl.Int32) * (1 << i)
            for i in range(5)
        )
        chars.append(alphabet.str.slice(bits, 1))
    computed = pl.concat_str(chars)
    good = shaped & ((text.str.len_chars() == 15) | (text.str.slice(15, 3) == computed))
    valid = ~present | good
    id18 = pl.when(present & good).then(first + computed)
    return valid.fill_null(True), id18
