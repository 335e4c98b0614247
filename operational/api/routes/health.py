"""Liveness (the process answers) and readiness (the database answers; the served data's freshness reported).

The API runs without the warehouse (ingest keeps working while a refresh is wedged), so stale data does not make
``/readyz`` fail — a load balancer would then drop ingest for a problem it cannot fix. It is reported instead,
from the freshness provider the composition puts on ``app.state.freshness`` (``operational`` never imports the
warehouse).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

# what the composition may put on app.state.freshness: the served data's freshness as JSON
FreshnessProvider = Callable[[], dict[str, Any]]


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable; how old the served warehouse is",
    description='200 `{"status": "ready", "warehouse": {"state": "fresh"|"late"|"stale"|"never published", '
    '"age_seconds", "version", "published_at", "refresh_interval_seconds", "stale_after_seconds"}}`: stale data '
    "is reported, not a 503 (ingest does not depend on it).",
    responses={503: {"description": "the database is down (error body, Retry-After)"}},
)
async def readyz(request: Request) -> dict[str, Any]:
    def ping() -> None:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("select 1"))

    await run_in_threadpool(ping)  # a connection failure becomes 503 in the error handlers
    ready: dict[str, Any] = {"status": "ready"}
    provider: FreshnessProvider | None = getattr(request.app.state, "freshness", None)
    if provider is not None:
        ready["warehouse"] = await run_in_threadpool(_warehouse, provider)
    return ready


def _warehouse(provider: FreshnessProvider) -> dict[str, Any]:
    try:
        return provider()
    except Exception as err:  # an unreadable warehouse file is news, not a reason to fail readiness
        log.warning("could not tell the served warehouse's freshness: %s", err)
        return {"state": "unknown", "error": type(err).__name__}
