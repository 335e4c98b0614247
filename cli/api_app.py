"""The HTTP API as served: the operational app, given what it must not import (the served data's freshness, the
reports and export-job routes of ``exports/api``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import FastAPI
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from operational.api.edge import EdgeConfig


def create_app(engine: Engine | None = None, edge: EdgeConfig | None = None) -> FastAPI:
    """``operational``'s API over ``engine`` (default: from the settings) with ``/readyz`` told how old the served
    warehouse is and the reports API added; ``edge`` as in :func:`operational.api.app.create_app`; ``voxlink
    api`` runs this factory."""
    from exports.api import install as install_reports
    from exports.api import report_configs
    from exports.recipients import check_recipients
    from operational.api.app import create_app as operational_app
    from voxlink.files import owner_only
    from voxlink.freshness import served_freshness

    owner_only()  # also when uvicorn runs this factory itself, not through `voxlink api`
    app = operational_app(engine, edge=edge)
    app.state.freshness = lambda: served_freshness().as_dict()
    app.state.alert_recipients = check_recipients  # alert rules e-mail whom subscriptions may (issue 19)
    # fixed /api/v1/reports/... paths (report configs) are included above this line: the reports' catch-all
    # /api/v1/reports/{report} must come after them
    app.include_router(report_configs.router)
    install_reports(app)
    return app
