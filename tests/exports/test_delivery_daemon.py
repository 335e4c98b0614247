"""End to end, the slow one (about a minute): the real ``dagster-daemon`` — what ``voxlink demo`` runs — sees a
daily subscription fall due and e-mails yesterday's report, once, to a real SMTP server on loopback.

The account's time zone is one whose local clock is far from midnight while the test runs, so "yesterday" is
the same day from the subscription's creation to its delivery. Yesterday holds three calls at local noon:
an answered inbound call, an inbound call the caller hung up on after 30 s (an abandon) and an outbound call
nobody answered.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from cli.background import start_dagster_daemon, stop
from cli.main import main
from exports.recipients import add_allowed_domain
from exports.schedule import Schedule
from exports.subscriptions import create_subscription, delivery_log
from tests.events_factory import CALLER, LINE, ev
from tests.exports.conftest import SmtpServer
from voxlink.settings import REPO_ROOT, get_settings

pytestmark = pytest.mark.e2e
ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "Pacific/Honolulu")
SENSOR_SECONDS = 2
ARRIVAL_DEADLINE = 80.0  # seconds from the daemon's start: load the code, tick, launch and run the job


def zone_away_from_midnight() -> str:
    return next(z for z in ZONES if 2 <= datetime.now(ZoneInfo(z)).hour <= 21)


def yesterday_calls(zone: str) -> tuple[str, list[dict]]:
    """Yesterday's local date and its three calls, at local noon."""
    day = datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).astimezone(UTC)

    def at(seconds: float) -> str:
        return (noon + timedelta(seconds=seconds)).isoformat()

    inbound = {"direction": "inbound", "from_": CALLER, "to": LINE}
    events = [
        ev("call.started", at(0), call_id="D1", **inbound),
        ev("call.queued", at(0), call_id="D1", queue="support"),
        ev("call.answered", at(6), call_id="D1", answered_by="human", agent="ann"),
        ev("call.ended", at(66), call_id="D1", reason="completed"),
        ev("call.started", at(600), call_id="D2", **inbound),
        ev("call.queued", at(600), call_id="D2", queue="support"),
        ev("call.ended", at(630), call_id="D2", reason="caller_hangup"),
        ev("call.started", at(1200), call_id="D3", direction="outbound", from_=LINE, to=CALLER),
        ev("call.ended", at(1230), call_id="D3", reason="no_answer"),
    ]
    return day.isoformat(), events


@pytest.fixture(scope="module")
def live(engine: sa.Engine) -> Iterator[tuple[int, str, str]]:
    """Account "live" with yesterday's calls in the served warehouse: its id, time zone and yesterday."""
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from pipelines.refresh import run_refresh

    zone = zone_away_from_midnight()
    day, events = yesterday_calls(zone)
    account = create_account(engine, "live", zone)
    assert not ingest_events(engine, account.id, enumerate(events, start=1)).rejected
    add_allowed_domain(engine, account.id, "live.example")
    run_refresh(full=True)
    yield account.id, zone, day


def _stop_refresh_schedule(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The daemon would also refresh at every fifth minute; this test only wants the delivery's run."""
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.Popen(
        [str(dagster) if dagster.exists() else "dagster", "schedule", "stop", "refresh_on_cadence",
         "-m", "cli.dagster_definitions"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def test_the_running_daemon_delivers_a_due_daily_subscription_once(
    engine: sa.Engine, live: tuple[int, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    account_id, zone, day = live
    server = SmtpServer()
    server.start()
    settings = get_settings()
    env = {
        "VOXLINK_SMTP_PORT": str(server.port),
        "VOXLINK_DELIVERY_SENSOR_INTERVAL_SECONDS": str(SENSOR_SECONDS),
    }
    log = settings.home_dir / "logs" / "dagster-daemon.log"
    started = time.monotonic()
    daemon = start_dagster_daemon(log, env)
    stopper = _stop_refresh_schedule(dict(os.environ, DAGSTER_HOME=str(settings.dagster_home), **env))
    try:
        # due a few seconds from now, local time: what the page stores is the same, to the minute
        send_at = (datetime.now(ZoneInfo(zone)) + timedelta(seconds=5)).time().replace(microsecond=0)
        ref = create_subscription(engine, account_id, name="Daily status", report="call-status", fmt="csv",
                                  schedule=Schedule("daily", send_at), recipients=["ops@live.example"])  # fmt: skip
        while not server.inbox.messages and time.monotonic() - started < ARRIVAL_DEADLINE:
            assert daemon.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        arrived = time.monotonic() - started
        assert server.inbox.messages, (
            f"no e-mail after {arrived:.0f} s; daemon log:\n{log.read_text()[-3000:]}"
        )
        time.sleep(3 * SENSOR_SECONDS + 2)  # later ticks find nothing more to send
        print(f"e-mail arrived {arrived:.1f} s after the daemon started")
    finally:
        stop(stopper)
        stop(daemon)
        server.stop()

    [message] = server.inbox.messages
    assert message["To"] == "ops@live.example"
    assert message["Subject"] == f"Daily status: Call status, {day}"
    [part] = [p for p in message.walk() if p.get_filename()]
    assert part.get_filename() == f"call-status_live_{day}_{day}.csv"
    attached = list(csv.reader(io.StringIO(part.get_payload(decode=True).decode("utf-8"))))
    assert attached == [
        ["date", "direction", "status", "calls"],
        [day, "inbound", "abandoned", "1"],
        [day, "inbound", "completed", "1"],
        [day, "outbound", "no_answer", "1"],
    ]
    capsys.readouterr()
    assert main(["export", "call-status", "--account", "live", "--start", day, "--end", day]) == 0
    assert attached == list(csv.reader(io.StringIO(capsys.readouterr().out)))
    [entry] = delivery_log(engine, account_id, subscription_id=ref.id)
    assert (entry.status, entry.attempts, entry.rows, str(entry.period_start)) == ("sent", 1, 3, day)
