"""The warm refresher: dbt runs in its own process on a preloaded manifest, Dagster still records every run."""

from __future__ import annotations

import threading
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import prepare_dagster_home
from pipelines.warm_refresher import WarmRefresher
from tests.events_factory import CALLER, LINE, ev
from voxlink import warehouse
from voxlink.settings import get_settings

COUNT_SQL = "select sum(calls) from rpt_call_status_daily"


def abandoned_call(call_id: str, start: str, end: str) -> list[dict]:
    return [
        ev("call.started", start, call_id=call_id, direction="inbound", from_=CALLER, to=LINE),
        ev("call.ended", end, call_id=call_id, reason="caller_hangup"),
    ]


def served_calls() -> int:
    warehouse.close_all()
    with duckdb.connect(str(get_settings().served_db), read_only=True) as con:
        return int(con.execute(COUNT_SQL).fetchall()[0][0])


@pytest.fixture(scope="module")
def refresher(engine: sa.Engine) -> WarmRefresher:
    account = create_account(engine, "warm", "America/New_York")
    ingest_events(
        engine, account.id, enumerate(abandoned_call("a", "2026-11-02T15:00:00Z", "2026-11-02T15:00:30Z"))
    )
    return WarmRefresher(every_seconds=60, say=lambda _: None)


def test_new_rows_are_published_by_the_warm_process_without_a_dbt_build_subprocess(
    refresher: WarmRefresher, engine: sa.Engine
) -> None:
    import psutil

    seen_children: list[str] = []
    done = threading.Event()

    def watch_children() -> None:
        me = psutil.Process()
        while not done.is_set():
            seen_children.extend(" ".join(c.cmdline()) for c in me.children(recursive=True))
            done.wait(0.05)

    watcher = threading.Thread(target=watch_children)
    watcher.start()
    started_in = Path.cwd()
    try:
        first = refresher.refresh_once()
        assert served_calls() == 1  # call a, written out above
        account_id = (
            engine.connect().execute(sa.text("select id from accounts where slug = 'warm'")).scalar_one()
        )
        ingest_events(engine, account_id, enumerate(
            abandoned_call("b", "2026-11-02T16:00:00Z", "2026-11-02T16:00:40Z")
            + abandoned_call("c", "2026-11-02T17:00:00Z", "2026-11-02T17:00:50Z")
        ))  # fmt: skip
        second = refresher.refresh_once()
    finally:
        done.set()
        watcher.join()
    assert served_calls() == 3  # a, b and c
    assert second.version == first.version + 1
    # (a `dbt parse` may run when a project file changed; a build never leaves this process)
    assert not [c for c in seen_children if "dbt" in c and " build" in c]
    # dbt ran in the project's directory and left the process where it was; its target and log stay in the project
    assert Path.cwd() == started_in
    assert not (started_in / "target").exists() or started_in == get_settings().transforms_dir


def test_dagster_records_each_warm_refresh_with_its_dbt_assets_and_checks(refresher: WarmRefresher) -> None:
    refresher.refresh_once()
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_records(filters=dg.RunsFilter(job_name="refresh"), limit=1)[0].dagster_run
        assert run.status is dg.DagsterRunStatus.SUCCESS
        materialized = {
            tuple(record.asset_key.path)
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
            ).records
            if record.asset_key is not None
        }
        checks = instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
        ).records
    assert {("fct_calls",), ("rpt_call_status_daily",), ("served_warehouse",)} <= materialized
    assert checks  # dbt's tests became asset check evaluations, as from a dbt subprocess


def test_the_loop_refreshes_on_its_cadence_until_stopped() -> None:
    said: list[str] = []
    refresher = WarmRefresher(every_seconds=0.5, say=said.append)
    refresher.run(rounds=2)
    assert len(said) == 2
    assert all(line.startswith("refresh published warehouse version") for line in said)
