"""Where people and machines read the served data's freshness: the API's /readyz, `voxlink status`, `db status`."""

from __future__ import annotations

from collections.abc import Iterator

import dagster as dg
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cli.main import main
from tests.pipelines.staleness_fixtures import publish_served
from voxlink.settings import get_settings


@pytest.fixture
def api(engine: sa.Engine) -> Iterator[TestClient]:
    from cli.api_app import create_app

    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        yield client


def test_readyz_reports_stale_data_and_stays_200(api: TestClient) -> None:
    publish_served(3, minutes_ago=20)
    ready = api.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    warehouse = body["warehouse"]
    assert warehouse["state"] == "stale" and warehouse["version"] == 3
    assert 1195 <= warehouse["age_seconds"] <= 1260  # published 20 min before the request
    assert (warehouse["refresh_interval_seconds"], warehouse["stale_after_seconds"]) == (300, 900)


def test_readyz_reports_fresh_data_and_a_warehouse_never_published(api: TestClient) -> None:
    publish_served(4, minutes_ago=1)
    assert api.get("/readyz").json()["warehouse"]["state"] == "fresh"
    get_settings().served_db.unlink()
    never = api.get("/readyz")
    assert never.status_code == 200
    assert never.json()["warehouse"]["state"] == "never published"
    assert never.json()["warehouse"]["age_seconds"] is None


def test_an_unreadable_warehouse_is_reported_unknown_without_failing_readiness(engine: sa.Engine) -> None:
    from operational.api import create_app

    app = create_app(engine)

    def broken() -> dict[str, object]:
        raise OSError("disk gone")

    app.state.freshness = broken
    with TestClient(app) as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "warehouse": {"state": "unknown", "error": "OSError"}}


@dg.op
def extract_calls() -> None:
    raise RuntimeError("the operational database refused the extract")


@dg.job(name="refresh")
def failing_refresh() -> None:
    extract_calls()


def test_status_exits_2_on_stale_data_and_names_the_last_refresh(capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.refresh import prepare_dagster_home

    prepare_dagster_home()
    with dg.DagsterInstance.get() as instance:
        failing_refresh.execute_in_process(instance=instance, raise_on_error=False)
    capsys.readouterr()
    publish_served(5, minutes_ago=20)
    assert main(["status"]) == 2
    out = capsys.readouterr().out
    assert "database: up (external server)" in out
    assert "warehouse: stale\n  version 5, published " in out
    assert "20 min old; refreshed every 5 min (stale); stale after 15 min" in out
    assert "last refresh: failure, started " in out
    assert "step extract_calls failed: RuntimeError: the operational database refused the extract" in out

    publish_served(6, minutes_ago=2)
    assert main(["status"]) == 0
    assert "warehouse: fresh\n  version 6" in capsys.readouterr().out


def test_status_exits_3_when_the_database_is_down(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    publish_served(7, minutes_ago=1)
    monkeypatch.setenv("VOXLINK_DATABASE_URL", "postgresql+psycopg://postgres@/nowhere?host=/nonexistent")
    get_settings.cache_clear()
    try:
        assert main(["status"]) == 3
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert capsys.readouterr().out.startswith("database: down (external server: ")


def test_db_status_adds_the_freshness_line(capsys: pytest.CaptureFixture[str]) -> None:
    publish_served(8, minutes_ago=12)
    assert main(["db", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("external server: ")
    assert lines[1].startswith("served warehouse: data as of ")
    assert lines[1].endswith(" — 12 min old; refreshed every 5 min (late)")
