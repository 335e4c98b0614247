"""Alert rules over the API (issue 19): the account's rules, what is firing now, the history, the webhook
delivery log and the webhook signing secret. The account is the API key's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Connection
from starlette.responses import Response

from operational.alerts import rules, webhooks
from operational.alerts.firing import firing_now, history
from operational.api.auth import CallerDep
from operational.api.routes import json_response

router = APIRouter(tags=["alerts"])


def _no_recipients(conn: Connection, account_id: int, addresses: list[str]) -> list[str]:
    raise ValueError("e-mail recipients can be checked only by the composed API (`voxlink api`)")


def recipient_check(request: Request) -> rules.RecipientCheck:
    """The subscriptions' recipient rule, given to the app by the composition (``cli/api_app.py``)."""
    check: rules.RecipientCheck = getattr(request.app.state, "alert_recipients", _no_recipients)
    return check


@router.get("/api/v1/alerts/rules", summary="The account's alert rules")
async def list_rules(request: Request, caller: CallerDep) -> Response:
    found = await run_in_threadpool(rules.list_rules, request.app.state.engine, caller.account_id)
    return json_response({"rules": found})


@router.post("/api/v1/alerts/rules", status_code=201, summary="Create an alert rule")
async def create_rule(request: Request, caller: CallerDep, rule: rules.RuleInput) -> Response:
    created = await run_in_threadpool(
        rules.create_rule, request.app.state.engine, caller.account_id, rule, recipient_check(request)
    )
    return json_response(created, 201)


@router.get("/api/v1/alerts/rules/{rule_id}", summary="One alert rule")
async def get_rule(request: Request, caller: CallerDep, rule_id: int) -> Response:
    found = await run_in_threadpool(rules.get_rule, request.app.state.engine, caller.account_id, rule_id)
    return json_response(found)


@router.put("/api/v1/alerts/rules/{rule_id}", summary="Replace an alert rule")
async def update_rule(request: Request, caller: CallerDep, rule_id: int, rule: rules.RuleInput) -> Response:
    updated = await run_in_threadpool(
        rules.update_rule,
        request.app.state.engine,
        caller.account_id,
        rule_id,
        rule,
        recipient_check(request),
    )
    return json_response(updated)


@router.delete(
    "/api/v1/alerts/rules/{rule_id}", status_code=204, summary="Delete an alert rule (history stays)"
)
async def delete_rule(request: Request, caller: CallerDep, rule_id: int) -> Response:
    await run_in_threadpool(rules.delete_rule, request.app.state.engine, caller.account_id, rule_id)
    return Response(status_code=204)


@router.get("/api/v1/alerts/firing", summary="Rules firing now (or recovering, not yet re-armed)")
async def list_firing(request: Request, caller: CallerDep) -> Response:
    found = await run_in_threadpool(firing_now, request.app.state.engine, caller.account_id)
    return json_response({"firing": found})


@router.get("/api/v1/alerts/history", summary="Firings and recoveries, newest first")
async def list_history(
    request: Request, caller: CallerDep, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> Response:
    found = await run_in_threadpool(history, request.app.state.engine, caller.account_id, limit)
    return json_response({"events": found})


@router.get("/api/v1/alerts/webhook-deliveries", summary="The webhook delivery log, newest first")
async def list_deliveries(
    request: Request, caller: CallerDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> Response:
    found = await run_in_threadpool(webhooks.delivery_log, request.app.state.engine, caller.account_id, limit)
    return json_response({"deliveries": found})


@router.post(
    "/api/v1/alerts/webhook-secret",
    status_code=201,
    summary="A new webhook signing secret for the account, shown once",
)
async def rotate_secret(request: Request, caller: CallerDep) -> Response:
    secret = await run_in_threadpool(webhooks.rotate_secret, request.app.state.engine, caller.account_id)
    body: dict[str, Any] = {"secret": secret, "header": webhooks.SIGNATURE_HEADER, "algorithm": "HMAC-SHA256"}
    return json_response(body, 201)
