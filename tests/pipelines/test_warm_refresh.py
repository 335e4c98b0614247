"""The warm refresher: dbt runs in its own process on a preloaded manifest, Dagster still records every run."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import prepare_dagster_home
from pipelines.transform import dbt_project
from pipelines.warm_refresher import ProjectChanged, WarmRefresher
from tests.events_factory import CALLER, LINE, ev
from voxlink import warehouse
from voxlink.settings import REPO_ROOT, get_settings

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


def with_one_more_test(manifest_text: bytes) -> bytes:
    """The manifest as a parse would write it with one more dbt test: a copy of one, under a new name."""
    manifest = json.loads(manifest_text)
    unique_id, node = next((k, v) for k, v in manifest["nodes"].items() if v["resource_type"] == "test")
    manifest["nodes"][f"{unique_id}_copy"] = {
        **node,
        "unique_id": f"{unique_id}_copy",
        "name": f"{node['name']}_copy",
    }
    return json.dumps(manifest).encode()


def refresh_runs() -> int:
    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        return len(instance.get_run_records(filters=dg.RunsFilter(job_name="refresh")))


def test_a_changed_dbt_project_ends_the_loop_for_a_restart_before_any_run(refresher: WarmRefresher) -> None:
    # before: each refresh failed at dbt with a KeyError on the new test, every minute, until restarted by hand
    manifest = dbt_project.manifest_path
    parsed = manifest.read_bytes()
    runs = refresh_runs()
    said: list[str] = []
    looping = WarmRefresher(every_seconds=0.2, say=said.append)
    try:
        manifest.write_bytes(with_one_more_test(parsed))
        with pytest.raises(ProjectChanged, match="starts again to load them"):
            refresher.refresh_once()
        looping.run(rounds=3)
    finally:
        manifest.write_bytes(parsed)
    assert looping.restart_needed
    assert len(said) == 1 and "models, tests or sources changed" in said[0]
    assert refresh_runs() == runs  # no run was started, so none failed
    # the same project written again (a new file, the same nodes): no restart, the refresh runs
    refresher.refresh_once()
    assert refresh_runs() == runs + 1


def test_voxlink_refresh_every_starts_itself_again_in_place_when_the_project_changes(
    refresher: WarmRefresher,
) -> None:
    manifest = dbt_project.manifest_path
    parsed = manifest.read_bytes()
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "refresh", "--every", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
            if text in seen[-1]:
                return
        pytest.fail(f"no line with {text!r} within 120 s: {''.join(seen)[-3000:]}")

    try:
        wait_for("refresh published warehouse version")
        manifest.write_bytes(with_one_more_test(parsed))
        wait_for("starts again to load them")
        wait_for("refresh published warehouse version")  # the process started again refreshes
        assert proc.poll() is None  # the same process (one pid: whoever started it still owns it)
    finally:
        manifest.write_bytes(parsed)
        proc.terminate()
        proc.wait(60)
    assert not [line for line in seen if "KeyError" in line or "refresh failed" in line], "".join(seen)
