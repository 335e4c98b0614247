"""API fixtures: the real app over the module's migrated database, two accounts with a key each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.accounts import create_account
from operational.api import create_app
from operational.api.edge import EdgeConfig
from operational.keys import create_api_key


@dataclass(frozen=True)
class Tenant:
    id: int
    slug: str
    key: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_tenant(engine: sa.Engine, slug: str, timezone: str = "America/New_York") -> Tenant:
    account = create_account(engine, slug, timezone)
    return Tenant(account.id, slug, create_api_key(engine, account.id).secret)


# Every test client comes from one address: the per-source limit on failed authentications would turn a
# module's deliberate bad keys and signatures into 429s for its later tests. test_api_hardening_throttle.py
# tests that limit on apps of its own.
UNTHROTTLED = EdgeConfig(failure_limit=10**9)


@pytest.fixture(scope="module")
def client(engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, edge=UNTHROTTLED), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tenant_a(engine: sa.Engine) -> Tenant:
    return make_tenant(engine, "tenant-a")


@pytest.fixture(scope="module")
def tenant_b(engine: sa.Engine) -> Tenant:
    return make_tenant(engine, "tenant-b", "Europe/London")


def assert_error(response, status: int, code: str | None = None) -> dict:  # type: ignore[no-untyped-def]
    """The documented error body, with the request id in both the body and the header."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details", "timestamp", "requestId"}
    assert isinstance(error["details"], list) and error["message"]
    assert error["requestId"] and error["requestId"] == response.headers["X-Request-ID"]
    assert error["timestamp"].endswith("Z")
    if code is not None:
        assert error["code"] == code
    return error
