"""The failures the issue-13 fuzz run (test_api_fuzz.py) found, each as the smallest request that shows it.

Each stays here as a regression test once fixed: a valid event next to a bad one is still stored, a bad
value is a 4xx naming its field, and nothing answers 5xx.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from operational.accounts import set_twilio_auth_token
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

LINE, CUSTOMER = "+12125550123", "+14155552671"
TOKEN = "12345678901234567890123456789012"


def valid_call(event_id: str) -> dict[str, str]:
    return {"event_id": event_id, "type": "call.started", "occurred_at": "2026-11-02T14:00:00+00:00",
            "call_id": f"call-{event_id}", "direction": "inbound", "from": CUSTOMER, "to": LINE}  # fmt: skip


def stored(engine: sa.Engine, account_id: int, event_id: str) -> bool:
    with engine.connect() as conn:
        query = sa.text("select count(*) from events where account_id = :a and event_id = :e")
        return bool(conn.execute(query, {"a": account_id, "e": event_id}).scalar_one())


def post_batch(
    client: TestClient, tenant: Tenant, bad: dict[str, object], good_id: str
) -> list[dict[str, str]]:
    response = client.post("/api/v1/events", json=[valid_call(good_id), bad], headers=tenant.auth)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_year_1_timestamp_with_a_positive_offset_is_rejected_and_its_neighbour_stored(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    # 0001-01-01T00:00+05:00 is 0000-12-31T19:00Z: no datetime holds it (was a 500: OverflowError)
    bad = valid_call("year1-bad") | {"occurred_at": "0001-01-01T00:00:00+05:00"}
    results = post_batch(client, tenant_a, bad, "year1-good")
    assert results[0]["status"] == "stored"
    assert (results[1]["status"], results[1]["field"]) == ("rejected", "occurred_at")
    assert stored(engine, tenant_a.id, "year1-good")


def test_over_long_event_id_is_rejected_and_its_neighbour_stored(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    # 201 characters do not fit events.event_id: the whole batch was refused (422), the valid event lost
    results = post_batch(client, tenant_a, valid_call("x" * 201), "long-id-good")
    assert results[0]["status"] == "stored"
    assert (results[1]["status"], results[1]["field"]) == ("rejected", "event_id")
    assert stored(engine, tenant_a.id, "long-id-good")


def test_over_long_call_id_is_rejected_and_its_neighbour_stored(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    results = post_batch(
        client, tenant_a, valid_call("long-call-bad") | {"call_id": "c" * 201}, "long-call-good"
    )
    assert results[0]["status"] == "stored"
    assert (results[1]["status"], results[1]["field"]) == ("rejected", "call_id")
    assert stored(engine, tenant_a.id, "long-call-good")


def test_media_count_beyond_a_postgres_integer_is_rejected_and_its_neighbour_stored(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    # 2**40 is a JSON int64 but not a PostgreSQL integer: the whole batch was refused (422)
    bad = {"event_id": "media-bad", "type": "message.created", "occurred_at": "2026-11-02T14:00:00+00:00",
           "message_id": "m-media-bad", "direction": "inbound", "channel": "sms", "from": CUSTOMER, "to": LINE,
           "body": "hi", "media_count": 2**40}  # fmt: skip
    results = post_batch(client, tenant_a, bad, "media-good")
    assert results[0]["status"] == "stored"
    assert (results[1]["status"], results[1]["field"]) == ("rejected", "media_count")
    assert stored(engine, tenant_a.id, "media-good")


@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("voice", {"CallSid": "CA" + "7" * 32, "CallStatus": "ringing", "From": LINE, "To": CUSTOMER,
                   "Timestamp": "0001-01-01T00:00:00+05:00"}),
        # as the fuzz run found it: a one-minute offset is enough
        ("messages", {"MessageSid": "SM" + "7" * 32, "SmsStatus": "queued", "From": LINE, "To": CUSTOMER,
                      "Timestamp": "0001-01-01000+0001"}),
    ],
)  # fmt: skip
def test_twilio_timestamp_in_year_1_with_a_positive_offset_is_422_not_500(
    client: TestClient, engine: sa.Engine, kind: str, params: dict[str, str]
) -> None:
    slug = f"fuzz-regress-{kind}"
    make_tenant(engine, slug)
    set_twilio_auth_token(engine, slug, TOKEN)
    url = f"http://testserver/webhooks/twilio/{slug}/{kind}"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    response = client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    error = assert_error(response, 422, "invalid")
    assert [d["field"] for d in error["details"]] == ["Timestamp"]


def test_another_accounts_campaign_is_404_not_403(
    client: TestClient, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    # issue 13: "every response to another account's id is 404" (403 wrong_account tells the id exists)
    created = client.post("/api/v1/dialer/campaigns", json={"name": "b-private"}, headers=tenant_b.auth)
    assert created.status_code == 201, created.text
    response = client.get(f"/api/v1/dialer/campaigns/{created.json()['id']}", headers=tenant_a.auth)
    assert_error(response, 404, "not_found")
