"""Alert rules over the API (issue 19), on the composed app (``voxlink api``): create, edit, delete; recipients
outside the account's users and allowed domains refused in the documented error body; no account sees
another's rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cli.api_app import create_app
from exports.recipients import add_allowed_domain
from tests.operational.api.conftest import UNTHROTTLED, Tenant, assert_error, make_tenant

RULE = {
    "name": "support abandons", "metric": "abandon_rate", "scope": "queue", "scope_name": "support",
    "window": "15m", "comparison": ">", "threshold": 0.1, "min_volume": 5, "rearm_seconds": 900,
    "quiet_start": "22:00:00", "quiet_end": "07:00:00", "recipients": ["Boss@Alerts-Api.test"],
    "webhook_url": "https://hooks.example.com/voxlink",
}  # fmt: skip


@pytest.fixture(scope="module")
def composed(engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine, edge=UNTHROTTLED), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def owner(engine: sa.Engine) -> Tenant:
    tenant = make_tenant(engine, "alerts-api")
    add_allowed_domain(engine, tenant.id, "alerts-api.test")
    return tenant


def test_a_rule_is_created_edited_listed_and_deleted(composed: TestClient, owner: Tenant) -> None:
    created = composed.post("/api/v1/alerts/rules", json=RULE, headers=owner.auth)
    assert created.status_code == 201, created.text
    rule = created.json()
    assert (rule["recipients"], rule["quiet_start"], rule["threshold"]) == (
        ["Boss@alerts-api.test"],
        "22:00:00",
        0.1,
    )

    edited = composed.put(
        f"/api/v1/alerts/rules/{rule['id']}", json=RULE | {"threshold": 0.25}, headers=owner.auth
    )
    assert edited.status_code == 200 and edited.json()["threshold"] == 0.25
    listed = composed.get("/api/v1/alerts/rules", headers=owner.auth).json()["rules"]
    assert [(r["name"], r["threshold"]) for r in listed] == [("support abandons", 0.25)]

    assert composed.delete(f"/api/v1/alerts/rules/{rule['id']}", headers=owner.auth).status_code == 204
    assert composed.get("/api/v1/alerts/rules", headers=owner.auth).json()["rules"] == []


def test_a_recipient_outside_the_account_is_refused_and_nothing_is_stored(
    composed: TestClient, owner: Tenant
) -> None:
    answer = composed.post(
        "/api/v1/alerts/rules",
        json=RULE | {"name": "leaky", "recipients": ["x@elsewhere.example"]},
        headers=owner.auth,
    )
    error = assert_error(answer, 422, "invalid")
    assert "x@elsewhere.example" in error["message"] and error["details"][0]["field"] == "recipients"
    assert composed.get("/api/v1/alerts/rules", headers=owner.auth).json()["rules"] == []


def test_a_wrong_window_for_the_metric_names_the_field(composed: TestClient, owner: Tenant) -> None:
    answer = composed.post("/api/v1/alerts/rules", json=RULE | {"window": "30d"}, headers=owner.auth)
    assert assert_error(answer, 422, "invalid")["details"] == [
        {"field": "window", "reason": "abandon_rate takes 15m, 1h, today"}
    ]


def test_another_accounts_rule_is_not_found(composed: TestClient, owner: Tenant, engine: sa.Engine) -> None:
    stranger = make_tenant(engine, "alerts-api-stranger")
    created = composed.post("/api/v1/alerts/rules", json=RULE | {"name": "mine"}, headers=owner.auth).json()
    assert_error(
        composed.get(f"/api/v1/alerts/rules/{created['id']}", headers=stranger.auth), 404, "not_found"
    )
    assert_error(
        composed.delete(f"/api/v1/alerts/rules/{created['id']}", headers=stranger.auth), 404, "not_found"
    )
    assert composed.get("/api/v1/alerts/rules", headers=stranger.auth).json()["rules"] == []
    assert composed.get("/api/v1/alerts/history", headers=stranger.auth).json() == {"events": []}


def test_the_webhook_secret_is_shown_once_on_rotation(composed: TestClient, owner: Tenant) -> None:
    answer = composed.post("/api/v1/alerts/webhook-secret", headers=owner.auth)
    assert answer.status_code == 201
    assert answer.json()["header"] == "X-VoxLink-Signature" and len(answer.json()["secret"]) >= 40
