"""Per-queue wallboard targets managers set: service level, abandon rate and longest wait (red/amber/green)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class QueueTarget(Base):
    """One queue's targets; ``queue`` '*' (operational.live.ALL_QUEUES) holds the account's default.

    A missing value means "the account's row, then the product default" (app/queries/live.py), so a manager can set one
    target and leave the others alone.
    """

    __tablename__ = "queue_targets"
    __table_args__ = (
        sa.CheckConstraint("service_level_target between 0 and 1", name="service_level_target"),
        sa.CheckConstraint("abandon_rate_target between 0 and 1", name="abandon_rate_target"),
        sa.CheckConstraint("longest_wait_seconds_target > 0", name="longest_wait_seconds_target"),
    )
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    service_level_target: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 4))
    abandon_rate_target: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 4))
    longest_wait_seconds_target: Mapped[int | None] = mapped_column(sa.Integer)
    updated_by: Mapped[str | None] = mapped_column(sa.String(200))
    updated_at: Mapped[datetime] = created_column()
