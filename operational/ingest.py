"""Idempotent bulk ingest of canonical events: validate, COPY into staging, set-based upserts.

Whatever one event holds, it is refused on its own, never with its batch: the contract (operational/events.py)
checks each event's values; the span of a call is checked against its stored events here; and should
PostgreSQL still refuse a value, the batch is split until the one event it refuses is found and reported.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational import outbox
from operational.call_state import RECOMPUTE_CALLS, RECOMPUTE_MESSAGES
from operational.consent import UPDATE_CONSENT
from operational.errors import NotFound
from operational.events import MAX_CALL_SECONDS, EventRejected, ValidEvent, shown, validate

BATCH_SIZE = 20_000
_FIRST_BATCH = 2_500  # a file's first batch: see ingest_events

# A batch's sorts (events by id, the outbox by time) fit in memory rather than spill to disk at the
# default 4 MB; ``set local`` ends with the transaction. ``touched`` holds the batch's new events whole (what
# the events insert returns), so the statements after it read them without joining back to ``stage_events``;
# ``touched_calls``/``touched_messages`` hold the state those events left (call_state.py fills them).
_STAGING = """
set local work_mem = '64MB';
create temp table if not exists stage_events (
    event_id text, type text, occurred_at timestamptz, call_id text, message_id text, payload jsonb
) on commit delete rows;
create temp table if not exists touched (
    event_id text, type text, occurred_at timestamptz, call_id text, message_id text, payload jsonb
) on commit delete rows;
create temp table if not exists touched_calls (call_id text, queue text, agent text) on commit delete rows;
create temp table if not exists touched_messages (message_id text, agent text) on commit delete rows;
delete from touched_calls;
delete from touched_messages;
"""

_INSERT_EVENTS = sa.text(
    """
with inserted as (
    insert into events (account_id, event_id, type, occurred_at, call_id, message_id, payload)
    select :account_id, event_id, type, occurred_at, call_id, message_id, payload
    from stage_events
    order by event_id  -- every batch takes the ids in one order: concurrent duplicates wait, never deadlock
    on conflict do nothing
    returning event_id, type, occurred_at, call_id, message_id, payload
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
# The ledger tables have no per-row foreign key to ``accounts`` (migration 0010): the batch checks its account
# once here, and its key-share lock holds off a delete of the account until the batch commits (then the
# delete is refused, as the account has events).
_ACCOUNT = sa.text("select id from accounts where id = :account_id for key share")

# Calls the batch's new events (in ``touched``) make last a day or more, counting every stored event. A replay
# touches nothing and costs nothing here; a new call's few events are read by an index probe, as the
# recompute of call state reads them next.
_LONG_CALLS = sa.text(
    """
select t.call_id
from (select distinct call_id from touched where call_id is not null) t
cross join lateral (
    select min(e.occurred_at) as first_at, max(e.occurred_at) as last_at
    from events e where e.account_id = :account_id and e.call_id = t.call_id
) e
where e.last_at - e.first_at >= make_interval(secs => :limit)
"""
)
# Only for those few calls: the span of their events stored before this batch.
_EARLIER_SPANS = sa.text(
    """
select e.call_id, min(e.occurred_at), max(e.occurred_at)
from events e
where e.account_id = :account_id and e.call_id = any(cast(:calls as text[]))
  and not exists (select 1 from touched t where t.event_id = e.event_id)
group by e.call_id
"""
)
_FORGET_EVENTS = sa.text(
    "delete from events where account_id = :account_id and event_id = any(cast(:ids as text[]))"
)
_FORGET_TOUCHED = sa.text("delete from touched where event_id = any(cast(:ids as text[]))")

_AGENT_STATUS = sa.text(
    """
insert into agent_status_events (account_id, event_id, agent, status, occurred_at)
select :account_id, event_id, payload ->> 'agent', payload ->> 'status', occurred_at
from touched
where type = 'agent.status'
"""
)


def _lock_keys(account_id: int, batch: list[ValidEvent]) -> list[int]:
    """Sorted 64-bit advisory lock keys: the account in the high half, a hash of the call or message id below."""
    ids = {f"c:{ev.call_id}" for ev in batch if ev.call_id} | {
        f"m:{ev.message_id}" for ev in batch if ev.message_id
    }
    return sorted({(account_id << 32) | zlib.crc32(ident.encode()) for ident in ids})


def _names(batch: list[ValidEvent], new: set[str]) -> dict[str, list[str]]:
    # a replayed event changes nothing, not even a name deleted since
    events = batch if len(new) >= len(batch) else [ev for ev in batch if ev.event_id in new]
    found: dict[str, list[str]] = {}
    for table, fields in _NAME_FIELDS.items():
        names: set[Any] = set()
        for key in fields:
            names.update(ev.payload.get(key) for ev in events)
        # the contract lets only strings through; None is "not named"
        found[table] = sorted(name for name in names if isinstance(name, str) and name)
    return found


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_field(value: str | None) -> str:
    """``value`` in COPY's text format (``\\N`` for null, the four special characters escaped)."""
    if value is None:
        return "\\N"
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def copy_rows(batch: list[ValidEvent]) -> bytes:
    """The batch as COPY text rows for ``stage_events``, built in one pass: psycopg's per-row ``write_row``
    costs more than the whole of this."""
    field = _copy_field
    return "".join(
        [
            f"{field(ev.event_id)}\t{field(ev.type)}\t{ev.occurred_at.isoformat()}\t{field(ev.call_id)}\t"
            f"{field(ev.message_id)}\t{field(ev.payload_json)}\n"
            for ev in batch
        ]
    ).encode()


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
    storing_seconds: float = 0.0  # wall time the batches' transactions took (the rest: reading and checking)

    @property
    def duplicates(self) -> int:
        return self.received - self.stored - len(self.rejected)

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


def _beyond_a_day(
    conn: Connection, account_id: int, batch: list[ValidEvent], new: set[str]
) -> list[tuple[ValidEvent, str]]:
    """The batch's new events refused because their call would last a day or more, with why.

    The raw_calls gate wants every duration under a day; all of them are differences of a call's event
    times, so the events of one call must lie less than a day apart. Only when a call breaks that are its
    new events judged, in arrival order, against the call's earlier stored events and the ones this batch
    accepted before them (the calls are locked, so a concurrent batch's events of the call are committed
    and seen, or come after).
    """
    params = {"account_id": account_id}
    long_calls = set(conn.scalars(_LONG_CALLS, params | {"limit": MAX_CALL_SECONDS}))
    if not long_calls:
        return []
    spans: dict[str, tuple[datetime, datetime]] = {
        row[0]: (row[1], row[2])
        for row in conn.execute(_EARLIER_SPANS, params | {"calls": sorted(long_calls)})
    }
    refused: list[tuple[ValidEvent, str]] = []
    for ev in batch:
        call, moment = ev.call_id, ev.occurred_at
        if call is None or call not in long_calls or ev.event_id not in new:
            continue
        first, last = spans.get(call, (moment, moment))
        first, last = min(first, moment), max(last, moment)
        if (last - first).total_seconds() >= MAX_CALL_SECONDS:
            reason = (
                f"call {shown(call)} would last {last - first} (from {first.isoformat()} to {last.isoformat()}): "
                f"the events of one call lie less than {MAX_CALL_SECONDS:,} s apart"
            )
            refused.append((ev, reason))
            continue
        spans[call] = (first, last)
    if refused:
        ids = [ev.event_id for ev, _ in refused]
        conn.execute(_FORGET_EVENTS, params | {"ids": ids})
        conn.execute(_FORGET_TOUCHED, {"ids": ids})
    return refused


def store_batch(
    conn: Connection, account_id: int, batch: list[ValidEvent], rows: bytes | None = None
) -> tuple[int, list[tuple[ValidEvent, str]]]:
    """Store one batch in the caller's transaction; return how many events were new, and the events refused
    (with why: ``occurred_at`` makes their call last a day or more). :class:`NotFound` when the account does
    not exist: nothing of the batch is stored.

    ``rows`` is the batch as COPY text (``copy_rows(batch)``) when the caller built it already: built in the
    thread that reads and checks the events, it does not hold the GIL in the thread that waits on PostgreSQL."""
    if conn.scalar(_ACCOUNT, {"account_id": account_id}) is None:
        raise NotFound(
            f"account {account_id} does not exist: its batch of {len(batch):,} events was not stored"
        )
    conn.exec_driver_sql(_STAGING)
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cur,
        cur.copy(
            "copy stage_events (event_id, type, occurred_at, call_id, message_id, payload) from stdin"
        ) as copy,
    ):
        copy.write(copy_rows(batch) if rows is None else rows)
    params = {"account_id": account_id}
    conn.execute(_LOCK, {"keys": _lock_keys(account_id, batch)})
    stored = conn.execute(_INSERT_EVENTS, params).rowcount
    if not stored:
        return 0, []
    new = stored_event_ids(conn) if stored < len(batch) else {ev.event_id for ev in batch}
    refused = _beyond_a_day(conn, account_id, batch, new)
    if refused:
        new -= {ev.event_id for ev, _ in refused}
        stored -= len(refused)
    for table, names in _names(batch, new).items():  # tables and names in one order, like the locks
        if names:
            conn.execute(_CREATE_NAMES[table], params | {"names": names})
    if any(ev.type == "agent.status" for ev in batch):
        conn.execute(_AGENT_STATUS, params)
    conn.execute(RECOMPUTE_CALLS, params)
    conn.execute(RECOMPUTE_MESSAGES, params)
    conn.execute(UPDATE_CONSENT, params)
    outbox.write(conn, account_id)  # last: its lock is held to the commit (operational/outbox.py)
    return stored, refused


def stored_event_ids(conn: Connection) -> set[str]:
    """Ids of the events the current transaction's ``store_batch`` calls stored as new."""
    return set(conn.scalars(sa.text("select event_id from touched")))


def _event_id(obj: Any) -> str | None:
    """The id a rejection names: the event's own when it is text, cut to the column's length."""
    value = obj.get("event_id") if isinstance(obj, dict) else None
    return value[:200] if isinstance(value, str) else None


# What storing one batch came to: new events, their ids when asked for, the events refused (event, field, why).
_Stored = tuple[int, set[str], list[tuple[ValidEvent, str, str]]]


def _store(
    engine: Engine, account_id: int, batch: list[ValidEvent], collect_ids: bool, rows: bytes | None = None
) -> _Stored:
    """Store ``batch`` (``rows``: its COPY text, when built already) in one transaction: new events, their
    ids when asked for, and the events refused (event, field, reason). Should PostgreSQL refuse a value the
    contract let through, the halves are stored apart, down to the one event it refuses: the rest of the
    batch is never lost for it."""
    try:
        with engine.begin() as conn:
            stored, beyond = store_batch(conn, account_id, batch, rows)
            ids = stored_event_ids(conn) if collect_ids else set()
        return stored, ids, [(ev, "occurred_at", reason) for ev, reason in beyond]
    except sa.exc.DataError as err:
        if len(batch) == 1:
            problem = str(getattr(err, "orig", err)).splitlines()[0]
            return 0, set(), [(batch[0], "event", f"PostgreSQL cannot store it: {problem}")]
    half = len(batch) // 2
    first = _store(engine, account_id, batch[:half], collect_ids)
    second = _store(engine, account_id, batch[half:], collect_ids)
    return first[0] + second[0], first[1] | second[1], first[2] + second[2]


def _timed_store(
    engine: Engine, account_id: int, batch: list[ValidEvent], collect_ids: bool, rows: bytes
) -> tuple[_Stored, float]:
    """:func:`_store` and the wall time it took (IngestReport.storing_seconds: is storing the bottleneck?)."""
    started = time.perf_counter()
    stored = _store(engine, account_id, batch, collect_ids, rows)
    return stored, time.perf_counter() - started


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

    While one batch is stored (PostgreSQL working, this thread waiting on it) the next one is read and
    checked, and its COPY text built: a second thread stores the batches, one at a time and in order, so
    each still commits before the next begins, and does little but wait on PostgreSQL (Python work there
    would take the GIL from this thread). The first batch is small and each next one twice the last, up
    to ``batch_size``: PostgreSQL starts working early rather than idle while a whole batch is checked.
    An input of a single batch (every HTTP request) is stored in this thread.
    """
    report = IngestReport()
    started = time.perf_counter()
    now = datetime.now(UTC)
    batch: dict[str, ValidEvent] = {}  # by event_id: a duplicate within the batch is dropped here
    positions: dict[str, list[int]] = {}  # where each event of the batch was, its in-batch copies too
    storing: list[
        tuple[Future[tuple[_Stored, float]], dict[str, list[int]], int]
    ] = []  # at most one batch in flight
    pool: ThreadPoolExecutor | None = None
    limit = min(batch_size, _FIRST_BATCH)

    def settle(stored: tuple[_Stored, float], where: dict[str, list[int]], size: int) -> None:
        (count, ids, refused), took = stored
        report.stored += count
        report.storing_seconds += took
        report.stored_ids |= ids
        for ev, field_name, reason in refused:
            for position in where[ev.event_id]:
                report.rejected.append(Rejection(position, ev.event_id, field_name, reason))
        if on_batch:
            on_batch(size)

    def flush(last: bool) -> None:
        nonlocal batch, positions, pool, limit
        work, where = list(batch.values()), positions
        batch, positions, limit = {}, {}, min(batch_size, limit * 2)
        rows = copy_rows(work) if work else b""
        if storing:
            future, earlier, size = storing.pop()
            settle(future.result(), earlier, size)
        if last:
            if work:
                settle(_timed_store(engine, account_id, work, collect_ids, rows), where, len(work))
            return
        pool = pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-store")
        future = pool.submit(_timed_store, engine, account_id, work, collect_ids, rows)
        storing.append((future, where, len(work)))

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
        if pool is not None:
            pool.shutdown(wait=True)  # a batch in flight commits or fails before the caller goes on
    report.rejected.sort(key=lambda r: r.position)
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
