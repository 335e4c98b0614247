"""The pipeline's Dagster ``Definitions``: extract → dbt → publish, the refresh job, its schedule and sensors.

``voxlink refresh`` runs the refresh job from these. The code location the daemon and ``dagster dev`` load is
``cli.dagster_definitions``, which adds the report deliveries (they belong to the exports, above the pipeline).
"""

from __future__ import annotations

import dagster as dg

from pipelines.alerts import build_failure_sensor
from pipelines.extract import extract_assets
from pipelines.publish import served_warehouse
from pipelines.quality import quality_checks
from pipelines.refresh_history import refresh_cron
from pipelines.resources import build_resources
from pipelines.staleness import stale_warehouse
from pipelines.transform import warehouse_models
from voxlink.settings import get_settings

refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Extract changed operational rows, build the dbt project with its tests, publish the marts.",
    executor_def=dg.in_process_executor,
)


@dg.schedule(
    name="refresh_on_cadence",
    job=refresh_job,
    cron_schedule=refresh_cron(get_settings().refresh_interval_minutes),  # default * (every minute)
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Keeps the served warehouse within minutes of the operational data. Each tick first marks failed "
    "any refresh whose process died (freeing its slots), and skips while a live one still runs.",
)
def refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    from pipelines.refresher_pid import running_refresher
    from pipelines.run_guard import live_runs, reap_dead_runs

    warm = running_refresher()
    if warm is not None:
        return dg.SkipReason(f"the warm refresher (pid {warm}, `voxlink refresh --every`) runs the refreshes")

    for verdict in reap_dead_runs(context.instance):
        context.log.warning(f"run {verdict.run_id} marked failed and its slots freed: its {verdict.why}")
    live = live_runs(context.instance)
    if live:
        return dg.SkipReason(f"a refresh is still running: run {live[0].run_id} ({live[0].why})")
    return dg.RunRequest()


def build_definitions(dbt: object | None = None) -> dg.Definitions:
    """The pipeline's definitions bound to the current settings (the CLI and tests build them per run).

    ``dbt`` replaces the dbt resource: the warm refresher runs dbt in its own process (:mod:`pipelines.warm_dbt`).
    """
    resources = build_resources()
    if dbt is not None:
        resources["dbt"] = dbt
    return dg.Definitions(
        assets=[*extract_assets, warehouse_models, served_warehouse],
        asset_checks=quality_checks,
        jobs=[refresh_job],
        schedules=[refresh_schedule],
        sensors=[build_failure_sensor(refresh_job), stale_warehouse],
        resources=resources,
    )
