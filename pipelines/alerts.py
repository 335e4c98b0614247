"""Tell account admins when a blocking data-quality failure stopped a refresh (nothing was published), or
when their own account's new rows were quarantined (everyone else's were published)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_tests import store

log = logging.getLogger(__name__)


def failure_text() -> str | None:
    """A summary of the failing suites in the latest stored results, or None when all passed.

    Counts and reasons only: sample rows can belong to any tenant, so they stay on the Data Health page.
    """
    failing = [r for r in store.latest("working") if not r["passed"]]
    if not failing:
        return None
    lines = []
    for result in failing:
        rules = [o for o in result["outcomes"] if not o["success"] and o["severity"] == "blocking"]
        detail = "; ".join(f"{o['why']} ({o['failing']} rows)" for o in rules) or (result["error"] or "")
        lines.append(f"- {result['suite']}: {detail}")
    return "\n".join(lines)


def admin_addresses(engine: Engine, account_id: int | None = None) -> list[str]:
    """Addresses of the enabled admins: of every account, or of ``account_id`` only."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select distinct email from users where role = 'admin' and email is not null and disabled_at is null "
            "and (cast(:account as bigint) is null or account_id = :account)"
        ), {"account": account_id})  # fmt: skip
        return sorted(r[0] for r in rows)


def notify_admins(engine: Engine) -> list[str]:
    """E-mail the admins (those with an address) about the failing checks; returns who was told.

    Best effort: an unreachable mail server is logged, never raised — the refresh failure itself is the news.
    """
    from voxlink.mail import SendFailed, SmtpConfig, send

    text = failure_text()
    recipients = admin_addresses(engine)
    if text is None or not recipients:
        return []
    config = SmtpConfig.from_settings()
    message = EmailMessage()
    message["From"], message["To"] = config.sender, ", ".join(recipients)
    message["Subject"] = "VoxLink: a refresh was stopped by data-quality checks"
    message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain="voxlink.local")
    message.set_content(
        "The latest warehouse refresh failed a blocking data-quality check, so nothing new was published:\n"
        f"the app and the report e-mails keep showing the last good data.\n\n{text}\n\n"
        "Details and sample rows: the app's Data Health page, or `voxlink check`."
    )
    try:
        send(message, config)
    except SendFailed as err:
        log.warning("could not e-mail the admins about the failed checks: %s", err)
        return []
    return recipients


def _quarantine_text(slug: str, entries: list[dict[str, Any]]) -> str:
    lines = []
    for e in entries:
        keys = ", ".join(e["keys"]) + (" …" if e["failing"] > len(e["keys"]) else "")
        lines.append(f"- {e['table']}: {e['why']} — {e['rule']}, {e['failing']} row(s): {keys}")
    tables = sorted({e["table"] for e in entries})
    held = ", ".join(f"{t}: {max(e['held'] for e in entries if e['table'] == t)} row(s)" for t in tables)
    return (
        f"Rows of account {slug} loaded in the latest refresh failed a blocking data-quality check, so they are "
        f"held in quarantine ({held}) and are not in the warehouse yet; every other account's data was "
        f"published.\n\n" + "\n".join(lines) + "\n\n"
        "Correct the rows at the source (a corrected row is picked up by the next refresh and checked again), "
        "or ask an operator to run `voxlink quarantine release|drop "
        f"{slug}`. The Data Health page shows what is held."
    )


def notify_quarantined(engine: Engine, entries: list[dict[str, Any]]) -> list[int]:
    """E-mail each held account's own admins one message about its entries; returns the accounts handled.

    An account without an admin address counts as handled (the Data Health page still shows it); one whose
    e-mail could not be sent does not, so the next refresh tries again.
    """
    from voxlink.mail import SendFailed, SmtpConfig, send

    handled = []
    config = SmtpConfig.from_settings()
    for account_id in sorted({e["account_id"] for e in entries}):
        recipients = admin_addresses(engine, account_id)
        if recipients:
            with engine.connect() as conn:
                slug = conn.execute(
                    sa.text("select slug from accounts where id = :a"), {"a": account_id}
                ).scalar()
            message = EmailMessage()
            message["From"], message["To"] = config.sender, ", ".join(recipients)
            message["Subject"] = f"VoxLink: new data of account {slug} is held in quarantine"
            message["Date"], message["Message-ID"] = (
                formatdate(localtime=False),
                make_msgid(domain="voxlink.local"),
            )
            message.set_content(
                _quarantine_text(str(slug), [e for e in entries if e["account_id"] == account_id])
            )
            try:
                send(message, config)
            except SendFailed as err:
                log.warning("could not e-mail the admins of account %s about its quarantine: %s", slug, err)
                continue
        handled.append(account_id)
    return handled


def build_failure_sensor(refresh_job):  # type: ignore[no-untyped-def]
    """A run-failure sensor: refreshes run by the Dagster daemon alert the admins as `voxlink refresh` does."""
    import dagster as dg

    @dg.run_failure_sensor(name="refresh_failure_alerts", monitored_jobs=[refresh_job],
                           default_status=dg.DefaultSensorStatus.RUNNING)  # fmt: skip
    def refresh_failure_alerts(context) -> None:  # type: ignore[no-untyped-def]  # Dagster reads the bare name
        from operational.database import get_engine

        told = notify_admins(get_engine())
        context.log.info(f"told {len(told)} admin(s) about run {context.dagster_run.run_id}")

    return refresh_failure_alerts
