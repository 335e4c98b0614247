"""Outbound contact rules and the dialer: do-not-call and SMS consent, campaign contacts, pacing decisions,
speed dial."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class DncEntry(Base):
    """The account's internal do-not-contact list: neither dialled nor messaged."""

    __tablename__ = "dnc_entries"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_column()


class SmsConsent(Base):
    """A number's latest opt-out/opt-in keyword by ``occurred_at`` (last writer wins, whatever the arrival)."""

    __tablename__ = "sms_consent"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(sa.Boolean)
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    event_id: Mapped[str] = mapped_column(sa.String(200))


class DialerContact(Base):
    """A number a campaign dials, with its attempts and when it may be tried next."""

    __tablename__ = "dialer_contacts"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.String(20), server_default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "external_id"),
        sa.Index("ix_dialer_contacts_due", "campaign_id", "state", "next_attempt_at"),
    )


class DialerDecision(Base):
    """Every choice the dialer made about a contact or a campaign, and why."""

    __tablename__ = "dialer_decisions"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        sa.BigInteger, sa.ForeignKey("dialer_contacts.id", ondelete="CASCADE")
    )
    decided_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    decision: Mapped[str] = mapped_column(sa.String(20))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    call_id: Mapped[str | None] = mapped_column(sa.String(200))
    __table_args__ = (sa.Index("ix_dialer_decisions_campaign", "campaign_id", "decided_at"),)


class SpeedDialEntry(Base):
    """One number on a user's speed-dial list."""

    __tablename__ = "speed_dial_entries"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(sa.String(200))
    phone: Mapped[str] = mapped_column(sa.String(32))
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_column()
    __table_args__ = (sa.UniqueConstraint("user_id", "phone"),)
