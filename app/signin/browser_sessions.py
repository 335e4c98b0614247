"""The sign-in a browser keeps across reloads and tabs: a sealed cookie naming a ``browser_sessions`` row.

The cookie's value is ``seal("<id>.<expires>.<nonce>")`` (Fernet with the product's secret key, as for every
other secret it must read back: authenticated, so a changed byte is refused, and opaque). The row decides:
a cookie is good only while its row is unrevoked and unexpired, its nonce matches, and its holder (the user, or
the kiosk's device token) is still active. Signing out, an idle timeout or revoking a device token revokes the
row, so the cookie dies with it wherever it was copied.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.signin.access import ANALYST
from operational.models import Account, User
from operational.models.device_tokens import BrowserSession, DeviceToken
from operational.secrets_at_rest import SecretUnreadable, is_sealed, seal, unseal

COOKIE = "voxlink_session"
USER_LIFETIME = timedelta(hours=12)  # the password gate's MAX_SESSION: a reload never extends it
KIOSK_LIFETIME = timedelta(days=365)  # a wall screen re-activates (a new token) once a year
# A kiosk sees the wallboard only (the shell gives it no other page); as a viewer it reads as an analyst,
# the role that may read every figure and change nothing.
KIOSK_ROLE = ANALYST


@dataclass(frozen=True)
class Holder:
    """Who a good cookie signs in: a user, or a kiosk (``device_token_id`` set, no idle timeout)."""

    session_id: int
    user_id: int | None
    device_token_id: int | None
    account_id: int
    username: str
    role: str
    signed_in_at: datetime
    expires_at: datetime

    @property
    def kiosk(self) -> bool:
        return self.device_token_id is not None


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _start(engine: Engine, now: datetime, lifetime: timedelta, **holder: int) -> tuple[int, str]:
    nonce = secrets.token_urlsafe(16)
    expires = now + lifetime
    with engine.begin() as conn:
        session_id = conn.execute(
            sa.insert(BrowserSession)
            .values(nonce_hash=_hash(nonce), created_at=now, expires_at=expires, **holder)
            .returning(BrowserSession.id)
        ).scalar_one()
    return session_id, seal(f"{session_id}.{int(expires.timestamp())}.{nonce}")


def start_for_user(engine: Engine, user_id: int, now: datetime) -> tuple[int, str]:
    """A new session for a user who just signed in: its id and the cookie value."""
    return _start(engine, now, USER_LIFETIME, user_id=user_id)


def start_for_device(engine: Engine, device_token_id: int, now: datetime) -> tuple[int, str]:
    """A new session for a kiosk that just activated its device token: its id and the cookie value."""
    return _start(engine, now, KIOSK_LIFETIME, device_token_id=device_token_id)


def _parse(cookie: str) -> tuple[int, int, str] | None:
    """The cookie's (id, expires, nonce), or None when it was not sealed by this product's key or is malformed."""
    if not is_sealed(cookie):  # unseal would hand an unsealed value back as it is
        return None
    try:
        session_id, expires, nonce = unseal(cookie).split(".", 2)
        return int(session_id), int(expires), nonce
    except (SecretUnreadable, ValueError):
        return None


_HOLDER = (
    sa.select(
        BrowserSession.id,
        BrowserSession.user_id,
        BrowserSession.device_token_id,
        BrowserSession.nonce_hash,
        BrowserSession.created_at,
        BrowserSession.expires_at,
        sa.func.coalesce(User.account_id, DeviceToken.account_id).label("account_id"),
        sa.func.coalesce(User.username, sa.literal("kiosk: ") + DeviceToken.name).label("username"),
        sa.func.coalesce(User.role, sa.literal(KIOSK_ROLE)).label("role"),
    )
    .outerjoin(User, (User.id == BrowserSession.user_id) & User.disabled_at.is_(None))
    .outerjoin(
        DeviceToken, (DeviceToken.id == BrowserSession.device_token_id) & DeviceToken.revoked_at.is_(None)
    )
    .join(Account, Account.id == sa.func.coalesce(User.account_id, DeviceToken.account_id))
    .where(BrowserSession.revoked_at.is_(None))
)


def holder(engine: Engine, cookie: str | None, now: datetime) -> Holder | None:
    """Whom ``cookie`` signs in now, or None (no cookie, tampered, expired, revoked, holder disabled)."""
    parsed = _parse(cookie) if cookie else None
    if parsed is None or parsed[1] <= now.timestamp():
        return None
    return _holder_row(engine, parsed[0], now, _hash(parsed[2]))


def still_good(engine: Engine, session_id: int, now: datetime) -> bool:
    """True while the session may go on: not signed out elsewhere, not expired, its holder still active."""
    return _holder_row(engine, session_id, now, None) is not None


def _holder_row(engine: Engine, session_id: int, now: datetime, nonce_hash: str | None) -> Holder | None:
    with engine.connect() as conn:
        row = conn.execute(_HOLDER.where(BrowserSession.id == session_id)).first()
    if row is None or row.expires_at <= now or (nonce_hash is not None and row.nonce_hash != nonce_hash):
        return None
    return Holder(
        row.id, row.user_id, row.device_token_id, row.account_id, row.username, row.role,
        row.created_at, row.expires_at,
    )  # fmt: skip


def revoke(engine: Engine, session_id: int) -> None:
    """End the session: its cookie signs no one in any more, in any tab or copy."""
    with engine.begin() as conn:
        conn.execute(
            sa.update(BrowserSession)
            .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
            .values(revoked_at=sa.func.now())
        )


def revoke_cookie(engine: Engine, cookie: str | None) -> None:
    """Revoke the session ``cookie`` names, if it is one of ours (a sign-out from a fresh tab)."""
    parsed = _parse(cookie) if cookie else None
    if parsed is not None and _holder_row(engine, parsed[0], datetime.now(UTC), _hash(parsed[2])) is not None:
        revoke(engine, parsed[0])
