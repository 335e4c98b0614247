"""dbt's tests in an incremental build read only rows loaded since the last publish — but see old duplicates.

The pipeline passes the served warehouse's "tested through" watermark (VOXLINK_TESTS_LOADED_AFTER, and
VOXLINK_TESTS_DAYS_LOADED_AFTER for the report models); the project's ``get_where_subquery`` narrows each test
on the facts to newer rows, uniqueness tests to every row sharing a key with one, and a report's tests to every
row of the days holding a newer row.
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


def dbt_test(
    loaded_after: str | None, model: str = "fct_calls", variable: str = "VOXLINK_TESTS_LOADED_AFTER"
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOXLINK_WORKING_DB=str(get_settings().working_db))
    env.pop("VOXLINK_TESTS_LOADED_AFTER", None)
    env.pop("VOXLINK_TESTS_DAYS_LOADED_AFTER", None)
    if loaded_after is not None:
        env[variable] = loaded_after
    return subprocess.run(
        [DBT, "test", "--select", f"{model},test_type:data", "--profiles-dir", "."],
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


def test_a_report_is_tested_on_every_row_of_the_days_holding_a_new_row(published: str) -> None:
    through = json.loads(published)["fct_calls"]
    days = json.dumps({"rpt_call_status_daily": through})

    def report_test() -> subprocess.CompletedProcess[str]:
        return dbt_test(days, "rpt_call_status_daily", "VOXLINK_TESTS_DAYS_LOADED_AFTER")

    with duckdb.connect(str(get_settings().working_db)) as con:
        day, statuses = con.execute(
            "select date, list(status order by status) from rpt_call_status_daily "
            "group by date order by count(*) desc, date limit 1"
        ).fetchone()  # type: ignore[misc]
        con.execute(f"create table saved_day as from rpt_call_status_daily where date = '{day}'")
    assert len(statuses) >= 2, "the cases need a day of two report rows"
    in_day = f"date = '{day}'"
    try:
        # an old row broken behind the pipeline's back: only a full test run sees it while its day has no new row
        working(f"update rpt_call_status_daily set calls = null where {in_day} and status = '{statuses[0]}'")
        assert (
            "Failure in test not_null_rpt_call_status_daily ("
            in dbt_test(None, "rpt_call_status_daily").stdout
        )
        narrowed = report_test()
        assert narrowed.returncode == 0, narrowed.stdout[-3000:]

        # another row of the same day newly loaded: the whole day is tested again, the broken row with it
        working(
            f"update rpt_call_status_daily set _loaded_at = now() where {in_day} and status = '{statuses[1]}'"
        )
        again = report_test()
        assert again.returncode != 0
        assert "Failure in test not_null_rpt_call_status_daily (" in again.stdout
        working(f"update rpt_call_status_daily set calls = 1 where {in_day} and calls is null")
        assert report_test().returncode == 0

        # an old copy of an old row, in a day holding a new row: the uniqueness test reads the whole day
        working(
            "insert into rpt_call_status_daily select * replace (cast('2000-01-01 00:00:00+00' as timestamptz) "
            f"as _loaded_at) from rpt_call_status_daily where {in_day} and status = '{statuses[0]}'"
        )
        duplicate = report_test()
        assert duplicate.returncode != 0
        assert "unique_combination_of_columns_rpt_call_status_daily" in duplicate.stdout
    finally:
        working(
            f"delete from rpt_call_status_daily where {in_day}; "
            "insert into rpt_call_status_daily from saved_day; drop table saved_day"
        )
