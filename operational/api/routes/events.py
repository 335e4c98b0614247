"""``POST /api/v1/events``: a batch of canonical events, stored through the one ingest path."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from operational.api.auth import CallerDep
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
async def post_events(request: Request, caller: CallerDep) -> Response:
    events = _decode(await request.body())
    outcome = await run_in_threadpool(ingest_batch, request.app.state.engine, caller.account_id, events)
    return json_response(outcome)


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
