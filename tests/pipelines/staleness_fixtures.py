"""What the staleness tests share: a served warehouse file with a chosen publish time, accounts with admins, SMTP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
import sqlalchemy as sa

from tests.exports.conftest import SmtpServer


def publish_served(version: int, minutes_ago: float) -> datetime:
    """Replace the served file with one whose publish record says ``version``, ``minutes_ago`` minutes old."""
    from voxlink.settings import get_settings

    served = get_settings().served_db
    served.parent.mkdir(parents=True, exist_ok=True)
    staging = served.with_name(f".{served.name}.test.tmp")
    staging.unlink(missing_ok=True)
    published_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    with duckdb.connect(str(staging)) as con:
        con.execute(
            "create table _publish as select ?::integer as version, ?::timestamptz as published_at, "
            "1.5::double as built_seconds",
            [version, published_at],
        )
    os.replace(staging, served)  # a new inode, as a real publish: readers see a new file version
    return published_at


def add_accounts_with_admins(engine: sa.Engine) -> dict[str, int]:
    """ "acme" (two admins, a manager, a disabled admin) and "globex" (one admin); their ids by slug."""
    from operational.accounts import create_account

    acme = create_account(engine, "acme", "America/New_York").id
    globex = create_account(engine, "globex", "Europe/London").id
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into users (account_id, username, role, password_hash, email, disabled_at) values "
            "(:acme, 'ada', 'admin', 'x', 'ada@acme.example', null), "
            "(:acme, 'bob', 'admin', 'x', 'bob@acme.example', null), "
            "(:acme, 'mia', 'manager', 'x', 'mia@acme.example', null), "
            "(:acme, 'old', 'admin', 'x', 'old@acme.example', now()), "
            "(:globex, 'gus', 'admin', 'x', 'gus@globex.example', null)"
        ), {"acme": acme, "globex": globex})  # fmt: skip
    return {"acme": acme, "globex": globex}


def smtp_pointed_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that the product's settings point at (the body of a test's fixture)."""
    from voxlink.settings import get_settings

    server = SmtpServer()
    server.start()
    monkeypatch.setenv("VOXLINK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("VOXLINK_SMTP_PORT", str(server.port))
    get_settings.cache_clear()
    yield server
    server.stop()
    monkeypatch.undo()
    get_settings.cache_clear()
