"""Dialer campaigns (CRUD, contacts CSV, power/parallel start and stop, decisions) and speed dial."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from starlette.responses import Response

from operational.api.auth import CallerDep
from operational.api.errors import ApiError
from operational.api.routes import json_response
from operational.dialer import campaigns, speed_dial

router = APIRouter(prefix="/api/v1/dialer", tags=["dialer"])
CampaignId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class CampaignSettings(BaseModel):
    type: Literal["power", "parallel", "speed_dial"] | None = None
    lines_per_agent: int | None = Field(default=None, ge=1, le=campaigns.MAX_LINES_PER_AGENT)
    caller_id: str | None = Field(default=None, max_length=40)
    max_attempts: int | None = Field(default=None, ge=1, le=20)
    retry_minutes: int | None = Field(default=None, ge=1, le=10_080)


class NewCampaign(CampaignSettings):
    name: str = Field(min_length=1, max_length=200)


class SpeedDialRequest(BaseModel):
    user: str = Field(min_length=1, max_length=100)
    label: str = Field(min_length=1, max_length=200)
    phone: str = Field(max_length=40)
    timezone: str | None = Field(default=None, max_length=64)


class SpeedDialCall(BaseModel):
    caller_id: str = Field(max_length=40, description="the number to call from, E.164")


@router.get("/campaigns", summary="The account's campaigns")
async def list_campaigns(request: Request, caller: CallerDep) -> Response:
    found = await run_in_threadpool(campaigns.list_campaigns, request.app.state.engine, caller.account_id)
    return json_response({"campaigns": found})


@router.post("/campaigns", status_code=201, summary="Create a campaign (stopped)")
async def create_campaign(request: Request, caller: CallerDep, body: NewCampaign) -> Response:
    settings = body.model_dump(exclude={"name"})
    created = await run_in_threadpool(
        lambda: campaigns.create_campaign(request.app.state.engine, caller.account_id, body.name, **settings)
    )
    return json_response(created, 201)


@router.get("/campaigns/{campaign_id}", summary="A campaign and its contacts by state")
async def get_campaign(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    found = await run_in_threadpool(
        campaigns.get_campaign, request.app.state.engine, caller.account_id, campaign_id
    )
    return json_response(found)


@router.patch("/campaigns/{campaign_id}", summary="Change a campaign's settings")
async def update_campaign(
    request: Request, caller: CallerDep, campaign_id: CampaignId, body: CampaignSettings
) -> Response:
    settings = body.model_dump()
    updated = await run_in_threadpool(
        lambda: campaigns.update_campaign(
            request.app.state.engine, caller.account_id, campaign_id, **settings
        )
    )
    return json_response(updated)


@router.delete("/campaigns/{campaign_id}", status_code=204, summary="Delete a campaign and its contacts")
async def delete_campaign(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    await run_in_threadpool(
        campaigns.delete_campaign, request.app.state.engine, caller.account_id, campaign_id
    )
    return Response(status_code=204)


@router.post(
    "/campaigns/{campaign_id}/contacts",
    summary="Import contacts from CSV (phone[, contact_id, name, timezone])",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_contacts(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    try:
        text = (await request.body()).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid", "the CSV is not UTF-8", [{"field": "body"}]) from None
    result = await run_in_threadpool(
        campaigns.import_contacts, request.app.state.engine, caller.account_id, campaign_id, text
    )
    return json_response(result)


@router.get("/campaigns/{campaign_id}/decisions", summary="The dialer's latest decisions, newest first")
async def decisions(
    request: Request,
    caller: CallerDep,
    campaign_id: CampaignId,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    found = await run_in_threadpool(
        campaigns.list_decisions, request.app.state.engine, caller.account_id, campaign_id, limit
    )
    return json_response({"decisions": found})


async def _run(request: Request, account_id: int, campaign_id: int, kind: str, running: bool) -> Response:
    result = await run_in_threadpool(
        campaigns.set_running, request.app.state.engine, account_id, campaign_id, kind, running
    )
    return json_response(result)


@router.post("/campaigns/{campaign_id}/power/start", summary="Start as a power dialer (one line per agent)")
async def power_start(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    return await _run(request, caller.account_id, campaign_id, "power", True)


@router.post("/campaigns/{campaign_id}/power/stop", summary="Stop the power dialer")
async def power_stop(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    return await _run(request, caller.account_id, campaign_id, "power", False)


@router.post(
    "/campaigns/{campaign_id}/parallel/start", summary="Start as a parallel dialer (N lines per agent)"
)
async def parallel_start(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    return await _run(request, caller.account_id, campaign_id, "parallel", True)


@router.post("/campaigns/{campaign_id}/parallel/stop", summary="Stop the parallel dialer")
async def parallel_stop(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
    return await _run(request, caller.account_id, campaign_id, "parallel", False)


@router.get("/speed-dial", summary="A user's speed-dial list")
async def list_speed_dial(
    request: Request, caller: CallerDep, user: Annotated[str, Query(min_length=1, max_length=100)]
) -> Response:
    entries = await run_in_threadpool(
        speed_dial.list_entries, request.app.state.engine, caller.account_id, user
    )
    return json_response({"user": user, "entries": entries})


@router.post("/speed-dial", status_code=201, summary="Add a number to a user's speed dial")
async def add_speed_dial(request: Request, caller: CallerDep, body: SpeedDialRequest) -> Response:
    entry = await run_in_threadpool(
        speed_dial.add_entry,
        request.app.state.engine, caller.account_id, body.user, body.label, body.phone, body.timezone,
    )  # fmt: skip
    return json_response(entry, 201)


@router.post("/speed-dial/{entry_id}/dial", summary="Dial a speed-dial entry (DNC and calling window apply)")
async def dial_speed_dial(
    request: Request, caller: CallerDep, entry_id: CampaignId, body: SpeedDialCall
) -> Response:
    result = await run_in_threadpool(
        speed_dial.dial_entry,
        request.app.state.engine, caller.account_id, entry_id, request.app.state.carrier, body.caller_id,
    )  # fmt: skip
    return json_response(result)
