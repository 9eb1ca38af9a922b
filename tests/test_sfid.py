"""Salesforce ids: 15 and 18 characters are the same id; the suffix is computed, never guessed."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from quotaplan.interop.sfid import normalise, suffix, to_18
from salesforce_fixture import long_id

ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ids15 = st.text(alphabet=ID_CHARS, min_size=15, max_size=15)


def test_known_salesforce_examples() -> None:
    # Salesforce's documented pair.
    assert to_18("001A0000006Vm9r") == "001A0000006Vm9rIAC"
    # By hand, chunks 00150 | 00000 | Gv7qJ: no capitals → A, A; G (bit 0) + J (bit 4) = 17 → R.
    assert to_18("0015000000Gv7qJ") == "0015000000Gv7qJAAR"
    # 005Kz | 00000 | 1AbCd: K (bit 3) = 8 → I; none → A; A (bit 1) + C (bit 3) = 10 → K.
    assert to_18("005Kz000001AbCd") == "005Kz000001AbCdIAK"
    # Every letter a capital: 31 → 5 (the alphabet runs A–Z then 0–5).
    assert to_18("ABCDEFGHIJKLMNO") == "ABCDEFGHIJKLMNO555"
    # Lower-case letters and digits only: A A A.
    assert to_18("abcde12345fghij") == "abcde12345fghijAAA"
    # Only the fifth character of each chunk: bit 4 = 16 → Q.
    assert suffix("0000A0000B0000C") == "QQQ"


def test_an_18_character_id_is_kept_and_checked() -> None:
    assert to_18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    # Its case changed (as a case-insensitive tool would): the suffix no longer matches.
    assert to_18("001a0000006vm9rIAC") is None
    assert to_18("001A0000006Vm9rIAD") is None


def test_what_is_not_an_id() -> None:
    for text in ("", "001A0000006Vm9", "001A0000006Vm9rIA", "001A0000006Vm9r-", "001A0000006Vm9r IAC"):
        assert to_18(text) is None


@given(ids15)
def test_normalising_is_idempotent_and_agrees_with_an_independent_formula(id15: str) -> None:
    id18 = to_18(id15)
    assert id18 is not None
    assert id18 == long_id(id15)
    assert to_18(id18) == id18
    assert id18[:15] == id15


@given(st.lists(st.one_of(ids15, ids15.map(long_id), st.text(ID_CHARS + " -,", max_size=20)),
                max_size=30))
def test_the_column_version_agrees_with_the_scalar_one(cells: list[str]) -> None:
    valid, id18 = normalise(pl.Series("x", cells, dtype=pl.String))
    for cell, ok, value in zip(cells, valid, id18, strict=True):
        expected = to_18(cell.strip()) if cell.strip() else None
        assert value == expected
        assert ok == (expected is not None or not cell.strip())
