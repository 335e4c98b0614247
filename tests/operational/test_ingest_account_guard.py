"""The ledger's account guard (migration 0010): checked once per batch, yet an account with events stays."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.accounts import create_account
from operational.errors import NotFound
from operational.ingest import ingest_events

_CALL = {
    "event_id": "g1", "type": "call.started", "occurred_at": "2026-01-05T10:00:00+00:00", "call_id": "c1",
    "direction": "inbound", "from": "+14155550100", "to": "+14155550101", "queue": "sales",
}  # fmt: skip
_MESSAGE = {
    "event_id": "g2", "type": "message.created", "occurred_at": "2026-01-05T10:00:00+00:00", "message_id": "m1",
    "direction": "inbound", "channel": "chat", "from": "x", "to": "y", "body": "hi", "media_count": 0,
}  # fmt: skip


def _rows(engine: Engine, account_id: int) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.scalar(sa.text(f"select count(*) from {table} where account_id = :a"), {"a": account_id})
            for table in ("events", "calls", "messages")
        )


def test_an_account_with_events_cannot_be_deleted_and_keeps_them(engine: Engine) -> None:
    account = create_account(engine, "guard-kept", "UTC")
    assert ingest_events(engine, account.id, enumerate([_CALL, _MESSAGE])).stored == 2
    refused = pytest.raises(sa.exc.IntegrityError, match="account .* still has events, calls or messages")
    with refused, engine.begin() as conn:
        conn.execute(sa.text("delete from accounts where id = :a"), {"a": account.id})
    assert _rows(engine, account.id) == (2, 1, 1)
    with engine.connect() as conn:
        assert (
            conn.scalar(sa.text("select slug from accounts where id = :a"), {"a": account.id}) == "guard-kept"
        )


def test_an_account_without_events_can_still_be_deleted(engine: Engine) -> None:
    account = create_account(engine, "guard-empty", "UTC")
    with engine.begin() as conn:
        assert conn.execute(sa.text("delete from accounts where id = :a"), {"a": account.id}).rowcount == 1


def test_a_batch_for_a_missing_account_is_refused_and_stores_nothing(engine: Engine) -> None:
    with pytest.raises(NotFound, match="account 987654 does not exist: its batch of 2 events was not stored"):
        ingest_events(engine, 987654, enumerate([_CALL, _MESSAGE]))
    assert _rows(engine, 987654) == (0, 0, 0)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from stream_outbox where account_id = 987654")) == 0


def test_the_ledger_tables_check_their_account_per_batch_not_per_row(engine: Engine) -> None:
    # a foreign key fires a check per inserted row: the events insert spent a quarter of its time there
    with engine.connect() as conn:
        per_row = conn.scalars(
            sa.text(
                "select conrelid::regclass::text from pg_constraint where contype = 'f' "
                "and confrelid = 'accounts'::regclass and conrelid::regclass::text = any(:tables) order by 1"
            ),
            {"tables": ["events", "calls", "messages", "agent_status_events", "stream_outbox"]},
        ).all()
    assert per_row == []
