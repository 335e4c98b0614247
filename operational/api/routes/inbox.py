"""The inbox: list messages (filters, cursor pages), send an outbound one; the account's internal DNC list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.responses import Response

from operational import messaging
from operational.api.auth import CallerDep
from operational.api.routes import json_response

router = APIRouter(tags=["inbox"])


class OutboundMessage(BaseModel):
    to: str = Field(description="recipient, E.164")
    from_: str = Field(alias="from", description="one of the account's numbers, E.164")
    body: str = Field(max_length=10_000)
    channel: Literal["sms", "mms"] = "sms"
    media_count: int = Field(default=0, ge=0, le=10)
    campaign: str | None = Field(default=None, max_length=200)
    agent: str | None = Field(default=None, max_length=200)


class DncRequest(BaseModel):
    phone: str = Field(description="E.164 number")
    reason: str | None = Field(default=None, max_length=200)


@router.get("/api/v1/inbox/messages", summary="Messages, newest first, with filters and cursor pages")
async def list_messages(
    request: Request,
    caller: CallerDep,
    direction: Literal["inbound", "outbound"] | None = None,
    channel: Literal["sms", "mms", "chat", "email"] | None = None,
    status: Literal["queued", "sent", "delivered", "undelivered", "failed", "received", "read"] | None = None,
    number: Annotated[str | None, Query(max_length=40, description="either party, E.164")] = None,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=messaging.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    filters = messaging.InboxFilter(direction, channel, status, number, campaign, agent, since, until)
    page = await run_in_threadpool(
        messaging.list_messages, request.app.state.engine, caller.account_id, filters, limit, cursor
    )
    return json_response(page)


@router.post(
    "/api/v1/inbox/messages",
    status_code=201,
    summary="Send an outbound message: stored as queued",
    responses={409: {"description": "the recipient is on the messaging DNC (code recipient_on_dnc)"}},
)
async def send_message(request: Request, caller: CallerDep, message: OutboundMessage) -> Response:
    stored = await run_in_threadpool(
        lambda: messaging.send_message(
            request.app.state.engine,
            caller.account_id,
            to=message.to,
            from_=message.from_,
            body=message.body,
            channel=message.channel,
            media_count=message.media_count,
            campaign=message.campaign,
            agent=message.agent,
        )
    )
    return json_response(stored, 201)


@router.get("/api/v1/dnc", summary="The account's internal do-not-contact list")
async def list_dnc(request: Request, caller: CallerDep) -> Response:
    entries = await run_in_threadpool(messaging.list_dnc, request.app.state.engine, caller.account_id)
    return json_response({"entries": entries})


@router.post("/api/v1/dnc", status_code=201, summary="Add a number to the internal DNC list")
async def add_dnc(request: Request, caller: CallerDep, entry: DncRequest) -> Response:
    phone = await run_in_threadpool(
        messaging.add_dnc, request.app.state.engine, caller.account_id, entry.phone, entry.reason
    )
    return json_response({"phone": phone, "reason": entry.reason}, 201)


@router.delete("/api/v1/dnc/{phone}", status_code=204, summary="Remove a number from the internal DNC list")
async def remove_dnc(request: Request, caller: CallerDep, phone: str) -> Response:
    await run_in_threadpool(messaging.remove_dnc, request.app.state.engine, caller.account_id, phone)
    return Response(status_code=204)
