"""``POST /api/v1/events``: a batch of canonical events, stored through the one ingest path."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import Response

from operational.api.auth import bearer, failures, require_key, source_of
from operational.api.errors import ApiError
from operational.api.routes import json_response
from operational.event_batch import MAX_EVENTS, ingest_batch

router = APIRouter(tags=["events"])

_EVENT_SCHEMA = {
    "type": "object",
    "required": ["event_id", "type", "occurred_at"],
    "properties": {
        "event_id": {"type": "string"},
        "type": {"type": "string", "example": "call.started"},
        "occurred_at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": True,
}
_RESULT_SCHEMA = {
    "type": "object",
    "properties": {
        "received": {"type": "integer"},
        "stored": {"type": "integer"},
        "duplicates": {"type": "integer"},
        "rejected": {"type": "integer"},
        "results": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "index": {"type": "integer"},
                    "event_id": {"type": ["string", "null"]},
                    "status": {"type": "string", "enum": ["stored", "duplicate", "rejected"]},
                    "field": {"type": "string"},
                    "reason": {"type": "string"},
                },
            },
        },
    },
}


@router.post(
    "/api/v1/events",
    summary="Ingest a batch of canonical events (≤ 1,000)",
    description="Each event is stored, a duplicate (its `event_id` was seen before: nothing changes) or "
    "rejected with the field and the reason; every valid event is stored in one transaction.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "maxItems": MAX_EVENTS, "items": _EVENT_SCHEMA}
                }
            },
        }
    },
    responses={200: {"content": {"application/json": {"schema": _RESULT_SCHEMA}}}},
)
async def post_events(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Response:
    # The key is checked in the same worker thread as the batch is decoded and stored (one hop off the
    # event loop per request, not one for a sync dependency and another for the ingest), in the same order
    # as before: a throttled source is refused before anything, an unknown key before the body is parsed.
    failures(request).check(source_of(request))
    body = await request.body()
    return json_response(await run_in_threadpool(_ingest, request, credentials, body))


def _ingest(
    request: Request, credentials: HTTPAuthorizationCredentials | None, body: bytes
) -> dict[str, Any]:
    caller = require_key(request, credentials)
    return ingest_batch(request.app.state.engine, caller.account_id, _decode(body))


def _decode(body: bytes) -> list[Any]:
    try:
        events = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        detail = [{"field": "body", "reason": str(err)}]
        raise ApiError(422, "invalid", "the body is not valid JSON", detail) from None
    if not isinstance(events, list):
        raise ApiError(422, "invalid", "the body must be a JSON array of events", [{"field": "body"}])
    if len(events) > MAX_EVENTS:
        raise ApiError(
            413, "payload_too_large", f"{len(events):,} events in one request; at most {MAX_EVENTS:,}"
        )
    return events
