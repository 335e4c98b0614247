"""Report subscriptions: the e-mail domains an account allows, the subscriptions and their delivery log."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class AccountEmailDomain(Base):
    """A domain report e-mails may go to besides the account's own users' addresses."""

    __tablename__ = "account_email_domains"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    created_at: Mapped[datetime] = created_column()


class ReportSubscription(Base):
    """A report e-mailed on a schedule (local time in the account's time zone) for the period just ended."""

    __tablename__ = "report_subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    report: Mapped[str] = mapped_column(sa.String(40))
    format: Mapped[str] = mapped_column(sa.String(10))
    filters: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"))
    frequency: Mapped[str] = mapped_column(sa.String(10))
    weekday: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 0 = Monday, for weekly
    day_of_month: Mapped[int | None] = mapped_column(sa.SmallInteger)  # 1–31 (last day if shorter), monthly
    send_at: Mapped[time] = mapped_column(sa.Time)
    recipients: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    enabled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = created_column()
    # set while a delivery is held back because the warehouse failed its checks; cleared when one is sent
    held_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    hold_reason: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = (
        sa.UniqueConstraint("account_id", "name"),
        sa.CheckConstraint("format in ('csv', 'xlsx', 'pdf')", name="format"),
        sa.CheckConstraint("frequency in ('daily', 'weekly', 'monthly')", name="frequency"),
        sa.CheckConstraint(
            "(frequency = 'weekly') = (weekday is not null) and (weekday is null or weekday between 0 and 6)",
            name="weekday",
        ),
        sa.CheckConstraint(
            "(frequency = 'monthly') = (day_of_month is not null)"
            " and (day_of_month is null or day_of_month between 1 and 31)",
            name="day_of_month",
        ),
    )


class ReportDelivery(Base):
    """One subscription's delivery for one period; the unique key makes the delivery happen exactly once.

    A worker claims a period by inserting its row (a second insert does nothing), then leases the row with
    a conditional update before sending; the row records every attempt's outcome for the delivery log.
    """

    __tablename__ = "report_deliveries"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(sa.ForeignKey("report_subscriptions.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    status: Mapped[str] = mapped_column(sa.String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    recipients: Mapped[list[str] | None] = mapped_column(ARRAY(sa.Text))
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    rows: Mapped[int | None] = mapped_column(sa.Integer)
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.UniqueConstraint("subscription_id", "period_start", "period_end"),
        sa.CheckConstraint(
            "status in ('pending', 'sending', 'sent', 'retry', 'held', 'failed')", name="status"
        ),
        sa.Index(
            "ix_report_deliveries_open",
            "status",
            "next_attempt_at",
            postgresql_where=sa.text("status in ('pending', 'sending', 'retry', 'held')"),
        ),
        sa.Index("ix_report_deliveries_log", "account_id", "created_at"),
    )
