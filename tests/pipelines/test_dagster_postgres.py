"""Dagster on PostgreSQL: with ``VOXLINK_DATABASE_URL`` set (here the session's embedded server, as an external
one), the instance keeps its runs, events, sensor ticks and concurrency slots in that database's ``dagster``
schema; the refresh job and the real ``dagster-daemon``'s delivery sensor run on it (about a minute).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml

from cli.background import start_dagster_daemon, stop
from exports.recipients import add_allowed_domain
from exports.schedule import Schedule
from exports.subscriptions import create_subscription, delivery_log
from pipelines.instance_storage import InstanceStorageError, ensure_schema, storage_url
from pipelines.refresh import prepare_dagster_home
from tests.events_factory import CALLER, LINE, ev
from tests.exports.conftest import SmtpServer
from voxlink.settings import REPO_ROOT, get_settings

ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "Pacific/Honolulu")
SENSOR_SECONDS = 2
ARRIVAL_DEADLINE = 90.0


def yesterday_calls() -> tuple[str, str, list[dict]]:
    """A zone far from local midnight, yesterday's date there, and three calls at its noon: an answered inbound
    call, an inbound call abandoned after 30 s, an outbound call nobody answered (the call-status report: 3 rows)."""
    zone = next(z for z in ZONES if 2 <= datetime.now(ZoneInfo(z)).hour <= 21)
    day = datetime.now(ZoneInfo(zone)).date() - timedelta(days=1)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone))

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
    return zone, day.isoformat(), events


def stop_refresh_schedule(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The daemon would also refresh every fifth minute; this test wants only the delivery's run."""
    dagster = Path(sys.executable).with_name("dagster")
    return subprocess.Popen(
        [str(dagster), "schedule", "stop", "refresh_on_cadence", "-m", "cli.dagster_definitions"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def live(engine: sa.Engine) -> Iterator[tuple[int, str, str]]:
    """Account "live" with yesterday's three calls refreshed into the served warehouse by the refresh job."""
    from operational.accounts import create_account
    from operational.ingest import ingest_events
    from pipelines.refresh import run_refresh

    zone, day, events = yesterday_calls()
    account = create_account(engine, "live", zone)
    assert not ingest_events(engine, account.id, enumerate(events, start=1)).rejected
    add_allowed_domain(engine, account.id, "live.example")
    run_refresh(full=True)
    yield account.id, zone, day


def dagster_rows(engine: sa.Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql))]


def test_the_instance_file_names_the_database_in_its_own_schema_owner_only(db_url: str) -> None:
    prepare_dagster_home()
    config = get_settings().dagster_home / "dagster.yaml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the database URL
    storage = yaml.safe_load(config.read_text())["storage"]["postgres"]["postgres_url"]
    assert storage.endswith("options=-csearch_path%3Ddagster")
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"


def test_the_storage_url_keeps_credentials_and_host_and_sets_the_schema() -> None:
    url = sa.make_url(
        storage_url("postgresql+psycopg://vox:s3cr%40t@db.example:6543/voxlink?sslmode=require")
    )
    assert (url.drivername, url.username, url.password, url.host, url.port) == (
        "postgresql+psycopg2", "vox", "s3cr@t", "db.example", 6543,
    )  # fmt: skip
    assert dict(url.query) == {"sslmode": "require", "options": "-csearch_path=dagster"}


def test_the_embedded_default_keeps_sqlite_under_the_dagster_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", ""))  # restored afterwards
    monkeypatch.delenv("VOXLINK_DATABASE_URL", raising=False)
    monkeypatch.setenv("VOXLINK_HOME", str(tmp_path))
    get_settings.cache_clear()
    try:
        prepare_dagster_home()
        config = tmp_path / "dagster" / "dagster.yaml"
        assert "storage" not in yaml.safe_load(config.read_text())  # Dagster's default: SQLite files
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def test_a_role_that_may_not_create_the_schema_gets_a_clear_error(db_url: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("drop role if exists dagster_denied"))
        conn.execute(sa.text("create role dagster_denied login"))
    denied = sa.make_url(db_url).set(username="dagster_denied").render_as_string(hide_password=False)
    with pytest.raises(InstanceStorageError, match="cannot create the schema 'dagster'.*permission denied"):
        ensure_schema(denied)


def test_the_refresh_run_and_its_events_are_stored_in_the_dagster_schema(
    engine: sa.Engine, live: tuple[int, str, str]
) -> None:
    assert dagster_rows(engine, "select status from dagster.runs where pipeline_name = 'refresh'") == [
        ("SUCCESS",)
    ]
    [(events,)] = dagster_rows(engine, "select count(*) from dagster.event_logs")
    assert events > 20  # every step's start and success, materialisations and check results
    # the operational tables and their Alembic version stay apart from Dagster's
    public = {
        name
        for (name,) in dagster_rows(engine, "select tablename from pg_tables where schemaname = 'public'")
    }
    assert "runs" not in public and "event_logs" not in public and "calls" in public
    assert not (get_settings().dagster_home / "history").exists()  # no SQLite run storage


def test_the_daemon_delivers_and_its_sensor_ticks_and_run_are_stored_in_postgres(
    engine: sa.Engine, live: tuple[int, str, str]
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
    stopper = stop_refresh_schedule(dict(os.environ, DAGSTER_HOME=str(settings.dagster_home), **env))
    try:
        send_at = (datetime.now(ZoneInfo(zone)) + timedelta(seconds=5)).time().replace(microsecond=0)
        ref = create_subscription(engine, account_id, name="Daily status", report="call-status", fmt="csv",
                                  schedule=Schedule("daily", send_at), recipients=["ops@live.example"])  # fmt: skip
        while not server.inbox.messages and time.monotonic() - started < ARRIVAL_DEADLINE:
            assert daemon.poll() is None, log.read_text()[-3000:]
            time.sleep(0.5)
        assert server.inbox.messages, f"no e-mail; daemon log:\n{log.read_text()[-3000:]}"
        time.sleep(2 * SENSOR_SECONDS + 1)  # the run's end is recorded after its e-mail went out
    finally:
        stop(stopper)
        stop(daemon)
        server.stop()

    [message] = server.inbox.messages
    assert message["Subject"] == f"Daily status: Call status, {day}"
    [entry] = delivery_log(engine, account_id, subscription_id=ref.id)
    assert (entry.status, entry.rows) == ("sent", 3)
    assert ("SUCCESS",) in dagster_rows(
        engine, "select status from dagster.runs where pipeline_name = 'deliver_reports'"
    )
    ticks = dagster_rows(
        engine,
        "select status from dagster.job_ticks where type = 'SENSOR' and tick_body like '%due_report_deliveries%'",
    )
    assert ("SUCCESS",) in ticks  # the tick that requested the delivery run
    assert ("SKIPPED",) in ticks  # and the ones before or after, finding nothing due
