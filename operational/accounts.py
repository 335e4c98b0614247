"""Accounts (tenants): creation with a validated time zone, and lookup by slug."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.models import Account

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AccountError(ValueError):
    """An account that cannot be created or found; the message says why."""


@dataclass(frozen=True)
class AccountRef:
    id: int
    slug: str
    timezone: str


def create_account(engine: Engine, slug: str, timezone: str, name: str | None = None) -> AccountRef:
    if not SLUG.match(slug):
        raise AccountError(f"account slug {slug!r} must be lower-case letters, digits and dashes")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError(
            f"unknown time zone {timezone!r} (use an IANA name such as Europe/London)"
        ) from None
    with engine.begin() as conn:
        if conn.scalar(sa.select(Account.id).where(Account.slug == slug)) is not None:
            raise AccountError(f"account {slug!r} already exists")
        account_id = conn.scalar(
            sa.insert(Account).values(slug=slug, name=name or slug, timezone=timezone).returning(Account.id)
        )
    assert account_id is not None
    return AccountRef(account_id, slug, timezone)


def find_account(conn: Connection, slug: str) -> AccountRef:
    row = conn.execute(
        sa.select(Account.id, Account.slug, Account.timezone).where(Account.slug == slug)
    ).first()
    if row is None:
        raise AccountError(
            f"no account {slug!r}: create it with `voxlink accounts create {slug} --timezone TZ`"
        )
    return AccountRef(row.id, row.slug, row.timezone)


def get_account(engine: Engine, slug: str) -> AccountRef:
    with engine.connect() as conn:
        return find_account(conn, slug)


def list_accounts(engine: Engine) -> list[AccountRef]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(Account.id, Account.slug, Account.timezone).order_by(Account.slug))
        return [AccountRef(r.id, r.slug, r.timezone) for r in rows]


def set_twilio_auth_token(engine: Engine, slug: str, token: str | None) -> None:
    """The token Twilio signs this account's callbacks with (None: refuse every callback), stored encrypted."""
    from operational.secrets_at_rest import seal

    stored = None if token is None else seal(token)
    with engine.begin() as conn:
        updated = conn.execute(
            sa.update(Account).where(Account.slug == slug).values(twilio_auth_token=stored)
        ).rowcount
    if not updated:
        raise AccountError(f"no account {slug!r}")
