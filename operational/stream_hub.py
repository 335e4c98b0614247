"""One ``LISTEN`` connection per API process, fanning the outbox's new events out to the connected stream clients.

A notification says "account A has events up to id N"; the hub reads that account's outbox rows after the
last id it delivered (one query for all its clients, however many notifications arrived meanwhile), encodes
each event once (:class:`Frame`: its JSON and its SSE block) and hands the whole batch to every client, which
keeps the events its filter passes in a bounded queue. Senders take everything waiting at once, so a client's
cost per wake-up is one filter pass and one write, not one of each per event. A client whose queue would
overflow is dropped — told why — rather than let it grow the process's memory. A lost connection is reopened,
and every account with clients is read again from its last id, so an event committed while the hub was deaf
is still delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import orjson
import psycopg
import sqlalchemy as sa

from operational import outbox
from operational.outbox import StreamMessage

log = logging.getLogger("voxlink.stream")
QUEUE_LIMIT = 5000  # events waiting for one client before it counts as too slow
PAGE = 2000  # outbox rows read at once; senders get a turn between pages, so a burst drains as it arrives
SEND_MOST = 1000  # events a sender takes from its queue for one write
RECONNECT_SECONDS = 1.0
PRUNE_SECONDS = 600.0


class SlowClient(Exception):
    """A client fell more than ``QUEUE_LIMIT`` events behind; the message is its close reason."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One stream event encoded once for every client: what filters look at, its JSON (``text``, the
    WebSocket message) and its SSE block (``id:``, ``event:``, ``data:``)."""

    id: int
    type: str
    queue: str | None
    agent: str | None
    text: str
    sse: bytes


def encode(message: StreamMessage) -> Frame:
    data = orjson.dumps(message.as_json())
    block = b"id: %d\nevent: %s\ndata: %s\n\n" % (message.id, message.type.encode(), data)
    return Frame(message.id, message.type, message.queue, message.agent, data.decode(), block)


@dataclass(frozen=True)
class StreamFilter:
    """What a client asked for: event types, a queue, an agent (each None = all)."""

    types: frozenset[str] | None = None
    queue: str | None = None
    agent: str | None = None

    @property
    def passes_all(self) -> bool:
        return self.types is None and self.queue is None and self.agent is None

    def matches(self, frame: Frame) -> bool:
        return (
            (self.types is None or frame.type in self.types)
            and (self.queue is None or frame.queue == self.queue)
            and (self.agent is None or frame.agent == self.agent)
        )

    def select(self, frames: Sequence[Frame]) -> Sequence[Frame]:
        return frames if self.passes_all else [f for f in frames if self.matches(f)]


@dataclass(eq=False)
class Subscription:
    """One connected client: its account, filter, bounded queue, and why it was dropped (if it was)."""

    account_id: int
    filter: StreamFilter
    limit: int = QUEUE_LIMIT
    waiting: deque[Frame] = field(default_factory=deque)
    dropped: str | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, frames: Sequence[Frame]) -> None:
        """Queue the events of ``frames`` the client asked for (a batch, oldest first)."""
        if self.dropped:
            return
        wanted = self.filter.select(frames)
        if not wanted:
            return
        if len(self.waiting) + len(wanted) > self.limit:
            self.dropped = f"slow client: more than {self.limit} events waiting to be sent"
            self.waiting.clear()  # it will never be sent: free the memory now
        else:
            self.waiting.extend(wanted)
        self._arrived.set()

    async def next_batch(self, timeout: float, most: int = SEND_MOST) -> list[Frame] | None:
        """The events waiting (at least one, at most ``most``, oldest first); None when none came within
        ``timeout`` s; :class:`SlowClient` once dropped.

        Cancelling it loses nothing: events leave the queue only when they are returned."""
        if self.dropped:
            raise SlowClient(self.dropped)
        if not self.waiting:
            self._arrived.clear()
            try:
                async with asyncio.timeout(timeout):  # no task per wait, unlike wait_for
                    await self._arrived.wait()
            except TimeoutError:
                return None
            if self.dropped:
                raise SlowClient(self.dropped)
        take = self.waiting.popleft
        return [take() for _ in range(min(most, len(self.waiting)))]


class StreamHub:
    """The process's fan-out: started with the first client, one listening and one reading connection."""

    def __init__(self, engine: sa.Engine, queue_limit: int = QUEUE_LIMIT) -> None:
        self.engine = engine
        self.queue_limit = queue_limit
        self.retention = outbox.RETENTION
        self.conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.clients: dict[int, set[Subscription]] = {}
        self.cursors: dict[int, int] = {}  # per account: the last id handed to its clients
        self._task: asyncio.Task[None] | None = None
        self._pruner: asyncio.Task[None] | None = None
        self._reader: psycopg.AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._listening = asyncio.Event()

    async def subscribe(self, sub: Subscription) -> int:
        """Register ``sub``; return the id after which the hub delivers to it (events up to it are past)."""
        self._ensure_running()
        await self._listening.wait()
        async with self._lock:
            if sub.account_id not in self.cursors:
                self.cursors[sub.account_id] = await self._latest(sub.account_id)
            self.clients.setdefault(sub.account_id, set()).add(sub)
            return self.cursors[sub.account_id]

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self.clients.get(sub.account_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self.clients[sub.account_id]
                self.cursors.pop(sub.account_id, None)

    async def backlog(self, account_id: int, after: int, until: int) -> list[Frame]:
        """The account's events in ``(after, until]``: what a resuming client missed before it subscribed."""
        found: list[Frame] = []
        while after < until:
            async with self._lock:
                page = [m for m in await self._read(account_id, after) if m.id <= until]
            if not page:
                break
            found += page
            after = page[-1].id
        return found

    async def oldest_id(self) -> int | None:
        async with self._lock:
            conn = await self._reading()
            cur = await conn.execute("select min(id) from stream_outbox")
            row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else None

    async def close(self) -> None:
        for task in (self._task, self._pruner):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._reader is not None:
            await self._reader.close()

    def _ensure_running(self) -> None:
        if self._task is None or self._task.done():
            self._listening.clear()
            self._task = asyncio.create_task(self._listen(), name="voxlink-stream-listen")
        if self._pruner is None or self._pruner.done():
            self._pruner = asyncio.create_task(self._prune(), name="voxlink-stream-prune")

    async def _prune(self) -> None:
        """Every few minutes, drop events older than the retention window (every API process may; it is
        idempotent)."""
        while True:
            try:
                async with self._lock:
                    conn = await self._reading()
                    await conn.execute(
                        "delete from stream_outbox where created_at < now() - make_interval(secs => %s)",
                        (self.retention.total_seconds(),),
                    )
            except psycopg.Error:
                log.warning("stream outbox prune failed; trying again later", exc_info=True)
                self._reader = None
            await asyncio.sleep(PRUNE_SECONDS)

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
                    await conn.execute(f"listen {outbox.CHANNEL}")
                    self._listening.set()
                    for account_id in list(self.clients):  # catch up with what came while not listening
                        await self._deliver(account_id)
                    async for note in conn.notifies():
                        account, _, last = note.payload.partition(":")
                        if int(account) in self.clients and int(last) > self.cursors.get(int(account), 0):
                            await self._deliver(int(account))
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the database went away: listen again, clients keep waiting
                log.warning("stream listener lost its connection; reconnecting", exc_info=True)
                self._listening.set()  # subscribers must not hang on a database that is down
                self._reader = None
                await asyncio.sleep(RECONNECT_SECONDS)

    async def _deliver(self, account_id: int) -> None:
        async with self._lock:
            while account_id in self.clients:
                frames = await self._read(account_id, self.cursors[account_id])
                subs = self.clients.get(account_id)
                if subs is None:  # its last client left while we read (and took the account's cursor along)
                    return
                if frames:
                    for sub in list(subs):
                        sub.offer(frames)
                    self.cursors[account_id] = frames[-1].id
                if len(frames) < PAGE:
                    return
                await asyncio.sleep(0)

    async def _read(self, account_id: int, after: int) -> list[Frame]:
        conn = await self._reading()
        cur = await conn.execute(outbox.READ_AFTER, (account_id, after, PAGE))
        return [encode(StreamMessage(*row)) for row in await cur.fetchall()]

    async def _latest(self, account_id: int) -> int:
        conn = await self._reading()
        cur = await conn.execute("select max(id) from stream_outbox where account_id = %s", (account_id,))
        row = await cur.fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    async def _reading(self) -> psycopg.AsyncConnection:
        if self._reader is None or self._reader.closed:
            self._reader = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        return self._reader
