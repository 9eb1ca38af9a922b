"""The quick path of reading (:mod:`quotaplan.planfolder.quickread`): it gives exactly the table
the exact reader gives, or declines."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from quotaplan.planfolder import quickread
from quotaplan.planfolder.csvfile import read_table, read_table_exact
from quotaplan.schemas import ACCOUNTS, BOOKINGS, TableSchema

ROWS = [
    "A1,2026-01-05,100.5,Core Platform",
    "A2,2026-02-28,-20,Premium Support",
    "A3,2025-12-31,0.01,",
    "A10,2026-03-01,1234567,Core Platform",
]
PLAIN = ("account_id,date,amount,product\n" + "\n".join(ROWS) + "\n").encode()


def _quoted(rows: list[str], header: str = "account_id,date,amount,product") -> bytes:
    lines = [header, *rows]
    return ("\n".join('"' + r.replace(",", '","') + '"' for r in lines) + "\n").encode()


def _same(data: bytes, schema: TableSchema = BOOKINGS) -> pl.DataFrame | None:
    """The quick table (quoted files included) — asserted equal to the exact reader's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quickread, "QUOTED_FAST_BYTES", 0)
        quick = quickread.read_clean(data, schema)
    exact, problems = read_table_exact(schema.file, data, schema)
    if quick is not None:
        assert problems == []
        assert exact is not None
        assert quick.columns == exact.columns
        assert quick.schema == exact.schema
        assert quick.rows() == exact.rows()
    return quick


@pytest.mark.parametrize(
    "data",
    [
        PLAIN,
        PLAIN.replace(b"\n", b"\r\n"),
        b"\xef\xbb\xbf" + PLAIN,
        PLAIN.rstrip(b"\n"),
        _quoted(ROWS),
        _quoted(ROWS).replace(b"\n", b"\r\n"),
        b"date,amount,account_id,note\n2026-01-05,7,A1,x\n2026-01-06,8.25,A2,\n",
        _quoted(ROWS) + b'"A5","2026-01-01","1","say ""hi"", twice"\n',
        b"\xef\xbb\xbf" + _quoted(ROWS).replace(b"\n", b"\r\n") + b'A5,2026-01-01,1,""""\r\n',
    ],
    ids=["plain", "crlf", "bom", "no-final-line-end", "quoted", "quoted-crlf", "other-order",
         "escaped-quotes", "bom-crlf-partly-quoted"],
)
def test_a_clean_file_takes_the_quick_path_and_reads_like_the_exact_reader(data: bytes) -> None:
    table = _same(data)
    assert table is not None
    assert table.get_column("line").to_list() == list(range(2, table.height + 2))


def test_the_quick_table_has_typed_values_and_only_the_kept_columns() -> None:
    data = b"date,amount,account_id,note\n2026-01-05,7,A1,x\n2026-01-06,8.25,A2,\n"
    table = _same(data)
    assert table is not None
    # Bookings keep what the engine uses: no product, no other columns.
    assert table.columns == ["line", "account_id", "date", "amount"]
    assert table.get_column("amount").to_list() == [700, 825]


def test_accounts_keep_their_other_columns() -> None:
    data = b"account_id,territory_id,potential\nA1,T1,12\nA2,T1,\n"
    table = _same(data, ACCOUNTS)
    assert table is not None
    assert table.columns[-1] == "potential"
    assert table.get_column("potential").to_list() == ["12", None]


@pytest.mark.parametrize(
    "data",
    [
        PLAIN + b"A4,2026-01-01\n",  # a short row
        PLAIN + b"A4,2026-01-01,1,x,y\n",  # a long row
        PLAIN.replace(b"100.5", b"1e5"),  # not a plain number
        PLAIN.replace(b"100.5", b"100.555"),  # more decimals than cents
        PLAIN.replace(b"2026-01-05", b"2026-1-5"),  # not ISO
        PLAIN.replace(b"A2,", b" A2,"),  # white space around an id
        PLAIN.replace(b"A3,", b","),  # a required cell empty
        PLAIN + b"\n" + b"A5,2026-01-01,1,x\n",  # a blank line
        PLAIN.replace(b"\n", b"\r"),  # old Mac line ends
        b"account_id,date,account_id,amount\nA1,2026-01-01,A1,1\n",  # a repeated column
        b"account_id,date\nA1,2026-01-01\n",  # a required column missing
        b"account_id,date,amount\n",  # the header alone
        _quoted([*ROWS, 'A5,2026-01-01,1,"two\nlines"']),  # a line break inside a cell
        _quoted(ROWS) + b'"A5","2026-01-01","1"\n',  # a short row in a quoted file
        _quoted(ROWS) + b'"A5","2026-01-01","1",""\n"A6","2026-01-01","1"\n',  # one more
        # A stray quote inside an unquoted cell (Polars would keep it as text) is told from
        # the byte counts when the file holds no doubled quote ("" is a quote inside a cell).
        _quoted(ROWS[:2]) + b'"A5","2026-01-01","1",say "hi"\n',
        _quoted(ROWS[:2]) + b'"A5","2026-01-01","1","x" y\n',  # text after a closing quote
    ],
)
def test_anything_not_clean_goes_to_the_exact_reader(data: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quickread, "QUOTED_FAST_BYTES", 0)
        assert quickread.read_clean(data, BOOKINGS) is None


def test_small_quoted_files_are_left_to_the_exact_reader() -> None:
    assert quickread.read_clean(_quoted(ROWS), BOOKINGS) is None
    table, problems = read_table("bookings.csv", _quoted(ROWS), BOOKINGS)
    assert problems == []
    assert table is not None
    assert table.height == len(ROWS)


def test_a_single_column_file_with_a_blank_line_is_left_to_the_exact_reader() -> None:
    data = b"account_id\nA1\n\nA2\n"
    schema = TableSchema("x.csv", BOOKINGS.columns[:1])
    assert quickread.read_clean(data, schema) is None
    _, problems = read_table("x.csv", data, schema)
    assert [(p.line, p.code) for p in problems] == [(3, "required")]


# --- property: the quick path never disagrees with the exact reader ---------------------------

CELLS = {
    "account_id": st.sampled_from(["A1", "B-2", "", " A3", "a,b", 'q"', "Z9"]),
    "date": st.sampled_from(["2026-01-01", "2025-12-31", "", "2026-1-1", "2026-02-30", "x"]),
    "amount": st.sampled_from(["1", "-2.5", "0.01", "", "1e5", "+3", ".5", "1.234", "12,5",
                               "99999999999999999", " 4"]),
    "product": st.sampled_from(["", "Core", "two words", 'say "hi"', "a\nb", "é"]),
}
ROW = st.fixed_dictionaries(CELLS)


def _cell(value: str, quote: bool) -> str:
    if quote or any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@settings(max_examples=400, deadline=None)
@given(
    st.permutations(list(CELLS)),
    st.lists(ROW, min_size=0, max_size=6),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
    st.booleans(),
    st.integers(min_value=0, max_value=2),
)
def test_the_quick_path_agrees_with_the_exact_reader(
    order: list[str], rows: list[dict[str, str]], end: str, quote: bool, bom: bool, cut: int
) -> None:
    columns = order[: len(order) - cut] if cut else order
    lines = [",".join(_cell(c, quote) for c in columns)]
    lines += [",".join(_cell(r[c], quote) for c in columns) for r in rows]
    data = (("\ufeff" if bom else "") + end.join(lines) + end).encode()
    _same(data)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "account_id": st.sampled_from(["A1", "A2", "", "A 3"]),
    "territory_id": st.sampled_from(["T1", "", "T2"]),
    "annual_revenue": st.sampled_from(["", "1000", "12.5", "1.1234567", "-3"]),
    "status": st.sampled_from(["", "active", "Inactive", "gone"]),
    "bottom_up_target": st.sampled_from(["", "10", "10.005"]),
}), min_size=1, max_size=5))
def test_the_quick_path_agrees_on_accounts(rows: list[dict[str, str]]) -> None:
    header = "account_id,territory_id,annual_revenue,status,bottom_up_target"
    body = [",".join(r[c] for c in header.split(",")) for r in rows]
    _same(("\n".join([header, *body]) + "\n").encode(), ACCOUNTS)


RAW = st.sampled_from(["A1", "2026-01-01", "5", ",", '"', '""', "\n", "\r\n", " ", "x,y", "é"])


@settings(max_examples=500, deadline=None)
@given(st.lists(RAW, max_size=40))
def test_any_bytes_the_quick_path_takes_read_like_the_exact_reader(tokens: list[str]) -> None:
    """Raw noise after a valid header: whatever the quick path accepts, the exact reader reads
    the same, without a problem."""
    _same(("account_id,date,amount,product\n" + "".join(tokens)).encode())
    _same(('"account_id","date","amount","product"\n' + "".join(tokens)).encode())


@settings(max_examples=2000, deadline=None)
@example(10**15 - 1, 2, True)  # 9,999,999,999,999.99: the largest through a double
@example(-(10**15) + 1, 2, True)
@example(10**15, 2, True)  # 14 integer digits: the careful pass
@example(10**17 - 1, 2, True)  # 15 integer digits, the most an amount may have
@example(2**50 - 1, 2, False)
@example(5, 2, False)
@example(-5, 2, False)
@given(st.integers(min_value=-(10**17) + 1, max_value=10**17 - 1), st.sampled_from([0, 1, 2]),
       st.booleans())
def test_the_quick_amount_is_the_exact_cents(cents: int, decimals: int, round_trip: bool) -> None:
    """Amounts up to 13 integer digits go through a double and come out as the exact cents;
    longer ones are flagged for the careful (decimal) conversion."""
    if decimals < 2:
        cents -= cents % (10 ** (2 - decimals)) if cents >= 0 else -((-cents) % (10 ** (2 - decimals)))
    whole, part = divmod(abs(cents), 100)
    text = ("-" if cents < 0 else "") + str(whole) + (f".{part:02d}"[: decimals + 1] if decimals else "")
    column = BOOKINGS.column("amount")
    value, flag = quickread.quick_column(column, may_pad=False)
    assert flag is not None
    got = pl.DataFrame({"amount": [text]}).select(value.alias("v"), flag.alias("f")).row(0)
    if len(str(whole)) <= quickread.FLOAT_EXACT_DIGITS:
        assert got == (cents, False), text
    else:
        assert got[1] is True, text
    if round_trip:  # and the exact reader agrees, whichever pass converts it
        table, problems = read_table("bookings.csv", f"account_id,date,amount\nA1,2026-01-01,{text}\n"
                                     .encode(), BOOKINGS)
        assert problems == []
        assert table is not None
        assert table.get_column("amount").to_list() == [cents]


@given(st.binary(max_size=64).map(lambda b: b.translate(bytes.maketrans(b"\x00\x01\x02",
                                                                           b'"\n"'))))
def test_line_feeds_and_quotes_are_counted_in_one_walk(data: bytes) -> None:
    """The counts and the two-quotes-in-a-row flag, across piece boundaries (pieces of 3 bytes
    here), equal what the whole bytes say."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quickread, "COUNT_PIECE", 3)
        counted = quickread.count_lines_and_quotes(data)
    assert counted == (data.count(b"\n"), data.count(b'"'), b'""' in data)


@pytest.mark.parametrize("extra", [b",extra", b","])
def test_a_long_row_and_a_short_one_are_both_found(extra: bytes) -> None:
    """A row with a cell too many and another with one too few hold the header's commas between
    them. Polars lets the long row pass when a column after the last one read (here the unused
    product) is not read, so every column is read and the bytes are counted."""
    rows = b"".join(b"A%d,2025-01-05,10,Core\n" % i for i in range(1000))
    data = (b"account_id,date,amount,product\n" + rows + b"B1,2025-01-05,10,Core" + extra + b"\n"
            + rows + b"B2,2025-01-06,11\n" + rows)
    assert quickread.read_clean(data, BOOKINGS) is None
    table, problems = read_table("bookings.csv", data, BOOKINGS)
    assert table is None
    assert [(p.line, p.code) for p in problems] == [(1002, "ragged"), (2003, "ragged")]
