"""Tenancy and availability: a key of account A can neither read, write nor detect account B's things (404, as
for a missing id); Postgres down is 503."""

from __future__ import annotations

import re

import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.api import create_app
from operational.users import create_user
from tests.events_factory import at, ev
from tests.operational.api.conftest import Tenant, assert_error

T0 = "2026-11-02 14:00:00"
LINE, CUSTOMER = "+12125550123", "+14155552671"


def test_a_key_of_account_a_cannot_reach_account_b(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    # B's own data: a campaign with a contact, a message, a DNC entry, a user with a speed-dial entry
    campaign = client.post("/api/v1/dialer/campaigns", json={"name": "b-only", "caller_id": LINE},
                           headers=tenant_b.auth).json()["id"]  # fmt: skip
    client.post(f"/api/v1/dialer/campaigns/{campaign}/contacts", content=b"phone\n+12125550901\n",
                headers=tenant_b.auth | {"Content-Type": "text/csv"})  # fmt: skip
    message = ev("message.created", at(T0), message_id="b-secret", direction="inbound", channel="sms",
                 from_=CUSTOMER, to=LINE, body="B's secret", media_count=0)  # fmt: skip
    client.post("/api/v1/events", json=[message], headers=tenant_b.auth)
    client.post("/api/v1/dnc", json={"phone": "+12125550902"}, headers=tenant_b.auth)
    create_user(engine, tenant_b.id, "bea", "agent", "bea's long password")
    entry = client.post("/api/v1/dialer/speed-dial", json={"user": "bea", "label": "x", "phone": "+12125550903"},
                        headers=tenant_b.auth).json()["id"]  # fmt: skip

    a = tenant_a.auth
    missing_campaign, missing_entry = campaign + 100_000, entry + 100_000

    def probes(campaign_id: int, entry_id: int, user: str) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
        base = f"/api/v1/dialer/campaigns/{campaign_id}"
        csv = {"content": b"phone\n+12125550904\n", "headers": {"Content-Type": "text/csv"}}
        return [
            ("GET", base, {}),
            ("PATCH", base, {"json": {"retry_minutes": 5}}),
            ("DELETE", base, {}),
            ("POST", f"{base}/contacts", csv),
            ("GET", f"{base}/decisions", {}),
            ("POST", f"{base}/power/start", {}),
            ("POST", f"{base}/power/stop", {}),
            ("POST", f"{base}/parallel/start", {}),
            ("POST", f"{base}/parallel/stop", {}),
            ("GET", f"/api/v1/dialer/speed-dial?user={user}", {}),
            (
                "POST",
                "/api/v1/dialer/speed-dial",
                {"json": {"user": user, "label": "y", "phone": "+12125550905"}},
            ),
            ("POST", f"/api/v1/dialer/speed-dial/{entry_id}/dial", {"json": {"caller_id": LINE}}),
        ]

    # Another account's id or name answers exactly what an id or name that exists nowhere answers.
    for (method, path, kwargs), (_, missing_path, missing_kwargs) in zip(
        probes(campaign, entry, "bea"), probes(missing_campaign, missing_entry, "nobody-at-all"), strict=True
    ):
        theirs = client.request(method, path, headers=a | kwargs.pop("headers", {}), **kwargs)
        nowhere = client.request(
            method, missing_path, headers=a | missing_kwargs.pop("headers", {}), **missing_kwargs
        )
        error, expected = assert_error(theirs, 404, "not_found"), assert_error(nowhere, 404, "not_found")
        for body in (error, expected):  # the ids and names differ; nothing else may
            body["message"] = re.sub(r"\d+", "ID", body["message"]).replace("'nobody-at-all'", "'bea'")
        assert (error["message"], error["details"]) == (expected["message"], expected["details"]), path
        assert "another account" not in error["message"]

    # lists are the caller's own: nothing of B shows, and A's writes land in A
    assert "b-only" not in [
        c["name"] for c in client.get("/api/v1/dialer/campaigns", headers=a).json()["campaigns"]
    ]
    inbox = client.get("/api/v1/inbox/messages", headers=a).json()["messages"]
    assert "b-secret" not in [m["message_id"] for m in inbox]
    assert "+12125550902" not in [e["phone"] for e in client.get("/api/v1/dnc", headers=a).json()["entries"]]
    assert_error(client.delete("/api/v1/dnc/+12125550902", headers=a), 404)  # not on A's list; B's stays
    assert client.get("/api/v1/dnc", headers=tenant_b.auth).json()["entries"][0]["phone"] == "+12125550902"
    assert client.post("/api/v1/events", json=[message], headers=a).json()["stored"] == 1  # A's own copy
    with engine.connect() as conn:
        bodies = conn.execute(
            sa.text("select account_id, status from messages where message_id = 'b-secret'")
        ).all()
        state = conn.execute(
            sa.text("select state, type from campaigns where id = :c"), {"c": campaign}
        ).one()
        contacts = conn.scalar(
            sa.text("select count(*) from dialer_contacts where campaign_id = :c"), {"c": campaign}
        )
    assert sorted(r.account_id for r in bodies) == sorted([tenant_a.id, tenant_b.id])
    assert tuple(state) == ("stopped", "power") and contacts == 1


def test_postgres_down_is_503_with_retry_after_and_healthz_still_answers(tenant_a: Tenant) -> None:
    down = sa.create_engine("postgresql+psycopg://postgres@/nowhere?host=/nonexistent-socket-dir")
    with TestClient(create_app(down), raise_server_exceptions=False) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert_error(ready, 503, "service_unavailable")
        assert ready.headers["Retry-After"] == "5"
        response = client.post("/api/v1/events", json=[], headers=tenant_a.auth)
        assert_error(response, 503, "service_unavailable")
        assert response.headers["Retry-After"] == "5"
    down.dispose()


def test_readyz_when_the_database_answers(client: TestClient) -> None:
    assert client.get("/readyz").json() == {"status": "ready"}


def test_openapi_schema_is_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/events", "/webhooks/twilio/{account}/voice", "/api/v1/inbox/messages",
            "/api/v1/dialer/campaigns/{campaign_id}/power/start", "/api/v1/dialer/speed-dial", "/readyz"} <= set(paths)  # fmt: skip
