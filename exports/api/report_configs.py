"""Report configurations over HTTP: the account's report subscriptions (the ones the app's page manages).

Fields as the seed design names them (``id, name, type, filters, schedule, recipients, format, createdAt,
updatedAt``) over ``exports.subscriptions``, which validates and stores them; its errors are translated here
into the API's error body. An API key belongs to an account and carries no role: any key of an account
manages that account's subscriptions, and none other's (another account's id answers 404).
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from exports import subscriptions as store
from exports.export import FORMATS
from exports.report_specs import REPORTS
from exports.schedule import WEEKDAYS, Schedule, ScheduleError
from operational.api.auth import CallerDep
from operational.api.errors import ERROR_RESPONSES, ApiError
from operational.api.routes import json_response

router = APIRouter(
    prefix="/api/v1/reports/configs", tags=["report configurations"], responses=ERROR_RESPONSES
)
ConfigId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# The store's field names as the API calls them.
_API_FIELD = {"report": "type", "schedule": "schedule", "recipients": "recipients", "name": "name",
              "format": "format", "filters": "filters"}  # fmt: skip
_TYPES: dict[str, Any] = {"enum": sorted(REPORTS)}  # checked by the store, listed here for the schema
_FORMATS: dict[str, Any] = {"enum": list(FORMATS)}
EXAMPLE: dict[str, Any] = {
    "id": 7,
    "name": "Weekly abandon rate",
    "type": "abandon-rate",
    "filters": {"queue": "support"},
    "schedule": {"frequency": "weekly", "at": "07:30", "weekday": "mon", "dayOfMonth": None},
    "recipients": ["mia@acme.example"],
    "format": "xlsx",
    "enabled": True,
    "createdAt": "2026-11-02T14:05:09.120000+00:00",
    "updatedAt": "2026-11-02T14:05:09.120000+00:00",
}

NEW_EXAMPLE: dict[str, Any] = {
    key: EXAMPLE[key] for key in ("name", "type", "filters", "schedule", "recipients", "format")
}


class ScheduleBody(BaseModel):
    """When the report is sent, in the account's time zone; it covers the day, week or month just ended."""

    frequency: Literal["daily", "weekly", "monthly"]
    at: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="local send time, HH:MM")
    weekday: Weekday | None = Field(default=None, description="weekly only")
    dayOfMonth: int | None = Field(
        default=None, ge=1, le=31, description="monthly only (last day if shorter)"
    )

    def schedule(self) -> Schedule:
        """The store's schedule; 422 naming ``schedule`` when it cannot fire."""
        hour, minute = (int(part) for part in self.at.split(":"))
        weekday = None if self.weekday is None else WEEKDAYS.index(self.weekday)
        try:
            return Schedule(self.frequency, time(hour, minute), weekday, self.dayOfMonth)
        except ScheduleError as err:
            raise ApiError(
                422, "invalid", str(err), [{"field": "body.schedule", "reason": str(err)}]
            ) from None


class ConfigChange(BaseModel):
    """PATCH: the fields given change, the others stay."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    type: str | None = Field(default=None, max_length=40, json_schema_extra=_TYPES)
    filters: dict[str, Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=10)
    schedule: ScheduleBody | None = None
    recipients: list[Annotated[str, Field(max_length=320)]] | None = Field(
        default=None, min_length=1, max_length=50
    )
    format: str | None = Field(default=None, max_length=10, json_schema_extra=_FORMATS)
    enabled: bool | None = None


class NewConfig(ConfigChange):
    """POST and PUT: every field but ``enabled`` (default: on)."""

    model_config = ConfigDict(json_schema_extra={"examples": [NEW_EXAMPLE]})
    name: str = Field(min_length=1, max_length=200)
    type: str = Field(max_length=40, json_schema_extra=_TYPES)
    filters: dict[str, Annotated[str, Field(max_length=200)]] = Field(default_factory=dict, max_length=10)
    schedule: ScheduleBody
    recipients: list[Annotated[str, Field(max_length=320)]] = Field(min_length=1, max_length=50)
    format: str = Field(max_length=10, json_schema_extra=_FORMATS)


class ReportConfig(NewConfig):
    """A report configuration as the API answers it."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})
    id: int
    enabled: bool
    createdAt: str
    updatedAt: str


def _public(ref: store.SubscriptionRef) -> dict[str, Any]:
    schedule = ref.schedule
    return {
        "id": ref.id,
        "name": ref.name,
        "type": ref.report,
        "filters": ref.filters,
        "schedule": {
            "frequency": schedule.frequency,
            "at": schedule.send_at.strftime("%H:%M"),
            "weekday": None if schedule.weekday is None else WEEKDAYS[schedule.weekday],
            "dayOfMonth": schedule.day_of_month,
        },
        "recipients": ref.recipients,
        "format": ref.format,
        "enabled": ref.enabled,
        "createdAt": ref.created_at,
        "updatedAt": ref.updated_at,
    }


def _translated(err: store.SubscriptionError) -> ApiError:
    """The store's refusal in the API's terms: 404 (none in this account), 409 (name taken), else 422."""
    if isinstance(err, store.SubscriptionNotFound):
        return ApiError(404, "not_found", str(err))
    field = f"body.{_API_FIELD.get(err.field, err.field)}" if err.field else "body"
    details = [{"field": field, "reason": str(err)}]
    if isinstance(err, store.DuplicateSubscription):
        return ApiError(409, "conflict", str(err), details)
    return ApiError(422, "invalid", str(err), details)


async def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return await run_in_threadpool(function, *args, **kwargs)
    except store.SubscriptionError as err:
        raise _translated(err) from None


@router.get("", summary="The account's report configurations (its e-mailed report subscriptions)",
            responses={200: {"content": {"application/json": {"example": {"configs": [EXAMPLE]}}}}})  # fmt: skip
async def list_configs(request: Request, caller: CallerDep) -> Response:
    refs = await _call(store.list_subscriptions, request.app.state.engine, caller.account_id)
    return json_response({"configs": [_public(ref) for ref in refs]})


@router.post("", status_code=201, summary="Create a report configuration",
             responses={201: {"model": ReportConfig}})  # fmt: skip
async def create_config(request: Request, caller: CallerDep, body: NewConfig) -> Response:
    ref = await _call(
        store.create_subscription, request.app.state.engine, caller.account_id, name=body.name,
        report=body.type, fmt=body.format, schedule=body.schedule.schedule(), recipients=body.recipients,
        filters=body.filters,
    )  # fmt: skip
    if body.enabled is False:
        ref = await _call(store.update_subscription, request.app.state.engine, caller.account_id, ref.id,
                          enabled=False)  # fmt: skip
    return json_response(_public(ref), 201)


@router.get("/{config_id}", summary="One report configuration", responses={200: {"model": ReportConfig}})
async def get_config(request: Request, caller: CallerDep, config_id: ConfigId) -> Response:
    ref = await _call(store.get_subscription, request.app.state.engine, caller.account_id, config_id)
    return json_response(_public(ref))


async def _update(request: Request, account_id: int, config_id: int, body: ConfigChange) -> Response:
    ref = await _call(
        store.update_subscription, request.app.state.engine, account_id, config_id, name=body.name,
        report=body.type, fmt=body.format, schedule=body.schedule.schedule() if body.schedule else None,
        recipients=body.recipients, filters=body.filters, enabled=body.enabled,
    )  # fmt: skip
    return json_response(_public(ref))


@router.put(
    "/{config_id}", summary="Replace a report configuration", responses={200: {"model": ReportConfig}}
)
async def replace_config(
    request: Request, caller: CallerDep, config_id: ConfigId, body: NewConfig
) -> Response:
    return await _update(request, caller.account_id, config_id, body)


@router.patch("/{config_id}", summary="Change some fields of a report configuration",
              responses={200: {"model": ReportConfig}})  # fmt: skip
async def change_config(
    request: Request, caller: CallerDep, config_id: ConfigId, body: ConfigChange
) -> Response:
    return await _update(request, caller.account_id, config_id, body)


@router.delete("/{config_id}", status_code=204, summary="Delete a report configuration and its delivery log")
async def delete_config(request: Request, caller: CallerDep, config_id: ConfigId) -> Response:
    if not await _call(store.delete_subscription, request.app.state.engine, caller.account_id, config_id):
        raise ApiError(404, "not_found", f"no subscription #{config_id} in this account")
    return Response(status_code=204)
