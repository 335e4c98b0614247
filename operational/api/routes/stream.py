"""The event stream: ``GET /api/v1/stream`` (WebSocket) and ``GET /api/v1/stream/sse`` (Server-Sent Events).

Both are scoped to the API key's account, filter by event types, queue and agent, and resume after the last
event id a client saw (within the outbox's retention window). The events come from the process's
:class:`~operational.stream_hub.StreamHub`; a client that falls too far behind is dropped with a reason.
The API key travels in the ``Authorization`` header (or, for WebSocket clients that cannot set headers,
in the first message), never in the URL, where proxies and logs would keep it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, WebSocket, WebSocketDisconnect
from sqlalchemy.engine import Engine
from starlette.responses import Response, StreamingResponse

from operational.api.auth import CallerDep
from operational.api.edge import client_address
from operational.api.errors import ApiError, request_id
from operational.api.throttle import FailureThrottle
from operational.keys import KeyCheck, check_key
from operational.outbox import STREAM_TYPES
from operational.stream_hub import SEND_MOST, Frame, SlowClient, StreamFilter, StreamHub, Subscription

router = APIRouter(tags=["stream"])
HEARTBEAT_SECONDS = 15.0  # a comment line / ping keeps proxies from closing an idle stream
AUTH_SECONDS = 10.0  # for the WebSocket's first message
SLOW_CLOSE = 1013  # "try again later": the client may reconnect and resume
_TypesQuery = Annotated[
    str | None,
    Query(max_length=500, description="comma-separated event types, e.g. `call:answered,agent:busy`"),
]
_NameQuery = Annotated[str | None, Query(max_length=200)]


def hub_of(app: Any) -> StreamHub:
    hub: StreamHub | None = getattr(app.state, "stream_hub", None)
    if hub is None:
        hub = app.state.stream_hub = StreamHub(app.state.engine)
    return hub


def stream_filter(types: str | None, queue: str | None, agent: str | None) -> StreamFilter:
    """The client's filter, or 422 naming the unknown event type."""
    wanted = None
    if types:
        wanted = frozenset(t.strip() for t in types.split(",") if t.strip())
        unknown = sorted(wanted - set(STREAM_TYPES))
        if unknown:
            raise ApiError(
                422,
                "invalid",
                f"unknown event type {unknown[0]!r}",
                [{"field": "types", "reason": f"one of {', '.join(STREAM_TYPES)}"}],
            )
    return StreamFilter(wanted, queue or None, agent or None)


def resume_point(value: Any, field: str) -> int | None:
    """A client's last event id, or 422: a non-negative integer (as text in a header)."""
    if value is None or value == "":
        return None
    try:
        after = int(value)
    except (TypeError, ValueError):
        after = -1
    if after < 0 or isinstance(value, bool):
        raise ApiError(422, "invalid", "the last event id is not a stream event id", [{"field": field}])
    return after


async def open_subscription(
    hub: StreamHub, account_id: int, filt: StreamFilter, after: int | None
) -> tuple[Subscription, list[Frame]]:
    """Subscribe, then read what a resuming client missed up to where the hub takes over (so nothing falls
    between the two); 410 when the resume point is older than the retention window."""
    if after is not None:
        oldest = await hub.oldest_id()
        if oldest is not None and after < oldest - 1:
            raise ApiError(
                410,
                "resume_expired",
                f"event {after} is older than the stream's {hub.retention} retention window: start afresh",
            )
    sub = Subscription(account_id, filt, hub.queue_limit)
    start = await hub.subscribe(sub)
    if after is None:
        return sub, []
    missed = await hub.backlog(account_id, after, start)
    return sub, [m for m in missed if filt.matches(m)]


async def batches_after(sub: Subscription, missed: list[Frame]) -> AsyncIterator[list[Frame] | None]:
    """The backlog, then live events in batches of what is waiting (None at each idle heartbeat), each id
    once and in order (the hub may hand over again what the backlog already held)."""
    last = 0
    for start in range(0, len(missed), SEND_MOST):
        batch = missed[start : start + SEND_MOST]
        last = batch[-1].id
        yield batch
    while True:
        live = await sub.next_batch(HEARTBEAT_SECONDS)
        if live is None:
            yield None
            continue
        fresh = live if live[0].id > last else [f for f in live if f.id > last]
        if fresh:
            last = fresh[-1].id
            yield fresh


def _error_body(code: str, message: str, rid: str) -> dict[str, Any]:
    stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"error": {"code": code, "message": message, "details": [], "timestamp": stamp, "requestId": rid}}


@router.get(
    "/api/v1/stream/sse",
    summary="Live events as Server-Sent Events (resume with Last-Event-ID)",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`id:`, `event:` (type), `data:` (JSON)"}
    },
)
async def stream_sse(
    request: Request,
    caller: CallerDep,
    types: _TypesQuery = None,
    queue: _NameQuery = None,
    agent: _NameQuery = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=40)] = None,
) -> Response:
    filt = stream_filter(types, queue, agent)
    hub = hub_of(request.app)
    sub, missed = await open_subscription(
        hub, caller.account_id, filt, resume_point(last_event_id, "Last-Event-ID")
    )
    rid = request_id(request)

    async def body() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 2000\n\n"
            async for batch in batches_after(sub, missed):
                yield b": keep-alive\n\n" if batch is None else b"".join(f.sse for f in batch)  # one write
        except SlowClient as slow:
            yield b"event: error\ndata: %s\n\n" % orjson.dumps(_error_body("slow_client", str(slow), rid))
        finally:
            hub.unsubscribe(sub)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)


@router.websocket("/api/v1/stream")
async def stream_websocket(
    websocket: WebSocket, types: _TypesQuery = None, queue: _NameQuery = None, agent: _NameQuery = None
) -> None:
    """Protocol (docs/api.md, "Stream"): the client's first message is ``{"type": "auth", "key": …}`` (unless
    it sent ``Authorization: Bearer``) or ``{"type": "start"}``, either with an optional ``last_event_id`` to
    resume after; or ``{"type": "resume", "last_event_id": N}``; any of them with ``"batch": true`` to receive a
    JSON array of the events ready at once per message. The server answers ``{"type": "ready"}``, then sends
    one JSON event (or one array) per message. Errors come as the documented error body, then the socket
    closes."""
    await websocket.accept()
    rid = websocket.headers.get("x-request-id", "")[:64]
    try:
        account_id, after, batched = await _handshake(websocket)
        filt = stream_filter(types, queue, agent)
        hub = hub_of(websocket.app)
        sub, missed = await open_subscription(hub, account_id, filt, after)
    except ApiError as err:
        body = _error_body(err.code, err.message, rid)
        body["error"]["details"] = err.details
        await websocket.send_text(orjson.dumps(body).decode())
        await websocket.close(4000 + err.status, err.message[:120])
        return
    except WebSocketDisconnect:
        return
    try:
        await websocket.send_text('{"type":"ready"}')
        async for batch in batches_after(sub, missed):
            if batch is None:
                await websocket.send_text('{"type":"ping"}')
            elif batched:  # a message per event costs ~50 µs in the server (more with compression): batch
                await websocket.send_text("[" + ",".join(f.text for f in batch) + "]")
            else:
                for frame in batch:
                    await websocket.send_text(frame.text)
    except SlowClient as slow:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(SLOW_CLOSE, str(slow)[:120]), HEARTBEAT_SECONDS)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(sub)


async def _handshake(websocket: WebSocket) -> tuple[int, int | None, bool]:
    """The account, resume point and batch wish from the header and the first message; ApiError when
    refused."""
    throttle: FailureThrottle = websocket.app.state.auth_failures
    source = client_address(websocket.scope, websocket.app.state.edge)
    throttle.check(source)
    header = websocket.headers.get("authorization", "")
    try:
        first = orjson.loads(await asyncio.wait_for(websocket.receive_text(), AUTH_SECONDS))
    except TimeoutError:
        raise ApiError(401, "unauthorized", 'no first message: send {"type": "auth", "key": …}') from None
    except orjson.JSONDecodeError:
        raise ApiError(400, "bad_request", "the first message is not a JSON object") from None
    if not isinstance(first, dict) or first.get("type") not in ("auth", "start", "resume"):
        raise ApiError(400, "bad_request", 'the first message must have "type": "auth", "start" or "resume"')
    scheme, _, presented = header.partition(" ")
    key = presented.strip() if scheme.lower() == "bearer" else first.get("key")
    if not isinstance(key, str) or not key:
        throttle.record(source)
        raise ApiError(
            401, "unauthorized", "an API key is required: Authorization: Bearer <key> or an auth message"
        )
    engine = websocket.app.state.engine
    check = await asyncio.to_thread(_check, engine, key)
    if check.account_id is None:
        throttle.record(source)
        raise ApiError(401, "unauthorized", "the API key is not valid or has been revoked")
    if check.over_limit:
        raise ApiError(429, "rate_limited", "too many requests for this API key; slow down")
    batched = first.get("batch", False)
    if not isinstance(batched, bool):
        raise ApiError(422, "invalid", '"batch" must be true or false', [{"field": "batch"}])
    return check.account_id, resume_point(first.get("last_event_id"), "last_event_id"), batched


def _check(engine: Engine, key: str) -> KeyCheck:
    with engine.begin() as conn:
        return check_key(conn, key, datetime.now(UTC))
