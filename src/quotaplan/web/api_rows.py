"""Rows of the engine's tables as the API answers them, and the page of a list.

A row keeps the output files' column names. Amounts (every integer column that is not a count,
:data:`quotaplan.schemas.COUNT_COLUMNS`) are decimal strings with two decimals; counts are integers;
ratios are numbers (never NaN or infinity: those are null); dates are ISO text.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any

import polars as pl
from pydantic import BaseModel, Field, StringConstraints

from quotaplan.money import format_cents
from quotaplan.schemas import COUNT_COLUMNS

Value = str | float | int | bool | None
#: An event's payload as the API takes it: flat, text (amounts, rates, dates), whole numbers, flags.
Payload = dict[Annotated[str, StringConstraints(max_length=100)], str | int | bool | None]
MAX_PER_PAGE = 500


def value_of(column: str, value: Any) -> Value:
    """One cell as the API shows it (see the module)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if column in COUNT_COLUMNS else format_cents(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def rows_of(frame: pl.DataFrame) -> list[dict[str, Value]]:
    return [{k: value_of(k, v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


class Paging(BaseModel):
    page: int = Field(description="this page's number, from 1")
    per_page: int
    total: int = Field(description="rows that pass the filters")
    pages: int


def page_of(frame: pl.DataFrame, page: int, per_page: int) -> tuple[pl.DataFrame, Paging]:
    """The rows of page ``page`` (the last page when it is past the end)."""
    pages = max(1, -(-frame.height // per_page))
    page = min(max(page, 1), pages)
    return (frame.slice((page - 1) * per_page, per_page),
            Paging(page=page, per_page=per_page, total=frame.height, pages=pages))


def attachment(filename: str) -> dict[str, str]:
    """The Content-Disposition header of a download named ``filename`` (a plan's or seller's name
    may hold any character; a header holds ASCII only, so others become ``_``)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)[:150] or "download"
    return {"content-disposition": f'attachment; filename="{safe}"'}
