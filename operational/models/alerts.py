"""Metric alerts (issue 19): the rules an account sets, each rule's firing state, its history, the per-account
webhook secret and the webhook delivery log."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class AlertRule(Base):
    """When to tell whom: a metric over a scope and a trailing window compared with a threshold."""

    __tablename__ = "alert_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    metric: Mapped[str] = mapped_column(sa.String(40))
    scope: Mapped[str] = mapped_column(sa.String(10))  # account, queue or campaign
    scope_name: Mapped[str | None] = mapped_column(sa.String(200))  # the queue or campaign; None for account
    window: Mapped[str] = mapped_column(sa.String(10))
    comparison: Mapped[str] = mapped_column(sa.String(2))
    threshold: Mapped[float] = mapped_column(sa.Float)
    min_volume: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    rearm_seconds: Mapped[int] = mapped_column(sa.Integer, server_default="600")
    quiet_start: Mapped[time | None] = mapped_column(sa.Time)  # account local time
    quiet_end: Mapped[time | None] = mapped_column(sa.Time)
    recipients: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    webhook_url: Mapped[str | None] = mapped_column(sa.String(2000))
    enabled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.true())
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.UniqueConstraint("account_id", "name"),
        sa.CheckConstraint("scope in ('account', 'queue', 'campaign')", name="scope"),
        sa.CheckConstraint("(scope = 'account') = (scope_name is null)", name="scope_name"),
        sa.CheckConstraint("comparison in ('>', '>=', '<', '<=')", name="comparison"),
        sa.CheckConstraint("(quiet_start is null) = (quiet_end is null)", name="quiet_hours"),
    )


class AlertState(Base):
    """One rule's state machine: ok → firing (told once) → recovering (for ``rearm_seconds``) → ok."""

    __tablename__ = "alert_states"
    rule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("alert_rules.id", ondelete="CASCADE"), primary_key=True
    )
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(sa.String(10), server_default="ok")
    since: Mapped[datetime] = created_column()
    value: Mapped[float | None] = mapped_column(sa.Float)
    evaluated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (sa.CheckConstraint("state in ('ok', 'firing', 'recovering')", name="state"),)


class AlertEvent(Base):
    """A firing or a recovery, with the value, threshold and window behind it and the drill-down link."""

    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_rules.id", ondelete="SET NULL"))
    rule_name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(10))  # fired or recovered
    metric: Mapped[str] = mapped_column(sa.String(40))
    scope: Mapped[str] = mapped_column(sa.String(10))
    scope_name: Mapped[str | None] = mapped_column(sa.String(200))
    window: Mapped[str] = mapped_column(sa.String(10))
    window_start: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    value: Mapped[float | None] = mapped_column(sa.Float)
    volume: Mapped[int] = mapped_column(sa.Integer)
    comparison: Mapped[str] = mapped_column(sa.String(2))
    threshold: Mapped[float] = mapped_column(sa.Float)
    drilldown: Mapped[str] = mapped_column(sa.Text)
    emailed_to: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default="{}")
    email_error: Mapped[str | None] = mapped_column(sa.Text)
    occurred_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.CheckConstraint("kind in ('fired', 'recovered')", name="kind"),
        sa.Index("ix_alert_events_history", "account_id", "occurred_at"),
    )


class AlertWebhookSecret(Base):
    """The account's webhook signing secret, sealed at rest (``operational/secrets_at_rest.py``)."""

    __tablename__ = "alert_webhook_secrets"
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_column()


class AlertWebhookDelivery(Base):
    """One webhook post of an alert event: every attempt's outcome, retried with backoff until it is taken."""

    __tablename__ = "alert_webhook_deliveries"
    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("alert_events.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.String(2000))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(sa.String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    response_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    delivered_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_column()
    __table_args__ = (
        sa.CheckConstraint("status in ('pending', 'retry', 'delivered', 'failed')", name="status"),
        sa.Index(
            "ix_alert_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=sa.text("status in ('pending', 'retry')"),
        ),
        sa.Index("ix_alert_webhook_deliveries_log", "account_id", "created_at"),
    )
