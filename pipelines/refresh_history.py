"""The refresh job's schedule (from the settings) and what its recorded runs say: the latest run, the latest failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import dagster as dg

REFRESH_JOB = "refresh"


def refresh_cron(minutes: int) -> str:
    """The cron of a refresh every ``minutes`` (a divisor of 60, as the settings insist): ``*/5 * * * *``."""
    return "0 * * * *" if minutes == 60 else f"*/{minutes} * * * *"


@dataclass(frozen=True)
class RefreshRun:
    run_id: str
    status: str  # Dagster's run status, lower case: success, failure, started, queued, canceled…
    at: datetime  # when it started (or was created, if it never started)
    failure: str | None = None  # for a failed run: the first failed step's error, shortened


def last_refresh(instance: dg.DagsterInstance) -> RefreshRun | None:
    """The newest run of the refresh job, whatever its outcome (None if it never ran here)."""
    records = instance.get_run_records(filters=dg.RunsFilter(job_name=REFRESH_JOB), limit=1)
    return _as_run(instance, records[0]) if records else None


def last_failed_refresh(instance: dg.DagsterInstance) -> RefreshRun | None:
    """The newest failed run of the refresh job with its error (None if no refresh ever failed)."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name=REFRESH_JOB, statuses=[dg.DagsterRunStatus.FAILURE]), limit=1
    )
    return _as_run(instance, records[0]) if records else None


def _as_run(instance: dg.DagsterInstance, record: dg.RunRecord) -> RefreshRun:
    started = record.start_time
    at = datetime.fromtimestamp(started, UTC) if started else record.create_timestamp.astimezone(UTC)
    status = record.dagster_run.status
    failure = (
        _failure_of(instance, record.dagster_run.run_id) if status == dg.DagsterRunStatus.FAILURE else None
    )
    return RefreshRun(record.dagster_run.run_id, status.value.lower(), at, failure)


def _failure_of(instance: dg.DagsterInstance, run_id: str) -> str:
    """The first failed step and its error (the op's own exception, not Dagster's wrapper), in a few lines."""
    # only this run's failure events are read: a few rows, not its whole log
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        event = entry.dagster_event
        error = getattr(event.event_specific_data, "error", None) if event is not None else None
        if event is not None and error is not None:
            while error.cause is not None:
                error = error.cause
            lines = [line.strip() for line in error.message.splitlines() if line.strip()]
            return f"step {event.step_key} failed: {'; '.join(lines[:4])[:500]}"
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE):
        if entry.dagster_event is not None and entry.dagster_event.message:
            return entry.dagster_event.message
    return "the run failed without a recorded error"
