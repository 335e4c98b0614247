"""The seed design's dialer paths (issue 16 item 4): start/stop with the campaign in the body, and the
speed-dial list without ``?user=`` (an API key has no user: its own entries are its account's)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from operational.users import create_user
from tests.operational.api.conftest import Tenant, assert_error

SEED_PATHS = ["/api/v1/dialer/power/start", "/api/v1/dialer/power/stop",
              "/api/v1/dialer/parallel/start", "/api/v1/dialer/parallel/stop"]  # fmt: skip


def new_campaign(client: TestClient, tenant: Tenant, name: str) -> int:
    response = client.post("/api/v1/dialer/campaigns", json={"name": name}, headers=tenant.auth)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def stored(engine: sa.Engine, campaign: int) -> tuple[str, str]:
    with engine.connect() as conn:
        row = conn.execute(sa.text("select type, state from campaigns where id = :c"), {"c": campaign}).one()
    return row.type, row.state


def test_power_start_and_stop_with_the_campaign_in_the_body(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    campaign = new_campaign(client, tenant_a, "seed-power")
    started = client.post("/api/v1/dialer/power/start", json={"campaignId": campaign}, headers=tenant_a.auth)
    assert started.status_code == 200, started.text
    assert (started.json()["id"], started.json()["type"], started.json()["state"]) == (
        campaign,
        "power",
        "running",
    )
    assert stored(engine, campaign) == ("power", "running")
    stopped = client.post("/api/v1/dialer/power/stop", json={"campaignId": campaign}, headers=tenant_a.auth)
    assert stopped.status_code == 200, stopped.text
    assert stored(engine, campaign) == ("power", "stopped")


def test_parallel_start_accepts_campaign_id_in_snake_case(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    campaign = new_campaign(client, tenant_a, "seed-parallel")
    started = client.post(
        "/api/v1/dialer/parallel/start", json={"campaign_id": campaign}, headers=tenant_a.auth
    )
    assert started.status_code == 200, started.text
    assert stored(engine, campaign) == ("parallel", "running")
    stopped = client.post(
        "/api/v1/dialer/parallel/stop", json={"campaign_id": campaign}, headers=tenant_a.auth
    )
    assert stopped.status_code == 200, stopped.text
    assert stored(engine, campaign) == ("parallel", "stopped")


def test_stopping_as_the_other_kind_is_refused_on_both_paths_alike(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant
) -> None:
    campaign = new_campaign(client, tenant_a, "seed-wrong-kind")
    client.post(f"/api/v1/dialer/campaigns/{campaign}/power/start", headers=tenant_a.auth)
    by_body = client.post(
        "/api/v1/dialer/parallel/stop", json={"campaignId": campaign}, headers=tenant_a.auth
    )
    by_path = client.post(f"/api/v1/dialer/campaigns/{campaign}/parallel/stop", headers=tenant_a.auth)
    assert (
        assert_error(by_body, 409, "wrong_type")["message"]
        == assert_error(by_path, 409, "wrong_type")["message"]
    )
    assert stored(engine, campaign) == ("power", "running")


@pytest.mark.parametrize("path", SEED_PATHS)
def test_another_accounts_campaign_is_404_and_unchanged(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant, tenant_b: Tenant, path: str
) -> None:
    theirs = new_campaign(client, tenant_b, f"theirs {path}")
    before = stored(engine, theirs)
    assert_error(client.post(path, json={"campaignId": theirs}, headers=tenant_a.auth), 404, "not_found")
    assert stored(engine, theirs) == before == ("power", "stopped")


@pytest.mark.parametrize("path", SEED_PATHS)
def test_an_unknown_campaign_is_404(client: TestClient, tenant_a: Tenant, path: str) -> None:
    error = assert_error(client.post(path, json={"campaignId": 2_000_000_000}, headers=tenant_a.auth), 404)
    assert error["message"] == "no campaign 2000000000"


@pytest.mark.parametrize("path", SEED_PATHS)
@pytest.mark.parametrize("body", [{}, {"campaign": 1}, {"campaignId": "seven"}, {"campaignId": 0}])
def test_a_missing_or_bad_campaign_in_the_body_is_422_naming_it(
    client: TestClient, tenant_a: Tenant, path: str, body: dict[str, object]
) -> None:
    error = assert_error(client.post(path, json=body, headers=tenant_a.auth), 422, "invalid")
    assert [detail["field"] for detail in error["details"]] == ["body.campaignId"]


def test_speed_dial_without_user_lists_every_entry_of_the_keys_account(
    client: TestClient, engine: sa.Engine, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    create_user(engine, tenant_a.id, "sam", "agent", "sam's long password")
    create_user(engine, tenant_a.id, "ada", "agent", "ada's long password")
    create_user(engine, tenant_b.id, "bo", "agent", "bo's long password")
    for tenant, user, label, phone in [
        (tenant_a, "sam", "office", "+12125550101"),
        (tenant_a, "ada", "home", "+12125550102"),
        (tenant_a, "sam", "mobile", "+12125550103"),
        (tenant_b, "bo", "theirs", "+12125550104"),
    ]:
        body = {"user": user, "label": label, "phone": phone}
        assert client.post("/api/v1/dialer/speed-dial", json=body, headers=tenant.auth).status_code == 201

    own = client.get("/api/v1/dialer/speed-dial", headers=tenant_a.auth)
    assert own.status_code == 200, own.text
    assert own.json()["user"] is None
    # by user, then in the order added
    assert [(e["user"], e["label"], e["phone"]) for e in own.json()["entries"]] == [
        ("ada", "home", "+12125550102"),
        ("sam", "office", "+12125550101"),
        ("sam", "mobile", "+12125550103"),
    ]
    sams = client.get("/api/v1/dialer/speed-dial", params={"user": "sam"}, headers=tenant_a.auth).json()
    assert [e["label"] for e in sams["entries"]] == ["office", "mobile"]
    theirs = client.get("/api/v1/dialer/speed-dial", headers=tenant_b.auth).json()["entries"]
    assert [(e["user"], e["label"]) for e in theirs] == [("bo", "theirs")]
    assert_error(client.get("/api/v1/dialer/speed-dial", params={"user": "bo"}, headers=tenant_a.auth), 404)
