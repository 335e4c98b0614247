"""The alert rules store: validate a rule, create, edit, delete and list an account's rules.

Recipients follow the report subscriptions' rule (the account's users or its allowed domains); that rule lives
in ``exports/recipients.py``, a layer above, so the caller passes it in as ``check_recipients``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from operational.alerts.catalogue import COMPARISONS, METRICS
from operational.errors import Conflict, Invalid, NotFound
from operational.models.alerts import AlertRule

RecipientCheck = Callable[[Connection, int, list[str]], list[str]]


class RuleInput(BaseModel):
    """A rule as a manager writes it (the API's body, the app's form)."""

    name: str = Field(min_length=1, max_length=200)
    metric: str = Field(description=f"one of {', '.join(METRICS)}")
    scope: str = Field(default="account", description="account, queue or campaign")
    scope_name: str | None = Field(default=None, max_length=200, description="the queue or campaign")
    window: str = Field(
        default="1h", description="15m, 1h, today; 24h / 30d for the drop rates; now for live"
    )
    comparison: str = Field(default=">", description=">, >=, < or <=")
    threshold: float
    min_volume: int = Field(default=0, ge=0, le=1_000_000)
    rearm_seconds: int = Field(default=600, ge=0, le=7 * 86400)
    quiet_start: time | None = None
    quiet_end: time | None = None
    recipients: list[str] = Field(default_factory=list, max_length=50)
    webhook_url: str | None = Field(default=None, max_length=2000)
    enabled: bool = True


def validate(rule: RuleInput) -> dict[str, Any]:
    """The rule's column values; :class:`Invalid` naming every field at fault."""
    problems: list[dict[str, str]] = []
    metric = METRICS.get(rule.metric)
    if metric is None:
        problems.append({"field": "metric", "reason": f"one of {', '.join(METRICS)}"})
    else:
        if rule.window not in metric.windows:
            problems.append({"field": "window", "reason": f"{rule.metric} takes {', '.join(metric.windows)}"})
        if rule.scope not in metric.scopes:
            problems.append({"field": "scope", "reason": f"{rule.metric} takes {', '.join(metric.scopes)}"})
    if (rule.scope == "account") != (not rule.scope_name):
        problems.append(
            {"field": "scope_name", "reason": "a queue or campaign name, and only for that scope"}
        )
    if rule.comparison not in COMPARISONS:
        problems.append({"field": "comparison", "reason": "one of >, >=, <, <="})
    if (rule.quiet_start is None) != (rule.quiet_end is None):
        problems.append({"field": "quiet_end", "reason": "quiet hours need both a start and an end"})
    if rule.webhook_url is not None and not _is_web_url(rule.webhook_url):
        problems.append({"field": "webhook_url", "reason": "an http:// or https:// URL"})
    if not rule.recipients and not rule.webhook_url:
        problems.append({"field": "recipients", "reason": "at least one recipient or a webhook URL"})
    if problems:
        raise Invalid("the alert rule is not valid", problems)
    return rule.model_dump()


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _checked(
    conn: Connection, account_id: int, values: dict[str, Any], check: RecipientCheck
) -> dict[str, Any]:
    if values["recipients"]:
        try:
            values["recipients"] = check(conn, account_id, values["recipients"])
        except ValueError as err:
            raise Invalid(str(err), [{"field": "recipients", "reason": str(err)}]) from None
    return values


def create_rule(engine: Engine, account_id: int, rule: RuleInput, check: RecipientCheck) -> dict[str, Any]:
    values = validate(rule)
    try:
        with engine.begin() as conn:
            values = _checked(conn, account_id, values, check)
            rule_id = conn.scalar(
                sa.insert(AlertRule).values(account_id=account_id, **values).returning(AlertRule.id)
            )
    except IntegrityError:
        raise Conflict(f"an alert rule named {rule.name!r} exists already") from None
    return get_rule(engine, account_id, int(rule_id or 0))


def update_rule(
    engine: Engine, account_id: int, rule_id: int, rule: RuleInput, check: RecipientCheck
) -> dict[str, Any]:
    values = validate(rule)
    try:
        with engine.begin() as conn:
            values = _checked(conn, account_id, values, check)
            updated = conn.execute(
                sa.update(AlertRule)
                .where(AlertRule.id == rule_id, AlertRule.account_id == account_id)
                .values(**values, updated_at=sa.func.now())
            ).rowcount
    except IntegrityError:
        raise Conflict(f"an alert rule named {rule.name!r} exists already") from None
    if not updated:
        raise NotFound(f"no alert rule {rule_id}")
    return get_rule(engine, account_id, rule_id)


def delete_rule(engine: Engine, account_id: int, rule_id: int) -> None:
    """Delete the rule; its history stays (with the rule's name)."""
    with engine.begin() as conn:
        deleted = conn.execute(
            sa.delete(AlertRule).where(AlertRule.id == rule_id, AlertRule.account_id == account_id)
        ).rowcount
    if not deleted:
        raise NotFound(f"no alert rule {rule_id}")


_COLUMNS = [c for c in AlertRule.__table__.columns if c.name != "account_id"]


def _as_dict(row: sa.Row[Any]) -> dict[str, Any]:
    values = dict(row._mapping)
    for key in ("quiet_start", "quiet_end"):
        values[key] = values[key].isoformat() if values[key] is not None else None
    return values


def get_rule(engine: Engine, account_id: int, rule_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(*_COLUMNS).where(AlertRule.id == rule_id, AlertRule.account_id == account_id)
        ).first()
    if row is None:
        raise NotFound(f"no alert rule {rule_id}")
    return _as_dict(row)


def list_rules(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS).where(AlertRule.account_id == account_id).order_by(AlertRule.name)
        ).all()
    return [_as_dict(row) for row in rows]


def enabled_rules(conn: Connection, source: str) -> list[AlertRule]:
    """Every account's enabled rules whose figure comes from ``source`` (live or warehouse)."""
    metrics = [name for name, metric in METRICS.items() if metric.source == source]
    from sqlalchemy.orm import Session

    with Session(bind=conn) as session:
        found = session.scalars(
            sa.select(AlertRule)
            .where(AlertRule.enabled, AlertRule.metric.in_(metrics))
            .order_by(AlertRule.id)
        ).all()
        session.expunge_all()
    return list(found)
