"""The Dagster home's SQLite files write without an fsync; other SQLite files keep SQLite's default."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from pipelines.refresh import prepare_dagster_home

FULL, OFF = 2, 0  # what `pragma synchronous` reports


def synchronous(path: Path) -> int:
    engine = sa.create_engine(f"sqlite:///{path}", poolclass=sa.pool.NullPool)  # as Dagster opens its files
    try:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql("pragma synchronous").scalar_one())
    finally:
        engine.dispose()


def test_dagster_home_sqlite_commits_without_waiting_for_the_disk(db_url: str, tmp_path: Path) -> None:
    prepare_dagster_home()
    home = Path(os.environ["DAGSTER_HOME"])

    probe = home / "probe.db"  # any file of the instance's: runs.db, index.db, one per run
    try:
        assert synchronous(probe) == OFF
    finally:
        probe.unlink(missing_ok=True)
    assert synchronous(tmp_path / "elsewhere.db") == FULL  # an analyst's or another library's file: untouched


def test_a_pooled_connection_never_writes_to_a_removed_or_replaced_file(tmp_path: Path) -> None:
    from pipelines.instance_engines import engine_for

    path = tmp_path / "run.db"
    engine = engine_for(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("create table first (x int)")
    assert engine.pool.checkedin() == 1  # kept open for the next use

    path.unlink()  # a Dagster home reset under a live process: the next use must not write to the deleted file
    with engine.begin() as conn:
        conn.exec_driver_sql("create table second (x int)")
    assert sa.inspect(sa.create_engine(f"sqlite:///{path}")).get_table_names() == ["second"]

    replacement = tmp_path / "other.db"
    with sa.create_engine(f"sqlite:///{replacement}").begin() as conn:
        conn.exec_driver_sql("create table third (x int)")
    os.replace(replacement, path)
    with engine.connect() as conn:
        tables = [
            row[0] for row in conn.exec_driver_sql("select name from sqlite_master where type = 'table'")
        ]
    assert tables == ["third"]
