"""The call-status report for the page: the export's own report frame, and what the page derives from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from app.queries import CACHE_TTL
from exports.reports import report_frame

REPORT = "call-status"
ALL_DIRECTIONS = "all"


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def call_status_report(account_id: int, start: date, end: date, direction: str, version: str) -> pl.DataFrame:
    """The report's rows (contract columns and order) for one direction, or every one with ``"all"``.

    The rows of one direction are exactly the report's rows for that direction, so this frame is what the
    page shows and what its CSV download renders. ``version`` keys the cache.
    """
    frame = report_frame(REPORT, account_id, start, end)
    if direction == ALL_DIRECTIONS:
        return frame
    return frame.filter(pl.col("direction") == direction)


@dataclass(frozen=True)
class CallStatusTotals:
    total: int
    completed: int
    abandoned: int
    in_progress: int


def totals(report: pl.DataFrame) -> CallStatusTotals:
    """The KPI tiles: calls summed over the report's rows, in all and for three statuses."""
    by_status = dict(report.group_by("status").agg(pl.col("calls").sum()).iter_rows())
    return CallStatusTotals(
        total=int(report["calls"].sum()),
        completed=int(by_status.get("completed", 0)),
        abandoned=int(by_status.get("abandoned", 0)),
        in_progress=int(by_status.get("in_progress", 0)),
    )


def daily_by_status(report: pl.DataFrame) -> pl.DataFrame:
    """Calls per local day and status (directions added together): the series the chart stacks."""
    return report.group_by("date", "status").agg(pl.col("calls").sum()).sort("date", "status")
