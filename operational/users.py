"""Users of the app: roles and argon2 password hashes, created from the CLI, checked at sign-in."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine

from operational.models import Account, User

ROLES = ("admin", "manager", "analyst", "agent")
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD = 8
_hasher = PasswordHasher()


class UserError(ValueError):
    """A user that cannot be created or found; the message says why."""


@dataclass(frozen=True)
class UserRef:
    id: int
    account_id: int
    account_slug: str
    username: str
    role: str


def create_user(engine: Engine, account_id: int, username: str, role: str, password: str) -> UserRef:
    if not USERNAME.match(username):
        raise UserError(f"username {username!r}: letters, digits and . _ @ - only, at most 100")
    if role not in ROLES:
        raise UserError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password needs at least {MIN_PASSWORD} characters")
    with engine.begin() as conn:
        if conn.scalar(sa.select(User.id).where(User.username == username)) is not None:
            raise UserError(f"user {username!r} already exists")
        user_id = conn.scalar(
            sa.insert(User)
            .values(account_id=account_id, username=username, role=role, password_hash=_hasher.hash(password))
            .returning(User.id)
        )
        slug = conn.scalar(sa.select(Account.slug).where(Account.id == account_id))
    assert user_id is not None and slug is not None
    return UserRef(user_id, account_id, slug, username, role)


def authenticate(engine: Engine, username: str, password: str) -> UserRef | None:
    """The active user with this username and password, or None (same answer for either being wrong)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(User.id, User.account_id, Account.slug, User.username, User.role, User.password_hash)
            .join(Account, Account.id == User.account_id)
            .where(User.username == username, User.disabled_at.is_(None))
        ).first()
    if row is None:
        _hasher.hash(password)  # spend the same time as a real check: no username probing by timing
        return None
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(
                sa.update(User).where(User.id == row.id).values(password_hash=_hasher.hash(password))
            )
    return UserRef(row.id, row.account_id, row.slug, row.username, row.role)


def find_user(engine: Engine, account_id: int, username: str) -> UserRef | None:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(User.id, User.account_id, Account.slug, User.username, User.role)
            .join(Account, Account.id == User.account_id)
            .where(User.account_id == account_id, User.username == username)
        ).first()
    return None if row is None else UserRef(row.id, row.account_id, row.slug, row.username, row.role)
