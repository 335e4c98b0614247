"""Record what a rule's figure means now: step its state machine, keep firings and recoveries in the history,
and tell people — an e-mail to the rule's recipients, a signed webhook, a ``system:alert`` stream event — both
when it fires and when it has recovered (the "all clear" a manager waits for). E-mails and webhooks carry the
drill-down as an absolute link to the app (``VOXLINK_APP_PUBLIC_URL``).

Quiet hours (the account's local time) hold a rule's evaluation: nothing fires and its state waits as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Engine

from operational import outbox
from operational.alerts import webhooks
from operational.alerts.catalogue import METRICS, breaches
from operational.alerts.state_machine import step
from operational.models.alerts import AlertEvent, AlertRule, AlertState
from voxlink import mail
from voxlink.settings import get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Observation:
    """A rule's figure over its window: ``value`` None when nothing was measured (no calls)."""

    value: float | None
    volume: int
    window_start: datetime | None
    window_end: datetime
    drilldown: str


def in_quiet_hours(start: time | None, end: time | None, local: time) -> bool:
    """Whether ``local`` lies in [start, end); a span past midnight (22:00–07:00) wraps."""
    if start is None or end is None:
        return False
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def observe(
    engine: Engine,
    rule: AlertRule,
    timezone: str,
    seen: Observation,
    now: datetime,
    smtp: mail.SmtpConfig | None = None,
) -> str | None:
    """Step ``rule`` with ``seen`` at ``now``; the history event written ("fired", "recovered") or None.
    A firing is e-mailed through ``smtp`` (default: the settings' server)."""
    if in_quiet_hours(rule.quiet_start, rule.quiet_end, now.astimezone(ZoneInfo(timezone)).time()):
        return None
    breached = seen.volume >= rule.min_volume and breaches(seen.value, rule.comparison, rule.threshold)
    with engine.begin() as conn:
        conn.execute(insert(AlertState).values(rule_id=rule.id, account_id=rule.account_id, since=now)
                     .on_conflict_do_nothing())  # fmt: skip
        current = conn.execute(
            sa.select(AlertState.state, AlertState.since)
            .where(AlertState.rule_id == rule.id)
            .with_for_update()
        ).one()
        nxt = step(current.state, current.since, breached, now, timedelta(seconds=rule.rearm_seconds))
        conn.execute(
            sa.update(AlertState)
            .where(AlertState.rule_id == rule.id)
            .values(state=nxt.state, since=nxt.since, value=seen.value, evaluated_at=now)
        )
        if nxt.event is None:
            return None
        event = _event_values(rule, seen, nxt.event, now)
        event_id = int(conn.scalar(sa.insert(AlertEvent).values(**event).returning(AlertEvent.id)) or 0)
        outbox.alert(
            conn, rule.account_id, now, _headline(rule, seen, nxt.event), alert=_payload(event_id, event)
        )
        if rule.webhook_url:
            webhooks.enqueue(
                conn, rule.account_id, event_id, rule.webhook_url, _payload(event_id, event), now
            )
    if rule.recipients:
        _email(engine, rule, seen, nxt.event, event_id, smtp or mail.SmtpConfig.from_settings())
    return nxt.event


def _event_values(rule: AlertRule, seen: Observation, kind: str, now: datetime) -> dict[str, Any]:
    return {
        "account_id": rule.account_id, "rule_id": rule.id, "rule_name": rule.name, "kind": kind,
        "metric": rule.metric, "scope": rule.scope, "scope_name": rule.scope_name, "window": rule.window,
        "window_start": seen.window_start, "window_end": seen.window_end, "value": seen.value,
        "volume": seen.volume, "comparison": rule.comparison, "threshold": rule.threshold,
        "drilldown": seen.drilldown, "occurred_at": now,
    }  # fmt: skip


def _payload(event_id: int, event: dict[str, Any]) -> dict[str, Any]:
    """The JSON a webhook receiver and a stream client get."""
    body = {key: value for key, value in event.items() if key != "account_id"}
    for key in ("window_start", "window_end", "occurred_at"):
        body[key] = body[key].isoformat() if body[key] is not None else None
    body["drilldown_url"] = app_link(event["drilldown"])
    return {"id": event_id, "type": "alert." + event["kind"], **body}


def app_link(relative: str) -> str:
    """``relative`` (an app path such as the drill-down) as an absolute link a mail reader can open."""
    settings = get_settings()
    base = settings.app_public_url or f"http://localhost:{settings.app_port}/"
    return urljoin(base.rstrip("/") + "/", relative.lstrip("/"))


def _describe(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "rate":
        return f"{value * 100:.2f} %"
    return f"{value:g} s" if unit == "seconds" else f"{value:g}"


def _headline(rule: AlertRule, seen: Observation, kind: str) -> str:
    metric = METRICS[rule.metric]
    where = f"{rule.scope} {rule.scope_name}" if rule.scope_name else "the account"
    limit = f"{rule.comparison} {_describe(rule.threshold, metric.unit)}, window {rule.window}"
    if kind == "fired":
        return f"{rule.name}: {metric.label} in {where} is {_describe(seen.value, metric.unit)} ({limit})"
    now_text = "nothing measured" if seen.value is None else _describe(seen.value, metric.unit)
    return f"{rule.name}: {metric.label} in {where} has recovered: {now_text} (no longer {limit})"


def _email(
    engine: Engine, rule: AlertRule, seen: Observation, kind: str, event_id: int, config: mail.SmtpConfig
) -> None:
    """Send the firing's (or recovery's) e-mail and note in the history whom it reached (or why it did not)."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(rule.recipients)
    tag = "[VoxLink alert]" if kind == "fired" else "[VoxLink alert cleared]"
    message["Subject"] = f"{tag} {_headline(rule, seen, kind)}"
    message["Date"] = formatdate(localtime=False)
    message["X-VoxLink-Alert"] = str(event_id)
    span = f"{seen.window_start.isoformat()} – " if seen.window_start else ""
    message.set_content(
        f"{_headline(rule, seen, kind)}\n\nWindow: {span}{seen.window_end.isoformat()}\n"
        f"Calls or messages counted: {seen.volume}\nThe calls behind the number: {app_link(seen.drilldown)}\n"
    )
    error: str | None = None
    try:
        mail.send(message, config)
    except mail.SendFailed as err:
        error = str(err)
        log.warning("alert %s: e-mail not sent: %s", event_id, err)
    except mail.PartiallyRefused as err:
        error = f"refused: {err}"
    with engine.begin() as conn:
        conn.execute(
            sa.update(AlertEvent)
            .where(AlertEvent.id == event_id)
            .values(emailed_to=[] if error and not error.startswith("refused") else rule.recipients,
                    email_error=error)
        )  # fmt: skip


def history(engine: Engine, account_id: int, limit: int = 200) -> list[dict[str, Any]]:
    columns = [c for c in AlertEvent.__table__.columns if c.name != "account_id"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*columns)
            .where(AlertEvent.account_id == account_id)
            .order_by(AlertEvent.id.desc())
            .limit(limit)
        ).all()
    return [dict(row._mapping) for row in rows]


def firing_now(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    """The account's rules that are firing (or recovering, not yet re-armed), with their latest value."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(AlertRule.id, AlertRule.name, AlertRule.metric, AlertRule.scope, AlertRule.scope_name,
                      AlertState.state, AlertState.since, AlertState.value, AlertState.evaluated_at)
            .join(AlertState, AlertState.rule_id == AlertRule.id)
            .where(AlertRule.account_id == account_id, AlertState.state != "ok")
            .order_by(AlertState.since)
        ).all()  # fmt: skip
    return [dict(row._mapping) for row in rows]
