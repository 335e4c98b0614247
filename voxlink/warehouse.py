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
    """One publish version of the served file, open in an instance of its own.

    ``idle`` holds ready cursors for the next queries, ``users`` counts cursors handed out and not yet given
    back; a version replaced by a newer publish is ``retired`` and closed by the last of them (closing it under
    a query in flight failed that query, or the next one: DuckDB refuses to close a busy connection).
    """

    version: str
    conn: duckdb.DuckDBPyConnection
    idle: list[duckdb.DuckDBPyConnection] = field(default_factory=list)
    users: int = 0
    retired: bool = False


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


@contextmanager
def cursor(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the served file (the shared instance) for statements of the caller's own, such as settings
    or a look-up by slug; the version it reads stays open until it is given back, whatever is published."""
    with _cursor(path, serial=False) as ready:
        yield ready


def open_both(path: Path | None = None) -> None:
    """Open the current version on both instances (the shared one and the report queries' serial one) ahead of
    a first query, which would otherwise pay the 20–30 ms of opening each."""
    path = path or served_path()
    _opened(path, serial=False)
    _opened(path, serial=True)


def _opened(path: Path, serial: bool, *, use: bool = False) -> _Opened:
    """The open current version of ``path`` (the serial instance's or the shared one), opened when new;
    ``use`` counts the caller among its users (give it back with :func:`_give_back`).

    Each version is an in-memory instance that attaches the file read-only under the file's catalog name:
    ``duckdb.connect(path)`` would hand back the instance DuckDB keeps for a path while one is open, the old
    file's, and a retired version stays open while a query still reads it. The serial instance is for the report
    queries: small aggregates over the report marts whose time is mostly planning run ~10 % faster, and without
    the tail of handing work to a worker thread, on the calling thread alone (``threads`` is a setting of a
    whole instance); the big scans (call lists, health counts) keep both cores on the shared one.
    """
    version = file_version(path)
    with _lock:
        current = _open.get((path, serial))
        if current is None or current.version != version:
            if current is not None:
                _retire(current)
            conn = duckdb.connect(":memory:", config={"threads": 1} if serial else {})
            conn.execute(f"attach '{_literal(str(path))}' as {_catalog(path)} (read_only)")
            current = _open[(path, serial)] = _Opened(version, conn)
        if use:
            current.users += 1
        return current


def _literal(text: str) -> str:
    return text.replace("'", "''")


def _catalog(path: Path) -> str:
    """The file's catalog name (its stem, as DuckDB names a file it opens), quoted."""
    return '"' + path.stem.replace('"', '""') + '"'


def _retire(opened: _Opened) -> None:
    """Under ``_lock``: no new query takes ``opened``; closed now if none reads it, else by its last user."""
    opened.retired = True
    if opened.users == 0:
        _close(opened)


def _close(opened: _Opened) -> None:
    for idle in opened.idle:
        idle.close()
    opened.idle.clear()
    opened.conn.close()


@contextmanager
def _cursor(path: Path | None, serial: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A cursor on the served file for one query. A serial one is kept for the next report query of the same
    version (its ``use``, which a new cursor of the attaching instance needs, costs ~0.1 ms); a shared one is
    new each time, as its caller may leave a result unread (DuckDB then refuses the cursor other work)."""
    path = path or served_path()
    opened = _opened(path, serial, use=True)
    try:
        with _lock:
            ready = opened.idle.pop() if opened.idle else None
        if ready is None:
            ready = opened.conn.cursor()
            ready.execute(f"use {_catalog(path)}")
    except BaseException:
        _give_back(opened, None)
        raise
    try:
        yield ready
    finally:
        _give_back(opened, ready, keep=serial)


def _give_back(opened: _Opened, ready: duckdb.DuckDBPyConnection | None, keep: bool = False) -> None:
    """A query is done with ``opened``: its cursor kept for the next one (``keep``) or closed, and the version
    closed with it when it was published over and this was its last query."""
    with _lock:
        opened.users -= 1
        if keep and ready is not None and not opened.retired:
            opened.idle.append(ready)
            return
        if ready is not None:
            ready.close()
        if opened.retired and opened.users == 0:
            _close(opened)  # the last query of a version published over


def close_all() -> None:
    """Close every open version (each one a query still reads, once that query is done)."""
    with _lock:
        for opened in _open.values():
            _retire(opened)
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
    with _cursor(path, serial=False) as ready:
        return pl.DataFrame(ready.sql(sql, params=bound))


def _scoped(sql: str, account_id: int, params: dict[str, Any] | None) -> dict[str, Any]:
    """The parameters with ``$account_id`` bound to the account (never a caller's value); unscoped SQL refused."""
    if "$account_id" not in sql:
        raise UnscopedQuery("warehouse queries must filter on $account_id")
    return dict(params or {}, account_id=account_id)


def publish_info(path: Path | None = None) -> PublishInfo:
    """When the served warehouse was published ("data as of") and its version number."""
    with _cursor(path, serial=False) as ready:
        rows = ready.execute(
            f"select version, published_at, built_seconds from {META_TABLE} order by version desc limit 1"
        ).fetchall()
    if not rows:
        raise WarehouseMissing("the served warehouse carries no publish record")
    version, published_at, built_seconds = rows[0]
    return PublishInfo(int(version), published_at, float(built_seconds))
