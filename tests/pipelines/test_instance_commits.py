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
