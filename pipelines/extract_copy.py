"""A whole-table extract: ranges of ``change_seq`` read by connectorx's binary ``COPY``, the next read while
DuckDB appends the last.

A first (or ``--full``) extract reads every row of a table. Reading it as one frame would hold the whole table
in memory; instead it is cut into chunks of about ``CHUNK_ROWS`` rows. Each chunk is read by ``PARTITIONS``
PostgreSQL backends at once (connectorx streams ``COPY … TO STDOUT (FORMAT BINARY)`` straight into Arrow
columns: no text to print in PostgreSQL nor to parse here), and while DuckDB appends one chunk the next is
already being read, so PostgreSQL and DuckDB work at the same time and at most two chunks are in memory.

Profiled at 2 M calls (2-core machine under load): CSV slices cost 16 s to print in PostgreSQL plus 23 s for
DuckDB to parse; Arrow from connectorx loads into DuckDB in a third of the parse time.

The frames go through polars exactly as the incremental path's do (:mod:`pipelines.extract_tables`), so
``raw.<table>`` has the same column types whichever path created it.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

import duckdb
import polars as pl
import psycopg

from pipelines.raw_tables import RawTable

CHUNK_ROWS = 1_000_000  # rows per read: bounds memory (two chunks are held at once) and sets the overlap
PARTITIONS = 2  # PostgreSQL backends reading one chunk (each formats its rows in its own process)
PARTITION_MIN_ROWS = 100_000  # a smaller chunk is read by one backend


def _chunks(pg_uri: str, spec: RawTable, low: int) -> tuple[list[tuple[int, int]], int]:
    """Half-open ``change_seq`` ranges ``(a, b]`` covering the rows past ``low``, and their expected rows each."""
    with psycopg.connect(pg_uri) as conn:
        found = conn.execute(
            f"select min(change_seq), max(change_seq), count(*) from {spec.name} where change_seq > %s", [low]
        ).fetchone()
    assert found is not None  # an aggregate always returns a row
    first, last, count = found
    if not count:
        return [], 0
    pieces = -(-count // CHUNK_ROWS)
    start, width = first - 1, -(-(last - first + 1) // pieces)
    return [(start + i * width, min(start + (i + 1) * width, last)) for i in range(pieces)], -(
        -count // pieces
    )


def _read(
    pg_uri: str, spec: RawTable, bounds: tuple[int, int], rows: int, loaded_at: datetime
) -> pl.DataFrame:
    after, through = bounds
    sql = f"select {spec.columns} from {spec.name} where change_seq > {int(after)} and change_seq <= {int(through)}"
    split = PARTITIONS if rows >= PARTITION_MIN_ROWS and through - after >= PARTITIONS else 1
    if split > 1:
        frame = pl.read_database_uri(
            sql,
            pg_uri,
            engine="connectorx",
            partition_on="change_seq",
            partition_range=(after + 1, through),
            partition_num=split,
        )
    else:
        frame = pl.read_database_uri(sql, pg_uri, engine="connectorx")
    return frame.with_columns(pl.lit(loaded_at).dt.cast_time_unit("us").alias("_loaded_at"))


def _shape(pg_uri: str, spec: RawTable, loaded_at: datetime) -> pl.DataFrame:
    """An empty frame with the columns and types the incremental path reads for ``spec``."""
    frame = pl.read_database_uri(
        f"select {spec.columns} from {spec.name} where false", pg_uri, engine="connectorx"
    )
    return frame.with_columns(pl.lit(loaded_at).dt.cast_time_unit("us").alias("_loaded_at"))


def _append(con: duckdb.DuckDBPyConnection, spec: RawTable, frame: pl.DataFrame, create: bool) -> None:
    con.register("_chunk", frame.to_arrow())
    try:
        if create:
            con.execute(f"create table raw.{spec.name} as select * from _chunk")
        else:
            con.execute(f"insert into raw.{spec.name} by name select * from _chunk")
    finally:
        con.unregister("_chunk")


def create_whole(
    pg_uri: str, con: duckdb.DuckDBPyConnection, spec: RawTable, low: int, loaded_at: datetime
) -> tuple[int, int]:
    """Create ``raw.<table>`` holding every row past ``low``, stamped ``loaded_at``; return (rows, max change_seq).

    Runs inside the caller's transaction; rows land in ``change_seq`` order (the incremental merge relies on it).
    """
    _append(con, spec, _shape(pg_uri, spec, loaded_at), create=True)
    ranges, rows = _chunks(pg_uri, spec, low)
    with ThreadPoolExecutor(max_workers=1) as reader:
        pending: Future[pl.DataFrame] | None = None
        for index, bounds in enumerate(ranges):
            frame = pending.result() if pending else _read(pg_uri, spec, bounds, rows, loaded_at)
            after = ranges[index + 1] if index + 1 < len(ranges) else None
            pending = reader.submit(_read, pg_uri, spec, after, rows, loaded_at) if after else None
            try:
                _append(con, spec, frame, create=False)
            except BaseException:
                if pending is not None:
                    pending.cancel()
                raise
            del frame  # only the chunk being read stays in memory
    counted, seen = con.execute(
        f"select count(*), coalesce(max(change_seq), {int(low)}) from raw.{spec.name}"
    ).fetchall()[0]
    return int(counted), int(seen)
