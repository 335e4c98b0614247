"""Per-request context as plain ASGI (cheaper than ``BaseHTTPMiddleware``): request id, body limit, log line."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from operational.api.errors import BodyTooLarge, error_response

log = logging.getLogger("voxlink.api")
REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


class RequestContext:
    """Gives each request an id (the caller's ``X-Request-ID`` when sane), echoes it, logs one line,
    and refuses bodies over ``max_body`` bytes before they are read whole."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Request(scope).headers.get(REQUEST_ID_HEADER, "")
        rid = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            length = int(Request(scope).headers.get("content-length") or 0)
        except ValueError:
            length = 0
        if length > self.max_body:
            request = Request(scope)
            err = BodyTooLarge(self.max_body)
            response = error_response(request, err.status, err.code, err.message)
            await response(scope, receive, send_with_id)
        else:
            await self.app(scope, self._limited(receive), send_with_id)
        log.info(
            "request_id=%s %s %s %s %.1fms",
            rid, scope["method"], scope["path"], status, (time.perf_counter() - started) * 1000,
        )  # fmt: skip

    def _limited(self, receive: Receive) -> Receive:
        """A chunked body has no Content-Length: count as it arrives."""
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return counted
