"""The canonical event contract: one hand-written check per event, naming the field that is wrong.

Every value an event brings is checked here against the column that will hold it (operational/models.py)
and against the raw data-quality gates (data_tests/suites.py), so one event's values can never make
PostgreSQL refuse a whole batch, nor make a refresh's blocking check fail after the event was accepted.
"""

from __future__ import annotations

import re
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
# The warehouse buckets by local day from 1970 on; earlier instants are typing errors, and near year 1 a
# UTC offset overflows Python's datetime.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_CALL_SECONDS = 86_400  # all events of one call lie less than a day apart: every duration stays under it
MAX_MEDIA = 100  # attachments per message

# Text fields, checked whenever present whatever the event type (names are gathered from every event), with
# the length of the column that holds them (operational/models.py).
TEXT_LIMITS: dict[str, int] = {
    "event_id": 200, "call_id": 200, "message_id": 200, "queue": 200, "to_queue": 200, "campaign": 200,
    "agent": 200, "to_agent": 200, "contact_id": 200, "ai_agent": 200, "disposition": 100,
}  # fmt: skip
ERROR_CODE_LENGTH = 40
ADDRESS_LENGTH = 32  # from_number / to_number
# An empty optional name means "none": dropped, so it never becomes a call's queue that no queue row matches.
OPTIONAL_NAMES = ("queue", "to_queue", "campaign", "agent", "to_agent", "contact_id", "ai_agent")
_OPTIONAL = frozenset(OPTIONAL_NAMES)


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


@dataclass(slots=True)
class ValidEvent:
    """An accepted event, ready to stage: the whole object is kept as its payload. Treat it as read-only:
    it is not ``frozen`` only because a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, which doubled the cost of making one (~0.5 µs of every ingested event)."""

    event_id: str
    type: str
    occurred_at: datetime
    call_id: str | None
    message_id: str | None
    payload: dict[str, Any]
    payload_json: str  # the payload serialised once, for COPY


def shown(value: Any, limit: int = 60) -> str:
    """``repr`` of a value for a rejection reason, cut short: a reason never echoes a megabyte back."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def normalise_phone(value: Any) -> str | None:
    """E.164 form of ``value`` or None when it is not an E.164-parseable, possible number."""
    # phonenumbers refuses inputs over 250 characters anyway; longer ones must not fill the cache
    return _e164(value) if isinstance(value, str) and len(value) <= 64 else None


@lru_cache(maxsize=65536)
def _e164(value: str) -> str | None:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# What a caller id may be besides a number: a withheld caller as providers spell it, a Twilio Client
# identity (letters, digits, _ . - @ +), or a SIP URI whose parameters and headers are dropped.
WITHHELD = frozenset({"anonymous", "restricted", "unknown", "private"})
_CLIENT = re.compile(r"client:([\w.@+-]+)", re.IGNORECASE | re.ASCII)
_SIP = re.compile(
    r"(sips?):([^@\s;?:]+)@([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?(?:[;?]\S*)?", re.IGNORECASE | re.ASCII
)


def normalise_call_party(value: Any) -> str | None:
    """A call's ``from``/``to`` in one spelling: E.164, ``client:<identity>``, ``sip:<user>@<host>`` (host
    lower-cased) or ``anonymous``/``restricted``/``unknown``/``private``; None when it is none of these."""
    if not isinstance(value, str) or len(value) > 200:
        return None
    number = normalise_phone(value)
    if number is not None:
        return number
    text = value.strip()
    if text.lower() in WITHHELD:
        return text.lower()
    if client := _CLIENT.fullmatch(text):
        return f"client:{client.group(1)}"
    if sip := _SIP.fullmatch(text):
        scheme, user, host, port = sip.groups()
        return f"{scheme.lower()}:{user}@{host.lower()}{port or ''}"
    return None


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


def _check_texts(obj: dict[str, Any], payload: dict[str, Any]) -> None:
    """Every known text field that is present: a string no longer than its column."""
    # One pass over the event's own keys finds the usual all-good case; only an event with a bad text is
    # walked again in TEXT_LIMITS order, so the field it names is the same whichever order its keys came in.
    empty: list[str] = []
    for key, value in obj.items():
        limit = TEXT_LIMITS.get(key)
        if limit is None or value is None:
            continue
        if not isinstance(value, str) or len(value) > limit:
            _refuse_text(obj)
        if not value and key in _OPTIONAL:
            empty.append(key)
    for key in empty:
        del payload[key]
    code = obj.get("error_code")
    if code is not None:
        if isinstance(code, bool) or not isinstance(code, str | int):
            raise EventRejected("error_code", f"must be a string or an integer, got {type(code).__name__}")
        if len(str(code)) > ERROR_CODE_LENGTH:
            raise EventRejected(
                "error_code", f"longer than {ERROR_CODE_LENGTH} characters ({len(str(code)):,})"
            )


def _refuse_text(obj: dict[str, Any]) -> None:
    """Raise for the first text field, in TEXT_LIMITS order, that is not a string or is too long."""
    for field, limit in TEXT_LIMITS.items():
        value = obj.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            raise EventRejected(field, f"must be a string, got {type(value).__name__}")
        if len(value) > limit:
            raise EventRejected(field, f"longer than {limit} characters ({len(value):,})")


def parse_timestamp(value: Any, now: datetime) -> datetime:
    """``occurred_at`` as a UTC instant: ISO-8601 with an offset, from 1970 to 1 day after ``now``."""
    if value is None or value == "":
        raise EventRejected("occurred_at", "required field is missing")
    if not isinstance(value, str):
        raise EventRejected("occurred_at", f"must be a string, got {type(value).__name__}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise EventRejected("occurred_at", f"not an ISO-8601 timestamp: {shown(value)}") from None
    if moment.tzinfo is None:
        raise EventRejected("occurred_at", f"needs a UTC offset: {shown(value)}")
    try:
        instant = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:30+01:00 is in year 0, 9999-12-31T23:30-01:00 in year 10000
        raise EventRejected("occurred_at", f"out of the range of dates: {shown(value)}") from None
    if instant < EARLIEST:
        raise EventRejected("occurred_at", f"before 1970-01-01T00:00:00Z: {shown(value)}")
    if instant - now > MAX_FUTURE:
        raise EventRejected("occurred_at", f"more than 1 day in the future: {shown(value)}")
    return instant


def _check_addresses(kind: str, obj: dict[str, Any], payload: dict[str, Any]) -> None:
    """Normalise ``from``/``to``: a call party, an E.164 number for SMS/MMS, a short handle otherwise."""
    if kind not in ("call.started", "message.created"):
        return
    for field in ("from", "to"):
        value = obj[field]
        if kind == "call.started":
            normal = normalise_call_party(value)
            what = "an E.164 phone number, a client:/sip: address or a withheld caller"
        elif obj["channel"] in PHONE_CHANNELS:
            normal = normalise_phone(value)
            what = "an E.164 phone number"
        else:
            normal = value  # a chat handle or an e-mail address, kept as sent
            what = ""
        if normal is None:
            raise EventRejected(field, f"not {what}: {shown(value)}")
        if len(normal) > ADDRESS_LENGTH:
            raise EventRejected(field, f"longer than {ADDRESS_LENGTH} characters ({len(normal):,})")
        payload[field] = normal


def validate(obj: Any, now: datetime | None = None) -> ValidEvent:
    """Check one decoded event against the contract; raise :class:`EventRejected` naming the field."""
    if not isinstance(obj, dict):
        raise EventRejected("event", "must be a JSON object")
    event_id = _text(obj, "event_id")
    kind = _text(obj, "type")
    spec = SPECS.get(kind)
    if spec is None:
        raise EventRejected("type", f"unknown event type {shown(kind)}")
    occurred_at = parse_timestamp(obj.get("occurred_at"), now or datetime.now(UTC))
    for field in spec.required:
        value = obj.get(field)
        if not (isinstance(value, str) and value):
            _text(obj, field)  # raises, naming what is wrong
    for field, allowed in spec.choices:
        if obj[field] not in allowed:
            raise EventRejected(field, f"{shown(obj[field])} is not one of {', '.join(sorted(allowed))}")
    payload = dict(obj)
    _check_texts(obj, payload)
    _check_addresses(kind, obj, payload)
    if kind == "call.transferred" and not (payload.get("to_agent") or payload.get("to_queue")):
        raise EventRejected("to_agent", "call.transferred needs to_agent or to_queue")
    if kind == "message.created":
        media = obj.get("media_count", 0)
        if not isinstance(media, int) or isinstance(media, bool) or not 0 <= media <= MAX_MEDIA:
            raise EventRejected(
                "media_count", f"must be an integer from 0 to {MAX_MEDIA}, got {shown(media)}"
            )
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
            raise EventRejected(holder[:40], "contains a NUL (U+0000) character")
    return ValidEvent(
        event_id=event_id,
        type=kind,
        occurred_at=occurred_at,
        call_id=obj.get("call_id") if kind.startswith("call.") else None,
        message_id=obj.get("message_id") if kind.startswith("message.") else None,
        payload=payload,
        payload_json=payload_json,
    )
