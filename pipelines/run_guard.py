"""Dead refresh runs never hold the chain: a run whose process is gone is marked failed and its slots freed.

Every run of the refresh job is tagged with the process that executes it (host, pid and the process's start
time, so a recycled pid is not mistaken for the owner) and, while it runs, a heartbeat tag renewed every
``HEARTBEAT_SECONDS``. Before a refresh starts — from ``voxlink refresh`` or from the schedule — runs that claim
to be in progress are judged: on this host, a run whose owning process is gone is dead at once; elsewhere (a
shared PostgreSQL instance), a run whose heartbeat is older than ``stale_after`` is. A dead run is reported failed
(so the Dagster UI, the failure sensor and the run queue see it) and its concurrency slots and pending claims in
every pool are freed; claims left by runs that already ended are freed too.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import psutil
from dagster._core.storage.dagster_run import IN_PROGRESS_RUN_STATUSES

OWNER_HOST = "voxlink/host"
OWNER_PID = "voxlink/pid"
OWNER_STARTED = "voxlink/process_started"  # the owning process's start time (epoch seconds)
HEARTBEAT = "voxlink/heartbeat"  # ISO instant, renewed while the run executes
HEARTBEAT_SECONDS = 15.0
STALE_AFTER = timedelta(minutes=2)  # eight missed heartbeats
POOLS = ("duckdb_writer",)


def owner_tags() -> dict[str, str]:
    """Tags naming this process as the owner of a run, with a first heartbeat."""
    me = psutil.Process()
    return {
        OWNER_HOST: socket.gethostname(),
        OWNER_PID: str(me.pid),
        OWNER_STARTED: f"{me.create_time():.2f}",
        HEARTBEAT: datetime.now(UTC).isoformat(),
    }


@dataclass(frozen=True)
class Verdict:
    run_id: str
    alive: bool
    why: str


def judge(record: dg.RunRecord, now: datetime, stale_after: timedelta = STALE_AFTER) -> Verdict:
    """Is the in-progress run of ``record`` still executed by a live process? Say why either way."""
    run = record.dagster_run
    tags = run.tags
    pid, started = tags.get(OWNER_PID), tags.get(OWNER_STARTED)
    if tags.get(OWNER_HOST) == socket.gethostname() and pid and started:
        try:
            process = psutil.Process(int(pid))
            same = abs(process.create_time() - float(started)) < 1.0
            alive = same and process.status() != psutil.STATUS_ZOMBIE
        except (psutil.NoSuchProcess, ValueError):
            alive = False
        where = f"process {pid} on this host"
        return Verdict(run.run_id, alive, f"{where} is running" if alive else f"{where} is gone")
    # untagged (a daemon-launched run before its resources start, or a run of an older release): its age
    beat = _parse(tags.get(HEARTBEAT)) or _aware(record.update_timestamp)
    age = now - beat
    alive = age <= stale_after
    owner = f"{tags.get(OWNER_HOST, 'an unknown host')} pid {pid or '?'}"
    return Verdict(run.run_id, alive, f"last heartbeat from {owner} {age.total_seconds():.0f}s ago")


def in_progress(instance: dg.DagsterInstance, job_name: str) -> list[dg.RunRecord]:
    return list(
        instance.get_run_records(dg.RunsFilter(job_name=job_name, statuses=list(IN_PROGRESS_RUN_STATUSES)))
    )


def reap_dead_runs(
    instance: dg.DagsterInstance, job_name: str = "refresh", *, keep: str | None = None
) -> list[Verdict]:
    """Mark dead in-progress runs of ``job_name`` failed and free every slot held by a run not in progress.

    Returns the verdicts on the runs that were found dead. ``keep`` is the caller's own run id (never reaped).
    """
    now = datetime.now(UTC)
    dead: list[Verdict] = []
    for record in in_progress(instance, job_name):
        run = record.dagster_run
        if run.run_id == keep:
            continue
        verdict = judge(record, now)
        if verdict.alive:
            continue
        dead.append(verdict)
        instance.report_run_failed(
            run, message=f"Marked failed by the next refresh: its {verdict.why}; its slots were freed."
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
    _free_orphaned_claims(instance)
    return dead


def live_runs(instance: dg.DagsterInstance, job_name: str = "refresh") -> list[Verdict]:
    """Verdicts on the in-progress runs of ``job_name`` whose owner is alive."""
    now = datetime.now(UTC)
    verdicts = [judge(record, now) for record in in_progress(instance, job_name)]
    return [v for v in verdicts if v.alive]


def _free_orphaned_claims(instance: dg.DagsterInstance) -> None:
    """Slots and pending claims of runs that are no longer in progress (ended, deleted) are freed."""
    storage = instance.event_log_storage
    holders: set[str] = set()
    for pool in POOLS:
        info = storage.get_concurrency_info(pool)
        holders |= {slot.run_id for slot in info.claimed_slots}
        holders |= {step.run_id for step in info.pending_steps}
    for run_id in holders:
        run = instance.get_run_by_id(run_id)
        if run is None or run.status not in IN_PROGRESS_RUN_STATUSES:
            storage.free_concurrency_slots_for_run(run_id)


class Heartbeat:
    """Renews a run's heartbeat tag from a daemon thread until stopped."""

    def __init__(self, instance: dg.DagsterInstance, run_id: str, every: float = HEARTBEAT_SECONDS) -> None:
        self._instance, self._run_id, self._every = instance, run_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="voxlink-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._instance.add_run_tags(self._run_id, owner_tags())
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _beat(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._instance.add_run_tags(self._run_id, {HEARTBEAT: datetime.now(UTC).isoformat()})
            except Exception:  # a busy instance database: the next beat tries again
                continue


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def owned_by_this_process(run: dg.DagsterRun) -> bool:
    return run.tags.get(OWNER_PID) == str(os.getpid()) and run.tags.get(OWNER_HOST) == socket.gethostname()
