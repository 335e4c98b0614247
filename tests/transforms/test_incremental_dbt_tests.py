"""dbt's tests in an incremental build read only rows loaded since the last publish — but see old duplicates.

The pipeline passes the served warehouse's "tested through" watermark (VOXLINK_TESTS_LOADED_AFTER); the
project's ``get_where_subquery`` narrows each test on the facts to newer rows, and uniqueness tests to every
row sharing a key with one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from pipelines.tested import published_loads
from tests.transforms.metric_cases import EVENTS, REFRESH_AT
from voxlink import warehouse
from voxlink.settings import get_settings

DBT = str(Path(sys.executable).with_name("dbt"))


@pytest.fixture(scope="module")
def published(engine: sa.Engine) -> Iterator[str]:
    """A refreshed warehouse; yields the JSON the pipeline would pass to the next build's tests."""
    from datetime import datetime

    account = create_account(engine, "dbt-tests", "America/New_York")
    ingest_events(engine, account.id, enumerate(EVENTS))
    run_refresh(refresh_at=datetime.fromisoformat(REFRESH_AT))
    warehouse.close_all()
    through = published_loads(get_settings().served_db)
    assert set(through) >= {"calls", "messages"}
    yield json.dumps({"fct_calls": through["calls"].isoformat()})


def dbt_test(loaded_after: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOXLINK_WORKING_DB=str(get_settings().working_db))
    env.pop("VOXLINK_TESTS_LOADED_AFTER", None)
    if loaded_after is not None:
        env["VOXLINK_TESTS_LOADED_AFTER"] = loaded_after
    return subprocess.run(
        [DBT, "test", "--select", "fct_calls,test_type:data", "--profiles-dir", "."],
        cwd=get_settings().transforms_dir, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def working(sql: str) -> None:
    with duckdb.connect(str(get_settings().working_db)) as con:
        con.execute(sql)


def test_old_rows_are_not_retested_but_new_ones_are(published: str) -> None:
    # an old row broken behind the pipeline's back: a full test run sees it, an incremental one does not
    working("update fct_calls set status = null where call_id = (select min(call_id) from fct_calls)")
    try:
        assert "Failure in test not_null_fct_calls (" in dbt_test(None).stdout
        narrowed = dbt_test(published)
        assert narrowed.returncode == 0, narrowed.stdout[-3000:]
    finally:
        working("update fct_calls set status = 'completed' where status is null")

    # a newly loaded copy of an old call: only the new row is new, yet the uniqueness test sees both
    working(
        "insert into fct_calls select * replace (now() as _loaded_at) from fct_calls "
        "where call_id = (select min(call_id) from fct_calls)"
    )
    try:
        duplicate = dbt_test(published)
        assert duplicate.returncode != 0
        assert "unique_combination_of_columns_fct_calls_account_id__call_id" in duplicate.stdout
    finally:
        working(
            "delete from fct_calls where _loaded_at = (select max(_loaded_at) from fct_calls) "
            "and call_id = (select min(call_id) from fct_calls)"
        )
