"""The leaderboard ranked by any of its metrics: the export's rows, with the rank taken in the warehouse.

The export ranks agents by handled calls; the page may rank by another of the report's columns. That rank is
the same competition ranking (``rank()``: ties share a rank, the next one is skipped) over the export's own
rows for the whole account and range, so a page never re-ranks in Python.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from app.filters.scope import Scope
from app.queries import CACHE_TTL
from app.queries.reports import report
from exports.report_specs import REPORTS
from voxlink import warehouse

# column → the order that ranks first (lower handle time is better)
RANKABLE: dict[str, str] = {
    "handled": "desc",
    "conversions": "desc",
    "conversion_rate": "desc",
    "talk_seconds": "desc",
    "aht_seconds": "asc",
}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def _ranks(metric: str, account_id: int, start: date, end: date, version: str) -> pl.DataFrame:
    order = RANKABLE[metric]  # a key of a fixed table, never user text, goes into the SQL
    sql = f"""
        select agent, rank() over (order by {metric} {order}) as rank
        from ({REPORTS["leaderboard"].sql}) as leaderboard
    """
    return warehouse.query(sql, account_id, {"start": start, "end": end})


def ranked(scope: Scope, metric: str) -> pl.DataFrame:
    """The leaderboard rows the viewer may see (as :func:`report` gives them), ranked by ``metric``."""
    if metric not in RANKABLE:
        raise KeyError(metric)
    rows = report(scope, "leaderboard")
    if metric == "handled" or rows.is_empty():  # the export's own rank
        return rows
    ranks = _ranks(metric, scope.viewer.account_id, scope.start, scope.end, scope.version)
    return rows.drop("rank").join(ranks, on="agent", how="left").select(rows.columns).sort("rank", "agent")
