"""Builds the FastAPI application: routers, the error handlers and the request context."""

from __future__ import annotations

import gc
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.engine import Engine

from operational.api import errors
from operational.api.edge import EdgeConfig
from operational.api.middleware import RequestContext
from operational.api.routes import alerts, dialer, events, health, inbox, stream, webhooks
from operational.api.throttle import FailureThrottle
from operational.dialer.carrier import Carrier, SimulatedCarrier
from voxlink.settings import get_settings

MAX_BODY_BYTES = 8 * 1024 * 1024  # 1,000 events of a few KB each fit well inside


@asynccontextmanager
async def _served(app: FastAPI) -> AsyncIterator[None]:
    """When the server starts (every import and route in place): move the heap built so far out of the cyclic
    garbage collector's reach. An ingest request allocates thousands of objects (its events, checked and
    answered), so collections run many times a request; without this each older-generation one walks the
    ~150,000 objects the imports made, which cost ~8 µs per ingested event (a third of the API's CPU).
    Objects made later, by requests, are collected as usual."""
    gc.collect()
    gc.freeze()
    yield


def create_app(
    engine: Engine | None = None, carrier: Carrier | None = None, edge: EdgeConfig | None = None
) -> FastAPI:
    """The API over ``engine`` (default: the product database from the settings, started if embedded);
    speed-dial calls go through ``carrier`` (default: the simulated one, the only implementation here);
    ``edge`` says which proxies to believe, the public URL and the failed-authentication limit (default:
    from the settings)."""
    if engine is None:
        from operational.database import get_engine

        engine = get_engine()
    app = FastAPI(
        title="VoxLink operational API",
        version="1",
        description="Canonical event ingest, Twilio-format webhooks, the inbox, the dialer and the live event stream. "
        'Every error has the body `{"error": {code, message, details, timestamp, requestId}}`.',
        lifespan=_served,
    )
    app.state.engine = engine
    app.state.carrier = carrier or SimulatedCarrier(random.Random())
    app.state.edge = edge = edge or EdgeConfig.from_settings(get_settings())
    app.state.auth_failures = FailureThrottle(edge.failure_limit, edge.failure_window_seconds)
    errors.install(app)
    for module in (health, events, webhooks, inbox, dialer, stream, alerts):
        app.include_router(module.router, responses=errors.ERROR_RESPONSES)
    app.add_middleware(RequestContext, max_body=MAX_BODY_BYTES)
    _log_requests()
    return app


def _log_requests() -> None:
    """One line per request (with its id) on stderr: uvicorn configures only its own loggers. The message
    is already escaped key=value text (``middleware.py``), so the line stays one line."""
    log = logging.getLogger("voxlink.api")
    log.setLevel(logging.INFO)
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        log.addHandler(handler)
