"""Twilio-format status callbacks: signature check and mapping to canonical events (pure functions).

Each callback maps to a fixed set of events whose ids and times come from that callback alone (an id per
call or message, status and event kind). So the union of events, and with it the state the ingest derives in
``occurred_at`` order, is the same whatever order the callbacks arrive in and however often they repeat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from operational.errors import Invalid
from operational.events import EventRejected, parse_timestamp

Event = dict[str, Any]
Params = Mapping[str, Sequence[str]]
MAX_CALL_SECONDS = 7 * 24 * 3600  # a longer CallDuration is a malformed callback, not a call

_CALL_END = {"busy": "busy", "no-answer": "no_answer", "failed": "failed", "canceled": "canceled"}
CALL_STATUSES = frozenset({"queued", "initiated", "ringing", "in-progress", "completed", *_CALL_END})
_MESSAGE_STATUS = {
    "accepted": "queued", "scheduled": "queued", "queued": "queued", "sending": "queued", "sent": "sent",
    "delivered": "delivered", "undelivered": "undelivered", "failed": "failed", "canceled": "failed",
    "read": "read", "received": "received", "partially_delivered": "delivered",
}  # fmt: skip


_ALGORITHMS = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def signature_algorithm(settings_header: str | None) -> str:
    """The algorithm named by ``X-Twilio-Webhooks-Signature-Settings`` (``…,algorithm=HMAC_SHA256``);
    without that header Twilio signs with HMAC-SHA1."""
    for part in (settings_header or "").split(","):
        name, _, value = part.partition("=")
        if name.strip() == "algorithm" and value.strip():
            return value.strip().upper()
    return "HMAC_SHA1"


def signature(auth_token: str, url: str, params: Params, algorithm: str = "HMAC_SHA1") -> str:
    """Twilio's ``X-Twilio-Signature``: base64 HMAC over the URL + each name and value, names sorted."""
    payload = url + "".join(name + value for name in sorted(params) for value in sorted(set(params[name])))
    digest = hmac.new(auth_token.encode(), payload.encode(), _ALGORITHMS[algorithm]).digest()
    return base64.b64encode(digest).decode()


def _port_variants(url: str) -> set[str]:
    """The URL as sent, with its default port and without: proxies and clients differ on it."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=host))
    variants = {url, bare}
    if default and parts.port in (None, default):
        variants.add(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    return variants


def signature_valid(
    auth_token: str, url: str, params: Params, presented: str | None, algorithm: str = "HMAC_SHA1"
) -> bool:
    if not presented or not auth_token or algorithm not in _ALGORITHMS:
        return False
    # Bytes, not str: compare_digest refuses a str with non-ASCII characters, and a header can hold any.
    given = presented.encode("utf-8", errors="replace")
    return any(
        hmac.compare_digest(signature(auth_token, candidate, params, algorithm).encode(), given)
        for candidate in _port_variants(url)
    )


def _one(params: Params, name: str, *, required: bool = True) -> str:
    values = params.get(name) or [""]
    if required and not values[0]:
        raise Invalid(f"{name} is required", [{"field": name, "reason": "required field is missing"}])
    return values[0]


def callback_time(params: Params, received_at: datetime) -> datetime:
    """The callback's ``Timestamp`` (RFC 2822 as Twilio sends it, or ISO-8601), else when it arrived."""
    raw = _one(params, "Timestamp", required=False)
    if not raw:
        return received_at
    if "," not in raw:  # ISO-8601: the same parser, and the same bounds, as a canonical event's occurred_at
        try:
            return parse_timestamp(raw, received_at)
        except EventRejected as err:
            raise Invalid(
                f"Timestamp: {err.reason}", [{"field": "Timestamp", "reason": err.reason}]
            ) from None
        except OverflowError:  # a time near year 1 or 9999 whose UTC equivalent no datetime can hold
            raise Invalid(
                "Timestamp is out of range", [{"field": "Timestamp", "reason": repr(raw)}]
            ) from None
    try:
        moment = parsedate_to_datetime(raw)
        if moment.tzinfo is None:
            raise Invalid("Timestamp needs a UTC offset", [{"field": "Timestamp", "reason": "no UTC offset"}])
        return moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError):
        raise Invalid(
            "Timestamp is not a date", [{"field": "Timestamp", "reason": f"not a date: {raw!r}"}]
        ) from None


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def voice_events(params: Params, received_at: datetime) -> list[Event]:
    """Canonical call events for one voice status callback."""
    sid = _one(params, "CallSid")
    status = _one(params, "CallStatus")
    if status not in CALL_STATUSES:
        raise Invalid(
            f"unknown CallStatus {status!r}",
            [{"field": "CallStatus", "reason": f"not one of {', '.join(sorted(CALL_STATUSES))}"}],
        )
    at = callback_time(params, received_at)
    duration = _one(params, "CallDuration", required=False)
    try:
        seconds = max(int(duration or 0), 0)
    except ValueError:
        raise Invalid(
            "CallDuration is not a whole number", [{"field": "CallDuration", "reason": repr(duration)}]
        ) from None
    direction = "inbound" if _one(params, "Direction", required=False) == "inbound" else "outbound"
    answered_by = _answered_by(_one(params, "AnsweredBy", required=False))
    sequence = _one(params, "SequenceNumber", required=False)

    def event(kind: str, moment: datetime, **fields: Any) -> Event:
        ident = f"tw:{sid}:{status}:{kind.removeprefix('call.')}"
        body = {"event_id": ident, "type": kind, "occurred_at": _iso(moment), "call_id": sid, **fields}
        return body | ({"twilio_sequence": sequence} if sequence else {})

    if seconds > MAX_CALL_SECONDS:
        raise Invalid(
            "CallDuration is implausible", [{"field": "CallDuration", "reason": f"over {MAX_CALL_SECONDS} s"}]
        )
    # The completed callback carries the talk time: its answer (and start) lie that far back.
    try:
        answered_at = at - timedelta(seconds=seconds) if status == "completed" and seconds else None
    except OverflowError:
        raise Invalid("Timestamp is out of range", [{"field": "Timestamp"}]) from None
    start = {"direction": direction, "from": _one(params, "From"), "to": _one(params, "To")}
    events = [event("call.started", answered_at or at, **start)]
    if status == "in-progress":
        events.append(event("call.answered", at, answered_by=answered_by))
    elif status == "completed":
        if answered_at is not None:
            events.append(event("call.answered", answered_at, answered_by=answered_by))
        events.append(event("call.ended", at, reason="completed"))
    elif status in _CALL_END:
        events.append(event("call.ended", at, reason=_CALL_END[status]))
    return events


def _answered_by(value: str) -> str:
    if value.startswith("machine") or value == "fax":
        return "machine"
    return "human"  # Twilio's "human", "unknown", or no answering-machine detection at all


def message_events(params: Params, received_at: datetime) -> list[Event]:
    """Canonical message events for one messaging webhook (an inbound message or a status callback)."""
    sid = _one(params, "MessageSid", required=False) or _one(params, "SmsSid")
    raw_status = _one(params, "MessageStatus", required=False) or _one(params, "SmsStatus")
    status = _MESSAGE_STATUS.get(raw_status)
    if status is None:
        raise Invalid(
            f"unknown MessageStatus {raw_status!r}",
            [{"field": "MessageStatus", "reason": f"not one of {', '.join(sorted(_MESSAGE_STATUS))}"}],
        )
    at = callback_time(params, received_at)
    try:
        media = max(int(_one(params, "NumMedia", required=False) or 0), 0)
    except ValueError:
        raise Invalid("NumMedia is not a whole number", [{"field": "NumMedia"}]) from None
    status_event: Event = {
        "event_id": f"tw:{sid}:{raw_status}:status",
        "type": "message.status",
        "occurred_at": _iso(at),
        "message_id": sid,
        "status": status,
    }
    error_code = _one(params, "ErrorCode", required=False)
    if error_code:
        status_event["error_code"] = error_code
    if status != "received":
        return [status_event]
    created: Event = {
        "event_id": f"tw:{sid}:created",
        "type": "message.created",
        "occurred_at": _iso(at),
        "message_id": sid,
        "direction": "inbound",
        "channel": "mms" if media else "sms",
        "from": _one(params, "From"),
        "to": _one(params, "To"),
        "body": _one(params, "Body", required=False),
        "media_count": media,
    }
    return [created, status_event]
