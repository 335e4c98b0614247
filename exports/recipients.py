"""Who may receive an account's report e-mails: its own users' addresses, or addresses in domains it allows."""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from operational.models import AccountEmailDomain, User

# Deliberately plain: one @, no spaces or angle brackets, a dotted domain. Deliverability is the SMTP
# server's call; this only keeps header injection and typos out.
ADDRESS = re.compile(
    r"^[^@\s<>,;\"]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+)$"
)
DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63})+$")


class RecipientError(ValueError):
    """An address that is malformed or outside the account's users and allowed domains."""


def normalise_address(address: str) -> str:
    address = address.strip()
    match = ADDRESS.match(address)
    if not match:
        raise RecipientError(f"{address!r} is not an e-mail address")
    local, domain = address.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalise_domain(domain: str) -> str:
    domain = domain.strip().lower().lstrip("@")
    if not DOMAIN.match(domain):
        raise RecipientError(f"{domain!r} is not a domain name")
    return domain


def allowed_domains(conn: Connection, account_id: int) -> list[str]:
    rows = conn.scalars(
        sa.select(AccountEmailDomain.domain)
        .where(AccountEmailDomain.account_id == account_id)
        .order_by(AccountEmailDomain.domain)
    )
    return list(rows)


def user_addresses(conn: Connection, account_id: int) -> set[str]:
    """Addresses of the account's active users (compared case-insensitively)."""
    rows = conn.scalars(
        sa.select(User.email).where(
            User.account_id == account_id, User.disabled_at.is_(None), User.email.is_not(None)
        )
    )
    return {address.lower() for address in rows if address}


def refused(conn: Connection, account_id: int, addresses: Iterable[str]) -> list[str]:
    """The addresses that may not receive this account's reports (empty when all may)."""
    domains, users = set(allowed_domains(conn, account_id)), user_addresses(conn, account_id)
    return [a for a in addresses if a.lower() not in users and a.rsplit("@", 1)[-1].lower() not in domains]


def check_recipients(conn: Connection, account_id: int, addresses: Iterable[str]) -> list[str]:
    """Normalised, de-duplicated addresses; :class:`RecipientError` naming any that are not allowed."""
    cleaned = list(dict.fromkeys(normalise_address(a) for a in addresses))
    if not cleaned:
        raise RecipientError("a subscription needs at least one recipient")
    outside = refused(conn, account_id, cleaned)
    if outside:
        raise RecipientError(
            f"not a user of this account nor in its allowed e-mail domains: {', '.join(outside)}"
        )
    return cleaned


def add_allowed_domain(engine: Engine, account_id: int, domain: str) -> str:
    from sqlalchemy.dialects.postgresql import insert

    domain = normalise_domain(domain)
    with engine.begin() as conn:
        conn.execute(
            insert(AccountEmailDomain).values(account_id=account_id, domain=domain).on_conflict_do_nothing()
        )
    return domain


def remove_allowed_domain(engine: Engine, account_id: int, domain: str) -> bool:
    with engine.begin() as conn:
        deleted = conn.execute(
            sa.delete(AccountEmailDomain).where(
                AccountEmailDomain.account_id == account_id,
                AccountEmailDomain.domain == normalise_domain(domain),
            )
        ).rowcount
    return bool(deleted)


def set_user_email(engine: Engine, account_id: int, username: str, email: str | None) -> str | None:
    """Give a user of the account the address their report e-mails go to (None clears it)."""
    address = normalise_address(email) if email else None
    with engine.begin() as conn:
        updated = conn.execute(
            sa.update(User)
            .where(User.account_id == account_id, User.username == username)
            .values(email=address)
        ).rowcount
    if not updated:
        raise RecipientError(f"no user {username!r} in this account")
    return address
