"""The stream at scale: a burst reaches many clients whole and in order, in batches; a client's queue stays bounded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import orjson
import pytest
import sqlalchemy as sa
import websockets
from websockets.exceptions import ConnectionClosed

from operational.ingest import ingest_events
from operational.stream_hub import Frame, SlowClient, StreamFilter, StreamHub, Subscription
from tests.events_factory import CALLER, LINE, ev
from tests.operational.api.conftest import Tenant
from tests.operational.api.stream_server import serving

BURST = 2000
START = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
# Inbound SMS 1 ms apart: each is one message:received, in this order (the outbox orders a batch by time).
EVENTS = [
    ev("message.created", (START + timedelta(milliseconds=i)).isoformat(), event_id=f"burst-{i:04d}",
       message_id=f"m-{i:04d}", direction="inbound", channel="sms", from_=CALLER, to=LINE, body="hi", media_count=0)
    for i in range(BURST)
]  # fmt: skip
EXPECTED = [f"burst-{i:04d}" for i in range(BURST)]


@pytest.fixture(scope="module")
def base(engine: sa.Engine) -> Iterator[str]:
    with serving(engine, 5000) as address:
        yield address


async def sse_reader(base: str, tenant: Tenant, connected: asyncio.Queue[None], got: list[str]) -> None:
    async with (
        httpx.AsyncClient(timeout=None) as http,
        http.stream("GET", f"http://{base}/api/v1/stream/sse", headers=tenant.auth) as response,
    ):
        await connected.put(None)  # the headers come after the hub registered the client
        rest = b""
        async for chunk in response.aiter_bytes():
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            got += [orjson.loads(line[6:])["event_id"] for line in lines if line.startswith(b"data: ")]
            if len(got) >= BURST:
                return


async def ws_reader(
    base: str, tenant: Tenant, batch: bool, connected: asyncio.Queue[None], got: list[str], sizes: list[int]
) -> None:
    async with websockets.connect(f"ws://{base}/api/v1/stream", max_queue=None) as ws:
        await ws.send(orjson.dumps({"type": "auth", "key": tenant.key, "batch": batch}).decode())
        assert orjson.loads(await ws.recv()) == {"type": "ready"}
        await connected.put(None)
        while len(got) < BURST:
            message = orjson.loads(await ws.recv())
            events = message if batch else [message]
            sizes.append(len(events))
            got += [e["event_id"] for e in events]


def test_a_burst_reaches_twenty_sse_and_twenty_websocket_clients_whole_and_in_order(
    base: str, engine: sa.Engine, tenant_a: Tenant
) -> None:
    sse_got: list[list[str]] = [[] for _ in range(20)]
    ws_got: list[list[str]] = [[] for _ in range(20)]
    sizes: list[list[int]] = [[] for _ in range(20)]

    async def run() -> float:
        connected: asyncio.Queue[None] = asyncio.Queue()
        readers = [sse_reader(base, tenant_a, connected, got) for got in sse_got]
        readers += [
            ws_reader(base, tenant_a, i % 2 == 0, connected, got, sizes[i]) for i, got in enumerate(ws_got)
        ]  # even: a JSON array per message; odd: one event per message
        tasks = [asyncio.create_task(reader) for reader in readers]
        for _ in tasks:
            await asyncio.wait_for(connected.get(), 30)
        began = time.monotonic()
        result = await asyncio.to_thread(ingest_events, engine, tenant_a.id, enumerate(EVENTS))
        assert result.rejected == []
        await asyncio.wait_for(asyncio.gather(*tasks), 20)
        return time.monotonic() - began

    took = asyncio.run(run())
    assert all(got == EXPECTED for got in sse_got)
    assert all(got == EXPECTED for got in ws_got)
    assert all(max(s) > 1 for s in sizes[0::2])  # batching clients got several events in one message
    assert all(s == [1] * BURST for s in sizes[1::2])
    assert took < 20


def frames(first: int, count: int) -> list[Frame]:
    return [Frame(i, "agent:busy", None, f"agent-{i}", "{}", b"") for i in range(first, first + count)]


def test_a_sender_takes_everything_waiting_at_once_and_an_overflowing_batch_drops_the_client() -> None:
    async def run() -> None:
        sub = Subscription(1, StreamFilter(agent="agent-3"), limit=3)
        sub.offer(frames(1, 5))  # only agent-3 passes the filter
        assert [f.id for f in await sub.next_batch(1.0) or []] == [3]
        assert await sub.next_batch(0.05) is None  # nothing waiting: the heartbeat's turn
        everyone = Subscription(1, StreamFilter(), limit=3)
        everyone.offer(frames(10, 2))
        everyone.offer(frames(12, 1))
        assert [f.id for f in await everyone.next_batch(1.0) or []] == [10, 11, 12]
        everyone.offer(frames(13, 2))
        everyone.offer(frames(15, 2))  # 4 waiting > 3
        assert len(everyone.waiting) == 0  # the dropped client's events are let go at once
        with pytest.raises(SlowClient, match="slow client: more than 3 events waiting to be sent"):
            await everyone.next_batch(1.0)

    asyncio.run(run())


def test_websocket_batch_that_is_not_a_boolean_is_refused_with_the_error_body(
    base: str, tenant_a: Tenant
) -> None:
    async def run() -> tuple[dict, int]:
        async with websockets.connect(f"ws://{base}/api/v1/stream") as ws:
            await ws.send(orjson.dumps({"type": "auth", "key": tenant_a.key, "batch": "yes"}).decode())
            body = orjson.loads(await ws.recv())
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code is not None
            return body, ws.close_code

    body, code = asyncio.run(run())
    assert code == 4422
    assert body["error"]["code"] == "invalid" and body["error"]["details"] == [{"field": "batch"}]
    assert body["error"]["message"] == '"batch" must be true or false'


def test_a_client_leaving_while_the_hub_reads_leaves_no_cursor_behind(
    engine: sa.Engine, tenant_b: Tenant
) -> None:
    events = [
        dict(e, event_id=f"b-{e['event_id']}", message_id=f"b-{e['message_id']}") for e in EVENTS[:2100]
    ]

    async def run() -> None:
        hub = StreamHub(engine)
        sub = Subscription(tenant_b.id, StreamFilter())
        start = await hub.subscribe(sub)
        await asyncio.to_thread(ingest_events, engine, tenant_b.id, enumerate(events))
        hub.cursors[tenant_b.id] = start  # as if the hub had not caught up yet: a full page waits
        reading = asyncio.create_task(hub._deliver(tenant_b.id))
        await asyncio.sleep(0)  # the hub is now waiting on the database
        hub.unsubscribe(sub)
        await reading  # finishes without error
        assert tenant_b.id not in hub.cursors  # else a later client would start from where this one stopped
        await hub.close()

    asyncio.run(run())
