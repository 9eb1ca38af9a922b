"""What a cell written the spreadsheet way probably is, and what to write instead."""

from __future__ import annotations

import pytest

from quotaplan.planfolder.hints import (
    column_key,
    date_hint,
    number_hint,
    outside_years,
    separator_of,
)


@pytest.mark.parametrize(("cell", "said"), [
    ("1234,56", "it has a decimal comma; write 1234.56"),
    ("-0,5", "it has a decimal comma; write -0.5"),
    ("1.234,56", "it has a decimal comma (and '.' between thousands); write 1234.56"),
    ("1.234.567,8", "write 1234567.8"),
    ("1,234", "the comma is a thousands separator or a decimal comma; write 1234 (or 1.234"),
    ("1,234,567.50", "it has commas between thousands; write 1234567.50"),
    ("1.234.567", "it has '.' between thousands; write 1234567"),
    ("1 234,50", "it has spaces between thousands; write 1234.50"),
    ("$1200", "without a currency sign"),
    ("5%", "without a % sign"),
])
def test_numbers_written_the_spreadsheet_way(cell: str, said: str) -> None:
    hint = number_hint(cell)
    assert hint is not None
    assert said in hint


@pytest.mark.parametrize("cell", ["abc", "12abc", "NaN", "1e5", "--1", ""])
def test_other_text_gets_no_number_hint(cell: str) -> None:
    assert number_hint(cell) is None


@pytest.mark.parametrize(("cell", "said"), [
    ("03/15/2026", "it looks like a US date (MM/DD/YYYY); write it as 2026-03-15"),
    ("3/4/2026", "US date (MM/DD/YYYY); write it as 2026-03-04 (or 2026-04-03 if the day comes"),
    ("15/03/2026", "it looks like a day-first date (DD/MM/YYYY); write it as 2026-03-15"),
    ("15.03.2026", "day-first date (DD.MM.YYYY); write it as 2026-03-15"),
    ("2026-3-5", "write it as 2026-03-05, with two-digit months and days"),
    ("2026/03/05", "write it as 2026-03-05"),
    ("2026-02-30", "there is no such day"),
    ("2026-02-01T10:00:00", "it has a time of day; write the date alone, 2026-02-01"),
])
def test_dates_written_another_way(cell: str, said: str) -> None:
    hint = date_hint(cell)
    assert hint is not None
    assert said in hint


def test_years_outside_1900_to_2200() -> None:
    assert [outside_years(c) for c in ("1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01",
                                       "0001-01-01", "soon")] == [
        True, False, False, True, True, False]


def test_separators_and_column_names() -> None:
    assert separator_of("account_id;date;amount") == "semicolons"
    assert separator_of("account_id\tdate") == "tabs"
    assert separator_of("account_id") is None
    assert separator_of("a,b;c") is None
    assert column_key(" Account ID ") == column_key("account-id") == "account_id"
