"""The ingest contract per event (issues 12/13): every field against its column's bounds, times that overflow,
names that are not text, callers that are not numbers; one bad event is refused alone, never its batch."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from operational.events import EventRejected, validate
from tests.events_factory import CALLER, LINE, ev

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
AT = "2026-11-02T14:00:00+00:00"


def started(**fields: Any) -> dict[str, Any]:
    base = {"call_id": "c1", "direction": "inbound", "from_": CALLER, "to": LINE}
    return ev("call.started", AT, **(base | fields))


def refusal(event: Any) -> tuple[str, str]:
    with pytest.raises(EventRejected) as caught:
        validate(event, NOW)
    return caught.value.field, caught.value.reason


@pytest.mark.parametrize(
    "stamp",
    [
        "0001-01-01T00:30:00+01:00",  # year 0 in UTC: Python's astimezone overflows
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:30:00-01:00",  # year 10000 in UTC
        "1969-12-31T23:59:59+00:00",
    ],
)
def test_occurred_at_out_of_the_storable_range_is_rejected_naming_it(stamp: str) -> None:
    field, reason = refusal(ev("agent.status", stamp, agent="a", status="available"))
    assert field == "occurred_at"
    assert stamp in reason


def test_occurred_at_from_1970_to_a_day_ahead_is_accepted() -> None:
    for stamp in ("1970-01-01T00:00:00+00:00", "2026-11-03T14:59:59+00:00"):
        assert (
            validate(ev("agent.status", stamp, agent="a", status="available"), NOW).occurred_at.tzinfo == UTC
        )
    assert refusal(ev("agent.status", "2026-11-03T15:00:01+00:00", agent="a", status="available"))[0] == (
        "occurred_at"
    )


@pytest.mark.parametrize(
    ("event", "field", "limit"),
    [
        (lambda n: ev("agent.status", AT, event_id="e" * n, agent="a", status="available"), "event_id", 200),
        (lambda n: started(call_id="c" * n), "call_id", 200),
        (lambda n: ev("agent.status", AT, agent="a" * n, status="available"), "agent", 200),
        (lambda n: started(queue="q" * n), "queue", 200),
        (lambda n: started(contact_id="k" * n), "contact_id", 200),
        (lambda n: ev("call.transferred", AT, call_id="c1", to_agent="t" * n), "to_agent", 200),
        (lambda n: ev("call.disposition", AT, call_id="c1", disposition="d" * n), "disposition", 100),
        (lambda n: ev("message.status", AT, message_id="m1", status="failed", error_code="9" * n), "error_code", 40),
        (lambda n: ev("message.created", AT, message_id="m" * n, direction="inbound", channel="chat", from_="web",
                      to="web", body=""), "message_id", 200),
        (lambda n: ev("message.created", AT, message_id="m1", direction="inbound", channel="chat", from_="w" * n,
                      to="web", body=""), "from", 32),
    ],
)  # fmt: skip
def test_a_field_longer_than_its_column_is_rejected_and_one_at_the_limit_accepted(
    event: Any, field: str, limit: int
) -> None:
    validate(event(limit), NOW)
    assert refusal(event(limit + 1)) == (field, f"longer than {limit} characters ({limit + 1})")


@pytest.mark.parametrize("media", [101, 2**31, -1, 1.0, True, "3"])
def test_media_count_outside_the_gates_0_to_100_is_rejected(media: Any) -> None:
    message = ev("message.created", AT, message_id="m1", direction="inbound", channel="mms", from_=CALLER,
                 to=LINE, body="", media_count=media)  # fmt: skip
    assert refusal(message)[0] == "media_count"
    assert validate(message | {"media_count": 100}, NOW).payload["media_count"] == 100


@pytest.mark.parametrize(
    ("event", "field"),
    [
        (started(queue={"a": 1}), "queue"),
        (started(campaign=["x"]), "campaign"),
        (started(ai_agent=7), "ai_agent"),
        (started(contact_id={"id": 1}), "contact_id"),
        (ev("call.answered", AT, call_id="c1", answered_by={"a": 1}), "answered_by"),
        (ev("call.answered", AT, call_id="c1", answered_by="human", agent=42), "agent"),
        (ev("call.transferred", AT, call_id="c1", to_queue=["sales"]), "to_queue"),
        (ev("call.transferred", AT, call_id="c1", to_agent={"n": "bob"}), "to_agent"),
        (ev("call.disposition", AT, call_id="c1", disposition=1), "disposition"),
        (ev("call.hold", AT, call_id="c1", queue={"a": 1}), "queue"),  # names are read from every event
        (ev("message.status", AT, message_id="m1", status="failed", error_code={"c": 1}), "error_code"),
        (ev("agent.status", AT, agent="a", status="available", event_id=5), "event_id"),
    ],
)
def test_names_sent_as_objects_lists_or_numbers_are_rejected_naming_the_field(event: Any, field: str) -> None:
    assert refusal(event)[0] == field


def test_an_empty_optional_name_means_none() -> None:
    assert "queue" not in validate(started(queue="", campaign="c"), NOW).payload


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("client:alice", "client:alice"),
        ("Client:Alice_2", "client:Alice_2"),
        ("sip:Alice@Example.COM", "sip:Alice@example.com"),
        ("sip:bob@PBX.example.com:5060;transport=tls", "sip:bob@pbx.example.com:5060"),
        ("Anonymous", "anonymous"),
        ("Restricted", "restricted"),
        ("UNKNOWN", "unknown"),
        ("private", "private"),
        ("+1 415-555-2671", "+14155552671"),
    ],
)
def test_twilio_client_sip_and_withheld_callers_are_kept_normalised(sent: str, stored: str) -> None:
    assert validate(started(from_=sent), NOW).payload["from"] == stored
    assert validate(started(to=sent), NOW).payload["to"] == stored


@pytest.mark.parametrize("sent", ["12", "hello", "client:", "client:a b", "sip:example.com", "sip:@example.com",
                                  "sip:" + "u" * 30 + "@example.com"])  # fmt: skip
def test_a_malformed_caller_is_still_rejected_naming_the_field(sent: str) -> None:
    assert refusal(started(from_=sent))[0] == "from"


def test_sms_numbers_stay_strict_e164() -> None:
    message = ev("message.created", AT, message_id="m1", direction="inbound", channel="sms", from_="client:alice",
                 to=LINE, body="hi", media_count=0)  # fmt: skip
    assert refusal(message) == ("from", "not an E.164 phone number: 'client:alice'")


def test_a_rejection_never_echoes_a_huge_value() -> None:
    field, reason = refusal(ev("agent.status", "x" * 100_000, agent="a", status="available"))
    assert field == "occurred_at" and len(reason) < 120
