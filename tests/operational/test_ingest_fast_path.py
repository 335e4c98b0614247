"""The ingest's hot path (one-pass checks, COPY text rows) keeps every value and every refusal exact."""

from __future__ import annotations

from decimal import Decimal

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


def test_batches_stored_behind_validation_keep_state_refusals_and_progress_exact(engine: Engine) -> None:
    """Batches of 2, stored by the second thread while the next is checked: the call's events arrive
    in reverse order over three batches, one event is bad and one is a replay of an earlier batch's."""
    account = create_account(engine, "background-store", "UTC")
    t0 = "2026-11-02T14:00:00+00:00"
    events = [
        {"event_id": "w", "type": "call.wrapup_ended", "occurred_at": "2026-11-02T14:05:20+00:00",
         "call_id": "c", "agent": "alice"},
        {"event_id": "e", "type": "call.ended", "occurred_at": "2026-11-02T14:05:00+00:00",
         "call_id": "c", "reason": "completed"},
        {"event_id": "bad", "type": "call.answered", "occurred_at": t0, "call_id": "c",
         "answered_by": "robot"},
        {"event_id": "a", "type": "call.answered", "occurred_at": "2026-11-02T14:00:12.500000+00:00",
         "call_id": "c", "answered_by": "human", "agent": "alice"},
        {"event_id": "s", "type": "call.started", "occurred_at": t0, "call_id": "c",
         "direction": "inbound", "from": "+14155552671", "to": "+12125550123", "queue": "main"},
        {"event_id": "e", "type": "call.ended", "occurred_at": "2026-11-02T14:05:00+00:00",
         "call_id": "c", "reason": "completed"},
    ]  # fmt: skip
    sizes: list[int] = []
    report = ingest_events(
        engine, account.id, enumerate(events, start=1), batch_size=2, on_batch=sizes.append
    )
    assert (report.received, report.stored, report.duplicates) == (6, 4, 1)
    assert [(r.position, r.event_id, r.field) for r in report.rejected] == [(3, "bad", "answered_by")]
    assert sizes == [2, 2, 1]  # w+e, a+s, then the replayed e alone
    with engine.connect() as conn:
        call = conn.execute(
            sa.text(
                "select status, wait_seconds, talk_seconds, wrap_seconds, event_count, agent from calls "
                "where account_id = :a and call_id = 'c'"
            ),
            {"a": account.id},
        ).one()
    # waited 12.5 s (start → answer), talked 287.5 s (answer → end at 300 s), wrapped 20 s
    assert tuple(call) == ("completed", Decimal("12.500"), Decimal("287.500"), Decimal("20.000"), 4, "alice")
