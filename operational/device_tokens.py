"""Kiosk device tokens: an admin issues one for a wall screen (one account, the wallboard only), the screen
activates it once, and revoking it signs the screen out.

The activation secret is shown once and stored as a SHA-256 hash; it works once, within ``ACTIVATION_WINDOW``
of being issued. What the screen keeps afterwards is a browser session (``app/signin/browser_sessions.py``)
that names the token, so a revoked token ends it at once.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.models import Account
from operational.models.device_tokens import DeviceToken

PREFIX = "vxd"
WALLBOARD = "wallboard"  # the one scope a device token has today
ACTIVATION_WINDOW = timedelta(hours=24)
_ACTIVATION = re.compile(rf"{PREFIX}_[A-Za-z0-9_-]{{20,100}}")
_NAME = re.compile(r"[\w .:@-]{1,100}")


class DeviceTokenError(LookupError):
    """A token that cannot be issued, activated or revoked; the message says why."""


@dataclass(frozen=True)
class NewDeviceToken:
    token_id: int
    activation: str  # ``vxd_<secret>``: shown once, never stored

    def activation_path(self) -> str:
        """The app path that activates it (the secret's one trip through a URL, exchanged for a cookie at once)."""
        return f"/_voxlink/kiosk?activation={self.activation}"


@dataclass(frozen=True)
class Device:
    token_id: int
    account_id: int
    name: str
    scope: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_device_token(engine: Engine, account_slug: str, name: str) -> NewDeviceToken:
    """A new wallboard token for the account ``account_slug``, named ``name`` (where the screen hangs)."""
    if not _NAME.fullmatch(name):
        raise DeviceTokenError("a device name of 1-100 letters, digits, spaces or . : @ - _")
    activation = f"{PREFIX}_{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        account_id = conn.execute(sa.select(Account.id).where(Account.slug == account_slug)).scalar()
        if account_id is None:
            raise DeviceTokenError(f"no account {account_slug!r}")
        token_id = conn.execute(
            sa.insert(DeviceToken)
            .values(account_id=account_id, name=name, scope=WALLBOARD, activation_hash=_hash(activation))
            .returning(DeviceToken.id)
        ).scalar_one()
    return NewDeviceToken(token_id, activation)


def revoke_device_token(engine: Engine, token_id: int) -> None:
    """Revoke the token: the screen that activated it is signed out at its next check."""
    with engine.begin() as conn:
        revoked = conn.execute(
            sa.update(DeviceToken)
            .where(DeviceToken.id == token_id, DeviceToken.revoked_at.is_(None))
            .values(revoked_at=sa.func.now())
        ).rowcount
    if not revoked:
        raise DeviceTokenError(f"no active device token {token_id}")


def activate(engine: Engine, activation: str, now: datetime) -> Device:
    """Spend the activation secret (once, within its window) and return the device it names."""
    if not _ACTIVATION.fullmatch(activation):
        raise DeviceTokenError("not a kiosk activation")
    with engine.begin() as conn:
        row = conn.execute(
            sa.update(DeviceToken)
            .where(
                DeviceToken.activation_hash == _hash(activation),
                DeviceToken.activated_at.is_(None),
                DeviceToken.revoked_at.is_(None),
                DeviceToken.created_at > now - ACTIVATION_WINDOW,
            )
            .values(activated_at=now)
            .returning(DeviceToken.id, DeviceToken.account_id, DeviceToken.name, DeviceToken.scope)
        ).first()
    if row is None:
        raise DeviceTokenError("this kiosk activation is unknown, already used, revoked or expired")
    return Device(row.id, row.account_id, row.name, row.scope)
