"""The served warehouse's one-thread instance for report queries (``warehouse.query(..., serial=True)``).

A real DuckDB file published the way the refresh publishes one (a new file moved over the served path); the
serial instance must answer exactly as the shared connection does, on one thread, and follow each publish.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from voxlink import warehouse

ROWS_SQL = "select x, half_up(x) as rounded from t where account_id = $account_id order by x"


def publish(served: Path, values: list[int]) -> None:
    """Write a warehouse holding ``values`` for account 1 (and a decoy row of account 2) over ``served``."""
    fresh = served.with_name("building.duckdb")
    fresh.unlink(missing_ok=True)
    with duckdb.connect(str(fresh)) as conn:
        conn.execute("create table t (account_id integer, x integer)")
        conn.executemany("insert into t values (1, ?)", [[v] for v in values])
        conn.execute("insert into t values (2, -1)")
        conn.execute("create macro half_up(v) as (v * 2 + 1) // 2")
    os.replace(fresh, served)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "served.duckdb"
    publish(path, [1, 2, 3])
    warehouse.close_all()
    yield path
    warehouse.close_all()


def test_serial_answers_as_the_shared_connection_does(served: Path) -> None:
    shared = warehouse.query(ROWS_SQL, 1, path=served)
    serial = warehouse.query(ROWS_SQL, 1, path=served, serial=True)
    assert serial.equals(shared)
    assert serial["x"].to_list() == [1, 2, 3]  # account 2's row is not there
    # the warehouse's own macros resolve, under the file's own catalog name
    catalog = "select current_database() as db, $account_id as a"
    assert warehouse.query(catalog, 1, path=served, serial=True)["db"].item() == "served"
    assert warehouse.query(catalog, 1, path=served)["db"].item() == "served"


def test_serial_runs_on_one_thread_and_leaves_the_shared_connection_alone(served: Path) -> None:
    threads = "select current_setting('threads') as n, $account_id as a"
    assert warehouse.query(threads, 1, path=served, serial=True)["n"].item() == 1
    shared = warehouse.query(threads, 1, path=served)["n"].item()
    assert shared == duckdb.connect().execute("select current_setting('threads')").fetchone()[0]


def test_serial_follows_a_new_publish(served: Path) -> None:
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=True)["x"].to_list() == [1, 2, 3]
    publish(served, [7, 8])
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=True)["x"].to_list() == [7, 8]


def test_a_failed_query_leaves_the_serial_cursors_usable(served: Path) -> None:
    with pytest.raises(duckdb.CatalogException):
        warehouse.query("select * from missing where account_id = $account_id", 1, path=served, serial=True)
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=True)["x"].to_list() == [1, 2, 3]


def test_serial_queries_from_many_threads_each_get_their_own_cursor(served: Path) -> None:
    failures: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(25):
                assert warehouse.query(ROWS_SQL, 1, path=served, serial=True)["x"].to_list() == [1, 2, 3]
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)

    workers = [threading.Thread(target=reader) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []
    # cursors are kept for reuse, never more than the queries that ran at once
    assert 1 <= len(warehouse._open[(served, True)].idle) <= len(workers)


def test_unscoped_sql_is_refused_on_the_serial_instance_too(served: Path) -> None:
    with pytest.raises(warehouse.UnscopedQuery):
        warehouse.query("select * from t", 1, path=served, serial=True)


def test_open_both_opens_the_current_version_on_both_instances(served: Path) -> None:
    warehouse.open_both(served)
    shared, serial = warehouse._open[(served, False)], warehouse._open[(served, True)]
    assert shared.version == serial.version == warehouse.file_version(served)
    publish(served, [4])
    warehouse.open_both(served)
    assert warehouse._open[(served, True)] is not serial  # the new version, opened anew
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=True)["x"].to_list() == [4]


@pytest.mark.parametrize("serial", [False, True], ids=["shared", "serial"])
def test_a_read_in_flight_keeps_its_version_open_while_a_new_one_is_published_and_read(
    served: Path, serial: bool
) -> None:
    # before: the next query after a publish closed the version a slow read still used (its fetch then failed:
    # "No open result set"), or, while that read's statement ran, failed itself (DuckDB refuses to close a busy
    # connection); and `duckdb.connect(path)` hands back the old file's instance while one is open
    started, go_on = threading.Event(), threading.Event()
    seen: list[object] = []

    def slow_reader() -> None:
        try:
            with warehouse._cursor(served, serial) as cursor:
                cursor.execute("select x from t where account_id = 1 order by x")
                started.set()
                go_on.wait(30)
                seen.append([row[0] for row in cursor.fetchall()])
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            seen.append(error)
            started.set()

    reader = threading.Thread(target=slow_reader)
    reader.start()
    assert started.wait(30)
    old = warehouse._open[(served, serial)]
    publish(served, [7, 8])
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=serial)["x"].to_list() == [7, 8]
    assert old.retired and old.users == 1  # replaced, still open for the read in flight
    go_on.set()
    reader.join(30)
    assert seen == [[1, 2, 3]]  # the slow read got its own version's rows, whole
    assert old.users == 0
    with pytest.raises(duckdb.ConnectionException):
        old.conn.execute("select 1")  # closed by its last reader: nothing kept open behind the served file
    assert warehouse.query(ROWS_SQL, 1, path=served, serial=serial)["x"].to_list() == [7, 8]


def test_publish_info_and_the_cursor_read_the_new_file_after_a_publish(served: Path) -> None:
    with warehouse.cursor(served) as cursor:
        assert cursor.execute("select count(*) from t").fetchone() == (4,)
    publish(served, [5])
    with warehouse.cursor(served) as cursor:
        assert cursor.execute("select count(*) from t").fetchone() == (2,)
