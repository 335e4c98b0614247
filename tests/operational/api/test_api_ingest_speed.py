"""What keeps `POST /api/v1/events` cheap per event (issue 18), and that the cuts kept its order of refusals."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.api import create_app
from operational.api.edge import EdgeConfig
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

EVENT = {
    "event_id": "speed-1",
    "type": "agent.status",
    "occurred_at": "2026-03-02T09:00:00+00:00",
    "agent": "ana",
    "status": "available",
}


@pytest.fixture(scope="module")
def tenant(engine: sa.Engine) -> Tenant:
    return make_tenant(engine, "speedy")


def test_served_app_takes_its_startup_heap_out_of_the_garbage_collector(engine: sa.Engine) -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(engine)) as client:
        assert client.get("/healthz").status_code == 200
        # the imports alone make well over 10,000 objects; none of them is walked by a collection any more
        assert gc.get_freeze_count() > 10_000


def test_an_ingest_request_leaves_the_event_loop_once(
    client: TestClient, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    hops: list[str] = []
    real = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    response = client.post("/api/v1/events", json=[EVENT], headers=tenant.auth)
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 1
    assert len(hops) == 1, hops  # key check, decoding and storing in one worker thread


def test_an_unknown_key_is_refused_before_the_body_is_parsed(client: TestClient) -> None:
    response = client.post(
        "/api/v1/events", content=b"this is not JSON", headers={"Authorization": "Bearer vxk_00ff_nope"}
    )
    assert_error(response, 401, "unauthorized")
    assert_error(client.post("/api/v1/events", content=b"[]"), 401, "unauthorized")


def test_a_throttled_source_is_refused_before_its_key_or_body(engine: sa.Engine, tenant: Tenant) -> None:
    with TestClient(create_app(engine, edge=EdgeConfig(failure_limit=2))) as client:
        for _ in range(2):
            bad = client.post("/api/v1/events", json=[EVENT], headers={"Authorization": "Bearer vxk_00_x"})
            assert_error(bad, 401, "unauthorized")
        # even the right key with a broken body: the address is over its limit of failed keys
        refused = client.post("/api/v1/events", content=b"{", headers=tenant.auth)
        assert_error(refused, 429, "rate_limited")
        assert refused.headers["Retry-After"].isdigit()


def status(event_id: str, minute: int) -> dict[str, str]:
    return EVENT | {"event_id": event_id, "occurred_at": f"2026-03-02T09:{minute:02d}:00+00:00"}


@pytest.fixture()
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", record)


def test_an_all_new_or_all_replayed_request_reads_no_ids_back(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    batch = [status("fresh-1", 1), status("fresh-2", 2), status("fresh-1", 1)]
    first = client.post("/api/v1/events", json=batch, headers=tenant.auth).json()
    assert [r["status"] for r in first["results"]] == ["stored", "stored", "duplicate"]
    assert (first["stored"], first["duplicates"], first["rejected"]) == (2, 1, 0)
    again = client.post("/api/v1/events", json=batch, headers=tenant.auth).json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate", "duplicate"]
    assert (again["stored"], again["duplicates"]) == (0, 3)
    assert not [s for s in statements if s == "select event_id from touched"]


def test_a_partly_replayed_request_says_which_events_are_new(client: TestClient, tenant: Tenant) -> None:
    client.post("/api/v1/events", json=[status("part-2", 12)], headers=tenant.auth)
    batch = [status("part-1", 11), status("part-2", 12), {"event_id": "part-x"}, status("part-3", 13)]
    outcome = client.post("/api/v1/events", json=batch, headers=tenant.auth).json()
    assert [(r["index"], r["event_id"], r["status"]) for r in outcome["results"]] == [
        (0, "part-1", "stored"),
        (1, "part-2", "duplicate"),
        (2, "part-x", "rejected"),
        (3, "part-3", "stored"),
    ]
    assert outcome["results"][2]["field"] == "type"
    assert (outcome["received"], outcome["stored"], outcome["duplicates"], outcome["rejected"]) == (
        4,
        2,
        1,
        1,
    )


def test_an_event_that_makes_its_call_last_a_day_is_refused_alone(client: TestClient, tenant: Tenant) -> None:
    started = {
        "event_id": "long-1",
        "type": "call.started",
        "occurred_at": "2026-03-02T09:00:00+00:00",
        "call_id": "long-call",
        "direction": "inbound",
        "from": "+14155550100",
        "to": "+14155550101",
    }
    ended = {
        "event_id": "long-2",
        "type": "call.ended",
        "occurred_at": "2026-03-03T09:00:00+00:00",
        "call_id": "long-call",
        "reason": "completed",
    }
    outcome = client.post("/api/v1/events", json=[started, ended, status("long-3", 30)], headers=tenant.auth)
    body = outcome.json()
    assert [r["status"] for r in body["results"]] == ["stored", "rejected", "stored"]
    assert body["results"][1]["field"] == "occurred_at"
    assert "would last 1 day, 0:00:00" in body["results"][1]["reason"]
    assert (body["stored"], body["rejected"]) == (2, 1)


def test_the_key_check_needs_no_transaction_of_its_own(
    client: TestClient, tenant: Tenant, engine: sa.Engine
) -> None:
    commits: list[str] = []

    def record(conn: Any) -> None:
        commits.append("commit")

    sa.event.listen(engine, "commit", record)
    try:
        response = client.post("/api/v1/events", json=[status("one-txn", 40)], headers=tenant.auth)
    finally:
        sa.event.remove(engine, "commit", record)
    assert response.json()["stored"] == 1
    assert commits == ["commit"]  # the batch's; the key check is a single statement in autocommit
    with engine.connect() as conn:
        counted = conn.scalar(
            sa.text("select window_count from api_keys where key_id = :k"), {"k": tenant.key.split("_")[1]}
        )
    assert (
        counted is not None and counted >= 1
    )  # the request was counted against the key's limit all the same


def test_a_checked_event_is_made_without_frozen_field_setting() -> None:
    # one ValidEvent per ingested event: a frozen dataclass sets each of its 7 fields via object.__setattr__
    from operational.events import ValidEvent, validate

    assert not ValidEvent.__dataclass_params__.frozen  # type: ignore[attr-defined]
    event = validate(status("made-1", 50))
    assert (event.event_id, event.type, event.call_id, event.message_id) == (
        "made-1",
        "agent.status",
        None,
        None,
    )
    assert event.payload_json == (
        '{"event_id":"made-1","type":"agent.status","occurred_at":"2026-03-02T09:50:00+00:00",'
        '"agent":"ana","status":"available"}'
    )
