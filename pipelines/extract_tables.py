"""Incremental extraction of operational tables into the working DuckDB file's ``raw`` schema.

Plain functions (no Dagster): read rows whose ``change_seq`` is past the table's watermark (minus a
look-back, because a transaction can commit after one that took a later sequence value), then merge them
on the table's keys. Re-reading a row is harmless: the merge replaces it. A table raw does not hold yet is
read whole by streamed ``COPY`` slices instead (:mod:`pipelines.extract_copy`).
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import extract_copy, quarantine
from pipelines.raw_tables import RAW_TABLES, RawTable


@dataclass(frozen=True)
class ExtractResult:
    table: str
    rows: int  # new or changed rows merged into raw
    read: int  # rows read from PostgreSQL (the look-back re-reads some unchanged ones)
    from_seq: int
    to_seq: int
    seconds: float


def _ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        "create table if not exists raw._watermarks "
        "(table_name varchar primary key, change_seq bigint, extracted_at timestamptz)"
    )


def watermark(con: duckdb.DuckDBPyConnection, table: str) -> int:
    _ensure_meta(con)
    rows = con.execute("select change_seq from raw._watermarks where table_name = ?", [table]).fetchall()
    return int(rows[0][0]) if rows else 0


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """Forget every watermark and raw row: the next extract reads everything again (``--full``)."""
    con.execute("drop schema if exists raw cascade")
    _ensure_meta(con)


def extract_table(pg_uri: str, con: duckdb.DuckDBPyConnection, table: str, lookback: int) -> ExtractResult:
    """Copy new and changed rows of ``table`` into ``raw.<table>``; return what was moved.

    ``lookback`` sequence values before the watermark are read again: a transaction can commit after one
    that took a later value, and the merge makes re-reading harmless.
    """
    spec = RAW_TABLES[table]
    started = time.perf_counter()
    since = watermark(con, table)
    low = max(since - lookback, 0)
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
        [table],
    ).fetchall()[0][0]
    if not exists and not quarantine.known_versions(con, table, low):
        return _extract_whole(pg_uri, con, spec, since, low, started)
    sql = f"select {spec.columns} from {table} where change_seq > {low}"
    frame = pl.read_database_uri(sql, pg_uri, engine="connectorx")
    # when this copy landed: incremental dbt models pick up rows loaded after their last build
    frame = frame.with_columns(pl.lit(datetime.now(UTC)).dt.cast_time_unit("us").alias("_loaded_at"))
    con.register("_batch", frame.to_arrow())
    try:
        con.execute("begin")
        if not exists:  # after --full with rows held: they stay out, so merge past them
            con.execute(f"create table raw.{table} as select * from _batch limit 0")
            merged = _merge_changed(con, spec, low)
        else:
            merged = _merge_changed(con, spec, low)
        seen: int = frame.get_column("change_seq").max() if frame.height else since  # type: ignore[assignment]
        new_mark = max(since, seen)
        con.execute(
            "insert or replace into raw._watermarks values (?, ?, now())",
            [table, new_mark],
        )
        con.execute("commit")
    except Exception:
        # a failed write (a full disk) may already have ended the transaction: never hide why behind the rollback
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    finally:
        con.unregister("_batch")
        con.execute("drop table if exists _changed")
    return ExtractResult(table, merged, frame.height, since, new_mark, time.perf_counter() - started)


def _extract_whole(
    pg_uri: str, con: duckdb.DuckDBPyConnection, spec: RawTable, since: int, low: int, started: float
) -> ExtractResult:
    """A table raw does not hold yet (first extract, ``--full``): streamed in whole by ``COPY`` slices."""
    (path,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone() or (None,)
    scratch = Path(path).parent if path else Path(tempfile.gettempdir())
    try:
        con.execute("begin")
        rows, seen = extract_copy.create_by_copy(pg_uri, con, spec, low, datetime.now(UTC), scratch)
        new_mark = max(since, seen)
        con.execute("insert or replace into raw._watermarks values (?, ?, now())", [spec.name, new_mark])
        con.execute("commit")
    except Exception:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return ExtractResult(spec.name, rows, rows, since, new_mark, time.perf_counter() - started)


def _merge_changed(con: duckdb.DuckDBPyConnection, spec: RawTable, low: int) -> int:
    """Replace the rows of ``_batch`` that are new versions; return how many.

    A row read again by the look-back with the ``change_seq`` it already has in ``raw`` — or in the quarantine,
    held or dropped (``pipelines.quarantine``) — is unchanged: it is skipped, so it keeps its ``_loaded_at`` and downstream incremental models do not rebuild it. Rows of
    ``raw`` past ``low`` are a short tail of the table (it is appended in change order), so the comparison
    reads little.
    """
    keys = ", ".join(spec.keys)
    known = " union all ".join(
        [f"select {keys}, change_seq from raw.{spec.name} where change_seq > {low}"]
        + quarantine.known_versions(con, spec.name, low)
    )
    con.execute("drop table if exists _changed")
    con.execute(
        f"create temp table _changed as select _batch.* from _batch anti join ({known}) as known "
        f"using ({keys}, change_seq)"
    )
    merged: int = con.execute("select count(*) from _changed").fetchall()[0][0]
    if merged:
        match = " and ".join(f"raw.{spec.name}.{k} = _changed.{k}" for k in spec.keys)
        con.execute(f"delete from raw.{spec.name} using _changed where {match}")
        con.execute(f"insert into raw.{spec.name} by name select * from _changed")
        loaded_at = con.execute("select max(_loaded_at) from _changed").fetchall()[0][0]
        quarantine.supersede(con, spec.name, "_changed", loaded_at)
    return merged
