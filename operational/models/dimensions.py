"""The dimensions events name: agents, queues and campaigns, account-unique and created on first sight."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column, seq_column


class _Named:
    """Agents, queues and campaigns: account-unique names, created on first sight."""

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_column()
    change_seq: Mapped[int] = seq_column()


class Agent(_Named, Base):
    __tablename__ = "agents"
    __table_args__ = (sa.UniqueConstraint("account_id", "name"),)


class Queue(_Named, Base):
    __tablename__ = "queues"
    __table_args__ = (sa.UniqueConstraint("account_id", "name"),)


class Campaign(_Named, Base):
    """A dialer campaign; one first seen in an event gets the defaults and stays ``stopped``."""

    __tablename__ = "campaigns"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "name"),
        sa.CheckConstraint("type in ('power', 'parallel', 'speed_dial')", name="type"),
        sa.CheckConstraint("state in ('running', 'stopped')", name="state"),
    )
    type: Mapped[str] = mapped_column(sa.String(20), server_default="power")
    lines_per_agent: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    caller_id: Mapped[str | None] = mapped_column(sa.String(32))
    max_attempts: Mapped[int] = mapped_column(sa.Integer, server_default="3")
    retry_minutes: Mapped[int] = mapped_column(sa.Integer, server_default="60")
    state: Mapped[str] = mapped_column(sa.String(20), server_default="stopped")
    throttled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    flagged_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    flag_reason: Mapped[str | None] = mapped_column(sa.Text)
