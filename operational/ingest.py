"""Idempotent bulk ingest of canonical events: validate, COPY into staging, set-based upserts."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.call_state import RECOMPUTE_CALLS, RECOMPUTE_MESSAGES
from operational.consent import UPDATE_CONSENT
from operational.events import EventRejected, ValidEvent, validate

BATCH_SIZE = 20_000

_STAGING = """
create temp table if not exists stage_events (
    event_id text, type text, occurred_at timestamptz, call_id text, message_id text, payload jsonb
) on commit delete rows;
create temp table if not exists touched (
    event_id text, call_id text, message_id text
) on commit delete rows;
"""

_INSERT_EVENTS = sa.text(
    """
with inserted as (
    insert into events (account_id, event_id, type, occurred_at, call_id, message_id, payload)
    select :account_id, event_id, type, occurred_at, call_id, message_id, payload
    from stage_events
    order by event_id  -- every batch takes the ids in one order: concurrent duplicates wait, never deadlock
    on conflict do nothing
    returning event_id, call_id, message_id
)
insert into touched select * from inserted
"""
)


# Agents, queues and campaigns named by the new events, created on first sight; the names are gathered in
# Python from the batch (a few per batch), which costs PostgreSQL far less than reading them from jsonb.
_NAME_FIELDS = {"agents": ("agent", "to_agent"), "queues": ("queue", "to_queue"), "campaigns": ("campaign",)}
_CREATE_NAMES = {
    table: sa.text(
        f"insert into {table} (account_id, name) select :account_id, unnest(cast(:names as text[])) "
        "on conflict do nothing"
    )
    for table in _NAME_FIELDS
}
# The calls and messages a batch touches are locked (in one global order) before its events are written:
# their state is recomputed from all their stored events, so two batches with events of the same call take
# turns, while batches of other calls, even of the same account, run side by side.
_LOCK = sa.text("select pg_advisory_xact_lock(k) from unnest(cast(:keys as bigint[])) k")

_AGENT_STATUS = sa.text(
    """
insert into agent_status_events (account_id, event_id, agent, status, occurred_at)
select :account_id, s.event_id, s.payload ->> 'agent', s.payload ->> 'status', s.occurred_at
from stage_events s join touched t using (event_id)
where s.type = 'agent.status'
"""
)


def _lock_keys(account_id: int, batch: list[ValidEvent]) -> list[int]:
    """Sorted 64-bit advisory lock keys: the account in the high half, a hash of the call or message id below."""
    ids = {f"c:{ev.call_id}" for ev in batch if ev.call_id} | {
        f"m:{ev.message_id}" for ev in batch if ev.message_id
    }
    return sorted({(account_id << 32) | zlib.crc32(ident.encode()) for ident in ids})


def _names(batch: list[ValidEvent], new: set[str]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {table: set() for table in _NAME_FIELDS}
    for ev in batch:
        if ev.event_id not in new:
            continue  # a replayed event changes nothing, not even a name deleted since
        for table, fields in _NAME_FIELDS.items():
            for key in fields:
                value = ev.payload.get(key)
                if value is not None and value != "":
                    found[table].add(value if isinstance(value, str) else orjson.dumps(value).decode())
    return {table: sorted(names) for table, names in found.items()}


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

    @property
    def duplicates(self) -> int:
        return self.received - self.stored - len(self.rejected)

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


def store_batch(conn: Connection, account_id: int, batch: list[ValidEvent]) -> int:
    """Store one batch in the caller's transaction; return how many events were new."""
    conn.exec_driver_sql(_STAGING)
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "copy stage_events (event_id, type, occurred_at, call_id, message_id, payload) from stdin"
        ) as copy,
    ):
        for ev in batch:
            copy.write_row(
                (
                    ev.event_id,
                    ev.type,
                    ev.occurred_at,
                    ev.call_id,
                    ev.message_id,
                    ev.payload_json,
                )
            )
    params = {"account_id": account_id}
    conn.execute(_LOCK, {"keys": _lock_keys(account_id, batch)})
    stored = conn.execute(_INSERT_EVENTS, params).rowcount
    if not stored:
        return 0
    new = stored_event_ids(conn) if stored < len(batch) else {ev.event_id for ev in batch}
    for table, names in _names(batch, new).items():  # tables and names in one order, like the locks
        if names:
            conn.execute(_CREATE_NAMES[table], params | {"names": names})
    if any(ev.type == "agent.status" for ev in batch):
        conn.execute(_AGENT_STATUS, params)
    conn.execute(RECOMPUTE_CALLS, params)
    conn.execute(RECOMPUTE_MESSAGES, params)
    conn.execute(UPDATE_CONSENT, params)
    return stored


def stored_event_ids(conn: Connection) -> set[str]:
    """Ids of the events the current transaction's ``store_batch`` calls stored as new."""
    return set(conn.scalars(sa.text("select event_id from touched")))


def ingest_events(
    engine: Engine,
    account_id: int,
    events: Iterable[tuple[int, Any]],
    *,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    collect_ids: bool = False,
) -> IngestReport:
    """Validate and store ``(position, decoded event)`` pairs; bad events are reported, the rest stored.

    ``position`` is what a rejection names (a file's line number, a request's index). A decoded value
    that is an :class:`EventRejected` (a line that was not JSON) is recorded as rejected.
    """
    report = IngestReport()
    started = time.perf_counter()
    now = datetime.now(UTC)
    batch: dict[str, ValidEvent] = {}  # by event_id: a duplicate within the batch is dropped here

    def flush() -> None:
        with engine.begin() as conn:
            report.stored += store_batch(conn, account_id, list(batch.values()))
            if collect_ids:
                report.stored_ids |= stored_event_ids(conn)
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for position, obj in events:
        report.received += 1
        try:
            if isinstance(obj, EventRejected):
                raise obj
            valid = validate(obj, now)
            batch.setdefault(valid.event_id, valid)
        except EventRejected as err:
            event_id = obj.get("event_id") if isinstance(obj, dict) else None
            report.rejected.append(Rejection(position, event_id, err.field, err.reason))
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    report.seconds = time.perf_counter() - started
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
