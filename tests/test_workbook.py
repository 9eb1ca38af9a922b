"""Cells as quotaplan writes them: amounts exact to the cent through a double and back."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.interop.workbook import (
    EXACT_CENTS_LIMIT,
    Formats,
    exact_float,
    neutralise_text,
    open_workbook,
    write_table,
)

CENT = Decimal("0.01")


def written_and_read(tmp: Path, cents: list[int]) -> list[object]:
    path = tmp / "amounts.xlsx"
    book = open_workbook(path)
    write_table(book, Formats(book, "USD"), "Amounts", pl.DataFrame({"amount": cents}),
                {"amount": "amount"})
    book.close()
    read = openpyxl.load_workbook(path, read_only=True)
    values = [row[0] for row in read["Amounts"].iter_rows(min_row=2, values_only=True)]
    read.close()
    return values


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=-(EXACT_CENTS_LIMIT - 1), max_value=EXACT_CENTS_LIMIT - 1),
                min_size=1, max_size=200))
def test_amounts_read_back_to_the_same_cents(cents: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        values = written_and_read(Path(tmp), cents)
    assert all(isinstance(v, float | int) for v in values)
    assert [Decimal(str(v)).quantize(CENT) for v in values] == [Decimal(c) / 100 for c in cents]
    # the exact binary value rounds to the same cent too
    assert [Decimal(v).quantize(CENT) for v in values] == [  # type: ignore[arg-type]
        Decimal(c) / 100 for c in cents]


def test_amounts_beyond_fifteen_digits_are_exact_text(tmp_path: Path) -> None:
    big = [EXACT_CENTS_LIMIT, -(10**17 + 1)]
    assert written_and_read(tmp_path, big) == ["10000000000000.00", "-1000000000000000.01"]


def test_exact_float_takes_plain_decimals_of_fifteen_digits_only() -> None:
    assert exact_float("1234.50") == 1234.5
    assert exact_float("-0.05") == -0.05
    assert exact_float("000123456789012345") == 123456789012345.0
    assert exact_float("1234567890123456") is None  # 16 significant digits
    assert exact_float("1,234.50") is None
    assert exact_float("1e5") is None
    assert exact_float("") is None


def test_text_a_spreadsheet_would_run_is_prefixed() -> None:
    assert [neutralise_text(t) for t in ("=1+1", "+A1", "-5% cut", "@SUM(A1)", "Acme", "'=x")] == [
        "'=1+1", "'+A1", "'-5% cut", "'@SUM(A1)", "Acme", "'=x"]
