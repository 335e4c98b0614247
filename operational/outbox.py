"""The stream outbox: stream events written in the ingest's transaction, read back by id, pruned after a window.

A stored canonical event becomes at most one stream event (``STREAM_TYPES``); the rows are written by
``write`` inside ``ingest_store.store_batch``'s transaction (from its temp tables of the batch's new events and
of the state they left on their calls and messages), so a rolled-back ingest leaves none and a committed one
leaves all. ``pg_notify`` in that same transaction is delivered by PostgreSQL only at commit, and carries
``"<account_id>:<highest outbox id>"`` — never the event itself (a payload is at most 8,000 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.database import driver_sql

CHANNEL = "voxlink_stream"
RETENTION = timedelta(hours=24)
STREAM_TYPES = (
    "call:incoming",
    "call:answered",
    "call:ended",
    "call:transferred",
    "agent:online",
    "agent:offline",
    "agent:busy",
    "agent:available",
    "message:received",
    "message:sent",
    "message:read",
    "system:alert",
)
# Two-int advisory lock keys live apart from the one-bigint keys ingest locks calls with.
_LOCK_CLASS = 17017

# Held from the first id this transaction takes to its commit: within an account, ids then grow in commit
# order, so a client resuming after id N misses nothing that commits later with a smaller id. Taken after
# the calls' locks, in every ingest alike, so the two never wait on each other in opposite orders.
_LOCK = sa.text("select pg_advisory_xact_lock(:lock_class, :account_id)")

# The mapping from canonical events: an agent "comes online" with its first status that is not offline
# after being offline (or never seen); busy covers after-call work and breaks (the status is in the event).
# The batch's events (``touched``: ids and the payload fields read here) become stream events first, and only
# those meet the calls' and messages' state. The
# agent's earlier status is looked up only for the statuses that need it (``case`` evaluates lazily). A stream
# event keeps no copy of its event's payload (``data`` is null): readers join the ledger for it (``_READ``),
# which halves the outbox's WAL.
_WRITE = driver_sql(
    """
with streamed as (
    select event_id, occurred_at, call_id, message_id, stream_type, queue, agent
    from (
        select s.event_id, s.occurred_at, s.call_id, s.message_id,
            case
                when s.type = 'call.started' and s.direction = 'inbound' then 'call:incoming'
                when s.type = 'call.answered' then 'call:answered'
                when s.type = 'call.ended' then 'call:ended'
                when s.type = 'call.transferred' then 'call:transferred'
                when s.type = 'agent.status' and s.status = 'offline' then 'agent:offline'
                when s.type = 'agent.status' and coalesce((
                    select a.status from agent_status_events a
                    where a.account_id = :account_id and a.agent = s.agent
                      and a.occurred_at < s.occurred_at
                    order by a.occurred_at desc
                    limit 1
                ), 'offline') = 'offline' then 'agent:online'
                when s.type = 'agent.status' and s.status = 'available' then 'agent:available'
                when s.type = 'agent.status' then 'agent:busy'
                when s.type = 'message.created' and s.direction = 'inbound' then 'message:received'
                when s.type = 'message.status' and s.status = 'sent' then 'message:sent'
                when s.type = 'message.status' and s.status = 'read' then 'message:read'
            end as stream_type,
            coalesce(s.queue, s.to_queue) as queue,
            coalesce(s.agent, s.to_agent) as agent
        from touched s
        offset 0  -- kept a subquery: pulled up, its ``case`` (and lookup) ran again in the filter
    ) e
    where stream_type is not null
),
written as (
    insert into stream_outbox (account_id, type, event_id, occurred_at, queue, agent)
    select :account_id, s.stream_type, s.event_id, s.occurred_at,
        coalesce(s.queue, c.queue), coalesce(s.agent, c.agent, m.agent)
    from streamed s
    left join touched_calls c on c.call_id = s.call_id
    left join touched_messages m on m.message_id = s.message_id
    order by s.occurred_at, s.event_id
    returning id
)
select pg_notify(:channel, :account_id || ':' || max(id)) from written having count(*) > 0
"""
)

# A stream event's ``data``: its canonical event's payload, from the ledger (events are never deleted while
# their account exists), or its own for an alert, which has no event. ``%s`` placeholders: the stream hub
# (operational/stream_hub.py) runs it on psycopg directly.
_READ_FROM = (
    "select o.id, o.type, o.event_id, o.occurred_at, o.queue, o.agent, coalesce(o.data, e.payload) as data "
    "from stream_outbox o left join events e on e.account_id = o.account_id and e.event_id = o.event_id "
)
READ_AFTER = _READ_FROM + "where o.account_id = %s and o.id > %s order by o.id limit %s"
_READ = sa.text(_READ_FROM + "where o.account_id = :account_id and o.id > :after order by o.id limit :limit")


@dataclass(frozen=True)
class StreamMessage:
    """One stream event as clients receive it (``as_json``); ``id`` is what they resume after."""

    id: int
    type: str
    event_id: str | None
    occurred_at: datetime
    queue: str | None
    agent: str | None
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "event_id": self.event_id,
            "occurred_at": self.occurred_at.isoformat(),
            "queue": self.queue,
            "agent": self.agent,
            "data": self.data,
        }


_LOCK_SQL = driver_sql(_LOCK.text)


def write(cur: psycopg.Cursor[Any], account_id: int) -> None:
    """On a cursor of ``store_batch``'s transaction: the stream events of the batch's new events (``touched``)."""
    params = {"account_id": account_id}
    cur.execute(_LOCK_SQL, params | {"lock_class": _LOCK_CLASS})
    cur.execute(_WRITE, params | {"channel": CHANNEL})


def alert(conn: Connection, account_id: int, occurred_at: datetime, message: str, **data: Any) -> None:
    """A ``system:alert`` for the account's stream clients, committed (and announced) with ``conn``'s work."""
    conn.execute(_LOCK, {"account_id": account_id, "lock_class": _LOCK_CLASS})
    conn.execute(
        sa.text(
            """
with written as (
    insert into stream_outbox (account_id, type, occurred_at, data)
    values (:account_id, 'system:alert', :occurred_at, cast(:data as jsonb))
    returning id
)
select pg_notify(:channel, :account_id || ':' || id) from written
"""
        ),
        {
            "account_id": account_id,
            "occurred_at": occurred_at,
            "data": orjson.dumps({"message": message, **data}).decode(),
            "channel": CHANNEL,
        },
    )


def read_after(conn: Connection, account_id: int, after: int, limit: int = 10_000) -> list[StreamMessage]:
    """The account's stream events after id ``after``, oldest first."""
    rows = conn.execute(_READ, {"account_id": account_id, "after": after, "limit": limit})
    return [StreamMessage(**row) for row in rows.mappings()]


def latest_id(conn: Connection, account_id: int) -> int:
    """The account's highest outbox id (0 when none): a new client without a resume point starts after it."""
    found = conn.scalar(
        sa.text("select max(id) from stream_outbox where account_id = :account_id"),
        {"account_id": account_id},
    )
    return int(found or 0)


def oldest_id(conn: Connection) -> int | None:
    """The lowest id still kept: a resume point before it may have lost events to pruning."""
    found = conn.scalar(sa.text("select min(id) from stream_outbox"))
    return int(found) if found is not None else None


def prune(engine: Engine, retention: timedelta = RETENTION) -> int:
    """Delete stream events older than ``retention``; how many went."""
    with engine.begin() as conn:
        result = conn.execute(
            sa.text("delete from stream_outbox where created_at < now() - make_interval(secs => :secs)"),
            {"secs": retention.total_seconds()},
        )
    return int(result.rowcount)
