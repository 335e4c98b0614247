"""What report deliveries ask of the pipeline's Dagster instance: when the refresh job last failed.

The delivery sensor and job themselves live above the pipeline (``exports.delivery_sensor``, put into the code
location by ``cli.dagster_definitions``): they run the exports' delivery, which the pipeline must not import.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dagster as dg

REFRESH_JOB = "refresh"


def last_failed_refresh_at(instance: dg.DagsterInstance) -> datetime | None:
    """When the newest failed run of the refresh job started (None if no refresh ever failed)."""
    records = instance.get_run_records(
        filters=dg.RunsFilter(job_name=REFRESH_JOB, statuses=[dg.DagsterRunStatus.FAILURE]), limit=1
    )
    if not records:
        return None
    record = records[0]
    started = record.start_time
    return datetime.fromtimestamp(started, UTC) if started else record.create_timestamp.astimezone(UTC)
