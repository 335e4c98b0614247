"""Dead refresh runs never hold the chain; a refresh that cannot start says why and stops when told to."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
import sqlalchemy as sa
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from operational.accounts import create_account
from operational.ingest import ingest_events
from pipelines.refresh import RefreshFailed, prepare_dagster_home, run_refresh
from pipelines.run_guard import (
    HEARTBEAT,
    OWNER_HOST,
    OWNER_PID,
    OWNER_STARTED,
    judge,
    owner_tags,
    reap_dead_runs,
)
from tests.events_factory import CALLER, LINE, ev
from voxlink.settings import REPO_ROOT, get_settings

# A process that registers a run of `JOB` owned by itself, claims the DuckDB writer slot for it, says so, then
# sleeps (a live holder) or kills itself (a dead one: SIGKILL leaves no chance to clean up).
HOLDER = textwrap.dedent(
    """
    import os, signal, sys, time, uuid
    import dagster as dg
    from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus
    from pipelines.run_guard import owner_tags
    job, fate = sys.argv[1], sys.argv[2]
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    instance.add_run(DagsterRun(job_name=job, run_id=run_id, status=DagsterRunStatus.STARTED, tags=owner_tags()))
    instance.event_log_storage.claim_concurrency_slot("duckdb_writer", run_id, "warehouse_models")
    print(run_id, flush=True)
    if fate == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(600)
    """
)


def start_holder(job: str, fate: str) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, DAGSTER_HOME=str(get_settings().dagster_home), PYTHONPATH=str(REPO_ROOT))
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, job, fate], stdout=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT
    )
    assert holder.stdout is not None
    run_id = holder.stdout.readline().strip()
    assert run_id, "the holder did not register its run"
    return holder, run_id


def claimed_by(instance: dg.DagsterInstance) -> set[str]:
    info = instance.event_log_storage.get_concurrency_info("duckdb_writer")
    return {slot.run_id for slot in info.claimed_slots} | {step.run_id for step in info.pending_steps}


@pytest.fixture(scope="module")
def home(engine: sa.Engine) -> None:
    account = create_account(engine, "guard", "UTC")
    events = [
        ev("call.started", "2026-11-02T15:00:00Z", call_id="g1", direction="inbound", from_=CALLER, to=LINE),
        ev("call.ended", "2026-11-02T15:00:30Z", call_id="g1", reason="caller_hangup"),
    ]
    ingest_events(engine, account.id, enumerate(events))
    prepare_dagster_home()


def record(tags: dict[str, str], age: timedelta = timedelta(0)) -> dg.RunRecord:
    now = datetime.now(UTC)
    run = DagsterRun(job_name="refresh", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED, tags=tags)
    return dg.RunRecord(storage_id=1, dagster_run=run, create_timestamp=now - age, update_timestamp=now - age)


def test_a_run_owned_by_this_process_is_alive() -> None:
    assert judge(record(owner_tags()), datetime.now(UTC)).alive


def test_a_run_whose_process_is_gone_is_dead() -> None:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    tags = dict(owner_tags(), **{OWNER_PID: gone.stdout.strip()})
    verdict = judge(record(tags), datetime.now(UTC))
    assert not verdict.alive and "is gone" in verdict.why


def test_a_recycled_pid_is_not_the_owner() -> None:
    # our own pid, but a process start time that is not ours: another process that once had this pid
    tags = dict(owner_tags(), **{OWNER_STARTED: "1000.00"})
    assert not judge(record(tags), datetime.now(UTC)).alive


def test_a_run_on_another_host_is_judged_by_its_heartbeat() -> None:
    now = datetime.now(UTC)
    recent = {OWNER_HOST: "elsewhere", OWNER_PID: "1", HEARTBEAT: (now - timedelta(seconds=20)).isoformat()}
    silent = dict(recent, **{HEARTBEAT: (now - timedelta(minutes=5)).isoformat()})
    assert judge(record(recent), now).alive
    assert not judge(record(silent), now).alive
    # a run never tagged (started by an older release, or killed before its resources started): by its age
    assert not judge(record({}, age=timedelta(minutes=10)), now).alive
    assert judge(record({}, age=timedelta(seconds=10)), now).alive


def test_a_killed_refresh_no_longer_wedges_the_next_one(home: None) -> None:
    holder, dead_run = start_holder("refresh", "die")
    holder.wait(30)
    with dg.DagsterInstance.get() as instance:
        assert dead_run in claimed_by(instance)  # the dead run still holds the writer slot
    said: list[str] = []
    started = time.monotonic()
    result = run_refresh(wait_seconds=5, say=said.append)
    assert result.version is not None
    assert time.monotonic() - started < 120
    assert any(dead_run[:8] in line and "marked failed" in line for line in said), said
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(dead_run)
        assert run is not None and run.status == DagsterRunStatus.FAILURE
        assert dead_run not in claimed_by(instance)
        assert not claimed_by(instance)  # our own run released its slot too


def test_a_live_refresh_makes_the_next_one_say_why_and_give_up(home: None) -> None:
    holder, live_run = start_holder("refresh", "live")
    try:
        started = time.monotonic()
        with pytest.raises(RefreshFailed, match=f"another refresh is still running: run {live_run[:8]}"):
            run_refresh(wait_seconds=2)
        assert time.monotonic() - started < 30
        with dg.DagsterInstance.get() as instance:
            run = instance.get_run_by_id(live_run)
            assert run is not None and run.status == DagsterRunStatus.STARTED  # a live run is left alone
    finally:
        holder.kill()
        holder.wait(10)
    with dg.DagsterInstance.get() as instance:
        assert [verdict.run_id for verdict in reap_dead_runs(instance)] == [live_run]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_refresh_waiting_for_the_writer_slot_stops_on_a_signal(home: None, signum: int) -> None:
    # the slot is held by a live run of another job (not a refresh: the start-up check does not wait for it), so
    # the refresh starts and its first step waits for the slot — where Dagster used to swallow both signals
    holder, other_run = start_holder("some_other_job", "live")
    try:
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT))
        refresh = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "refresh", "--wait", "600"],
            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT,
        )  # fmt: skip
        with dg.DagsterInstance.get() as instance:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (claimed_by(instance) - {other_run}):
                time.sleep(0.5)
            waiting = claimed_by(instance) - {other_run}
            if not waiting:
                refresh.kill()
                pytest.fail(
                    f"the refresh never queued for the writer slot: {refresh.communicate()[1][-2000:]}"
                )
            refresh.send_signal(signum)
            signalled = time.monotonic()
            status = refresh.wait(30)
            assert time.monotonic() - signalled < 10
            err = refresh.stderr.read() if refresh.stderr else ""
            assert status != 0
            assert "stopped, interrupted by" in err, (status, err)
            (run_id,) = waiting
            run = instance.get_run_by_id(run_id)
            assert run is not None and run.status == DagsterRunStatus.FAILURE
            assert claimed_by(instance) == {other_run}  # its pending claims are gone, the holder's slot kept
    finally:
        holder.kill()
        holder.wait(10)
        with dg.DagsterInstance.get() as instance:
            instance.event_log_storage.free_concurrency_slots_for_run(other_run)


def test_the_schedule_frees_a_dead_run_and_skips_behind_a_live_one(home: None) -> None:
    from pipelines.definitions import refresh_schedule

    holder, dead_run = start_holder("refresh", "die")
    holder.wait(30)
    with dg.DagsterInstance.get() as instance:
        tick = refresh_schedule(dg.build_schedule_context(instance=instance))
        assert isinstance(tick, dg.RunRequest)
        run = instance.get_run_by_id(dead_run)
        assert run is not None and run.status == DagsterRunStatus.FAILURE
        assert dead_run not in claimed_by(instance)
    holder, live_run = start_holder("refresh", "live")
    try:
        with dg.DagsterInstance.get() as instance:
            tick = refresh_schedule(dg.build_schedule_context(instance=instance))
            assert isinstance(tick, dg.SkipReason) and live_run in (tick.skip_message or "")
    finally:
        holder.kill()
        holder.wait(10)
