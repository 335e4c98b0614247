"""POST /api/v1/events under the contract: what used to be a 500 or a whole-batch 422 is one rejected result."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.accounts import create_account
from operational.api import create_app
from operational.keys import create_api_key
from tests.events_factory import LINE, at, ev

T0 = "2026-11-02 14:00:00"


@pytest.fixture(scope="module")
def client(engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth(engine: sa.Engine) -> dict[str, str]:
    account = create_account(engine, "contract-api", "America/New_York")
    return {"Authorization": f"Bearer {create_api_key(engine, account.id).secret}"}


def test_bad_values_are_rejected_one_by_one_and_the_rest_stored(
    client: TestClient, engine: sa.Engine, auth: dict[str, str]
) -> None:
    batch = [
        ev("call.started", at(T0), event_id="ok-1", call_id="api-1", direction="inbound", from_="client:alice",
           to=LINE),
        ev("call.answered", "0001-01-01T00:30:00+01:00", event_id="year-1", call_id="api-1", answered_by="human"),
        ev("call.hold", at(T0), event_id="long-id", call_id="c" * 201),
        ev("call.queued", at(T0, 1), event_id="obj-queue", call_id="api-1", queue={"a": 1}),
        ev("call.answered", at(T0, 25 * 3600), event_id="late", call_id="api-1", answered_by="human"),
        ev("message.status", at(T0), event_id="err", message_id="m1", status="failed", error_code="x" * 41),
        ev("call.ended", at(T0, 60), event_id="ok-2", call_id="api-1", reason="caller_hangup"),
        ev("agent.status", at(T0), event_id={"not": "text"}, agent="a", status="busy"),
    ]  # fmt: skip
    response = client.post("/api/v1/events", json=batch, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["received"], body["stored"], body["duplicates"], body["rejected"]) == (8, 2, 0, 6)
    rejected = [(r["index"], r["event_id"], r["field"]) for r in body["results"] if r["status"] == "rejected"]
    assert rejected == [(1, "year-1", "occurred_at"), (2, "long-id", "call_id"), (3, "obj-queue", "queue"),
                        (4, "late", "occurred_at"), (5, "err", "error_code"), (7, None, "event_id")]  # fmt: skip
    assert all(r["reason"] for r in body["results"] if r["status"] == "rejected")
    with engine.connect() as conn:
        row = conn.execute(sa.text("select from_number, status from calls where call_id = 'api-1'")).one()
    assert tuple(row) == ("client:alice", "abandoned")


def test_an_anonymous_caller_with_a_sip_callee_is_stored(client: TestClient, auth: dict[str, str]) -> None:
    event = ev("call.started", at(T0), call_id="api-2", direction="inbound", from_="Anonymous",
               to="sip:Desk@PBX.Example.com")  # fmt: skip
    body = client.post("/api/v1/events", json=[event], headers=auth).json()
    assert body["stored"] == 1
    malformed = event | {"event_id": "api-2-bad", "from": "12"}
    body = client.post("/api/v1/events", json=[malformed], headers=auth).json()
    assert (body["rejected"], body["results"][0]["field"]) == (1, "from")
