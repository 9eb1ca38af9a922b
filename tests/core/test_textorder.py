"""Sorting by ids as text through integer keys gives Polars' text order."""

from __future__ import annotations

import polars as pl
from hypothesis import example, given
from hypothesis import strategies as st

from quotaplan.core.textorder import MAX_WORDS, WORD, sort_by_text

ASCII_IDS = st.text(st.sampled_from("AC-019az_\x00 ~"), max_size=MAX_WORDS * WORD + 3)
ANY_IDS = st.text(max_size=12)


@given(st.lists(ASCII_IDS | ANY_IDS, max_size=40))
@example(["ACC-10", "ACC-1", "ACC-2", "a\x00", "a", "", "ACC-1"])
@example(["é", "e", "z"])  # beyond ASCII: Polars' own sort
@example(["x" * (MAX_WORDS * WORD + 1), "x" * (MAX_WORDS * WORD)])  # too long for the keys
def test_the_key_order_is_the_text_order(values: list[str]) -> None:
    """The same table as Polars' stable text sort, equal ids keeping their rows' order."""
    frame = pl.DataFrame({"id": values, "row": list(range(len(values)))},
                         schema={"id": pl.String, "row": pl.Int64})
    ordered = sort_by_text(frame, "id")
    assert ordered.equals(frame.sort("id", maintain_order=True))
    assert ordered.get_column("id").to_list() == sorted(values, key=lambda v: v.encode())


def test_a_null_id_takes_polars_sort() -> None:
    frame = pl.DataFrame({"id": ["b", None, "a"]})
    assert sort_by_text(frame, "id").equals(frame.sort("id", maintain_order=True))
