"""Twilio-format status callbacks: signature checked with the account's auth token, mapped, ingested.

The signed URL is the configured public URL (else the request's, with forwarded headers only from trusted
proxies); an unknown account and a wrong signature answer alike, and both count as failed authentications.
"""

from __future__ import annotations

import logging
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

from operational.accounts import SLUG
from operational.api.auth import failures, source_of
from operational.api.edge import public_url
from operational.api.errors import ApiError, ErrorBody
from operational.errors import Invalid
from operational.event_batch import ingest_batch
from operational.events import EventRejected, validate
from operational.models import Account
from operational.secrets_at_rest import MAX_SECRET_CHARS, SecretUnreadable, is_sealed, seal, unseal
from operational.twilio import message_events, signature_algorithm, signature_valid, voice_events

log = logging.getLogger(__name__)
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
    403: {
        "model": ErrorBody,
        "description": "missing or wrong X-Twilio-Signature, or no such account: nothing stored",
    },
    429: {
        "model": ErrorBody,
        "description": "too many failed signatures from this address; Retry-After says when to retry",
    },
    422: {"model": ErrorBody, "description": "a field Twilio always sends is missing or malformed"},
}


def _auth_token(engine: Engine, slug: str) -> tuple[int, str] | None:
    """The account's id and its Twilio auth token (decrypted), or None when there is no such account with
    a token. A legacy plaintext token is encrypted in place on first use."""
    if not SLUG.match(slug):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(Account.id, Account.twilio_auth_token).where(Account.slug == slug)
        ).first()
    if row is None or not row.twilio_auth_token:
        return None
    stored: str = row.twilio_auth_token
    token = unseal(stored)
    if not is_sealed(stored) and len(token) <= MAX_SECRET_CHARS:
        with engine.begin() as conn:
            conn.execute(
                sa.update(Account)
                .where(Account.id == row.id, Account.twilio_auth_token == stored)
                .values(twilio_auth_token=seal(token))
            )
    return int(row.id), token


async def _callback(
    request: Request, account: str, mapper: Callable[[dict[str, list[str]], datetime], list[dict[str, Any]]]
) -> Response:
    engine = request.app.state.engine
    source = source_of(request)
    failures(request).check(source)  # before any database work: a guesser costs nothing
    received_at = datetime.now(UTC)
    body = (await request.body()).decode("utf-8", errors="replace")
    params: dict[str, list[str]] = defaultdict(list)
    for name, value in parse_qsl(body, keep_blank_values=True):
        params[name].append(value)
    try:
        found = await run_in_threadpool(_auth_token, engine, account)
    except SecretUnreadable:  # the key changed or was lost: nothing can be verified until an admin acts
        log.error(
            "webhooks: account %s's Twilio auth token does not decrypt with the current secret key", account
        )
        raise ApiError(
            503,
            "secret_unreadable",
            "this account's Twilio auth token cannot be read with the product's secret key: restore the key "
            "or set the token again (voxlink webhooks twilio-token ACCOUNT)",
        ) from None
    algorithm = signature_algorithm(request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    presented = request.headers.get("X-Twilio-Signature")
    url = public_url(request.scope, request.app.state.edge)
    # An unknown account answers like a wrong signature: the slugs of accounts are not to be probed.
    if found is None or not signature_valid(found[1], url, params, presented, algorithm):
        failures(request).record(source)
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
    await run_in_threadpool(ingest_batch, engine, found[0], events)
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
