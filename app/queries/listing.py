"""Listing rows of a fact table a page at a time: the shared mechanics of the call and message reports."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse

PAGE_SIZE = 50
DOWNLOAD_LIMIT = 100_000

Params = tuple[tuple[str, Any], ...]


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def count(table: str, where: str, account_id: int, params: Params, version: str) -> int:
    """Rows of ``table`` matching ``where`` (its bound parameters in ``params``; account-scoped)."""
    frame = warehouse.query(f"select count(*) as n from {table} where {where}", account_id, dict(params))
    return int(frame["n"][0])


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def page(
    table: str,
    columns: str,
    order: str,
    where: str,
    account_id: int,
    params: Params,
    offset: int,
    version: str,
) -> pl.DataFrame:
    """``PAGE_SIZE`` matching rows from ``offset`` in ``order``."""
    sql = f"select {columns} from {table} where {where} order by {order} limit {PAGE_SIZE} offset $offset"
    return warehouse.query(sql, account_id, {**dict(params), "offset": offset})


def everything(
    table: str, columns: str, order: str, where: str, account_id: int, params: Params
) -> pl.DataFrame:
    """Every matching row (at most ``DOWNLOAD_LIMIT``); uncached, for a download button's own thread."""
    sql = f"select {columns} from {table} where {where} order by {order} limit {DOWNLOAD_LIMIT}"
    return warehouse.query(sql, account_id, dict(params))
