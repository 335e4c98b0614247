"""SQLAlchemy models of the operational store: tenants, dimensions, the event ledger and derived state."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every row the warehouse extracts carries ``change_seq``: a value from one sequence, set again whenever the
# row changes, so the extractor reads "everything after the last value I saw" (with a look-back for
# transactions that committed late).
change_seq = sa.Sequence("change_seq", metadata=None)
SECONDS = sa.Numeric(14, 6)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _seq_column() -> Mapped[int]:
    return mapped_column(sa.BigInteger, server_default=sa.text("nextval('change_seq')"), nullable=False)


def _created_column() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


class Account(Base):
    """A tenant: a business with its time zone and metric settings."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64))
    short_abandon_seconds: Mapped[Decimal] = mapped_column(SECONDS, server_default="5")
    service_level_seconds: Mapped[Decimal] = mapped_column(SECONDS, server_default="20")
    success_dispositions: Mapped[list[str]] = mapped_column(
        ARRAY(sa.Text), server_default=sa.text("array['sale']::text[]")
    )
    created_at: Mapped[datetime] = _created_column()
    change_seq: Mapped[int] = _seq_column()
    # Twilio signs its callbacks with the account's auth token: kept as given, since checking needs it.
    twilio_auth_token: Mapped[str | None] = mapped_column(sa.String(200))


class _Named:
    """Agents, queues and campaigns: account-unique names, created on first sight."""

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = _created_column()
    change_seq: Mapped[int] = _seq_column()


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


class Event(Base):
    """The ledger of every accepted canonical event; (account, event_id) makes ingest idempotent."""

    __tablename__ = "events"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    call_id: Mapped[str | None] = mapped_column(sa.String(200))
    message_id: Mapped[str | None] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    received_at: Mapped[datetime] = _created_column()
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
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
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
    change_seq: Mapped[int] = _seq_column()
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
    )


class Message(Base):
    """An SMS/MMS/chat/e-mail message and its final delivery status by ``occurred_at``."""

    __tablename__ = "messages"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
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
    change_seq: Mapped[int] = _seq_column()
    # the inbox lists newest first and pages by (created_at, message_id)
    __table_args__ = (sa.Index("ix_messages_inbox", "account_id", "created_at", "message_id"),)


class AgentStatusEvent(Base):
    """One ``agent.status`` event; the warehouse turns consecutive events into intervals."""

    __tablename__ = "agent_status_events"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    agent: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    change_seq: Mapped[int] = _seq_column()
    __table_args__ = (sa.Index("ix_agent_status_latest", "account_id", "agent", "occurred_at"),)


# --- issue 4: tenants' keys and users, messaging consent, the dialer ------------------------------------


class ApiKey(Base):
    """An account's API key: ``vxk_<key_id>_<secret>``; only a SHA-256 of the secret is kept.

    The secret is 256 random bits, so a fast hash is as safe as a slow one here and costs microseconds per
    request (argon2 is for human-chosen passwords). The fixed per-minute window lives on the row, so one
    ``UPDATE … RETURNING`` both authenticates the key and counts the request.
    """

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    key_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    rate_limit_per_minute: Mapped[int] = mapped_column(sa.Integer, server_default="6000")
    window_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    window_count: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    created_at: Mapped[datetime] = _created_column()
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class User(Base):
    """A person who signs in to the app; usernames are unique across accounts so a login names one."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    role: Mapped[str] = mapped_column(sa.String(20))
    password_hash: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = _created_column()
    disabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    email: Mapped[str | None] = mapped_column(sa.String(254))  # where report e-mails reach them (issue 7)
    __table_args__ = (sa.CheckConstraint("role in ('admin', 'manager', 'analyst', 'agent')", name="role"),)


class DncEntry(Base):
    """The account's internal do-not-contact list: neither dialled nor messaged."""

    __tablename__ = "dnc_entries"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    phone: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = _created_column()


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
    created_at: Mapped[datetime] = _created_column()
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
    created_at: Mapped[datetime] = _created_column()
    __table_args__ = (sa.UniqueConstraint("user_id", "phone"),)


# --- issue 7: report subscriptions and their delivery log ------------------------------------------------


class AccountEmailDomain(Base):
    """A domain report e-mails may go to besides the account's own users' addresses."""

    __tablename__ = "account_email_domains"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(sa.String(253), primary_key=True)
    created_at: Mapped[datetime] = _created_column()


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
    created_at: Mapped[datetime] = _created_column()
    updated_at: Mapped[datetime] = _created_column()
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
    created_at: Mapped[datetime] = _created_column()
    updated_at: Mapped[datetime] = _created_column()
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
