"""API keys: created per account and shown once, stored as a hash, checked and rate-counted per request."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.models import ApiKey

PREFIX = "vxk"
DEFAULT_RATE_LIMIT = 6000  # requests per minute per key
# What create_api_key makes (hex id, URL-safe secret), with room to spare: anything else is refused unread.
_KEY_ID = re.compile(r"[0-9a-f]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,128}")


class ApiKeyError(LookupError):
    """A key that cannot be revoked or created; the message says why."""


@dataclass(frozen=True)
class NewKey:
    key_id: str
    secret: str  # the whole key, ``vxk_<key_id>_<secret>``: shown once, never stored

    def __str__(self) -> str:
        return self.secret


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of presenting a key: its account, or why not; ``retry_after`` when over the limit."""

    account_id: int | None
    key_id: str | None
    over_limit: bool = False
    retry_after: int = 0


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    engine: Engine, account_id: int, name: str | None = None, rate_limit_per_minute: int = DEFAULT_RATE_LIMIT
) -> NewKey:
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ApiKey).values(
                account_id=account_id,
                key_id=key_id,
                secret_hash=_hash(secret),
                name=name,
                rate_limit_per_minute=rate_limit_per_minute,
            )
        )
    return NewKey(key_id, f"{PREFIX}_{key_id}_{secret}")


def revoke_api_key(engine: Engine, key_id: str) -> None:
    with engine.begin() as conn:
        revoked = conn.execute(
            sa.update(ApiKey)
            .where(ApiKey.key_id == key_id, ApiKey.revoked_at.is_(None))
            .values(revoked_at=sa.func.now())
        ).rowcount
    if not revoked:
        raise ApiKeyError(f"no active API key {key_id!r}")


def split_key(presented: str) -> tuple[str, str] | None:
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    if not _KEY_ID.fullmatch(parts[1]) or not _SECRET.fullmatch(parts[2]):
        return None
    return parts[1], parts[2]


# One statement authenticates and counts: the per-minute window restarts when the minute changes. Its commit
# need not wait for the WAL flush (a counter lost in a crash is harmless), which saves a disk sync per request.
_CHECK = sa.text(
    """
update api_keys set
    window_count = case when window_started_at = :window then window_count + 1 else 1 end,
    window_started_at = :window,
    last_used_at = :now
from (select set_config('synchronous_commit', 'off', true)) as no_flush
where key_id = :key_id and secret_hash = :secret_hash and revoked_at is null
returning account_id, window_count, rate_limit_per_minute
"""
)


def check_key(conn: Connection, presented: str, now: datetime) -> KeyCheck:
    """Authenticate ``presented`` and count this request against its per-minute limit."""
    parts = split_key(presented)
    if parts is None:
        return KeyCheck(None, None)
    key_id, secret = parts
    window = now.replace(second=0, microsecond=0)
    row = conn.execute(
        _CHECK, {"window": window, "now": now, "key_id": key_id, "secret_hash": _hash(secret)}
    ).first()
    if row is None:
        return KeyCheck(None, key_id)
    if row.window_count > row.rate_limit_per_minute:
        return KeyCheck(row.account_id, key_id, over_limit=True, retry_after=60 - now.second)
    return KeyCheck(row.account_id, key_id)
