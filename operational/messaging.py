"""Messages the core owns: the inbox listing, outbound sends (refused on the messaging DNC), the DNC list."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine

from operational.consent import ON_MESSAGING_DNC
from operational.errors import Conflict, Invalid, NotFound
from operational.events import CHANNELS, DIRECTIONS, MESSAGE_STATUSES, normalise_phone
from operational.ingest import ingest_events
from operational.models import DncEntry, Message

MAX_PAGE = 200
_COLUMNS = (
    Message.message_id, Message.direction, Message.channel, Message.from_number, Message.to_number,
    Message.body, Message.media_count, Message.campaign, Message.agent, Message.created_at, Message.status,
    Message.status_at, Message.error_code,
)  # fmt: skip


@dataclass(frozen=True)
class InboxFilter:
    direction: str | None = None
    channel: str | None = None
    status: str | None = None
    number: str | None = None  # either party
    campaign: str | None = None
    agent: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def phone(value: str, field: str) -> str:
    normal = normalise_phone(value)
    if normal is None:
        raise Invalid(f"{field}: not an E.164 phone number", [{"field": field, "reason": repr(value)}])
    return normal


def _check_choice(value: str | None, allowed: frozenset[str], field: str) -> None:
    if value is not None and value not in allowed:
        raise Invalid(f"{field}: {value!r} is not one of {', '.join(sorted(allowed))}", [{"field": field}])


def _encode_cursor(created_at: datetime, message_id: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([created_at.isoformat(), message_id])).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, message_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(stamp), str(message_id)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise Invalid("cursor: not a cursor this API gave out", [{"field": "cursor"}]) from None


def list_messages(
    engine: Engine, account_id: int, filters: InboxFilter, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Newest first, ``limit`` per page; ``next_cursor`` continues after the last one (None at the end)."""
    _check_choice(filters.direction, DIRECTIONS, "direction")
    _check_choice(filters.channel, CHANNELS, "channel")
    _check_choice(filters.status, MESSAGE_STATUSES, "status")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit: between 1 and {MAX_PAGE}", [{"field": "limit"}])
    query = sa.select(*_COLUMNS).where(Message.account_id == account_id, Message.created_at.is_not(None))
    for column, value in (
        (Message.direction, filters.direction), (Message.channel, filters.channel),
        (Message.status, filters.status), (Message.campaign, filters.campaign), (Message.agent, filters.agent),
    ):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    if filters.number is not None:
        number = phone(filters.number, "number")
        query = query.where(sa.or_(Message.from_number == number, Message.to_number == number))
    if filters.since is not None:
        query = query.where(Message.created_at >= filters.since)
    if filters.until is not None:
        query = query.where(Message.created_at < filters.until)
    if cursor:
        created_at, message_id = _decode_cursor(cursor)
        query = query.where(sa.tuple_(Message.created_at, Message.message_id) < (created_at, message_id))
    query = query.order_by(Message.created_at.desc(), Message.message_id.desc()).limit(limit + 1)
    with engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    next_cursor = _encode_cursor(last["created_at"], last["message_id"]) if last else None
    return {"messages": rows, "next_cursor": next_cursor}


def on_messaging_dnc(engine: Engine, account_id: int, phones: list[str]) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(ON_MESSAGING_DNC, {"account_id": account_id, "phones": phones}))


def send_message(
    engine: Engine,
    account_id: int,
    *,
    to: str,
    from_: str,
    body: str,
    channel: str = "sms",
    media_count: int = 0,
    campaign: str | None = None,
    agent: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store an outbound message as ``queued``; refused when the recipient is on the messaging DNC."""
    _check_choice(channel, CHANNELS, "channel")
    recipient, sender = phone(to, "to"), phone(from_, "from")
    if on_messaging_dnc(engine, account_id, [recipient]):
        raise Conflict(
            f"{recipient} is on the messaging do-not-contact list (opted out or listed)",
            [{"field": "to", "reason": "on the messaging DNC"}],
            code="recipient_on_dnc",
        )
    moment = (now or datetime.now(UTC)).isoformat()
    message_id = f"msg_{uuid.uuid4().hex}"
    created = {
        "event_id": f"{message_id}:created", "type": "message.created", "occurred_at": moment,
        "message_id": message_id, "direction": "outbound", "channel": channel, "from": sender,
        "to": recipient, "body": body, "media_count": media_count,
    }  # fmt: skip
    created |= {k: v for k, v in (("campaign", campaign), ("agent", agent)) if v}
    queued = {
        "event_id": f"{message_id}:queued", "type": "message.status", "occurred_at": moment,
        "message_id": message_id, "status": "queued",
    }  # fmt: skip
    report = ingest_events(engine, account_id, enumerate([created, queued]))
    if report.rejected:
        raise Invalid(
            "the message is not valid", [{"field": r.field, "reason": r.reason} for r in report.rejected]
        )
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*_COLUMNS).where(Message.account_id == account_id, Message.message_id == message_id)
        ).mappings()
        return dict(row.one())


def add_dnc(engine: Engine, account_id: int, number: str, reason: str | None = None) -> str:
    normal = phone(number, "phone")
    with engine.begin() as conn:
        conn.execute(
            pg_insert(DncEntry)
            .values(account_id=account_id, phone=normal, reason=reason)
            .on_conflict_do_nothing()
        )
    return normal


def remove_dnc(engine: Engine, account_id: int, number: str) -> None:
    normal = phone(number, "phone")
    with engine.begin() as conn:
        gone = conn.execute(
            sa.delete(DncEntry).where(DncEntry.account_id == account_id, DncEntry.phone == normal)
        ).rowcount
    if not gone:
        raise NotFound(f"{normal} is not on the internal DNC list")


def list_dnc(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(DncEntry.phone, DncEntry.reason, DncEntry.created_at)
            .where(DncEntry.account_id == account_id)
            .order_by(DncEntry.phone)
        ).mappings()
        return [dict(row) for row in rows]
