"""Hypothesis strategies for the API fuzz run: event batches that mix valid events with invalid neighbours,
and Twilio-format callback forms.

Every generated event carries what must become of it: ``None`` (valid: stored) or the field the rejection
must name. An invalid event is a valid one with exactly one thing broken, so the field is known by
construction, not by asking the code under test.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

PHONES = ("+14155552671", "+12125550123", "+447911123456", "+33612345678", "+819012345678")
_ids = itertools.count(1)

# Printable text of any script (non-ASCII included), but no NUL and no lone surrogates (JSON cannot carry them).
NAME = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00", exclude_categories=("Cs",)),
    min_size=1,
    max_size=40,
)
OVER_LONG = st.integers(min_value=201, max_value=4_000).map(lambda n: "x" * (n - 1) + "é")


@dataclass(frozen=True)
class Planned:
    """An event to send and what the API must answer for it: stored, or rejected naming ``field``."""

    event: Any
    field: str | None  # None: valid, must be stored
    either: bool = False  # a year-1 timestamp PostgreSQL can hold: stored, or rejected naming the field


def _offset(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(_offset)
VALID_TIME = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31), timezones=OFFSETS
).map(lambda moment: moment.isoformat())


def _unique(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


@st.composite
def valid_event(draw: st.DrawFn) -> dict[str, Any]:
    """One valid canonical event of a few representative types, with non-ASCII names and offsets."""
    kind = draw(st.sampled_from(["call.started", "call.ended", "message.created", "message.status",
                                 "agent.status", "call.queued"]))  # fmt: skip
    event: dict[str, Any] = {"event_id": _unique("ok"), "type": kind, "occurred_at": draw(VALID_TIME)}
    if kind.startswith("call."):
        event["call_id"] = _unique("call")
    if kind.startswith("message."):
        event["message_id"] = _unique("msg")
    if kind == "call.started":
        event |= {"direction": draw(st.sampled_from(["inbound", "outbound"])),
                  "from": draw(st.sampled_from(PHONES)), "to": draw(st.sampled_from(PHONES))}  # fmt: skip
        if draw(st.booleans()):
            event["queue"] = draw(NAME)
    elif kind == "call.ended":
        event["reason"] = draw(st.sampled_from(["completed", "caller_hangup", "busy", "no_answer"]))
    elif kind == "call.queued":
        event["queue"] = draw(NAME)
    elif kind == "message.created":
        event |= {"direction": draw(st.sampled_from(["inbound", "outbound"])), "channel": "sms",
                  "from": draw(st.sampled_from(PHONES)), "to": draw(st.sampled_from(PHONES)),
                  "body": draw(st.text(max_size=300).filter(lambda s: "\x00" not in s)
                               .map(lambda s: s.encode("utf-8", "ignore").decode())),
                  "media_count": draw(st.integers(min_value=0, max_value=10))}  # fmt: skip
    elif kind == "message.status":
        event["status"] = draw(st.sampled_from(["sent", "delivered", "failed", "received"]))
    elif kind == "agent.status":
        event |= {"agent": draw(NAME), "status": draw(st.sampled_from(["available", "busy", "offline"]))}
    return event


def _id_field(event: dict[str, Any]) -> str:
    return "call_id" if "call_id" in event else "message_id" if "message_id" in event else "agent"


@st.composite
def invalid_event(draw: st.DrawFn) -> Planned:
    """A valid event with one thing broken, and the field the rejection must name."""
    event = draw(valid_event())
    event["event_id"] = _unique("bad")
    how = draw(st.sampled_from([
        "wrong_type", "over_long_id", "over_long_event_id", "year_1", "year_1_edge", "year_9999", "nul",
        "non_ascii_choice", "huge_int", "huge_float_int", "unknown_type", "not_an_object", "missing",
    ]))  # fmt: skip
    if how == "wrong_type":
        field = draw(st.sampled_from(["event_id", "type", "occurred_at", _id_field(event)]))
        event[field] = draw(st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=2),
                                      st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)))  # fmt: skip
        return Planned(event, field)
    if how == "over_long_id":
        field = _id_field(event)
        event[field] = draw(OVER_LONG)
        return Planned(event, field)
    if how == "over_long_event_id":
        event["event_id"] = draw(OVER_LONG)
        return Planned(event, "event_id")
    if how == "year_1":
        # 0001-01-01 with a positive offset is before 0001-01-01 UTC: no datetime can hold it
        minutes = draw(st.integers(min_value=1, max_value=14 * 60))
        moment = datetime(1, 1, 1, tzinfo=_offset(minutes))
        event["occurred_at"] = moment.isoformat()
        return Planned(event, "occurred_at")
    if how == "year_1_edge":
        moment = draw(st.datetimes(min_value=datetime(1, 1, 1, 14), max_value=datetime(1, 12, 31),
                                   timezones=OFFSETS))  # fmt: skip
        event["occurred_at"] = moment.isoformat()
        return Planned(event, "occurred_at", either=True)
    if how == "year_9999":
        moment = draw(st.datetimes(min_value=datetime(9999, 1, 1), max_value=datetime(9999, 12, 31, 9),
                                   timezones=OFFSETS))  # fmt: skip
        event["occurred_at"] = moment.isoformat()
        return Planned(event, "occurred_at")
    if how == "nul":
        field = draw(st.sampled_from(["event_id", _id_field(event)]))
        event[field] = f"a\x00{event[field]}"
        return Planned(event, field)
    if how == "non_ascii_choice":
        event = {"event_id": _unique("bad"), "type": "call.ended", "occurred_at": draw(VALID_TIME),
                 "call_id": _unique("call"), "reason": draw(st.sampled_from(["complétéd", "busy\u200b", "ＢＵＳＹ"]))}  # fmt: skip
        return Planned(event, "reason")
    if how in ("huge_int", "huge_float_int"):
        # 2**40 fits JSON's int64 yet no PostgreSQL integer column; 10**30 arrives as a float
        event = draw(valid_event().filter(lambda e: e["type"] == "message.created"))
        event["event_id"] = _unique("bad")
        event["media_count"] = 2**40 + draw(st.integers(0, 10)) if how == "huge_int" else 10**30
        return Planned(event, "media_count")
    if how == "unknown_type":
        event["type"] = draw(st.sampled_from(["call.exploded", "CALL.STARTED", "сall.started", ""]))
        return Planned(event, "type")
    if how == "not_an_object":
        return Planned(
            draw(st.one_of(st.integers(), st.text(max_size=5), st.lists(st.none(), max_size=2))), "event"
        )
    required = {"call.started": "direction", "call.ended": "reason", "message.created": "channel",
                "message.status": "status", "agent.status": "status", "call.queued": "queue"}[event["type"]]  # fmt: skip
    del event[required]
    return Planned(event, required)


@st.composite
def mixed_batch(draw: st.DrawFn) -> list[Planned]:
    """1–30 events, valid ones and invalid neighbours in any order."""
    valid = draw(st.lists(valid_event().map(lambda e: Planned(e, None)), min_size=1, max_size=15))
    invalid = draw(st.lists(invalid_event(), min_size=1, max_size=15))
    return list(draw(st.permutations(valid + invalid)))


TWILIO_VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "99999999999", "1e400", "nan", "inf", "9" * 5000, "completed", "in-progress",
                     "received", "delivered", "inbound", "machine_start", "+14155552671", "CA" + "1" * 32,
                     "x" * 300, "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-14:00",
                     "Mon, 02 Nov 2026 15:00:00 +0000", "Mon, 01 Jan 0001 00:00:00 +1400"]),
)  # fmt: skip
TWILIO_FIELDS = ("CallSid", "CallStatus", "Timestamp", "CallDuration", "AnsweredBy", "Direction", "From", "To",
                 "SequenceNumber", "MessageSid", "SmsSid", "MessageStatus", "SmsStatus", "NumMedia", "ErrorCode",
                 "Body")  # fmt: skip


_BASE = {
    "voice": {"CallSid": "CA" + "1" * 32, "CallStatus": "completed", "CallDuration": "30", "Direction": "inbound",
              "From": PHONES[0], "To": PHONES[1], "Timestamp": "Mon, 02 Nov 2026 15:00:00 +0000"},
    "messages": {"MessageSid": "SM" + "1" * 32, "SmsStatus": "received", "From": PHONES[0], "To": PHONES[1],
                 "Body": "hello", "NumMedia": "0"},
}  # fmt: skip
_STATUSES = ("queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed",
             "canceled", "received", "delivered", "undelivered", "sent", "accepted", "read")  # fmt: skip


@st.composite
def twilio_form(draw: st.DrawFn, kind: str) -> dict[str, str]:
    """A well-formed callback of ``kind`` with some fields replaced by any value, some dropped, some added:
    starting from a good one gets past the first required field, so later fields are reached too."""
    form = dict(_BASE[kind])
    form["CallStatus" if kind == "voice" else "SmsStatus"] = draw(st.sampled_from(_STATUSES))
    for name in draw(st.lists(st.sampled_from(TWILIO_FIELDS), unique=True, max_size=4)):
        form[name] = draw(TWILIO_VALUE)
    for name in draw(st.lists(st.sampled_from(sorted(form)), unique=True, max_size=2)):
        del form[name]
    form |= draw(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=2))
    return form
