"""What a browser holds to stay signed in: a sign-in session (a user's, or a kiosk's) and the kiosk device tokens
an admin issues.

A browser's cookie names one ``browser_sessions`` row; the row (not the cookie) says whether it is still good, so
signing out or revoking a device token ends it at once. Secrets are stored only as SHA-256 hashes.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from operational.models.base import Base, created_column


class DeviceToken(Base):
    """A kiosk (wall screen) credential: one account, one scope (the wallboard), activated once, revocable."""

    __tablename__ = "device_tokens"
    __table_args__ = (sa.CheckConstraint("scope in ('wallboard')", name="scope"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(100))
    scope: Mapped[str] = mapped_column(sa.String(20))
    activation_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = created_column()
    activated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class BrowserSession(Base):
    """One signed-in browser: a user's (``user_id``) or a kiosk's (``device_token_id``), never both."""

    __tablename__ = "browser_sessions"
    __table_args__ = (
        sa.CheckConstraint("(user_id is null) <> (device_token_id is null)", name="one_holder"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    device_token_id: Mapped[int | None] = mapped_column(sa.ForeignKey("device_tokens.id", ondelete="CASCADE"))
    nonce_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
