"""The canonical event contract: one hand-written check per event, naming the field that is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import orjson
import phonenumbers

DIRECTIONS = frozenset({"inbound", "outbound"})
ANSWERED_BY = frozenset({"human", "machine", "ai"})
END_REASONS = frozenset(
    {"completed", "caller_hangup", "busy", "no_answer", "failed", "canceled", "voicemail"}
)
CHANNELS = frozenset({"sms", "mms", "chat", "email"})
MESSAGE_STATUSES = frozenset({"queued", "sent", "delivered", "undelivered", "failed", "received", "read"})
AGENT_STATUSES = frozenset({"available", "busy", "after_call_work", "break", "offline"})
PHONE_CHANNELS = frozenset({"sms", "mms"})
MAX_FUTURE = timedelta(days=1)


@dataclass(frozen=True)
class Spec:
    required: tuple[str, ...]
    choices: tuple[tuple[str, frozenset[str]], ...] = ()
    phones: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "call.started": Spec(
        ("call_id", "direction", "from", "to"), (("direction", DIRECTIONS),), ("from", "to")
    ),
    "call.queued": Spec(("call_id", "queue")),
    "call.ringing": Spec(("call_id", "agent")),
    "call.answered": Spec(("call_id", "answered_by"), (("answered_by", ANSWERED_BY),)),
    "call.connected": Spec(("call_id", "agent")),
    "call.hold": Spec(("call_id",)),
    "call.unhold": Spec(("call_id",)),
    "call.transferred": Spec(("call_id",)),
    "call.ended": Spec(("call_id", "reason"), (("reason", END_REASONS),)),
    "call.wrapup_ended": Spec(("call_id", "agent")),
    "call.disposition": Spec(("call_id", "disposition")),
    "message.created": Spec(
        ("message_id", "direction", "channel", "from", "to"),
        (("direction", DIRECTIONS), ("channel", CHANNELS)),
    ),
    "message.status": Spec(("message_id", "status"), (("status", MESSAGE_STATUSES),)),
    "agent.status": Spec(("agent", "status"), (("status", AGENT_STATUSES),)),
}


class EventRejected(ValueError):
    """An event that breaks the contract; ``field`` names what is wrong."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ValidEvent:
    """An accepted event, ready to stage: the whole object is kept as its payload."""

    event_id: str
    type: str
    occurred_at: datetime
    call_id: str | None
    message_id: str | None
    payload: dict[str, Any]
    payload_json: str  # the payload serialised once, for COPY


@lru_cache(maxsize=65536)
def normalise_phone(value: str) -> str | None:
    """E.164 form of ``value`` or None when it is not an E.164-parseable, possible number."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _text(obj: dict[str, Any], field: str) -> str:
    value = obj.get(field)
    if value is None or value == "":
        raise EventRejected(field, "required field is missing")
    if not isinstance(value, str):
        raise EventRejected(field, f"must be a string, got {type(value).__name__}")
    return value


def parse_timestamp(value: Any, now: datetime) -> datetime:
    if not isinstance(value, str) or not value:
        raise EventRejected("occurred_at", "required field is missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EventRejected("occurred_at", f"not an ISO-8601 timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise EventRejected("occurred_at", f"needs a UTC offset: {value!r}")
    if moment - now > MAX_FUTURE:
        raise EventRejected("occurred_at", f"more than 1 day in the future: {value!r}")
    return moment.astimezone(UTC)


def validate(obj: Any, now: datetime | None = None) -> ValidEvent:
    """Check one decoded event against the contract; raise :class:`EventRejected` naming the field."""
    if not isinstance(obj, dict):
        raise EventRejected("event", "must be a JSON object")
    event_id = _text(obj, "event_id")
    kind = _text(obj, "type")
    spec = SPECS.get(kind)
    if spec is None:
        raise EventRejected("type", f"unknown event type {kind!r}")
    occurred_at = parse_timestamp(obj.get("occurred_at"), now or datetime.now(UTC))
    for field in spec.required:
        _text(obj, field)
    for field, allowed in spec.choices:
        if obj[field] not in allowed:
            raise EventRejected(field, f"{obj[field]!r} is not one of {', '.join(sorted(allowed))}")
    payload = dict(obj)
    phone_fields = spec.phones
    if kind == "message.created" and obj["channel"] in PHONE_CHANNELS:
        phone_fields = ("from", "to")
    for field in phone_fields:
        normal = normalise_phone(obj[field])
        if normal is None:
            raise EventRejected(field, f"not an E.164 phone number: {obj[field]!r}")
        payload[field] = normal
    if kind == "call.transferred" and not (obj.get("to_agent") or obj.get("to_queue")):
        raise EventRejected("to_agent", "call.transferred needs to_agent or to_queue")
    if kind == "message.created":
        media = obj.get("media_count", 0)
        if not isinstance(media, int) or isinstance(media, bool) or media < 0:
            raise EventRejected("media_count", f"must be a non-negative integer, got {media!r}")
        body = obj.get("body", "")
        if not isinstance(body, str):
            raise EventRejected("body", "must be a string")
    try:
        payload_json = orjson.dumps(payload).decode()
    except orjson.JSONEncodeError as err:
        raise EventRejected("event", f"not representable as JSON ({err})") from None
    # PostgreSQL text and jsonb cannot hold U+0000: refuse the event, not the batch. The cheap test on the
    # JSON also matches an escaped backslash followed by "u0000", so the field is confirmed before refusing.
    if "\\u0000" in payload_json:
        holder = next((str(k) for k, v in obj.items() if _has_nul(v) or _has_nul(k)), None)
        if holder is not None:
            raise EventRejected(holder, "contains a NUL (U+0000) character")
    return ValidEvent(
        event_id=event_id,
        type=kind,
        occurred_at=occurred_at,
        call_id=obj.get("call_id") if kind.startswith("call.") else None,
        message_id=obj.get("message_id") if kind.startswith("message.") else None,
        payload=payload,
        payload_json=payload_json,
    )
