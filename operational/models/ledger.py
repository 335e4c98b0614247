"""The event ledger and the state derived from it: calls, messages and agent status changes.

Their ``account_id`` has no foreign key: a per-row check cost a quarter of the events insert. Ingest locks
the account row once per batch (``for key share``, operational/ingest_store.py) and a trigger on ``accounts``
refuses to delete an account that still has rows here (migration 0010).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import SECONDS, Base, created_column, seq_column


class Event(Base):
    """The ledger of every accepted canonical event; (account, event_id) makes ingest idempotent."""

    __tablename__ = "events"
    account_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # no FK: see the module docstring
    event_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    call_id: Mapped[str | None] = mapped_column(sa.String(200))
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.Index("ix_events_call", "account_id", "call_id", postgresql_where=sa.text("call_id is not null")),
        sa.Index(
            "ix_events_message",
            "account_id",
            "message_id",
            postgresql_where=sa.text("message_id is not null"),
        ),
    )


class Call(Base):
    """A call's state, recomputed from all its events in ``occurred_at`` order on every ingest."""

    __tablename__ = "calls"
    account_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # no FK: see the module docstring
    call_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    direction: Mapped[str | None] = mapped_column(sa.String(10))
    from_number: Mapped[str | None] = mapped_column(sa.String(32))
    to_number: Mapped[str | None] = mapped_column(sa.String(32))
    queue: Mapped[str | None] = mapped_column(sa.String(200))
    campaign: Mapped[str | None] = mapped_column(sa.String(200))
    contact_id: Mapped[str | None] = mapped_column(sa.String(200))
    ai_agent: Mapped[str | None] = mapped_column(sa.String(200))
    agent: Mapped[str | None] = mapped_column(sa.String(200))
    connected_agent: Mapped[str | None] = mapped_column(sa.String(200))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    queued_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    answered_by: Mapped[str | None] = mapped_column(sa.String(10))
    connected_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    wrapup_ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    disposition: Mapped[str | None] = mapped_column(sa.String(100))
    status: Mapped[str] = mapped_column(sa.String(20))
    wait_seconds: Mapped[Decimal | None] = mapped_column(SECONDS)
    hold_seconds: Mapped[Decimal] = mapped_column(SECONDS)
    talk_seconds: Mapped[Decimal] = mapped_column(SECONDS)
    wrap_seconds: Mapped[Decimal] = mapped_column(SECONDS)
    event_count: Mapped[int] = mapped_column(sa.Integer)
    change_seq: Mapped[int] = seq_column()
    __table_args__ = (
        sa.Index(
            "ix_calls_campaign_started",
            "account_id",
            "campaign",
            "started_at",
            postgresql_where=sa.text("campaign is not null"),
        ),
        sa.Index(
            "ix_calls_contact", "account_id", "contact_id", postgresql_where=sa.text("contact_id is not null")
        ),
        # the live read model (operational/live.py): calls open now, and today's inbound calls
        sa.Index("ix_calls_open", "account_id", "started_at", postgresql_where=sa.text("ended_at is null")),
        sa.Index(
            "ix_calls_inbound_started",
            "account_id",
            "started_at",
            postgresql_where=sa.text("direction = 'inbound'"),
        ),
    )


class Message(Base):
    """An SMS/MMS/chat/e-mail message and its final delivery status by ``occurred_at``."""

    __tablename__ = "messages"
    account_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # no FK: see the module docstring
    message_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    direction: Mapped[str | None] = mapped_column(sa.String(10))
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    from_number: Mapped[str | None] = mapped_column(sa.String(32))
    to_number: Mapped[str | None] = mapped_column(sa.String(32))
    body: Mapped[str | None] = mapped_column(sa.Text)
    media_count: Mapped[int | None] = mapped_column(sa.Integer)
    campaign: Mapped[str | None] = mapped_column(sa.String(200))
    agent: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str | None] = mapped_column(sa.String(20))
    status_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    error_code: Mapped[str | None] = mapped_column(sa.String(40))
    change_seq: Mapped[int] = seq_column()
    # the inbox lists newest first and pages by (created_at, message_id)
    __table_args__ = (sa.Index("ix_messages_inbox", "account_id", "created_at", "message_id"),)


class AgentStatusEvent(Base):
    """One ``agent.status`` event; the warehouse turns consecutive events into intervals."""

    __tablename__ = "agent_status_events"
    account_id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)  # no FK: see the module docstring
    event_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    agent: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    change_seq: Mapped[int] = seq_column()
    __table_args__ = (sa.Index("ix_agent_status_latest", "account_id", "agent", "occurred_at"),)
