"""Before the first refresh publishes a warehouse, the reports API answers 503 (and ingest is unaffected)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.accounts import create_account
from operational.keys import create_api_key
from tests.operational.api.conftest import UNTHROTTLED, assert_error


@pytest.fixture(scope="module")
def unserved(engine: sa.Engine) -> Iterator[tuple[TestClient, dict[str, str]]]:
    from cli.api_app import create_app

    account = create_account(engine, "fresh", "Europe/London")
    auth = {"Authorization": f"Bearer {create_api_key(engine, account.id).secret}"}
    with TestClient(create_app(engine, edge=UNTHROTTLED), raise_server_exceptions=False) as client:
        yield client, auth


@pytest.mark.parametrize("accept", ["application/json", "text/csv"])
def test_no_served_warehouse_is_503(unserved: tuple[TestClient, dict[str, str]], accept: str) -> None:
    client, auth = unserved
    response = client.get("/api/v1/reports/call-status", params={"start": "2026-11-01", "end": "2026-11-02"},
                          headers={**auth, "Accept": accept})  # fmt: skip
    error = assert_error(response, 503, "service_unavailable")
    assert "warehouse" in error["message"]
    assert response.headers["Retry-After"] == "60"
