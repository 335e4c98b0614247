"""The `stale_warehouse` sensor, evaluated by Dagster: it mails the admins once and names the failed refresh."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message

import dagster as dg
import pytest
import sqlalchemy as sa

from tests.exports.conftest import SmtpServer
from tests.pipelines.staleness_fixtures import add_accounts_with_admins, publish_served, smtp_pointed_at


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    yield from smtp_pointed_at(monkeypatch)


@dg.op
def build_the_marts() -> None:
    raise RuntimeError("dbt exploded on fct_calls")


@dg.job(name="refresh")
def failing_refresh() -> None:
    build_the_marts()


def text(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def test_the_sensor_mails_once_with_the_last_failed_refresh(
    engine: sa.Engine, db_url: str, smtp: SmtpServer
) -> None:
    from pipelines.definitions import build_definitions
    from pipelines.refresh_history import last_failed_refresh, last_refresh
    from pipelines.resources import OperationalDatabase

    add_accounts_with_admins(engine)
    publish_served(1, minutes_ago=40)
    sensor = build_definitions().resolve_sensor_def("stale_warehouse")
    assert sensor.minimum_interval_seconds == 60
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    resources = {"operational_db": OperationalDatabase(url=db_url)}
    with dg.DagsterInstance.ephemeral() as instance:
        assert last_refresh(instance) is None
        failing_refresh.execute_in_process(instance=instance, raise_on_error=False)
        failed = last_failed_refresh(instance)
        assert failed is not None and failed.status == "failure"
        assert last_refresh(instance) == failed
        first = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        second = sensor(dg.build_sensor_context(instance=instance, resources=resources))
    assert isinstance(first, dg.SkipReason) and isinstance(second, dg.SkipReason)
    assert "40 min old; refreshed every 5 min (stale)" in str(first.skip_message)
    assert sorted(str(m["To"]) for m in smtp.inbox.messages) == [
        "ada@acme.example, bob@acme.example",
        "gus@globex.example",
    ]
    body = text(smtp.inbox.messages[0])
    assert "The last failed refresh started" in body
    assert "step build_the_marts failed: RuntimeError: dbt exploded on fct_calls" in body
