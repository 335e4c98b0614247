"""Storing one batch of checked events in one transaction: COPY into staging, set-based upserts, the outbox.

``store_batch`` is the transaction's body; ``store`` runs it and, should PostgreSQL refuse a value the contract
let through, splits the batch until the one event it refuses is found. ``partition`` splits a file's batches
between the storing connections (operational/ingest.py) so every call, message and agent stays on one.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational import outbox
from operational.call_state import RECOMPUTE_CALLS, RECOMPUTE_MESSAGES
from operational.consent import UPDATE_CONSENT
from operational.database import driver_sql
from operational.errors import NotFound
from operational.events import ValidEvent
from operational.ingest_span import beyond_a_day

# A batch's sorts (events by id, the outbox by time) fit in memory rather than spill to disk at the
# default 4 MB; ``set local`` ends with the transaction. ``touched`` holds the batch's new events with the few
# payload fields the statements after the insert read (what the insert returns), so they need not join back
# to ``stage_events``; ``touched_calls``/``touched_messages`` hold the state those events left (call_state.py
# fills them). Those three hold only values the contract bounds (ids and names of at most 200 characters,
# the statuses and directions of the types that check them), so their columns are ``storage plain``: a table
# without a TOAST table is emptied at each commit for a fraction of the cost (the four tables with TOAST cost
# PostgreSQL ~0.7 ms per transaction, more than the rest of a one-event batch).
_STAGING = """
set local work_mem = '64MB';
create temp table if not exists stage_events (
    event_id text, type text, occurred_at timestamptz, call_id text, message_id text, payload jsonb
) on commit delete rows;
create temp table if not exists touched (
    event_id text storage plain, type text storage plain, occurred_at timestamptz,
    call_id text storage plain, message_id text storage plain,
    agent text storage plain, to_agent text storage plain, queue text storage plain, to_queue text storage plain,
    status text storage plain, direction text storage plain
) on commit delete rows;
create temp table if not exists touched_calls (
    call_id text storage plain, queue text storage plain, agent text storage plain
) on commit delete rows;
create temp table if not exists touched_messages (
    message_id text storage plain, agent text storage plain
) on commit delete rows;
delete from touched_calls;
delete from touched_messages;
"""

_INSERT_EVENTS = driver_sql(
    """
with inserted as (
    insert into events (account_id, event_id, type, occurred_at, call_id, message_id, payload)
    select :account_id, event_id, type, occurred_at, call_id, message_id, payload
    from stage_events
    order by event_id  -- every batch takes the ids in one order: concurrent duplicates wait, never deadlock
    on conflict do nothing
    returning event_id, type, occurred_at, call_id, message_id, payload
)
insert into touched
select event_id, type, occurred_at, call_id, message_id,
    payload ->> 'agent', payload ->> 'to_agent', payload ->> 'queue', payload ->> 'to_queue',
    case when type in ('agent.status', 'message.status') then payload ->> 'status' end,
    case when type in ('call.started', 'message.created') then payload ->> 'direction' end
from inserted
"""
)


# Agents, queues and campaigns named by the new events, created on first sight; the names are gathered in
# Python from the batch (a few per batch), which costs PostgreSQL far less than reading them from jsonb.
_NAME_FIELDS = {"agents": ("agent", "to_agent"), "queues": ("queue", "to_queue"), "campaigns": ("campaign",)}
_CREATE_NAMES = {
    table: driver_sql(
        f"insert into {table} (account_id, name) select :account_id, unnest(cast(:names as text[])) "
        "on conflict do nothing"
    )
    for table in _NAME_FIELDS
}
# The calls and messages a batch touches are locked (in one global order) before its events are written:
# their state is recomputed from all their stored events, so two batches with events of the same call take
# turns, while batches of other calls, even of the same account, run side by side.
_LOCK = driver_sql("select pg_advisory_xact_lock(k) from unnest(cast(:keys as bigint[])) k")
# The ledger tables have no per-row foreign key to ``accounts`` (migration 0010): the batch checks its account
# once here, and its key-share lock holds off a delete of the account until the batch commits (then the
# delete is refused, as the account has events).
_ACCOUNT = driver_sql("select id from accounts where id = :account_id for key share")

_AGENT_STATUS = driver_sql(
    """
insert into agent_status_events (account_id, event_id, agent, status, occurred_at)
select :account_id, event_id, agent, status, occurred_at
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


def _names(events: list[ValidEvent]) -> dict[str, list[str]]:
    """The agent, queue and campaign names ``events`` name, per table, sorted; gathered in one pass."""
    found: dict[str, set[Any]] = {table: set() for table in _NAME_FIELDS}
    agents, queues, campaigns = found["agents"], found["queues"], found["campaigns"]
    for ev in events:
        get = ev.payload.get
        agents.add(get("agent"))
        agents.add(get("to_agent"))
        queues.add(get("queue"))
        queues.add(get("to_queue"))
        campaigns.add(get("campaign"))
    # the contract lets only strings through; None is "not named"
    return {table: sorted(n for n in names if isinstance(n, str) and n) for table, names in found.items()}


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
class Prepared:
    """What storing a batch needs that Python computes: its COPY text, lock keys and names (every event's)."""

    rows: bytes
    lock_keys: list[int]
    names: dict[str, list[str]]
    has_statuses: bool


def prepare(account_id: int, batch: list[ValidEvent], rows: bytes | None = None) -> Prepared:
    """Built by the thread that reads and checks the events: then it does not hold the GIL in the thread
    that waits on PostgreSQL, where it would hold up the reading. ``rows``: the COPY text, if built already."""
    return Prepared(
        copy_rows(batch) if rows is None else rows,
        _lock_keys(account_id, batch),
        _names(batch),
        any(ev.type == "agent.status" for ev in batch),
    )


def store_batch(
    conn: Connection,
    account_id: int,
    batch: list[ValidEvent],
    rows: bytes | None = None,
    prepared: Prepared | None = None,
) -> tuple[int, list[tuple[ValidEvent, str]], set[str]]:
    """Store one batch in the caller's transaction; return how many events were new, the events refused
    (with why: ``occurred_at`` makes their call last a day or more) and the new events' ids (read back from
    PostgreSQL only when the count cannot tell: some, not all, were new). :class:`NotFound` when the account
    does not exist: nothing of the batch is stored.

    ``prepared`` is ``prepare(account_id, batch)``, or ``rows`` its COPY text alone (``copy_rows(batch)``),
    when the caller built it already: see :func:`prepare`.

    The statements run on the driver's cursor (see database.driver_sql); a driver error is raised as
    SQLAlchemy's (``sa.exc.DataError`` for a refused value, like every other statement)."""
    prepared = prepared or prepare(account_id, batch, rows)
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cur:
            return _store_on(cur, account_id, batch, prepared)
    except psycopg.Error as err:
        raise sa.exc.DBAPIError.instance(None, None, err, psycopg.Error) from err


def _store_on(
    cur: psycopg.Cursor[Any], account_id: int, batch: list[ValidEvent], prepared: Prepared
) -> tuple[int, list[tuple[ValidEvent, str]], set[str]]:
    """:func:`store_batch`'s statements, on ``cur``."""
    params = {"account_id": account_id}
    if cur.execute(_ACCOUNT, params).fetchone() is None:
        raise NotFound(
            f"account {account_id} does not exist: its batch of {len(batch):,} events was not stored"
        )
    cur.execute(_STAGING)
    with cur.copy(
        "copy stage_events (event_id, type, occurred_at, call_id, message_id, payload) from stdin"
    ) as copy:
        copy.write(prepared.rows)
    cur.execute(_LOCK, {"keys": prepared.lock_keys})
    stored = cur.execute(_INSERT_EVENTS, params).rowcount
    if not stored:
        return 0, [], set()
    new = _touched_ids(cur) if stored < len(batch) else {ev.event_id for ev in batch}
    refused = beyond_a_day(cur, account_id, batch, new)
    if refused:
        new -= {ev.event_id for ev, _ in refused}
        stored -= len(refused)
    # a replayed event changes nothing, not even a name deleted since
    named = prepared.names if len(new) >= len(batch) else _names([ev for ev in batch if ev.event_id in new])
    # The rest needs no answer until the last: sent in one pipeline, one round trip instead of ~9.
    with cur.connection.pipeline():
        for table, names in named.items():  # tables and names in one order, like the locks
            if names:
                cur.execute(_CREATE_NAMES[table], params | {"names": names})
        if prepared.has_statuses:
            cur.execute(_AGENT_STATUS, params)
        cur.execute(RECOMPUTE_CALLS, params)
        cur.execute(RECOMPUTE_MESSAGES, params)
        cur.execute(UPDATE_CONSENT, params)
        outbox.write(cur, account_id)  # last: its lock is held to the commit (operational/outbox.py)
    return stored, refused, new


def _touched_ids(cur: psycopg.Cursor[Any]) -> set[str]:
    """Ids of the events the current transaction's ``store_batch`` calls stored as new."""
    return {row[0] for row in cur.execute("select event_id from touched")}


# What storing one batch came to: new events, their ids when asked for, the events refused (event, field, why).
Stored = tuple[int, set[str], list[tuple[ValidEvent, str, str]]]


def store(
    engine: Engine,
    account_id: int,
    batch: list[ValidEvent],
    collect_ids: bool,
    prepared: Prepared | None = None,
) -> Stored:
    """Store ``batch`` (``prepared``: what :func:`prepare` gives, when built already) in one transaction: new events, their
    ids when asked for, and the events refused (event, field, reason). Should PostgreSQL refuse a value the
    contract let through, the halves are stored apart, down to the one event it refuses: the rest of the
    batch is never lost for it."""
    try:
        with engine.begin() as conn:
            stored, beyond, new = store_batch(conn, account_id, batch, prepared=prepared)
        return stored, new if collect_ids else set(), [(ev, "occurred_at", reason) for ev, reason in beyond]
    except sa.exc.DataError as err:
        if len(batch) == 1:
            problem = str(getattr(err, "orig", err)).splitlines()[0]
            return 0, set(), [(batch[0], "event", f"PostgreSQL cannot store it: {problem}")]
    half = len(batch) // 2
    first = store(engine, account_id, batch[:half], collect_ids)
    second = store(engine, account_id, batch[half:], collect_ids)
    return first[0] + second[0], first[1] | second[1], first[2] + second[2]


def timed_store(
    engine: Engine, account_id: int, batch: list[ValidEvent], collect_ids: bool, prepared: Prepared
) -> tuple[Stored, tuple[float, float]]:
    """:func:`store` and when it started and ended (``perf_counter``; IngestReport.storing_seconds)."""
    started = time.perf_counter()
    stored = store(engine, account_id, batch, collect_ids, prepared)
    return stored, (started, time.perf_counter())


def _key(ev: ValidEvent) -> str:
    """What orders an event with others: its call, else its message, else its agent (``agent.status``)."""
    if ev.call_id:
        return f"c:{ev.call_id}"
    if ev.message_id:
        return f"m:{ev.message_id}"
    return f"a:{ev.payload.get('agent')}"


def partition(batch: list[ValidEvent], parts: int) -> list[list[ValidEvent]]:
    """``batch`` split ``parts`` ways by a stable hash of each event's call, message or agent: every batch
    sends a given call (message, agent) to the same part, so on its connection its events keep their order,
    and the stream events of one call, message or agent reach the outbox in that order too."""
    split: list[list[ValidEvent]] = [[] for _ in range(parts)]
    for ev in batch:
        split[zlib.crc32(_key(ev).encode()) % parts].append(ev)
    return split
