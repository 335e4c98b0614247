"""Run the alert rules: the windowed rates after each refresh (a new published warehouse), the live figures and
due webhook retries every tick of a long-lived process (``run_forever``, started beside the API and the app)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from exports.alerts.windowed import windowed_observation
from operational.alerts import webhooks
from operational.alerts.firing import observe
from operational.alerts.live_evaluation import evaluate_live
from operational.alerts.rules import enabled_rules
from operational.models import Account
from voxlink import warehouse
from voxlink.mail import SmtpConfig

log = logging.getLogger(__name__)
TICK_SECONDS = 10.0


def evaluate_windowed(engine: Engine, now: datetime, smtp: SmtpConfig | None = None) -> list[tuple[int, str]]:
    """Step every enabled warehouse rule at ``now``; the (rule id, "fired" / "recovered") events it caused."""
    with engine.connect() as conn:
        rules = enabled_rules(conn, "warehouse")
        zones = {row.id: row.timezone for row in conn.execute(sa.select(Account.id, Account.timezone))}
    events = []
    for rule in rules:
        seen = windowed_observation(rule, zones[rule.account_id], now)
        event = observe(engine, rule, zones[rule.account_id], seen, now, smtp)
        if event:
            events.append((rule.id, event))
    return events


def tick(engine: Engine, now: datetime, last_version: str | None) -> str | None:
    """One round: live rules and due webhooks always, windowed rules when a new warehouse was published.
    Returns the publish version evaluated (to pass back next time)."""
    evaluate_live(engine, now)
    try:
        version: str | None = warehouse.file_version()
    except warehouse.WarehouseMissing:
        version = None
    if version is not None and version != last_version:
        evaluate_windowed(engine, now)
    webhooks.deliver_due(engine, now)
    return version


def run_forever(engine: Engine, stop: threading.Event, every: float = TICK_SECONDS) -> None:
    """Tick until ``stop`` is set; a failed round is logged and the next one tries again."""
    version: str | None = None
    while not stop.is_set():
        try:
            version = tick(engine, datetime.now(UTC), version)
        except Exception:  # one bad round (database restarting, a file being replaced) must not end the loop
            log.exception("alert evaluation failed; retrying next tick")
        stop.wait(every)


def start_thread(engine: Engine, every: float = TICK_SECONDS) -> threading.Event:
    """Run :func:`run_forever` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(engine, stop, every), name="alert-evaluator", daemon=True
    ).start()
    return stop
