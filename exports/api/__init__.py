"""The reports API: reports over the served warehouse and export jobs, contributed to the operational HTTP app.

``operational`` never imports ``exports``; the composition (``cli/api_app.py``) calls :func:`install`.
"""

from __future__ import annotations

from fastapi import FastAPI

from exports.api.download_token import DOWNLOAD_SECONDS
from exports.api.export_runner import ExportRunner
from exports.api.job_store import JobStore
from exports.api.report_cache import AnswerCache
from voxlink.settings import get_settings


def install(
    app: FastAPI, runner: ExportRunner | None = None, download_seconds: int = DOWNLOAD_SECONDS
) -> None:
    """Add the reports and export-job routes to ``app``; jobs live under ``$VOXLINK_HOME/export-jobs``.

    The export routes go first and the catch-all ``/api/v1/reports/{report}`` last, so a fixed path such as
    ``/api/v1/reports/configs`` included before this call is matched before it.
    """
    from exports.api import export_routes, reports_route
    from operational.api.errors import ERROR_RESPONSES

    app.state.export_jobs = runner or ExportRunner(JobStore(get_settings().home_dir / "export-jobs"))
    app.state.download_seconds = download_seconds
    app.state.report_answers = AnswerCache()
    app.state.report_accounts = {}  # account id → (slug, time zone), filled as keys are seen
    app.include_router(export_routes.router, responses=ERROR_RESPONSES)
    app.include_router(reports_route.router, responses=ERROR_RESPONSES)
