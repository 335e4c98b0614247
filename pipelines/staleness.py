"""Stale served data is loud: one e-mail per account's admins per staleness episode, from a Dagster sensor.

An episode is the served publish version that went stale: each account's admins are told once (recorded in an
owner-only file under ``VOXLINK_HOME/state``, so a daemon restart does not mail again); once the data is fresh
again the record is cleared, and the next episode — a later version going stale — mails again. "Late" neither
mails nor re-arms. Accounts are mailed separately so no admin sees another tenant's addresses.
"""

# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import dagster as dg
import sqlalchemy as sa
from dagster import SensorEvaluationContext
from sqlalchemy.engine import Engine

from pipelines.refresh_history import RefreshRun, last_failed_refresh
from pipelines.resources import OperationalDatabase
from voxlink.freshness import Freshness, State, served_freshness
from voxlink.settings import get_settings

log = logging.getLogger(__name__)
NOTICES_FILE = "staleness_notices.json"


@dataclass(frozen=True)
class Notice:
    account_id: int
    recipients: tuple[str, ...]


def notices_path() -> Path:
    return get_settings().state_dir / NOTICES_FILE


def admins_by_account(engine: Engine) -> dict[int, list[str]]:
    """Each account's enabled admins that have an e-mail address."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select account_id, email from users where role = 'admin' and email is not null "
            "and disabled_at is null order by account_id, email"
        ))  # fmt: skip
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row.account_id, []).append(row.email)
        return found


def notify_if_stale(
    engine: Engine, freshness: Freshness, failure: RefreshRun | None = None, path: Path | None = None
) -> list[Notice]:
    """Tell the admins of every account not yet told about this stale version; re-arm when fresh.

    Best effort per account: an unreachable mail server leaves that account untold, so a later tick retries.
    """
    from voxlink.mail import PartiallyRefused, SendFailed, SmtpConfig, send

    path = path or notices_path()
    if freshness.state is State.FRESH:
        path.unlink(missing_ok=True)
        return []
    if freshness.state is not State.STALE:
        return []
    told = _told_accounts(path, freshness.version)
    assert freshness.published_at is not None  # a stale state has a publish
    if failure is not None and failure.at < freshness.published_at:
        failure = None  # it failed before the served data was published: not why it is stale now
    config = SmtpConfig.from_settings()
    sent: list[Notice] = []
    for account_id, recipients in admins_by_account(engine).items():
        if account_id in told:
            continue
        try:
            send(_message(config.sender, recipients, freshness, failure), config)
        except PartiallyRefused as refused:  # it went out to the others: resending would repeat it
            log.warning("staleness e-mail for account %s refused for %s", account_id, refused)
        except SendFailed as err:
            log.warning("could not e-mail account %s's admins that the data is stale: %s", account_id, err)
            continue
        told.add(account_id)
        _save(path, freshness.version, told)
        sent.append(Notice(account_id, tuple(recipients)))
    return sent


def _message(
    sender: str, recipients: list[str], freshness: Freshness, failure: RefreshRun | None
) -> EmailMessage:
    assert freshness.published_at is not None
    since = f"{freshness.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if failure is not None:
        cause = f"The last failed refresh started {failure.at:%Y-%m-%d %H:%M} UTC:\n{failure.failure}"
    else:
        cause = "No failed refresh is recorded: the refresh may be wedged, or not running at all."
    message = EmailMessage()
    message["From"], message["To"] = sender, ", ".join(recipients)
    message["Subject"] = f"VoxLink: the data has not been refreshed since {since}"
    message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain="voxlink.local")
    message.set_content(
        f"The served warehouse — what the app, the wallboard and the report e-mails show — is stale:\n"
        f"{freshness.describe()}. Data older than {freshness.stale_after_seconds // 60} min counts as stale.\n\n"
        f"{cause}\n\n"
        "You get this e-mail once; another follows only if the data goes stale again after a refresh.\n"
        "Details: `voxlink status`, the app's Data health page, and the refresh runs in Dagster."
    )
    return message


def _told_accounts(path: Path, version: int | None) -> set[int]:
    """The accounts already told that ``version`` is stale (a record of an older version does not count)."""
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        return set()
    return set(record["told"]) if record.get("version") == version else set()


def _save(path: Path, version: int | None, told: set[int]) -> None:
    """Write the record owner-only and atomically: a crash leaves the old record or the new one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump({"version": version, "told": sorted(told)}, out)
    os.replace(staging, path)


@dg.sensor(
    name="stale_warehouse",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="E-mails each account's admins once when the served data is older than the staleness threshold.",
)
def stale_warehouse(context: SensorEvaluationContext, operational_db: OperationalDatabase) -> dg.SkipReason:
    from operational.database import engine_for

    freshness = served_freshness()
    failure = last_failed_refresh(context.instance) if freshness.state is State.STALE else None
    told = notify_if_stale(engine_for(operational_db.url), freshness, failure)
    if told:
        context.log.warning(f"data stale; told the admins of {len(told)} account(s): {freshness.describe()}")
    return dg.SkipReason(freshness.describe())
