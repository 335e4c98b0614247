"""Signed alert webhooks: the per-account secret, the signature, and delivery with retries and a log.

The signature is ``X-VoxLink-Signature: sha256=<hex HMAC-SHA256 of the raw body with the account's secret>``;
a receiver recomputes it over the bytes it received. The secret is kept sealed (``secrets_at_rest``). A post
that fails (no answer, or a status other than 2xx) is retried after 10 s, 20 s, 40 s, … up to
``MAX_ATTEMPTS``; every outcome stays in ``alert_webhook_deliveries``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from operational.models.alerts import AlertWebhookDelivery, AlertWebhookSecret
from operational.secrets_at_rest import seal, unseal

SIGNATURE_HEADER = "X-VoxLink-Signature"
MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=10)
TIMEOUT_SECONDS = 10.0
LEASE = timedelta(minutes=2)  # longer than one post's timeout

Post = Callable[[str, bytes, dict[str, str]], int]


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def account_secret(conn: Connection, account_id: int) -> str:
    """The account's signing secret, created on first use."""
    conn.execute(
        insert(AlertWebhookSecret)
        .values(account_id=account_id, secret=seal(secrets.token_urlsafe(32)))
        .on_conflict_do_nothing()
    )
    stored = conn.scalar(
        sa.select(AlertWebhookSecret.secret).where(AlertWebhookSecret.account_id == account_id)
    )
    return unseal(str(stored))


def rotate_secret(engine: Engine, account_id: int) -> str:
    """A new secret for the account (shown once to whoever set up the receiver)."""
    fresh = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(AlertWebhookSecret)
            .values(account_id=account_id, secret=seal(fresh))
            .on_conflict_do_update(index_elements=["account_id"], set_={"secret": seal(fresh)})
        )
    return fresh


def enqueue(
    conn: Connection, account_id: int, event_id: int, url: str, body: dict[str, Any], now: datetime
) -> None:
    conn.execute(
        sa.insert(AlertWebhookDelivery).values(
            account_id=account_id, event_id=event_id, url=url, body=body, next_attempt_at=now
        )
    )


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST and return the status; an HTTP error status is returned too, a network failure raises OSError."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 (http/https only)
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def deliver_due(engine: Engine, now: datetime, post: Post = http_post) -> int:
    """Attempt every webhook delivery that is due; how many were delivered."""
    with engine.begin() as conn:
        due = conn.execute(
            sa.select(AlertWebhookDelivery.id, AlertWebhookDelivery.account_id, AlertWebhookDelivery.url,
                      AlertWebhookDelivery.body, AlertWebhookDelivery.attempts)
            .where(AlertWebhookDelivery.status.in_(("pending", "retry")),
                   AlertWebhookDelivery.next_attempt_at <= now)
            .order_by(AlertWebhookDelivery.id)
            .with_for_update(skip_locked=True)
        ).all()  # fmt: skip
        # leased while this process posts: another evaluator (``voxlink api`` beside ``voxlink demo``) skips them
        conn.execute(
            sa.update(AlertWebhookDelivery)
            .where(AlertWebhookDelivery.id.in_([row.id for row in due]))
            .values(next_attempt_at=now + LEASE)
        )
        secrets_by_account = {row.account_id: account_secret(conn, row.account_id) for row in due}
    delivered = 0
    for row in due:
        raw = orjson.dumps(row.body)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secrets_by_account[row.account_id], raw),
                   "User-Agent": "VoxLink-Alerts/1"}  # fmt: skip
        status: int | None = None
        error: str | None = None
        try:
            status = post(row.url, raw, headers)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except (OSError, ValueError) as err:
            error = f"{type(err).__name__}: {err}"
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "response_status": status, "last_error": error}
        if error is None:
            values |= {"status": "delivered", "delivered_at": now, "next_attempt_at": None}
            delivered += 1
        elif attempts >= MAX_ATTEMPTS:
            values |= {"status": "failed", "next_attempt_at": None}
        else:
            values |= {"status": "retry", "next_attempt_at": now + FIRST_RETRY * 2 ** (attempts - 1)}
        with engine.begin() as conn:
            conn.execute(
                sa.update(AlertWebhookDelivery).where(AlertWebhookDelivery.id == row.id).values(**values)
            )
    return delivered


def delivery_log(engine: Engine, account_id: int, limit: int = 100) -> list[dict[str, Any]]:
    columns = [c for c in AlertWebhookDelivery.__table__.columns if c.name not in ("account_id", "body")]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*columns)
            .where(AlertWebhookDelivery.account_id == account_id)
            .order_by(AlertWebhookDelivery.id.desc())
            .limit(limit)
        ).all()
    return [dict(row._mapping) for row in rows]
