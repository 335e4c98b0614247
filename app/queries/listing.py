"""Listing rows of a fact table a page at a time: the shared mechanics of the call and message reports.

Rows are listed newest first. A page is fetched from the few local days that hold it, found from the count
of matching rows per day (which is also the total): at 10 M calls a month of the biggest account is ~270 k
rows, and sorting them all for 50 costs ~10 ms, sorting the day that holds them ~1 ms.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

PAGE_SIZE = 50
DOWNLOAD_LIMIT = 100_000

Params = tuple[tuple[str, Any], ...]


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def day_counts(
    table: str, day: str, where: str, account_id: int, params: Params, version: str
) -> list[tuple[date, int]]:
    """Matching rows of ``table`` per local day (column ``day``), newest day first."""
    sql = f"select {day} as day, count(*) as n from {table} where {where} group by all order by day desc"
    return [(row[0], int(row[1])) for row in warehouse.query(sql, account_id, dict(params)).iter_rows()]


def window(days: list[tuple[date, int]], offset: int, size: int) -> tuple[date, date, int] | None:
    """The oldest and newest day holding rows ``offset`` … ``offset + size - 1`` (newest first), and the offset
    of the first of them within those days; None past the last row."""
    seen = 0  # rows in the days newer than the current one
    newest: tuple[date, int] | None = None
    for day, rows in days:
        if newest is None and seen + rows > offset:
            newest = (day, offset - seen)
        if newest is not None and seen + rows >= offset + size:
            return day, newest[0], newest[1]
        seen += rows
    return (days[-1][0], newest[0], newest[1]) if newest is not None else None


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def page(
    table: str, columns: str, order: str, day: str, where: str, account_id: int, params: Params, offset: int,
    version: str, column_params: Params = (),
) -> pl.DataFrame:  # fmt: skip
    """``PAGE_SIZE`` matching rows from ``offset`` in ``order`` (newest first by ``day``); ``column_params`` are
    the parameters ``columns`` uses (``where`` uses ``params``)."""
    days = day_counts(table, day, where, account_id, params, version)
    found = window(days, offset, PAGE_SIZE)
    oldest, newest, inner = found if found is not None else (date.max, date.max, 0)  # past the end: no rows
    sql = (
        f"select {columns} from {table} where {where} and {day} between $window_oldest and $window_newest "
        f"order by {order} limit {PAGE_SIZE} offset $window_offset"
    )
    bound = {**dict(params), **dict(column_params), "window_oldest": oldest, "window_newest": newest,
             "window_offset": inner}  # fmt: skip
    return warehouse.query(sql, account_id, bound)


def everything(
    table: str,
    columns: str,
    order: str,
    where: str,
    account_id: int,
    params: Params,
    column_params: Params = (),
) -> pl.DataFrame:
    """Every matching row (at most ``DOWNLOAD_LIMIT``); uncached, for a download button's own thread."""
    sql = f"select {columns} from {table} where {where} order by {order} limit {DOWNLOAD_LIMIT}"
    return warehouse.query(sql, account_id, {**dict(params), **dict(column_params)})


def total(days: list[tuple[date, int]]) -> int:
    return sum(rows for _, rows in days)
