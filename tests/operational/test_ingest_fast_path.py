"""The ingest's hot path (one-pass checks, COPY text rows) keeps every value and every refusal exact."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.accounts import create_account
from operational.events import EventRejected, validate
from operational.ingest import ingest_events


def test_ids_with_tabs_newlines_and_backslashes_are_stored_exactly(engine: Engine) -> None:
    account = create_account(engine, "copy-escapes", "UTC")
    odd = "a\tb\nc\\d\re\\N"
    events = [
        {"event_id": odd, "type": "call.started", "occurred_at": "2026-01-05T10:00:00+00:00",
         "call_id": odd, "direction": "inbound", "from": "+14155550100", "to": "+14155550101",
         "queue": "back\\slash"},
        {"event_id": "plain", "type": "message.created", "occurred_at": "2026-01-05T10:00:00+00:00",
         "message_id": "m\t1", "direction": "inbound", "channel": "chat", "from": "x", "to": "y",
         "body": "line one\nline\ttwo \\u0041 \\", "media_count": 0},
    ]  # fmt: skip
    report = ingest_events(engine, account.id, enumerate(events))
    assert (report.stored, report.rejected) == (2, [])
    with engine.connect() as conn:
        call = conn.execute(
            sa.text("select call_id, queue from calls where account_id = :a"), {"a": account.id}
        ).one()
        body = conn.scalar(sa.text("select body from messages where message_id = 'm\t1'"))
        stored_id = conn.scalar(sa.text("select event_id from events where call_id = :c"), {"c": odd})
    assert tuple(call) == (odd, "back\\slash")
    assert body == "line one\nline\ttwo \\u0041 \\"
    assert stored_id == odd


def test_first_bad_text_field_is_named_in_contract_order_whatever_the_key_order() -> None:
    # to_agent comes first in the object, but the contract checks queue first (TEXT_LIMITS order)
    event = {"to_agent": 5, "type": "agent.status", "occurred_at": "2026-01-05T10:00:00+00:00",
             "status": "available", "agent": "ann", "event_id": "e1", "queue": "q" * 201}  # fmt: skip
    with pytest.raises(EventRejected) as raised:
        validate(event)
    assert raised.value.field == "queue"
    assert raised.value.reason == "longer than 200 characters (201)"


def test_empty_optional_names_are_dropped_from_the_stored_payload() -> None:
    event = {"event_id": "e2", "type": "call.started", "occurred_at": "2026-01-05T10:00:00+00:00",
             "call_id": "c2", "direction": "inbound", "from": "+14155550100", "to": "+14155550101",
             "queue": "", "campaign": "", "ai_agent": "bot"}  # fmt: skip
    valid = validate(event)
    assert "queue" not in valid.payload and "campaign" not in valid.payload
    assert valid.payload["ai_agent"] == "bot"
