"""Reads of the operational users table the app needs beyond ``operational.users``: is a user still active."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.models import User


def is_active(engine: Engine, user_id: int) -> bool:
    """True while the user exists and is not disabled: a signed-in session ends when this turns False."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(User.disabled_at).where(User.id == user_id)).first()
    return row is not None and row.disabled_at is None
