"""Reading a report's rows from the served warehouse: the whole frame, its row count, or in windows of dates.

A large export reads a window of local dates at a time through DuckDB's Arrow C stream, optionally on fewer
DuckDB worker threads, so no step holds the whole report; the queries themselves are in
:mod:`exports.report_specs`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import polars as pl

from exports.report_specs import REPORTS, ReportSpec, requested_spec
from voxlink import warehouse


def report_frame(name: str, account_id: int, start: date, end: date) -> pl.DataFrame:
    """The report's rows for an account and an inclusive range of local dates, in contract order."""
    return spec_frame(requested_spec(name, start, end), account_id, start, end)


def spec_frame(spec: ReportSpec, account_id: int, start: date, end: date) -> pl.DataFrame:
    """``spec``'s rows (a checked range), read on the served warehouse's one-thread instance for report queries."""
    frame = warehouse.query(spec.sql, account_id, {"start": start, "end": end}, serial=True)
    return frame.select(spec.columns)


CHUNK_DAYS = 31  # a large export reads this many local days at a time, so no step holds the whole report


def report_rows(name: str, account_id: int, start: date, end: date) -> int:
    """How many rows the report has for the range (one cheap query; decides how a large export is written)."""
    spec = REPORTS[name]
    counted = warehouse.query(f"select count(*) as n from ({spec.sql}) as report", account_id,
                              {"start": start, "end": end}, serial=True)  # fmt: skip
    return int(counted.item())


def _streamed_frame(spec: ReportSpec, account_id: int, start: date, end: date) -> pl.DataFrame:
    """One piece of a large export, read without pyarrow (:func:`voxlink.warehouse.query_streamed`)."""
    params = {"start": start, "end": end}
    return warehouse.query_streamed(spec.sql, account_id, params).select(spec.columns)


def _threads_setting(threads: int | None = None) -> int:
    """DuckDB's worker threads for the served warehouse, first set to ``threads`` when given."""
    with warehouse.cursor() as cursor:
        if threads is not None:
            cursor.execute(f"set threads = {int(threads)}")
        row = cursor.execute("select current_setting('threads')").fetchone()
        return int(row[0]) if row else 0


@contextmanager
def _duckdb_threads(threads: int | None) -> Iterator[None]:
    """DuckDB's worker threads set to ``threads`` meanwhile (nothing when None), then set back.

    ``threads`` is a setting of the whole database, not of a cursor: every query of the process on the served
    warehouse gets it, so only a process that does nothing else meanwhile (``voxlink export``) asks for it.
    """
    if threads is None:
        yield
        return
    before = _threads_setting()
    _threads_setting(threads)
    try:
        yield
    finally:
        _threads_setting(before)


def report_chunks(
    name: str, account_id: int, start: date, end: date, days: int | None = None, threads: int | None = None
) -> Iterator[pl.DataFrame]:
    """The report's rows in order, a window of local dates at a time; together they equal :func:`report_frame`.

    Only reports whose rows are per date and sorted by date first can be cut this way; the others (the
    leaderboard ranks over the whole range, dialer compliance sorts by campaign first) come in one piece.
    Each piece is read through DuckDB's Arrow C stream (:func:`_streamed_frame`); ``days`` defaults to
    :data:`CHUNK_DAYS`, read when called. ``threads`` (e.g. 1: a month's query needs no more, and each
    DuckDB worker keeps its own buffers) holds for the whole iteration; see :func:`_duckdb_threads`.
    """
    spec = requested_spec(name, start, end)
    with _duckdb_threads(threads):
        if spec.columns[0] != "date":
            yield _streamed_frame(spec, account_id, start, end)
            return
        step = timedelta(days=(days or CHUNK_DAYS) - 1)
        first = start
        while first <= end:
            last = min(first + step, end)
            yield _streamed_frame(spec, account_id, first, last)
            first = last + timedelta(days=1)
