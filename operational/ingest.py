"""Idempotent bulk ingest of canonical events: read and check them, store them in batches, report per event.

Whatever one event holds, it is refused on its own, never with its batch: the contract (operational/events.py)
checks each event's values; the span of a call is checked against its stored events (operational/ingest_span.py);
and should PostgreSQL still refuse a value, the batch is split until the one event it refuses is found and
reported (operational/ingest_store.py, which stores a batch).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.engine import Engine

from operational.events import EventRejected, ValidEvent, shown, validate
from operational.ingest_store import (
    Prepared,
    Stored,
    copy_rows,
    partition,
    prepare,
    store_batch,
    timed_store,
)
from voxlink.gc_pause import paused_cyclic_gc

__all__ = [
    "BATCH_SIZE", "IngestReport", "Rejection", "copy_rows", "ingest_events", "read_jsonl",
    "prepare", "store_batch",
]  # fmt: skip

BATCH_SIZE = 20_000
_FIRST_BATCH = 2_500  # a file's first batch: see ingest_events
# A file's batches are stored by this many connections, each its share of every batch (ingest_store.partition):
# one PostgreSQL backend does a batch's statements one after another, two use the machine's second core.
STORING_CONNECTIONS = 2


class IngestStopped(RuntimeError):
    """A part of a batch left unstored because an earlier one failed (that failure is what the caller sees)."""


@dataclass(frozen=True)
class Rejection:
    """One event refused: where it was (line number or position), its id if any, the field and why."""

    position: int
    event_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        ident = f" ({self.event_id})" if self.event_id else ""
        return f"line {self.position}{ident}: {self.field}: {self.reason}"


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0
    stored_ids: set[str] = field(default_factory=set)  # filled when asked for (per-event HTTP results)
    # wall time during which at least one batch's transaction ran (the rest: reading and checking alone)
    storing_seconds: float = 0.0

    @property
    def duplicates(self) -> int:
        return self.received - self.stored - len(self.rejected)

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


def _event_id(obj: Any) -> str | None:
    """The id a rejection names: the event's own when it is text, cut to the column's length."""
    value = obj.get("event_id") if isinstance(obj, dict) else None
    return value[:200] if isinstance(value, str) else None


def _busy_seconds(spans: list[tuple[float, float]]) -> float:
    """The length of the union of ``(start, end)`` spans: storing transactions overlap on two connections."""
    total, reached = 0.0, float("-inf")
    for start, end in sorted(spans):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


# One batch handed to the storing connections: each part's future, where its events were, how many.
_InFlight = tuple[list["Future[tuple[Stored, tuple[float, float]]]"], dict[str, list[int]], int]


def ingest_events(
    engine: Engine,
    account_id: int,
    events: Iterable[tuple[int, Any]],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    collect_ids: bool = False,
    connections: int = STORING_CONNECTIONS,
) -> IngestReport:
    """Validate and store ``(position, decoded event)`` pairs; bad events are reported, the rest stored.

    ``position`` is what a rejection names (a file's line number, a request's index). A decoded value
    that is an :class:`EventRejected` (a line that was not JSON) is recorded as rejected.

    While a batch is stored (PostgreSQL working, this thread waiting on it) the next one is read and
    checked, and its COPY text built. Each batch is split between ``connections`` threads, each with
    its own connection and transaction, by a stable hash of the call, message or agent (ingest_store.partition):
    a thread stores its parts one at a time and in order, so the events of one call still commit in the order
    they were read, and the calls' locks and the outbox's lock (taken last, in one order) keep the two from
    deadlocking. Those threads do little but wait on PostgreSQL (Python work there would take the GIL from
    this one). At most two batches are in flight: reading waits for a batch before starting the one after
    next. The first batch is small and each next one twice the last, up to ``batch_size``: PostgreSQL starts
    working early rather than idle while a whole batch is checked. An input of a single batch (every HTTP
    request) is stored in this thread, in one transaction.
    """
    report = IngestReport()
    started = time.perf_counter()
    now = datetime.now(UTC)
    batch: dict[str, ValidEvent] = {}  # by event_id: a duplicate within the batch is dropped here
    positions: dict[str, list[int]] = {}  # where each event of the batch was, its in-batch copies too
    waiting: list[_InFlight] = []  # the batch handed over before the latest one
    pools: list[ThreadPoolExecutor] = []
    spans: list[tuple[float, float]] = []
    limit = min(batch_size, _FIRST_BATCH)
    failed = threading.Event()

    def store_part(part: list[ValidEvent], prepared: Prepared) -> tuple[Stored, tuple[float, float]]:
        # once a part failed, the parts queued behind it are not stored: a later batch's events of a call
        # never commit without the earlier ones, and the caller gets the first error
        if failed.is_set():
            raise IngestStopped(f"not stored: an earlier batch of this ingest failed ({len(part):,} events)")
        try:
            return timed_store(engine, account_id, part, collect_ids, prepared)
        except BaseException:
            failed.set()
            raise

    def settle(
        parts: list[tuple[Stored, tuple[float, float]]], where: dict[str, list[int]], size: int
    ) -> None:
        for (count, ids, refused), span in parts:
            report.stored += count
            spans.append(span)
            report.stored_ids |= ids
            for ev, field_name, reason in refused:
                for position in where[ev.event_id]:
                    report.rejected.append(Rejection(position, ev.event_id, field_name, reason))
        if on_batch:
            on_batch(size)

    def settle_waiting() -> None:
        futures, where, size = waiting.pop(0)
        settle([future.result() for future in futures], where, size)

    def flush(last: bool) -> None:
        nonlocal batch, positions, limit
        work, where = list(batch.values()), positions
        batch, positions, limit = {}, {}, min(batch_size, limit * 2)
        if last and not pools:
            if work:
                settle(
                    [timed_store(engine, account_id, work, collect_ids, prepare(account_id, work))],
                    where,
                    len(work),
                )
            return
        if work:
            if not pools:
                pools.extend(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ingest-store-{n}")
                    for n in range(connections)
                )
            futures = [
                pool.submit(store_part, part, prepare(account_id, part))
                for pool, part in zip(pools, partition(work, len(pools)), strict=True)
                if part
            ]
            waiting.append((futures, where, len(work)))
        while len(waiting) > (0 if last else 1):
            settle_waiting()

    # the collector's passes over a batch's many live objects cost ~20 % of the Python work per event, and an
    # ingest leaves no reference cycles to collect (voxlink/gc_pause.py)
    with paused_cyclic_gc():
        try:
            for position, obj in events:
                report.received += 1
                try:
                    if isinstance(obj, EventRejected):
                        raise obj
                    valid = validate(obj, now)
                    batch.setdefault(valid.event_id, valid)
                    positions.setdefault(valid.event_id, []).append(position)
                except EventRejected as err:
                    report.rejected.append(Rejection(position, _event_id(obj), err.field, err.reason))
                except Exception as err:  # noqa: BLE001 - a check that breaks on odd input refuses that event alone
                    reason = f"could not be checked ({type(err).__name__}: {shown(str(err), 120)})"
                    report.rejected.append(Rejection(position, _event_id(obj), "event", reason))
                if len(batch) >= limit:
                    flush(last=False)
            flush(last=True)
        finally:
            for pool in pools:
                pool.shutdown(wait=True)  # a part begun commits or fails before the caller goes on
    report.rejected.sort(key=lambda r: r.position)
    report.seconds = time.perf_counter() - started
    report.storing_seconds = _busy_seconds(spans)
    return report


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """Decoded lines of a JSONL file with their line numbers; blank lines skipped, bad JSON kept as errors."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, orjson.loads(line)
            except orjson.JSONDecodeError as err:
                yield number, EventRejected("line", f"not valid JSON ({err})")
