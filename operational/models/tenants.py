"""Tenants and who may act for them: accounts, their API keys, the people who sign in."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import SECONDS, Base, created_column, seq_column


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
    created_at: Mapped[datetime] = created_column()
    change_seq: Mapped[int] = seq_column()
    # Twilio signs its callbacks with the account's auth token: kept as given, since checking needs it.
    twilio_auth_token: Mapped[str | None] = mapped_column(sa.String(200))


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
    created_at: Mapped[datetime] = created_column()
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
    created_at: Mapped[datetime] = created_column()
    disabled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    email: Mapped[str | None] = mapped_column(sa.String(254))  # where report e-mails reach them (issue 7)
    __table_args__ = (sa.CheckConstraint("role in ('admin', 'manager', 'analyst', 'agent')", name="role"),)
