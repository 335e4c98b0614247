"""The report queries of the export contract, defined once: exports, app tables and downloads all use them.

Each report reads one published report mart, sums its additive parts over the requested local dates and
returns the contract's columns in order. Ratios are computed here only as ratios of those sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from voxlink import warehouse


class ReportError(ValueError):
    """A report request that cannot be answered (unknown report, bad range)."""


@dataclass(frozen=True)
class ReportSpec:
    name: str
    title: str
    columns: tuple[str, ...]
    sql: str
    description: str


REPORTS: dict[str, ReportSpec] = {
    "call-status": ReportSpec(
        name="call-status",
        title="Call status",
        columns=("date", "direction", "status", "calls"),
        description="Calls by local day of their start, direction and derived status.",
        sql="""
            select date, direction, status, sum(calls)::bigint as calls
            from rpt_call_status_daily
            where account_id = $account_id and date between $start and $end
            group by date, direction, status
            having sum(calls) > 0
            order by date, direction, status
        """,
    ),
}


def report_frame(name: str, account_id: int, start: date, end: date) -> pl.DataFrame:
    """The report's rows for an account and an inclusive range of local dates, in contract order."""
    spec = REPORTS.get(name)
    if spec is None:
        raise ReportError(f"unknown report {name!r}; choose one of: {', '.join(sorted(REPORTS))}")
    if end < start:
        raise ReportError(f"the range ends ({end}) before it starts ({start})")
    frame = warehouse.query(spec.sql, account_id, {"start": start, "end": end})
    return frame.select(spec.columns)
