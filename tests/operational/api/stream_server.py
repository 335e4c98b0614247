"""A real uvicorn server in a thread for the stream tests (an in-process test client buffers a whole response,
so it cannot read an endless event stream), and small SSE / WebSocket readers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import orjson
import sqlalchemy as sa
import uvicorn

from operational.api import create_app
from operational.stream_hub import StreamHub
from tests.operational.api.conftest import UNTHROTTLED


@contextmanager
def serving(engine: sa.Engine, queue_limit: int) -> Iterator[str]:
    """``ws://``-less base URL (``http://127.0.0.1:PORT``) of the API over ``engine``, served until exit."""
    app = create_app(engine, edge=UNTHROTTLED)
    app.state.stream_hub = StreamHub(engine, queue_limit=queue_limit)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


def sse_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """Each SSE event of ``response`` as {"id", "event", "data"} (comments and retry lines skipped)."""
    event: dict[str, Any] = {}
    for line in response.iter_lines():
        if not line:
            if event:
                yield event
            event = {}
        elif line.startswith(":") or line.startswith("retry:"):
            continue
        else:
            name, _, value = line.partition(": ")
            event[name] = orjson.loads(value) if name == "data" else value


def take(events: Iterator[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return [next(events) for _ in range(count)]
