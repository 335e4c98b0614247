"""One SQLAlchemy engine per SQLite file of the Dagster home, kept for the process instead of one per statement.

Dagster's SQLite run, event-log and schedule storages build a new engine for every connection they open
(``create_engine`` inside their ``connect``/``_connect``), and a refresh run opens some 2,000: about 6 per stored
event (the run's own file, then the cross-run index for asset and check events), more for the concurrency slots
each step claims and frees (kept in the schedule storage's file). Each new engine starts with an empty compiled-
statement cache and initialises its dialect again, so every insert compiles its SQL afresh: profiled on a warm
refresh under load, 1,958 connections cost 9.3 s and compiling 1,187 statements 4.2 s, most of Dagster's own
share of the run. Keeping the engine keeps both.

The engine also keeps its SQLite connections open between uses (a small pool) instead of opening one per use:
each open was a new ``sqlite3`` connection with its settings applied again, and each close of a file's last
connection checkpointed its WAL — per stored event, several times. The files are in WAL mode, so an idle pooled
connection holds no lock: other processes (the Dagster UI, the daemon) read and write as before, and each
transaction sees their commits. A pooled connection whose file was removed or replaced (a Dagster home reset,
``history/`` deleted) is dropped on checkout and a new one opened, so nothing is written to a deleted file.

Installed per process by :func:`pipelines.refresh.prepare_dagster_home`; only SQLite storages are touched (an
instance in PostgreSQL pools its connections already). Engines for a run's own file are dropped once a few newer
runs have been written, so a long-lived refresher keeps a handful, not one per run it ever made.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

KEPT_ENGINES = 16  # run files written recently (the index and run databases are few and always kept)
_ENGINES: OrderedDict[str, sa.Engine] = OrderedDict()
_LOCK = threading.Lock()
_INSTALLED = False


def engine_for(url: str, **connect_args: Any) -> sa.Engine:
    """The process's engine for one SQLite URL (created on first use; the least recently used dropped)."""
    with _LOCK:
        engine = _ENGINES.get(url)
        if engine is None:
            engine = sa.create_engine(
                url, poolclass=sa.QueuePool, pool_size=2, max_overflow=8, connect_args=connect_args
            )
            sa.event.listen(engine, "connect", _remember_file)
            sa.event.listen(engine, "checkout", _same_file_or_reconnect)
            _ENGINES[url] = engine
            while len(_ENGINES) > KEPT_ENGINES:
                _ENGINES.popitem(last=False)[1].dispose()
        else:
            _ENGINES.move_to_end(url)
        return engine


def _identity(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


def _remember_file(dbapi_connection: Any, record: Any) -> None:
    """Note the file a new connection opened (its path and inode), for :func:`_same_file_or_reconnect`."""
    rows = dbapi_connection.execute("pragma database_list").fetchall()
    path = next((row[2] for row in rows if row[1] == "main"), "")
    record.info["file"] = (path, _identity(path)) if path else None


def _same_file_or_reconnect(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection whose file was removed or replaced since it opened: the pool opens a new one."""
    opened = record.info.get("file")
    if opened is not None and _identity(opened[0]) != opened[1]:
        raise sa.exc.DisconnectionError(f"{opened[0]} was removed or replaced")


def reuse_sqlite_engines() -> None:
    """Make this process's Dagster SQLite storages (runs, event log, schedules and concurrency slots) reuse one
    engine per file."""
    global _INSTALLED
    if _INSTALLED:
        return
    from dagster._core.storage.event_log.sqlite import sqlite_event_log as event_log
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage
    from dagster._core.storage.schedules.sqlite.sqlite_schedule_storage import SqliteScheduleStorage

    @contextmanager
    def event_log_connect(self: event_log.SqliteEventLogStorage, shard: str) -> Iterator[sa.Connection]:
        # as Dagster's own `_connect`, less the engine it built and disposed of each time
        with self._db_lock:
            engine = engine_for(
                self.conn_string_for_shard(shard), timeout=event_log.SQLITE_BUSY_TIMEOUT_SECONDS
            )
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    @contextmanager
    def connect(self: SqliteRunStorage | SqliteScheduleStorage) -> Iterator[sa.Connection]:
        with engine_for(self._conn_string).connect() as conn, conn.begin():
            yield conn

    event_log.SqliteEventLogStorage._connect = event_log_connect  # type: ignore[method-assign,assignment]
    SqliteRunStorage.connect = connect  # type: ignore[method-assign,assignment]
    SqliteScheduleStorage.connect = connect  # type: ignore[method-assign,assignment]
    _INSTALLED = True
