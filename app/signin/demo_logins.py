"""Sign-in users for the demo accounts, so `voxlink demo` opens an app one can log into."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.models import Account
from operational.users import UserError, create_user

DEMO_PASSWORD = "voxlink-demo"
# username pattern → role; the agent user is the simulator's agent "alice" of that account
DEMO_USERS = (("{slug}-admin", "admin"), ("{slug}-manager", "manager"), ("{slug}-analyst", "analyst"),
              ("alice@{slug}", "agent"))  # fmt: skip


def ensure_demo_users(engine: Engine, slugs: list[str]) -> list[str]:
    """Create the demo users of each account that lacks them; return one line per user to print."""
    lines = []
    with engine.connect() as conn:
        ids = {
            slug: id_
            for slug, id_ in conn.execute(sa.select(Account.slug, Account.id).where(Account.slug.in_(slugs)))
        }
    for slug in slugs:
        for pattern, role in DEMO_USERS:
            username = pattern.format(slug=slug)
            with contextlib.suppress(UserError):  # already there from an earlier demo
                create_user(engine, ids[slug], username, role, DEMO_PASSWORD)
            lines.append(f"  {username:<20} {role:<8} password {DEMO_PASSWORD}")
    return lines
