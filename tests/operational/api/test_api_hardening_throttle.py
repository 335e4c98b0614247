"""Failed authentications are throttled per source address, before any database work; others are unaffected."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import ip_network
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from operational.api import create_app
from operational.api.edge import EdgeConfig
from operational.api.throttle import FailureThrottle
from tests.operational.api.conftest import Tenant, assert_error

LIMIT = 5


@pytest.fixture()
def app(engine: sa.Engine) -> FastAPI:
    edge = EdgeConfig(trusted_proxies=(ip_network("127.0.0.9/32"),), failure_limit=LIMIT)
    return create_app(engine, edge=edge)


@pytest.fixture()
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs while the test runs."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", note)


def client_at(app: FastAPI, address: str) -> TestClient:
    return TestClient(app, client=(address, 5000), raise_server_exceptions=False)


def test_failed_keys_from_one_address_get_429_without_touching_the_database(
    app: FastAPI, tenant_a: Tenant, statements: list[str]
) -> None:
    guesser, neighbour = client_at(app, "127.0.0.3"), client_at(app, "127.0.0.4")
    bad = {"Authorization": "Bearer vxk_0123456789ab_not-the-secret"}
    for _ in range(LIMIT):
        assert_error(guesser.post("/api/v1/events", json=[], headers=bad), 401, "unauthorized")
    statements.clear()
    for headers in (bad, tenant_a.auth, {}):  # once over the limit, even a good key waits
        refused = guesser.post("/api/v1/events", json=[], headers=headers)
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert statements == []
    assert neighbour.post("/api/v1/events", json=[], headers=tenant_a.auth).status_code == 200


def test_bad_webhook_signatures_are_throttled_per_address(app: FastAPI, statements: list[str]) -> None:
    guesser = client_at(app, "127.0.0.5")
    form = {"CallSid": "CA1", "CallStatus": "initiated", "From": "+14155552671", "To": "+12125550123"}
    for _ in range(LIMIT):
        response = guesser.post(
            "/webhooks/twilio/tenant-a/voice", data=form, headers={"X-Twilio-Signature": "x"}
        )
        assert_error(response, 403, "invalid_signature")
    statements.clear()
    refused = guesser.post("/webhooks/twilio/tenant-a/voice", data=form, headers={"X-Twilio-Signature": "x"})
    assert_error(refused, 429, "rate_limited")
    assert "Retry-After" in refused.headers and statements == []


def test_behind_a_trusted_proxy_the_forwarded_client_is_the_source(app: FastAPI, tenant_a: Tenant) -> None:
    proxy = client_at(app, "127.0.0.9")
    bad = {"Authorization": "Bearer vxk_0123456789ab_wrong"}
    for _ in range(LIMIT):
        proxy.post("/api/v1/events", json=[], headers=bad | {"X-Forwarded-For": "198.51.100.7"})
    assert_error(
        proxy.post("/api/v1/events", json=[], headers=tenant_a.auth | {"X-Forwarded-For": "198.51.100.7"}),
        429,
    )
    # another client behind the same proxy is not punished for the first one's guesses
    other = proxy.post("/api/v1/events", json=[], headers=tenant_a.auth | {"X-Forwarded-For": "198.51.100.8"})
    assert other.status_code == 200
    # and an untrusted client cannot dodge its count by claiming to be someone else
    direct = client_at(app, "127.0.0.6")
    for n in range(LIMIT):
        direct.post("/api/v1/events", json=[], headers=bad | {"X-Forwarded-For": f"203.0.113.{n}"})
    assert_error(direct.post("/api/v1/events", json=[], headers=tenant_a.auth), 429)


def test_failures_age_out_of_the_window() -> None:
    now = [1000.0]
    throttle = FailureThrottle(limit=2, window_seconds=60, clock=lambda: now[0])
    throttle.record("a")
    now[0] += 30
    throttle.record("a")
    with pytest.raises(Exception, match="too many failed"):
        throttle.check("a")
    throttle.check("b")  # another source is unaffected
    now[0] += 30.5  # the first failure is now older than the window
    throttle.check("a")
