"""The one error body of the API, ``{"error": {code, message, details, timestamp, requestId}}``, and its handlers.

The request's log line (``middleware.py``) carries the error's code and message; nothing here logs.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from operational.database import DatabaseNotRunning
from operational.errors import Conflict, CoreError, Invalid, NotFound, WrongAccount

RETRY_AFTER_DB_DOWN = 5  # seconds: the embedded server restarts in about one


class ErrorInfo(BaseModel):
    code: str = Field(examples=["invalid"])
    message: str
    details: list[dict[str, Any]] = Field(description="the fields at fault, when known")
    timestamp: str = Field(examples=["2026-11-27T21:34:38.250Z"])
    requestId: str = Field(description="also in the X-Request-ID header and the request's log line")


class ErrorBody(BaseModel):
    """The body of every 4xx and 5xx answer."""

    error: ErrorInfo


# Declared on every route, so the OpenAPI schema describes the errors the API really sends (FastAPI's own
# 422 schema would not match them).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "the request is refused: see `error.code`"},
    "5XX": {"model": ErrorBody, "description": "the database is unreachable (503) or a bug (500)"},
}


class ApiError(Exception):
    """An error raised at the edge (authentication, limits) with its status and code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or []
        self.headers = headers or {}


class BodyTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "payload_too_large", f"request body over {limit:,} bytes")


_CORE_STATUS: dict[type[CoreError], tuple[int, str]] = {
    NotFound: (404, "not_found"),
    WrongAccount: (404, "not_found"),  # never tell a caller that another account has the thing
    Invalid: (422, "invalid"),
    Conflict: (409, "conflict"),
}
_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid",
    429: "rate_limited", 500: "internal_error", 503: "service_unavailable",
}  # fmt: skip


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    rid = request_id(request)
    body = {
        "error": {
            "code": code,
            "message": message,
            "details": details or [],
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestId": rid,
        }
    }
    state = request.scope.setdefault("state", {})  # the middleware's one log line for the request says it
    state["error_code"], state["error_message"] = code, message
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


def install(app: FastAPI) -> None:
    """Register the handlers that turn every exception into the documented body."""

    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return error_response(request, exc.status, exc.code, exc.message, exc.details, exc.headers)

    async def core_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CoreError)
        status, code = next(v for k, v in _CORE_STATUS.items() if isinstance(exc, k))
        return error_response(request, status, exc.code or code, exc.message, exc.details)

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "reason": err.get("msg", "")}
            for err in exc.errors()
        ]
        return error_response(request, 422, "invalid", "the request is not valid", details)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "error")
        return error_response(request, exc.status_code, code, str(exc.detail), headers=exc.headers)

    async def database_down(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DBAPIError) and _is_bad_value(exc):
            return error_response(
                request, 422, "invalid", "a value PostgreSQL cannot store (such as a NUL character)"
            )
        if isinstance(exc, DBAPIError) and not _is_connection_failure(exc):
            return await unexpected(request, exc)
        return error_response(
            request,
            503,
            "service_unavailable",
            "the database is not reachable; retry later",
            headers={"Retry-After": str(RETRY_AFTER_DB_DOWN)},
        )

    async def unexpected(request: Request, exc: Exception) -> Response:
        request.scope.setdefault("state", {})["exception"] = "".join(traceback.format_exception(exc))
        return error_response(request, 500, "internal_error", "an unexpected error; it has been logged")

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(CoreError, core_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_down)
    app.add_exception_handler(DatabaseNotRunning, database_down)
    app.add_exception_handler(Exception, unexpected)


def _is_connection_failure(exc: DBAPIError) -> bool:
    import psycopg

    return exc.connection_invalidated or isinstance(exc.orig, psycopg.OperationalError)


def _is_bad_value(exc: DBAPIError) -> bool:
    import psycopg

    return isinstance(exc.orig, psycopg.DataError)
