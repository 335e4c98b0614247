"""Tell the account admins when a blocking data-quality failure stopped a refresh (nothing was published)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

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


def admin_addresses(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select distinct email from users where role = 'admin' and email is not null and disabled_at is null"
        ))  # fmt: skip
        return sorted(r[0] for r in rows)


def notify_admins(engine: Engine) -> list[str]:
    """E-mail the admins (those with an address) about the failing checks; returns who was told.

    Best effort: an unreachable mail server is logged, never raised — the refresh failure itself is the news.
    """
    from exports.mail import SendFailed, SmtpConfig, send

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
