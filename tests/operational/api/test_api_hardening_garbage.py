"""Every route answers garbage with a 4xx in the documented error body: never a 5xx, never a bare text."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.accounts import set_twilio_auth_token
from operational.api import create_app
from operational.api.edge import EdgeConfig
from operational.users import create_user
from tests.operational.api.conftest import Tenant, assert_error

BODIES: dict[str, bytes] = {
    "nul": json.dumps(
        {
            "name": "a\x00",
            "to": "+1\x00",
            "phone": "\x00",
            "user": "\x00",
            "label": "\x00",
            "caller_id": "\x00",
            "body": "\x00",
            "from": "\x00",
        }
    ).encode(),  # fmt: skip
    "wrong types": b'{"name": 5, "to": [], "from": {}, "body": 1e999, "media_count": "x", "phone": true, '
    b'"user": null, "lines_per_agent": 1e400, "max_attempts": 99999999999999999999999999}',
    "huge numbers": b'{"name": "n", "max_attempts": 123456789012345678901234567890, "retry_minutes": -1e308}',
    "not utf-8": b"\xff\xfe\xfd\x00garbage",
    "empty": b"",
    "deep": b"[" * 50_000 + b"]" * 50_000,
    "form": b"CallSid=%00&CallStatus=completed&From=%00&To=%ff&CallDuration=99999999999999999999",
}
CONTENT_TYPES = ["application/json", "text/csv", "application/xml", "multipart/form-data; boundary=x", ""]
ODD_HEADERS: dict[str, bytes] = {
    "X-Long": b"x" * 60_000,
    "X-Twilio-Signature": "é".encode("latin-1"),
    "X-Request-ID": b"\xff\x00\r",
    "X-Forwarded-For": b"\xff, 999.1.1.1, ::zz",
    "X-Forwarded-Proto": b"javascript",
}


@pytest.fixture(scope="module")
def loose(engine: sa.Engine) -> Iterator[TestClient]:
    """The API with no failed-authentication limit: the garbage must reach every route, not the 429."""
    app = create_app(engine, edge=EdgeConfig(failure_limit=10**9))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(scope="module")
def ids(loose: TestClient, engine: sa.Engine, tenant_a: Tenant) -> dict[str, str]:
    set_twilio_auth_token(engine, tenant_a.slug, "garbage-token")
    create_user(engine, tenant_a.id, "gus", "agent", "gus's long password")
    campaign = loose.post("/api/v1/dialer/campaigns", json={"name": "g"}, headers=tenant_a.auth).json()["id"]
    entry = loose.post(
        "/api/v1/dialer/speed-dial", json={"user": "gus", "label": "x", "phone": "+12125550903"},
        headers=tenant_a.auth,
    ).json()["id"]  # fmt: skip
    return {"c": str(campaign), "e": str(entry), "slug": tenant_a.slug}


ROUTES = [
    ("POST", "/api/v1/events"), ("GET", "/api/v1/inbox/messages"), ("POST", "/api/v1/inbox/messages"),
    ("GET", "/api/v1/dnc"), ("POST", "/api/v1/dnc"), ("DELETE", "/api/v1/dnc/%00%ff"),
    ("GET", "/api/v1/dialer/campaigns"), ("POST", "/api/v1/dialer/campaigns"),
    ("GET", "/api/v1/dialer/campaigns/{c}"), ("PATCH", "/api/v1/dialer/campaigns/{c}"),
    ("DELETE", "/api/v1/dialer/campaigns/99999999999999999999"), ("POST", "/api/v1/dialer/campaigns/{c}/contacts"),
    ("GET", "/api/v1/dialer/campaigns/%00/decisions"), ("POST", "/api/v1/dialer/campaigns/{c}/power/start"),
    ("POST", "/api/v1/dialer/campaigns/-1/parallel/stop"), ("GET", "/api/v1/dialer/speed-dial?user=%00"),
    ("POST", "/api/v1/dialer/speed-dial"), ("POST", "/api/v1/dialer/speed-dial/{e}/dial"),
    ("POST", "/webhooks/twilio/{slug}/voice"), ("POST", "/webhooks/twilio/{slug}/messages"),
    ("POST", "/webhooks/twilio/%00%ff/voice"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_garbage_gets_a_documented_4xx(
    loose: TestClient, tenant_a: Tenant, ids: dict[str, str], method: str, path: str
) -> None:
    for name, body in BODIES.items():
        for content_type in CONTENT_TYPES:
            headers = tenant_a.auth | ({"Content-Type": content_type} if content_type else {})
            response = loose.request(method, path.format(**ids), content=body, headers=headers)
            if response.status_code < 400:  # some garbage is acceptable input (an empty CSV, a GET body)
                continue
            assert response.status_code < 500, (name, content_type, response.text[:300])
            assert_error(response, response.status_code)
    for header, value in ODD_HEADERS.items():
        response = loose.request(method, path.format(**ids), headers=tenant_a.auth | {header: value})  # type: ignore[operator]
        assert response.status_code < 500, (header, response.text[:300])
        if response.status_code >= 400:
            assert_error(response, response.status_code)


def test_a_malformed_key_is_401_without_reaching_the_database(loose: TestClient, engine: sa.Engine) -> None:
    statements: list[str] = []

    def note(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        for key in ["vxk_\x00_x", "vxk_zz_" + "a" * 5000, "vxk__", "vxk_abc_\u00e9", "vxk_abc_x\x00"]:
            headers = {"Authorization": b"Bearer " + key.encode()}
            assert_error(loose.post("/api/v1/events", json=[], headers=headers), 401, "unauthorized")  # type: ignore[arg-type]
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    assert statements == []
