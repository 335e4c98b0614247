"""Twilio-format status callbacks: signature checked with the account's auth token, mapped, ingested."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from starlette.responses import Response

from operational.api.errors import ApiError
from operational.errors import Invalid, NotFound
from operational.event_batch import ingest_batch
from operational.events import EventRejected, validate
from operational.models import Account
from operational.twilio import message_events, signature_algorithm, signature_valid, voice_events

router = APIRouter(tags=["webhooks"])
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        },
    },
    "parameters": [
        {"name": "X-Twilio-Signature", "in": "header", "required": True, "schema": {"type": "string"}}
    ],
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/xml": {}}, "description": "stored (empty TwiML)"},
    403: {"description": "missing or wrong X-Twilio-Signature: nothing stored"},
    404: {"description": "no such account"},
    422: {"description": "a field Twilio always sends is missing or malformed"},
}


def _auth_token(engine: Engine, slug: str) -> tuple[int, str | None]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(Account.id, Account.twilio_auth_token).where(Account.slug == slug)
        ).first()
    if row is None:
        raise NotFound(f"no account {slug!r}")
    return row.id, row.twilio_auth_token


async def _callback(
    request: Request, account: str, mapper: Callable[[dict[str, list[str]], datetime], list[dict[str, Any]]]
) -> Response:
    engine = request.app.state.engine
    received_at = datetime.now(UTC)
    body = (await request.body()).decode("utf-8", errors="replace")
    params: dict[str, list[str]] = defaultdict(list)
    for name, value in parse_qsl(body, keep_blank_values=True):
        params[name].append(value)
    account_id, token = await run_in_threadpool(_auth_token, engine, account)
    algorithm = signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    if not signature_valid(
        token or "", str(request.url), params, request.headers.get("X-Twilio-Signature"), algorithm
    ):
        raise ApiError(403, "invalid_signature", "X-Twilio-Signature does not match this request")
    events = mapper(params, received_at)
    refused = []
    for event in events:  # a callback is all or nothing: check every mapped event before storing any
        try:
            validate(event, received_at)
        except EventRejected as err:
            refused.append({"field": err.field, "reason": err.reason})
    if refused:
        raise Invalid("the callback does not map to valid events", refused)
    await run_in_threadpool(ingest_batch, engine, account_id, events)
    return Response(EMPTY_TWIML, media_type="text/xml")


@router.post(
    "/webhooks/twilio/{account}/voice",
    summary="Twilio voice status callback",
    openapi_extra=_FORM,
    responses=_RESPONSES,
)
async def twilio_voice(request: Request, account: str) -> Response:
    return await _callback(request, account, voice_events)


@router.post(
    "/webhooks/twilio/{account}/messages",
    summary="Twilio messaging webhook (inbound message or status callback)",
    openapi_extra=_FORM,
    responses=_RESPONSES,
)
async def twilio_messages(request: Request, account: str) -> Response:
    return await _callback(request, account, message_events)
