"""The stream outbox: one row per stream event, written in the ingest's transaction, kept for the retention window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class StreamEvent(Base):
    """An event for stream clients (``call:answered``, ``agent:busy``…), in the order its account committed it.

    ``id`` grows in commit order within an account (the ingest takes a per-account lock before writing here,
    ``operational/outbox.py``), so "everything after id N" is exactly what a client that saw N has missed.
    """

    __tablename__ = "stream_outbox"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    # no FK, like the ledger's (operational/models/ledger.py): ingest locks the account once per batch
    account_id: Mapped[int] = mapped_column(sa.Integer)
    type: Mapped[str] = mapped_column(sa.String(30))
    event_id: Mapped[str | None] = mapped_column(sa.String(200))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    queue: Mapped[str | None] = mapped_column(sa.String(200))
    agent: Mapped[str | None] = mapped_column(sa.String(200))
    # an alert's own data; null for a stream event of a canonical event, whose payload readers take from
    # ``events`` (operational/outbox.py READ_AFTER): one copy of each payload, not two (migration 0011)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.Index("ix_stream_outbox_account_id", "account_id", "id"),
        sa.Index("ix_stream_outbox_created_at", "created_at"),
    )
