"""What the served warehouse was tested from is read once per published file, and anew for every new one."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipelines.publish import publish
from pipelines.tested import published_loads


def load_raw(working: Path, loaded_at: str) -> None:
    with duckdb.connect(str(working)) as con:
        con.execute("create schema if not exists raw")
        con.execute(
            f"create or replace table raw.calls as select 1 as id, timestamptz '{loaded_at}' as _loaded_at"
        )


def test_each_new_publish_is_read_afresh(tmp_path: Path) -> None:
    working, served = tmp_path / "working.duckdb", tmp_path / "served.duckdb"
    assert published_loads(served) == {}  # nothing published yet

    load_raw(working, "2026-01-01 10:00:00+00")
    publish(working, served, keys={})
    assert published_loads(served) == {"calls": datetime(2026, 1, 1, 10, tzinfo=UTC)}

    load_raw(working, "2026-01-01 10:05:00+00")
    publish(working, served, keys={})
    assert published_loads(served) == {"calls": datetime(2026, 1, 1, 10, 5, tzinfo=UTC)}

    served.unlink()
    assert published_loads(served) == {}
