"""Dialer campaigns (CRUD, contacts CSV, power/parallel start and stop, decisions) and speed dial.

Start and stop answer on two paths that share one handler: per campaign (``/campaigns/{id}/power/start``)
and the seed design's (``/power/start`` with ``{"campaignId": N}`` in the body).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import AliasChoices, BaseModel, ConfigDict, Field
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


class CampaignRef(BaseModel):
    """The seed design's start/stop body; ``campaign_id`` is accepted as well as ``campaignId``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"campaignId": 42}]})
    campaign_id: CampaignId = Field(
        validation_alias=AliasChoices("campaignId", "campaign_id"), description="the campaign's id"
    )


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


_KINDS = {
    "power": ("Start as a power dialer (one line per agent)", "Stop the power dialer"),
    "parallel": ("Start as a parallel dialer (N lines per agent)", "Stop the parallel dialer"),
}


def _add_start_stop(kind: str, action: str, summary: str) -> None:
    """The per-campaign route and the seed's body route of one kind and action, over the one ``_run``."""
    running = action == "start"

    async def by_path(request: Request, caller: CallerDep, campaign_id: CampaignId) -> Response:
        return await _run(request, caller.account_id, campaign_id, kind, running)

    async def by_body(request: Request, caller: CallerDep, body: CampaignRef) -> Response:
        return await _run(request, caller.account_id, body.campaign_id, kind, running)

    router.add_api_route(f"/campaigns/{{campaign_id}}/{kind}/{action}", by_path, methods=["POST"],
                         summary=summary, name=f"{kind}_{action}")  # fmt: skip
    router.add_api_route(f"/{kind}/{action}", by_body, methods=["POST"],
                         summary=f"{summary}; the campaign in the body", name=f"{kind}_{action}_by_body")  # fmt: skip


for _kind, (_start, _stop) in _KINDS.items():
    _add_start_stop(_kind, "start", _start)
    _add_start_stop(_kind, "stop", _stop)


@router.get(
    "/speed-dial",
    summary="A user's speed-dial list; without `user`, the key's own: every entry of its account",
    description="An API key belongs to an account, not to a user, so the caller's own entries are all of "
    "its account's, each with the `user` it belongs to; `?user=U` narrows them to one user.",
)
async def list_speed_dial(
    request: Request,
    caller: CallerDep,
    user: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> Response:
    engine = request.app.state.engine
    if user is None:
        everyone = await run_in_threadpool(speed_dial.list_account_entries, engine, caller.account_id)
        return json_response({"user": None, "entries": everyone})
    entries = await run_in_threadpool(speed_dial.list_entries, engine, caller.account_id, user)
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
