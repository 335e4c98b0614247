"""The one way to read the warehouse: the served file, read-only, every query scoped to an account."""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import duckdb
import polars as pl

from voxlink.settings import get_settings

META_TABLE = "_publish"
# ``cursor.execute`` + Arrow: DuckDB suggests its relation API instead (no extra copy of the rows), but a relation
# binds and plans its statement twice — 2-3 ms of a 5-10 ms page query; the copy of a page's rows costs far less.
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning, __name__)


class WarehouseMissing(RuntimeError):
    """No warehouse has been published yet."""


class UnscopedQuery(ValueError):
    """A query that does not filter on ``$account_id``: refused so no page can leak another tenant's rows."""


@dataclass(frozen=True)
class PublishInfo:
    version: int
    published_at: datetime
    built_seconds: float


@dataclass
class _Opened:
    """One publish version of the served file, open; ``idle`` holds the serial instance's ready cursors."""

    version: str
    conn: duckdb.DuckDBPyConnection
    idle: list[duckdb.DuckDBPyConnection] = field(default_factory=list)


_lock = threading.Lock()
_open: dict[tuple[Path, bool], _Opened] = {}  # by (path, serial)


def served_path() -> Path:
    return get_settings().served_db


def file_version(path: Path | None = None) -> str:
    """A cheap token that changes whenever a new file is published (``os.replace`` makes a new inode)."""
    path = path or served_path()
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise WarehouseMissing(f"no warehouse published at {path} yet: run `voxlink refresh`") from None
    return f"{st.st_ino}-{st.st_mtime_ns}"


def connection(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The process's read-only connection to the served file, reopened when a new version is published.

    Opening costs 20–30 ms, so one connection is kept per publish version; callers take a cursor per
    query because a DuckDB connection is not safe to share between threads.
    """
    return _opened(path or served_path(), serial=False).conn


def open_both(path: Path | None = None) -> None:
    """Open the current version on both instances (the shared one and the report queries' serial one) ahead of
    a first query, which would otherwise pay the 20–30 ms of opening each."""
    path = path or served_path()
    _opened(path, serial=False)
    _opened(path, serial=True)


def _opened(path: Path, serial: bool) -> _Opened:
    """The open current version of ``path`` (the serial instance's or the shared one), opened when new.

    The serial instance is for the report queries: small aggregates over the report marts whose time is
    mostly planning run ~10 % faster, and without the tail of handing work to a worker thread, on the
    calling thread alone. DuckDB's ``threads`` is a setting of a whole instance and a process keeps one
    instance per file, so this one is an in-memory instance of one thread that attaches the file read-only
    under the file's catalog name; the big scans (call lists, health counts) keep both cores on the other.
    """
    version = file_version(path)
    with _lock:
        current = _open.get((path, serial))
        if current is not None and current.version == version:
            return current
        # Close first: DuckDB reuses a still-open database for the same path, which would be the old file.
        if current is not None:
            _close(current)
        if serial:
            conn = duckdb.connect(":memory:", config={"threads": 1})
            conn.execute(f"attach '{_literal(str(path))}' as {_catalog(path)} (read_only)")
        else:
            conn = duckdb.connect(str(path), read_only=True)
        opened = _open[(path, serial)] = _Opened(version, conn)
        return opened


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _catalog(path: Path) -> str:
    """The file's catalog name (its stem, as DuckDB names a file it opens), quoted."""
    return '"' + path.stem.replace('"', '""') + '"'


def _close(opened: _Opened) -> None:
    for cursor in opened.idle:
        cursor.close()
    opened.conn.close()


@contextmanager
def _cursor(path: Path | None, serial: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the served file for one query; a serial one is kept for the next query (its ``use``, which
    a new cursor of the attaching instance needs, costs ~0.1 ms)."""
    path = path or served_path()
    if not serial:
        cursor = connection(path).cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    opened = _opened(path, serial=True)
    with _lock:
        ready = opened.idle.pop() if opened.idle else None
    if ready is None:
        ready = opened.conn.cursor()
        ready.execute(f"use {_catalog(path)}")
    try:
        yield ready
    finally:
        with _lock:
            kept = _open.get((path, True)) is opened
            if kept:
                opened.idle.append(ready)
        if not kept:
            ready.close()


def close_all() -> None:
    with _lock:
        for opened in _open.values():
            _close(opened)
        _open.clear()


def query(
    sql: str,
    account_id: int,
    params: dict[str, Any] | None = None,
    path: Path | None = None,
    *,
    serial: bool = False,
) -> pl.DataFrame:
    """Run ``sql`` on the served warehouse for one account; it must filter on ``$account_id``.

    ``serial`` runs it on DuckDB's calling thread alone (see :func:`_opened`): for small aggregate queries.
    """
    bound = _scoped(sql, account_id, params)
    with _cursor(path, serial) as cursor:
        # an Arrow Table (not a single column) converts to a DataFrame
        return cast(pl.DataFrame, pl.from_arrow(cursor.execute(sql, bound).to_arrow_table()))


def query_streamed(
    sql: str, account_id: int, params: dict[str, Any] | None = None, path: Path | None = None
) -> pl.DataFrame:
    """:func:`query` without pyarrow, for large reads: rows come through DuckDB's Arrow C stream into polars.

    Nothing imports pyarrow nor holds an Arrow table beside the frame (~40 MB less at a million-row export's
    peak); DuckDB's relation API plans the statement twice, which only matters for small, frequent queries.
    """
    bound = _scoped(sql, account_id, params)
    cursor = connection(path).cursor()
    try:
        return pl.DataFrame(cursor.sql(sql, params=bound))
    finally:
        cursor.close()


def _scoped(sql: str, account_id: int, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters with ``$account_id`` bound to the account (never a caller's value); unscoped SQL refused."""
    if "$account_id" not in sql:
        raise UnscopedQuery("warehouse queries must filter on $account_id")
    return dict(params or {}, account_id=account_id)


def publish_info(path: Path | None = None) -> PublishInfo:
    """When the served warehouse was published ("data as of") and its version number."""
    cursor = connection(path).cursor()
    try:
        rows = cursor.execute(
            f"select version, published_at, built_seconds from {META_TABLE} order by version desc limit 1"
        ).fetchall()
    finally:
        cursor.close()
    if not rows:
        raise WarehouseMissing("the served warehouse carries no publish record")
    version, published_at, built_seconds = rows[0]
    return PublishInfo(int(version), published_at, float(built_seconds))
