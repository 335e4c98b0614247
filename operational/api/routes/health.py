"""Liveness (the process answers) and readiness (the database answers)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database is reachable",
    responses={503: {"description": "the database is down (error body, Retry-After)"}},
)
async def readyz(request: Request) -> dict[str, str]:
    def ping() -> None:
        with request.app.state.engine.connect() as conn:
            conn.execute(sa.text("select 1"))

    await run_in_threadpool(ping)  # a connection failure becomes 503 in the error handlers
    return {"status": "ready"}
