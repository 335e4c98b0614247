"""Who is calling: the Bearer API key names the account; each key has a per-minute request limit.

Failed keys count against the client's address (``throttle.py``): a source past the limit is refused with
429 before its key is looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from operational.api.edge import client_address
from operational.api.errors import ApiError
from operational.api.throttle import FailureThrottle
from operational.keys import check_key

bearer = HTTPBearer(auto_error=False, description="an account's API key: `Authorization: Bearer vxk_…`")


@dataclass(frozen=True)
class Caller:
    account_id: int
    key_id: str


def source_of(request: Request) -> str:
    """The address failed authentications are counted against (proxies believed only when trusted)."""
    return client_address(request.scope, request.app.state.edge)


def failures(request: Request) -> FailureThrottle:
    throttle: FailureThrottle = request.app.state.auth_failures
    return throttle


def require_key(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    """The caller's account, or 401 (no or unknown key) / 429 (over the key's limit, or too many failed
    keys from this address; with Retry-After)."""
    source = source_of(request)
    failures(request).check(source)
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        failures(request).record(source)
        raise ApiError(401, "unauthorized", "an API key is required: send Authorization: Bearer <key>")
    # check_key is one statement: in autocommit it is its own transaction, with no BEGIN and COMMIT round
    # trips to PostgreSQL around it (every authenticated request pays for them otherwise)
    engine = request.app.state.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        check = check_key(conn, credentials.credentials, datetime.now(UTC))
    if check.account_id is None or check.key_id is None:
        failures(request).record(source)
        raise ApiError(401, "unauthorized", "the API key is not valid or has been revoked")
    if check.over_limit:
        raise ApiError(
            429,
            "rate_limited",
            "too many requests for this API key; slow down",
            headers={"Retry-After": str(check.retry_after)},
        )
    return Caller(check.account_id, check.key_id)


def current_caller(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
) -> Caller:
    return require_key(request, credentials)


CallerDep = Annotated[Caller, Depends(current_caller)]
