"""The CSV reader: bytes of one plan file → a typed table with physical line numbers, or problems."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaplan.planfolder import csvrows
from quotaplan.planfolder.csvfile import (
    MAX_LINE_BYTES,
    _split_quoted_fast,
    _split_slow,
    read_table,
    read_table_exact,
    split_rows,
)
from quotaplan.problems import MAX_LISTED, Problem
from quotaplan.schemas import ACCOUNTS, ADJUSTMENTS, BOOKINGS, SELLERS, TableSchema


def read(data: bytes, schema: TableSchema = BOOKINGS) -> tuple[pl.DataFrame | None, list[Problem]]:
    return read_table(schema.file, data, schema)


def table(data: bytes, schema: TableSchema = BOOKINGS) -> pl.DataFrame:
    frame, problems = read(data, schema)
    assert problems == []
    assert frame is not None
    return frame


def where(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(p.line, p.column) for p in problems]


# --- what a spreadsheet writes ----------------------------------------------------------------


def test_a_plain_file_is_typed_and_keeps_lines() -> None:
    frame = table(b"account_id,date,amount,product\nA1,2025-03-01,1234.56,core\nA2,2025-04-30,-7,\n")
    assert frame.get_column("line").to_list() == [2, 3]
    assert frame.get_column("amount").to_list() == [123456, -700]
    assert frame.get_column("date").to_list() == [date(2025, 3, 1), date(2025, 4, 30)]
    assert "product" not in frame.columns  # accepted, but nothing uses it
    assert frame.schema["amount"] == pl.Int64


@pytest.mark.parametrize("quoted", [False, True])
def test_a_bom_is_accepted(quoted: bool) -> None:
    cell = b'"A1"' if quoted else b"A1"
    frame = table(b"\xef\xbb\xbfaccount_id,date,amount\n" + cell + b",2025-01-01,5\n")
    assert frame.get_column("account_id").to_list() == ["A1"]


@pytest.mark.parametrize("quoted", [False, True])
def test_crlf_line_ends(quoted: bool) -> None:
    name = b'"Acme"' if quoted else b"Acme"
    data = b"account_id,territory_id,name\r\nA1,T1," + name + b"\r\nA2,T1,Beta\r\n"
    frame = table(data, ACCOUNTS)
    assert frame.get_column("name").to_list() == ["Acme", "Beta"]
    assert frame.get_column("line").to_list() == [2, 3]


def test_quoted_cells_with_commas_and_newlines_keep_line_numbers() -> None:
    data = (b'account_id,territory_id,name,annual_revenue\n'
            b'A1,T1,"Acme, Inc.",10\n'
            b'A2,T1,"Two\nline\nname",20\n'
            b'A3,T1,"Say ""hi""",oops\n')
    frame, problems = read(data, ACCOUNTS)
    assert where(problems) == [(6, "annual_revenue")]
    assert "'oops' is not a plain number" in problems[0].message
    assert frame is not None
    assert frame.get_column("line").to_list() == [2, 3, 6]
    assert frame.get_column("name").to_list() == ["Acme, Inc.", "Two\nline\nname", 'Say "hi"']


def test_blank_lines_are_skipped_but_counted() -> None:
    frame = table(b"account_id,date,amount\nA1,2025-01-01,1\n\nA2,2025-01-01,2\n")
    assert frame.get_column("line").to_list() == [2, 4]


def test_cells_are_trimmed_and_unknown_columns_kept_as_text() -> None:
    frame = table(b"account_id,territory_id,tier,status\n A1 , T1 ,gold,ACTIVE\n", ACCOUNTS)
    assert frame.get_column("account_id").to_list() == ["A1"]
    assert frame.get_column("territory_id").to_list() == ["T1"]
    assert frame.get_column("tier").to_list() == ["gold"]
    assert frame.get_column("status").to_list() == ["active"]
    assert frame.get_column("annual_revenue").to_list() == [None]


def test_a_header_only_file_is_an_empty_table() -> None:
    frame = table(b"account_id,date,amount\n")
    assert frame.height == 0
    assert frame.schema["amount"] == pl.Int64


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "cents"),
    [("1", 100), ("0.005", 1), ("-0.005", -1), ("1.004999", 100), ("2.675", 268),
     ("999999999999999.99", 99999999999999999), ("0.1234567890123456789012", 12)],
)
def test_amounts_are_read_exactly_and_rounded_half_away_from_zero(cell: str, cents: int) -> None:
    frame = table(f"account_id,date,amount\nA1,2025-01-01,{cell}\n".encode())
    assert frame.get_column("amount").to_list() == [cents]


@pytest.mark.parametrize("cell", ['"1,234"', "12abc", "NaN", "inf", "1e400", "1.5e3", "+5", "$5",
                                  "1.", ".5", "--1"])
def test_non_numeric_amounts(cell: str) -> None:
    frame, problems = read(f"account_id,date,amount\nA1,2025-01-01,{cell}\n".encode())
    assert where(problems) == [(2, "amount")]
    assert "not a plain number" in problems[0].message
    assert frame is not None
    assert frame.get_column("amount").to_list() == [None]


def test_amounts_too_large_for_cents() -> None:
    _, problems = read(b"account_id,date,amount\nA1,2025-01-01,1234567890123456\n")
    assert where(problems) == [(2, "amount")]
    assert "too large" in problems[0].message


def test_numbers_too_large_for_millionths() -> None:
    data = b"account_id,territory_id,employees\nA1,T1,999999999999\nA2,T1,1000000000000\n"
    frame, problems = read(data, ACCOUNTS)
    assert where(problems) == [(3, "employees")]
    assert frame is not None
    assert frame.get_column("employees").to_list() == [999_999_999_999_000_000, None]


def test_negative_amounts_only_where_allowed() -> None:
    assert table(b"account_id,date,amount\nA1,2025-01-01,-5\n").get_column("amount").to_list() == [
        -500]
    _, problems = read(b"seller_id,territory_id,ote\nS1,T1,-1\nS2,T1,-0.00\n", SELLERS)
    assert where(problems) == [(2, "ote")]
    assert "negative" in problems[0].message
    adjustments = table(b"seller_id,amount,rate,reason\nS1,-5,,x\nS2,,-0.02,y\n", ADJUSTMENTS)
    assert adjustments.get_column("rate").to_list() == [None, "-0.02"]


def test_rates_must_be_plain_decimals() -> None:
    _, problems = read(b"seller_id,amount,rate,reason\nS1,,10%,x\n", ADJUSTMENTS)
    assert where(problems) == [(2, "rate")]


@pytest.mark.parametrize("cell", ["2026-02-30", "2026-2-1", "01/03/2026", "2026-13-01", "tomorrow"])
def test_impossible_or_non_iso_dates(cell: str) -> None:
    frame, problems = read(f"account_id,date,amount\nA1,{cell},1\n".encode())
    assert where(problems) == [(2, "date")]
    assert frame is not None
    assert frame.get_column("date").to_list() == [None]


def test_an_unknown_status_and_an_empty_required_cell() -> None:
    _, problems = read(b"account_id,territory_id,status\nA1,,active\n,T1,gone\n", ACCOUNTS)
    assert sorted(where(problems)) == [(2, "territory_id"), (3, "account_id"), (3, "status")]


# --- broken files ------------------------------------------------------------------------------


def test_a_missing_required_column_is_reported_on_the_header() -> None:
    frame, problems = read(b"account_id,amount\nA1,5\n")
    assert frame is None
    assert where(problems) == [(1, "date")]


@pytest.mark.parametrize("quoted", [False, True])
def test_a_repeated_column_is_a_problem_not_a_crash(quoted: bool) -> None:
    row = b'"A1",2025-01-01,1,2\n' if quoted else b"A1,2025-01-01,1,2\n"
    frame, problems = read(b"account_id,date,amount,amount\n" + row)
    assert frame is None
    assert where(problems) == [(1, "amount")]


@pytest.mark.parametrize("quoted", [False, True])
def test_ragged_rows(quoted: bool) -> None:
    first = b'"A1"' if quoted else b"A1"
    data = b"account_id,date,amount\n" + first + b",2025-01-01,1\nA2,2025-01-01\nA3,2025-01-01,1,x\n"
    frame, problems = read(data)
    assert frame is None
    assert where(problems) == [(3, None), (4, None)]
    assert "2 cells but the header has 3" in problems[0].message


def test_an_unclosed_quote_names_the_line_where_it_opens() -> None:
    data = b'account_id,date,amount\nA1,2025-01-01,1\n"A2,2025-01-01,1\nA3,2025-01-01,1\n'
    frame, problems = read(data)
    assert frame is None
    assert where(problems) == [(3, None)]
    assert "never closed" in problems[0].message


def test_a_nul_byte() -> None:
    frame, problems = read(b"account_id,date,amount\nA1,2025-01-01,1\nA2,2025\x00-01-01,1\n")
    assert frame is None
    assert where(problems) == [(3, None)]
    assert "NUL" in problems[0].message


def test_a_latin_1_file() -> None:
    data = "account_id,territory_id,name\nA1,T1,Acme\nA2,T1,Café Crème\n".encode("latin-1")
    frame, problems = read(data, ACCOUNTS)
    assert frame is None
    assert where(problems) == [(3, None)]
    assert "not UTF-8" in problems[0].message


def test_utf8_text_is_fine() -> None:
    frame = table("account_id,territory_id,name\nA1,T1,Café Crème 東京\n".encode(), ACCOUNTS)
    assert frame.get_column("name").to_list() == ["Café Crème 東京"]


def test_an_empty_file() -> None:
    frame, problems = read(b"")
    assert frame is None
    assert where(problems) == [(1, None)]


def test_a_line_over_one_mib() -> None:
    data = b"account_id,date,amount\nA1,2025-01-01,1\nA2," + b"x" * (MAX_LINE_BYTES + 1) + b",1\n"
    frame, problems = read(data)
    assert frame is None
    assert where(problems) == [(3, None)]
    assert "1 MiB" in problems[0].message


def test_a_line_of_exactly_one_mib_is_read() -> None:
    name = b"x" * (MAX_LINE_BYTES - len(b"A1,T1,"))
    frame = table(b"account_id,territory_id,name\nA1,T1," + name + b"\n", ACCOUNTS)
    assert frame.height == 1


# --- scale ------------------------------------------------------------------------------------


@pytest.mark.parametrize("quoted", [False, True])
def test_many_bad_rows_give_a_capped_list_quickly(quoted: bool) -> None:
    n = 100_000
    cell = b'"x"' if quoted else b"x"
    data = b"account_id,date,amount\n" + b"".join(
        b"A%d,2025-01-01," % i + cell + b"\n" for i in range(n))
    frame, problems = read(data)
    assert len(problems) == MAX_LISTED + 1
    assert [p.line for p in problems[:MAX_LISTED]] == list(range(2, MAX_LISTED + 2))
    assert problems[-1].message.startswith(f"… and {n - MAX_LISTED} more")
    assert frame is not None
    assert frame.get_column("amount").null_count() == n


def test_many_ragged_rows_give_a_capped_list() -> None:
    n = 100_000
    data = b"account_id,date,amount\n" + b"A,2025-01-01\n" * n
    _, problems = read(data)
    assert len(problems) == MAX_LISTED + 1
    assert problems[-1].line == MAX_LISTED + 2


# --- the vectorised reader agrees with the line-by-line one ------------------------------------

TOKENS = st.sampled_from(["a", "b", ",", '"', '""', "\n", "\r\n", "\r", " ", "é"])


@settings(max_examples=500, deadline=None)
@given(st.lists(TOKENS, min_size=0, max_size=40), st.booleans())
def test_every_path_matches_the_line_by_line_reader(tokens: list[str], bom: bool) -> None:
    """The fast paths (no quotes; quotes without a Python loop) agree with ``csv.reader``."""
    data = (("\ufeff" if bom else "") + "h1,h2\n" + "".join(tokens)).encode()
    header, frame, problems = split_rows("f.csv", data)
    reference = _split_slow("f.csv", data.removeprefix(b"\xef\xbb\xbf"))
    assert header == reference[0]
    assert [(p.line, p.message) for p in problems] == [(p.line, p.message) for p in reference[2]]
    if reference[1] is None:
        assert frame is None
        return
    assert frame is not None
    assert frame.select(sorted(frame.columns)).fill_null("").rows() == (
        reference[1].select(sorted(reference[1].columns)).fill_null("").rows())


PLAIN_CELL = st.text(alphabet="ab é", max_size=4)
QUOTED_CELL = st.text(alphabet='a,\n" ', max_size=5).map(lambda t: '"' + t.replace('"', '""') + '"')
CELL = st.one_of(PLAIN_CELL, QUOTED_CELL)
ROW = st.one_of(
    st.tuples(CELL, CELL).map(",".join),  # mostly well-formed rows,
    st.lists(CELL, min_size=1, max_size=3).map(",".join),  # some ragged ones
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, min_size=0, max_size=6), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_well_quoted_files_match_the_line_by_line_reader(
    rows: list[str], end: str, final: bool
) -> None:
    data = (end.join(["h1,h2", *rows]) + (end if final else "")).encode()
    header, frame, problems = split_rows("f.csv", data)
    reference = _split_slow("f.csv", data)
    assert header == reference[0]
    assert [(p.line, p.message) for p in problems] == [(p.line, p.message) for p in reference[2]]
    assert (frame is None) == (reference[1] is None)
    if frame is not None and reference[1] is not None:
        columns = sorted(frame.columns)
        assert frame.select(columns).fill_null("").rows() == (
            reference[1].select(columns).fill_null("").rows())


def test_a_bad_byte_far_into_a_large_file_is_found_on_its_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csvrows, "UTF8_PIECE", 64)  # many pieces, cut at line feeds
    lines = ["account_id,territory_id,name"] + [f"A{i},T1,Café {i}" for i in range(200)]
    data = "\n".join(lines).encode() + b"\nA999,T1,Caf\xe9\n"
    _, problems = read(data, ACCOUNTS)
    assert where(problems) == [(202, None)]
    assert table("\n".join(lines).encode(), ACCOUNTS).height == 200


def test_a_utf16_file() -> None:
    data = "account_id,date,amount\nA1,2025-01-01,1\n".encode("utf-16")
    frame, problems = read(data)
    assert frame is None
    assert where(problems) == [(1, None)]
    assert "UTF-16" in problems[0].message


def test_a_fully_quoted_file_reads_like_the_plain_one() -> None:
    rows = [f"A{i:04d},2026-01-{i % 28 + 1:02d},{i}.50,Core Platform" for i in range(500)]
    plain = ("account_id,date,amount,product\n" + "\n".join(rows) + "\n").encode()
    quoted = ('"account_id","date","amount","product"\n'
              + "\n".join('"' + r.replace(",", '","') + '"' for r in rows) + "\n").encode()
    a, problems_a = read_table("bookings.csv", plain, BOOKINGS)
    b, problems_b = read_table("bookings.csv", quoted, BOOKINGS)
    assert problems_a == problems_b == []
    assert a is not None
    assert b is not None
    assert a.equals(b)
    assert b.get_column("line").to_list() == list(range(2, 502))


def test_a_quoted_cell_over_one_mib_names_its_line() -> None:
    big = "x" * (1024 * 1024 + 10)
    data = f'account_id,date,amount,product\n"A1","2026-01-01","1","{big}"\n"A2","2026-01-02","2","p"\n'
    table, problems = read_table("bookings.csv", data.encode(), BOOKINGS)
    assert table is None
    assert [(p.line, p.code) for p in problems] == [(2, "line-too-long")]


@settings(max_examples=300, deadline=None)
@given(st.lists(ROW, min_size=0, max_size=6), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_polars_reads_well_quoted_files_like_the_line_by_line_reader(
    rows: list[str], end: str, final: bool
) -> None:
    """The quoted fast path (large files) either declines or agrees with ``csv.reader``."""
    data = (end.join(["h1,h2", *rows]) + (end if final else "")).encode()
    trailing = len(data) - len(data.rstrip(b"\r\n"))
    fast = _split_quoted_fast("f.csv", data, len(data) - trailing)
    if fast is None:
        return
    reference = _split_slow("f.csv", data)
    assert fast[0] == reference[0]
    assert fast[2] == reference[2] == []
    assert fast[1] is not None
    assert reference[1] is not None
    columns = sorted(fast[1].columns)
    assert fast[1].select(columns).fill_null("").rows() == (
        reference[1].select(columns).fill_null("").rows())


def test_an_amount_too_large_for_cents_is_a_problem_not_a_crash() -> None:
    data = b"account_id,date,amount\nA1,2026-01-01,1\nA2,2026-01-01,99999999999999999\n"
    _, problems = read_table("bookings.csv", data, BOOKINGS)
    assert [(p.line, p.column) for p in problems] == [(3, "amount")]
    assert "too large" in problems[0].message


# --- what a planner is told about files written the spreadsheet way ----------------------------


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_file_split_by_semicolons_or_tabs_is_one_problem_that_says_so(separator: str) -> None:
    text = "account_id,date,amount,product\nA1,2025-01-01,1234.56,X\nA2,2025-02-01,7,Y\n"
    data = text.replace(",", separator).replace("1234.56", "1234,56").encode()
    table, problems = read_table("bookings.csv", data, BOOKINGS)
    assert table is None
    name = "semicolons" if separator == ";" else "tabs"
    assert [(p.line, p.code) for p in problems] == [(1, "separator")]
    assert f"separated by {name}, not commas; save it as comma-separated CSV" in (
        problems[0].message)


def test_a_header_in_another_case_names_the_column_to_rename() -> None:
    table, problems = read_table("bookings.csv", b"Account_ID,date,Amount\nA1,2025-01-01,1\n",
                                 BOOKINGS)
    assert table is None
    assert sorted((p.column, p.message) for p in problems) == [
        ("account_id", "required column 'account_id' is missing from the header; it has "
         "'Account_ID': rename it to account_id (column names are exact)"),
        ("amount", "required column 'amount' is missing from the header; it has 'Amount': "
         "rename it to amount (column names are exact)"),
    ]


@pytest.mark.parametrize("quick", [True, False])
def test_an_optional_column_in_another_case_is_not_silently_ignored(quick: bool) -> None:
    text = "account_id,territory_id,Bottom Up Target\n" + "".join(
        f"A{i},T1,{i}\n" for i in range(3))
    read = read_table if quick else read_table_exact
    _table, problems = read("accounts.csv", text.encode(), ACCOUNTS)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (1, "Bottom Up Target", "column 'Bottom Up Target' is not read: column names are exact; "
         "rename it to bottom_up_target")]


def test_cells_written_the_spreadsheet_way_say_what_they_look_like() -> None:
    text = ('account_id,date,amount\nA1,03/15/2026,"1234,56"\nA2,2026-01-01,"1.234,56"\n'
            "A3,9999-01-01,1\nA4,1899-12-31,1\n")
    _table, problems = read_table("bookings.csv", text.encode(), BOOKINGS)
    assert sorted((p.line, p.column or "", p.message) for p in problems) == [
        (2, "amount", "'1234,56' is not a plain number; it has a decimal comma; write 1234.56: a "
         "point before the decimals"),
        (2, "date", "'03/15/2026' is not a date; it looks like a US date (MM/DD/YYYY); write it "
         "as 2026-03-15"),
        (3, "amount", "'1.234,56' is not a plain number; it has a decimal comma (and '.' between "
         "thousands); write 1234.56: a point before the decimals and no thousands separators"),
        (4, "date", "'9999-01-01' is outside the years 1900–2200; check the year"),
        (5, "date", "'1899-12-31' is outside the years 1900–2200; check the year"),
    ]


@pytest.mark.parametrize("quick", [True, False])
def test_dates_at_the_ends_of_the_plan_years_are_read(quick: bool) -> None:
    text = "account_id,date,amount\nA1,1900-01-01,1\nA2,2200-12-31,2\n"
    read = read_table if quick else read_table_exact
    table, problems = read("bookings.csv", text.encode(), BOOKINGS)
    assert problems == []
    assert table is not None
    assert table.get_column("date").to_list() == [date(1900, 1, 1), date(2200, 12, 31)]


def test_an_amount_of_more_than_15_digits_is_an_error_not_a_crash() -> None:
    text = "account_id,date,amount\nA1,2025-01-01,1234567890123456\nA2,2025-01-01,1e400\n"
    _table, problems = read_table("bookings.csv", text.encode(), BOOKINGS)
    assert [(p.line, p.code) for p in problems] == [(2, "number"), (3, "number")]
    assert "takes at most 15 digits before the decimal point" in problems[0].message


@pytest.mark.parametrize("quick", [True, False])
def test_a_rate_of_more_than_3_digits_is_an_error(quick: bool) -> None:
    text = "seller_id,rate,reason\ns1,0.05,ok\ns2,999.5,ok\ns3,1000,typo\n"
    read = read_table if quick else read_table_exact
    _table, problems = read("adjustments.csv", text.encode(), ADJUSTMENTS)
    assert [(p.line, p.column, p.message) for p in problems] == [
        (4, "rate", "'1000' is too large for a rate: a rate is a fraction (0.10 = +10 %) with at "
         "most 3 digits before the point")]
