"""Evaluate the rules on live figures (calls waiting now, longest wait now) from the live read model.

Cheap enough to run every few seconds: one ``live_state`` per account that has such a rule.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from operational.alerts.drilldown import drilldown_link
from operational.alerts.firing import Observation, observe
from operational.alerts.rules import enabled_rules
from operational.live import LiveState, live_state
from operational.models import Account
from operational.models.alerts import AlertRule
from voxlink.mail import SmtpConfig


def live_observation(rule: AlertRule, state: LiveState) -> Observation:
    """The rule's figure in ``state``: over one queue, or the account's largest wait / all its waiting calls."""
    queues = [q for q in state.queues if rule.scope == "account" or q.queue == rule.scope_name]
    waiting = sum(q.waiting for q in queues)
    if rule.metric == "calls_waiting_now":
        value: float | None = float(waiting)
    else:
        waits = [q.longest_wait_seconds for q in queues if q.longest_wait_seconds is not None]
        value = max(waits) if waits else None
    link = drilldown_link(rule.metric, rule.scope, rule.scope_name, state.day, state.day)
    return Observation(value, waiting, None, state.at, link)


def evaluate_live(engine: Engine, now: datetime, smtp: SmtpConfig | None = None) -> list[tuple[int, str]]:
    """Step every enabled live rule at ``now``; the (rule id, "fired" / "recovered") events it caused."""
    with engine.connect() as conn:
        rules = enabled_rules(conn, "live")
        zones = {row.id: row.timezone for row in conn.execute(sa.select(Account.id, Account.timezone))}
        states = {
            account_id: live_state(conn, account_id, zones[account_id], now)
            for account_id in {rule.account_id for rule in rules}
        }
    events = []
    for rule in rules:
        seen = live_observation(rule, states[rule.account_id])
        event = observe(engine, rule, zones[rule.account_id], seen, now, smtp)
        if event:
            events.append((rule.id, event))
    return events
