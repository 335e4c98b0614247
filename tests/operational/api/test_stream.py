"""The event stream (SSE and WebSocket) on a served API: resume, tenancy, rolled-back ingests, slow clients."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import orjson
import pytest
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from operational.events import validate
from operational.ingest import ingest_events, store_batch
from tests.events_factory import CALLER, LINE, ev
from tests.operational.api.conftest import Tenant
from tests.operational.api.stream_server import serving, sse_events, take

QUEUE_LIMIT = 50
NOW = datetime.now(UTC).replace(microsecond=0)


def incoming(call_id: str, queue: str = "sales") -> list[dict]:
    """call.started inbound → call:incoming, call.queued → nothing, call.answered → call:answered."""
    at = NOW.isoformat()
    return [
        ev("call.started", at, call_id=call_id, direction="inbound", from_=CALLER, to=LINE, queue=queue),
        ev("call.queued", at, call_id=call_id, queue=queue),
        ev("call.answered", at, call_id=call_id, answered_by="human", agent="alice"),
    ]


@pytest.fixture(scope="module")
def base(engine: sa.Engine) -> Iterator[str]:
    with serving(engine, QUEUE_LIMIT) as address:
        yield address


def sse(base: str, tenant: Tenant, last_id: str | None = None, query: str = "") -> httpx.Response:
    headers = tenant.auth | ({"Last-Event-ID": last_id} if last_id else {})
    client = httpx.Client(timeout=httpx.Timeout(10.0))
    request = client.build_request("GET", f"http://{base}/api/v1/stream/sse{query}", headers=headers)
    return client.send(request, stream=True)


def ingest(engine: sa.Engine, tenant: Tenant, events: list[dict]) -> None:
    assert ingest_events(engine, tenant.id, enumerate(events)).rejected == []


def test_sse_client_reconnecting_with_last_event_id_misses_nothing(
    base: str, engine: sa.Engine, tenant_a: Tenant
) -> None:
    first = sse(base, tenant_a)
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/event-stream")
    ingest(engine, tenant_a, incoming("sse-1"))
    seen = take(sse_events(first), 2)
    assert [(e["event"], e["data"]["event_id"] is not None) for e in seen] == [
        ("call:incoming", True),
        ("call:answered", True),
    ]
    assert seen[0]["data"]["queue"] == "sales" and seen[1]["data"]["agent"] == "alice"
    first.close()
    missed = incoming("sse-2") + incoming("sse-3")
    ingest(engine, tenant_a, missed)  # while no client is connected
    again = sse(base, tenant_a, last_id=seen[-1]["id"])
    resumed = take(sse_events(again), 4)
    again.close()
    expected_ids = [
        missed[0]["event_id"],
        missed[2]["event_id"],
        missed[3]["event_id"],
        missed[5]["event_id"],
    ]
    assert [e["data"]["event_id"] for e in resumed] == expected_ids
    assert [int(e["id"]) for e in resumed] == sorted(int(e["id"]) for e in resumed)


def test_websocket_client_resuming_misses_nothing(base: str, engine: sa.Engine, tenant_a: Tenant) -> None:
    with connect(f"ws://{base}/api/v1/stream", additional_headers=tenant_a.auth) as ws:
        ws.send(orjson.dumps({"type": "start"}).decode())
        assert orjson.loads(ws.recv(10)) == {"type": "ready"}
        ingest(engine, tenant_a, incoming("ws-1"))
        seen = [orjson.loads(ws.recv(10)) for _ in range(2)]
    missed = incoming("ws-2")
    ingest(engine, tenant_a, missed)
    with connect(f"ws://{base}/api/v1/stream") as ws:  # a browser cannot set headers: the key in a message
        ws.send(orjson.dumps({"type": "auth", "key": tenant_a.key, "last_event_id": seen[-1]["id"]}).decode())
        assert orjson.loads(ws.recv(10)) == {"type": "ready"}
        resumed = [orjson.loads(ws.recv(10)) for _ in range(2)]
    assert [(e["type"], e["event_id"]) for e in resumed] == [
        ("call:incoming", missed[0]["event_id"]),
        ("call:answered", missed[2]["event_id"]),
    ]


def test_another_accounts_events_never_arrive(
    base: str, engine: sa.Engine, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with connect(f"ws://{base}/api/v1/stream", additional_headers=tenant_a.auth) as ws:
        ws.send('{"type": "start"}')
        ws.recv(10)
        ingest(engine, tenant_b, incoming("tenancy"))  # the same call id, in the other account
        ours = incoming("tenancy-marker")
        ingest(engine, tenant_a, ours)
        received = orjson.loads(ws.recv(10))
    assert received["event_id"] == ours[0]["event_id"]


def test_rolled_back_ingest_is_never_sent(base: str, engine: sa.Engine, tenant_a: Tenant) -> None:
    response = sse(base, tenant_a, query="?types=call:incoming")
    rolled_back = [validate(e) for e in incoming("never")]
    with pytest.raises(RuntimeError), engine.begin() as conn:
        assert store_batch(conn, tenant_a.id, rolled_back)[0] == 3
        raise RuntimeError("the request failed after storing: its transaction rolls back")
    marker = incoming("after-rollback")
    ingest(engine, tenant_a, marker)
    first = next(sse_events(response))
    response.close()
    assert first["data"]["event_id"] == marker[0]["event_id"]


def test_filters_pass_only_the_asked_types_queue_and_agent(
    base: str, engine: sa.Engine, tenant_a: Tenant
) -> None:
    response = sse(base, tenant_a, query="?types=call:incoming&queue=support")
    ingest(engine, tenant_a, incoming("filtered-out", queue="sales"))
    wanted = incoming("filtered-in", queue="support")
    ingest(engine, tenant_a, wanted)
    first = next(sse_events(response))
    response.close()
    assert (first["event"], first["data"]["event_id"]) == ("call:incoming", wanted[0]["event_id"])


def test_stream_refuses_a_missing_key_an_unknown_type_and_a_bad_resume_point(
    base: str, tenant_a: Tenant
) -> None:
    url = f"http://{base}/api/v1/stream/sse"
    no_key = httpx.get(url, timeout=10)
    assert no_key.status_code == 401 and no_key.json()["error"]["code"] == "unauthorized"
    in_query = httpx.get(f"{url}?api_key={tenant_a.key}", timeout=10)
    assert in_query.status_code == 401  # a key in the URL is never read
    bad_type = httpx.get(f"{url}?types=call:exploded", headers=tenant_a.auth, timeout=10)
    assert bad_type.status_code == 422 and "call:exploded" in bad_type.json()["error"]["message"]
    bad_resume = httpx.get(url, headers=tenant_a.auth | {"Last-Event-ID": "yesterday"}, timeout=10)
    assert bad_resume.status_code == 422 and bad_resume.json()["error"]["details"] == [
        {"field": "Last-Event-ID"}
    ]
    with connect(f"ws://{base}/api/v1/stream") as ws:
        ws.send('{"type": "auth", "key": "vxk_0_wrong"}')
        error = orjson.loads(ws.recv(10))["error"]
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(10)
    assert error["code"] == "unauthorized" and set(error) == {
        "code",
        "message",
        "details",
        "timestamp",
        "requestId",
    }
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


def messages(prefix: str, count: int) -> list[dict]:
    """Inbound SMS of ~4 KB each (message:received): a few hundred fill the socket buffers of a reader that stalls."""
    at = NOW.isoformat()
    return [
        ev("message.created", at, message_id=f"{prefix}-{i}", direction="inbound", channel="sms", from_=CALLER,
           to=LINE, body="x" * 4000, media_count=0)
        for i in range(count)
    ]  # fmt: skip


def test_slow_client_is_dropped_with_a_reason_while_a_reading_one_gets_everything(
    base: str, engine: sa.Engine, tenant_b: Tenant
) -> None:
    batches, size = 150, 20  # each batch (< the queue limit of 50) is its own transaction and notification
    total = batches * size
    fast_got: list[str] = []
    fast = sse(base, tenant_b)

    def read_fast() -> None:
        for event in sse_events(fast):
            fast_got.append(event["id"])
            if len(fast_got) == total:
                return

    reader = threading.Thread(target=read_fast)
    reader.start()
    # A client that stops reading: a small receive buffer set before connecting turns off the kernel's
    # autotuning (up to 32 MB here), so the server's sends soon wait and its queue for this client fills.
    host, port = base.split(":")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((host, int(port)))
    slow.sendall(
        f"GET /api/v1/stream/sse HTTP/1.1\r\nHost: {base}\r\nAuthorization: Bearer {tenant_b.key}\r\n\r\n".encode()
    )
    time.sleep(0.5)
    for batch in range(batches):
        ingest(engine, tenant_b, messages(f"slow-{batch}", size))
        time.sleep(0.01)
    reader.join(60)
    fast.close()
    assert len(fast_got) == total  # a client that keeps up is never dropped
    slow.settimeout(30)
    received = b""
    while not received.endswith(b"\r\n0\r\n\r\n"):  # the response's last chunk: the server ended it
        chunk = slow.recv(1 << 16)
        if not chunk:
            break
        received += chunk
    slow.close()
    tail = received[received.index(b"event: error") :]
    error = orjson.loads(tail.split(b"data: ", 1)[1].split(b"\n", 1)[0])["error"]
    assert (
        error["code"] == "slow_client"
        and error["message"] == "slow client: more than 50 events waiting to be sent"
    )
    assert received.count(b"event: message:received") < total
