"""The Dagster face of report deliveries: a sensor that starts the delivery job whenever a subscription fell due
or a retry is due.

The sensor only looks for due or waiting (subscription, period) rows; the job does the work (render, e-mail,
record) in plain functions from ``exports.delivery``. The latest failed ``refresh`` run in this Dagster instance
tells the job whether the served warehouse is behind a failed build or data check. The Dagster code location
(``cli.dagster_definitions``) puts these beside the pipeline's assets: deliveries sit above the pipeline, so the
pipeline never imports them.
"""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

from datetime import UTC, datetime

import dagster as dg
from dagster import OpExecutionContext, SensorEvaluationContext

from pipelines.deliveries import last_failed_refresh_at
from pipelines.resources import OperationalDatabase
from voxlink.settings import get_settings


@dg.op(
    description="Render and e-mail every due report subscription; record each outcome in the delivery log."
)
def deliver_due_reports(context: OpExecutionContext, operational_db: OperationalDatabase) -> None:
    # imported here: the renderers behind the delivery are slow to import, and every load of the code location
    # (daemon, webserver, `voxlink refresh`) would pay for them
    from exports.delivery import current_health, deliver_due
    from operational.database import engine_for

    health = current_health(last_failed_refresh_at(context.instance))
    for outcome in deliver_due(engine_for(operational_db.url), health=health):
        line = f"{outcome.subscription} {outcome.period}: {outcome.status} {outcome.detail}".strip()
        (context.log.warning if outcome.status in ("held", "failed", "retry") else context.log.info)(line)


@dg.job(
    name="deliver_reports",
    description="E-mail the report subscriptions that are due, exactly once per subscription and period.",
    executor_def=dg.in_process_executor,
)
def deliver_reports_job() -> None:
    deliver_due_reports()


@dg.sensor(
    job=deliver_reports_job,
    # VOXLINK_DELIVERY_SENSOR_INTERVAL_SECONDS; read when the definitions load (the daemon's code server)
    minimum_interval_seconds=get_settings().delivery_sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts deliver_reports when a subscription's local send time has passed or a retry is due.",
)
def due_report_deliveries(context: SensorEvaluationContext, operational_db: OperationalDatabase):  # type: ignore[no-untyped-def]
    from exports.delivery import has_work
    from operational.database import engine_for

    now = datetime.now(UTC)
    if not has_work(engine_for(operational_db.url), now):
        return dg.SkipReason("no report delivery is due")
    # one run per minute at most; the delivery log, not the run key, is what makes deliveries exactly-once
    return dg.RunRequest(run_key=f"deliveries-{now:%Y%m%dT%H%M}")
