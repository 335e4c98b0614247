"""Per-request context as plain ASGI (cheaper than ``BaseHTTPMiddleware``): request id, body limit, log line.

The log line is ``key=value`` pairs whose text values are JSON strings (control and non-ASCII characters
escaped), one line per request whatever the client sends: a path with ``%0a`` cannot forge a second line.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from operational.api.errors import BodyTooLarge, error_response

log = logging.getLogger("voxlink.api")
REQUEST_ID_HEADER = "X-Request-ID"
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
MAX_LOGGED_CHARS = 512  # of a client-chosen value (path, user agent): a huge header does not make a huge line


def quoted(value: Any, limit: int = MAX_LOGGED_CHARS) -> str:
    """``value`` as a JSON string: quotes, backslashes, control characters and non-ASCII escaped."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    return json.dumps(text, ensure_ascii=True).replace("\x7f", "\\u007f")


class RequestContext:
    """Gives each request an id (the caller's ``X-Request-ID`` when sane), echoes it, logs one line,
    refuses bodies over ``max_body`` bytes before they are read whole, and answers any unhandled error
    with the documented 500 body."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get(REQUEST_ID_HEADER, "")
        rid = given if _CLIENT_ID.match(given) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started, status, responded = time.perf_counter(), 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status, responded = message["status"], True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            length = 0
        try:
            if length > self.max_body:
                err = BodyTooLarge(self.max_body)
                response = error_response(Request(scope), err.status, err.code, err.message)
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, self._limited(receive), send_with_id)
        except Exception as exc:
            state["exception"] = "".join(traceback.format_exception(exc))
            if responded:
                raise
            response = error_response(
                Request(scope), 500, "internal_error", "an unexpected error; it has been logged"
            )
            await response(scope, receive, send_with_id)
        finally:
            _log_line(scope, rid, status, (time.perf_counter() - started) * 1000)

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


def _log_line(scope: Scope, rid: str, status: int, millis: float) -> None:
    state = scope.get("state", {})
    client = scope.get("client")
    fields = [
        f"request_id={quoted(rid)}",
        f"method={quoted(scope['method'])}",
        f"path={quoted(scope['path'])}",
        f"status={status}",
        f"ms={millis:.1f}",
        f"client={quoted(client[0] if client else '')}",
        f"user_agent={quoted(Headers(scope=scope).get('user-agent', ''))}",
    ]
    if "error_code" in state:
        fields += [f"error={quoted(state['error_code'])}", f"message={quoted(state['error_message'])}"]
    if "exception" in state:
        fields.append(f"exception={quoted(state['exception'], limit=8000)}")
    log.log(logging.ERROR if status >= 500 else logging.INFO, " ".join(fields))
