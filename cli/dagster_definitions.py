"""The Dagster code location: the pipeline's assets, checks, refresh job and sensors, plus the report deliveries.

``dagster dev`` / ``dagster-daemon run`` load ``defs`` from here (``-m cli.dagster_definitions``). It lives in the
composition layer because it joins two parts that must not import each other: the pipeline (which publishes the
warehouse) and the exports (whose delivery sensor e-mails reports from it).
"""

from __future__ import annotations

import dagster as dg

from exports.delivery_sensor import deliver_reports_job, due_report_deliveries
from pipelines.definitions import build_definitions as build_pipeline_definitions
from voxlink.files import owner_only

owner_only()  # `dagster dev`, the daemon's code server and its run workers write 600/700 like the CLI


def build_definitions() -> dg.Definitions:
    """The whole code location bound to the current settings (tests build it per module)."""
    deliveries = dg.Definitions(jobs=[deliver_reports_job], sensors=[due_report_deliveries])
    # the delivery sensor's `operational_db` resource comes with the pipeline's resources
    return dg.Definitions.merge(build_pipeline_definitions(), deliveries)


defs = build_definitions()
