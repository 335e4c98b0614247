"""Report configurations over the API (issue 16 item 3) are the app's report subscriptions: same table, same
validation, scoped to the key's account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cli.api_app import create_app
from exports.recipients import add_allowed_domain, set_user_email
from exports.subscriptions import get_subscription, list_subscriptions
from operational.users import create_user
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

URL = "/api/v1/reports/configs"
WEEKLY = {"frequency": "weekly", "at": "07:30", "weekday": "mon"}


def config(**changes: Any) -> dict[str, Any]:
    body = {"name": "Weekly abandon", "type": "abandon-rate", "filters": {"queue": "support"},
            "schedule": WEEKLY, "recipients": ["Mia@Acme.Example"], "format": "xlsx"}  # fmt: skip
    return body | changes


@pytest.fixture(scope="module")
def client(engine: sa.Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def acme(engine: sa.Engine) -> Tenant:
    tenant = make_tenant(engine, "acme-configs")
    create_user(engine, tenant.id, "mia", "manager", "correct horse battery")
    set_user_email(engine, tenant.id, "mia", "mia@acme.example")
    add_allowed_domain(engine, tenant.id, "partners.example")
    return tenant


@pytest.fixture(scope="module")
def other(engine: sa.Engine) -> Tenant:
    tenant = make_tenant(engine, "other-configs", "Europe/London")
    create_user(engine, tenant.id, "olga", "manager", "correct horse battery")
    set_user_email(engine, tenant.id, "olga", "olga@other.example")
    return tenant


def rows(engine: sa.Engine) -> list[tuple[Any, ...]]:
    """The subscriptions table as the app's page reads it, whole."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "select account_id, name, report, format, frequency, weekday, day_of_month, send_at::text, "
            "recipients, filters, enabled from report_subscriptions order by id"))]  # fmt: skip


def test_a_config_created_over_the_api_is_the_apps_subscription(
    client: TestClient, engine: sa.Engine, acme: Tenant
) -> None:
    created = client.post(URL, json=config(), headers=acme.auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert {k: v for k, v in body.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "name": "Weekly abandon", "type": "abandon-rate", "filters": {"queue": "support"},
        "schedule": {"frequency": "weekly", "at": "07:30", "weekday": "mon", "dayOfMonth": None},
        "recipients": ["Mia@acme.example"], "format": "xlsx", "enabled": True,
    }  # fmt: skip
    assert body["createdAt"] == body["updatedAt"] and body["createdAt"].startswith("20")
    stored = get_subscription(engine, acme.id, body["id"])
    assert (
        stored.describe()
        == f"#{body['id']} Weekly abandon: abandon-rate as xlsx, weekly on mon at 07:30 → Mia@acme.example"
    )
    assert [ref.id for ref in list_subscriptions(engine, acme.id)] == [body["id"]]
    assert rows(engine)[-1] == (acme.id, "Weekly abandon", "abandon-rate", "xlsx", "weekly", 0, None,
                                "07:30:00", ["Mia@acme.example"], {"queue": "support"}, True)  # fmt: skip
    listed = client.get(URL, headers=acme.auth).json()["configs"]
    assert [c["id"] for c in listed] == [body["id"]]
    assert client.get(f"{URL}/{body['id']}", headers=acme.auth).json() == body
    client.delete(f"{URL}/{body['id']}", headers=acme.auth)


def test_put_replaces_patch_changes_some_and_delete_removes(
    client: TestClient, engine: sa.Engine, acme: Tenant
) -> None:
    made = client.post(
        URL, json=config(name="Daily status", type="call-status", filters={}), headers=acme.auth
    )
    config_id = made.json()["id"]
    monthly = {"frequency": "monthly", "at": "06:00", "dayOfMonth": 31}
    replaced = client.put(f"{URL}/{config_id}", headers=acme.auth, json=config(
        name="Monthly SMS", type="sms-mms", filters={"channel": "sms"}, schedule=monthly,
        recipients=["ops@partners.example"], format="pdf"))  # fmt: skip
    assert replaced.status_code == 200, replaced.text
    ref = get_subscription(engine, acme.id, config_id)
    assert (ref.name, ref.report, ref.filters, ref.format, ref.recipients) == (
        "Monthly SMS", "sms-mms", {"channel": "sms"}, "pdf", ["ops@partners.example"])  # fmt: skip
    assert ref.schedule.describe() == "monthly on day 31 at 06:00"
    changed = client.patch(f"{URL}/{config_id}", json={"format": "csv", "enabled": False}, headers=acme.auth)
    assert changed.status_code == 200, changed.text
    ref = get_subscription(engine, acme.id, config_id)
    assert (ref.name, ref.format, ref.enabled, ref.filters) == (
        "Monthly SMS",
        "csv",
        False,
        {"channel": "sms"},
    )
    assert changed.json()["updatedAt"] > changed.json()["createdAt"]
    assert client.delete(f"{URL}/{config_id}", headers=acme.auth).status_code == 204
    assert config_id not in [r.id for r in list_subscriptions(engine, acme.id)]
    assert_error(client.delete(f"{URL}/{config_id}", headers=acme.auth), 404, "not_found")


def test_another_accounts_key_sees_and_changes_nothing(
    client: TestClient, engine: sa.Engine, acme: Tenant, other: Tenant
) -> None:
    mine = client.post(URL, json=config(name="Mine"), headers=acme.auth).json()
    before = rows(engine)
    assert client.get(URL, headers=other.auth).json() == {"configs": []}
    assert_error(client.get(f"{URL}/{mine['id']}", headers=other.auth), 404, "not_found")
    assert_error(client.patch(f"{URL}/{mine['id']}", json={"name": "Taken"}, headers=other.auth), 404)
    theirs = config(name="Taken", recipients=["olga@other.example"])
    assert_error(client.put(f"{URL}/{mine['id']}", json=theirs, headers=other.auth), 404, "not_found")
    assert_error(client.delete(f"{URL}/{mine['id']}", headers=other.auth), 404, "not_found")
    assert rows(engine) == before
    client.delete(f"{URL}/{mine['id']}", headers=acme.auth)


BAD = [
    ({"recipients": ["eve@evil.example"]}, "body.recipients", "not a user of this account"),
    ({"recipients": ["not-an-address"]}, "body.recipients", "is not an e-mail address"),
    ({"recipients": []}, "body.recipients", "List should have at least 1 item"),
    (
        {"schedule": {"frequency": "weekly", "at": "07:30"}},
        "body.schedule",
        "weekly schedule needs a weekday",
    ),
    ({"schedule": {"frequency": "daily", "at": "25:00"}}, "body.schedule.at", "should match pattern"),
    ({"schedule": {"frequency": "hourly", "at": "07:00"}}, "body.schedule.frequency", "Input should be"),
    ({"format": "docx"}, "body.format", "format 'docx' is not one of csv, xlsx, pdf"),
    ({"type": "no-such-report"}, "body.type", "unknown report 'no-such-report'"),
    ({"filters": {"channel": "sms"}}, "body.filters", "abandon-rate cannot be filtered on 'channel'"),
    ({"name": "   "}, "body.name", "a subscription needs a name"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD)
def test_a_bad_field_is_422_naming_it_and_nothing_is_stored(
    client: TestClient, engine: sa.Engine, acme: Tenant, change: dict[str, Any], field: str, reason: str
) -> None:
    kept = client.post(URL, json=config(name="Kept"), headers=acme.auth).json()
    before = rows(engine)
    error = assert_error(
        client.post(URL, json=config(name="New") | change, headers=acme.auth), 422, "invalid"
    )
    assert error["details"][0]["field"] == field and reason in str(error["details"][0]["reason"]), error
    error = assert_error(client.patch(f"{URL}/{kept['id']}", json=change, headers=acme.auth), 422, "invalid")
    assert error["details"][0]["field"] == field, error
    assert rows(engine) == before
    client.delete(f"{URL}/{kept['id']}", headers=acme.auth)


def test_a_taken_name_is_409(client: TestClient, engine: sa.Engine, acme: Tenant) -> None:
    first = client.post(URL, json=config(name="Once"), headers=acme.auth).json()
    before = rows(engine)
    error = assert_error(client.post(URL, json=config(name="Once"), headers=acme.auth), 409, "conflict")
    assert error["details"] == [
        {"field": "body.name", "reason": "a subscription named 'Once' already exists"}
    ]
    assert rows(engine) == before
    client.delete(f"{URL}/{first['id']}", headers=acme.auth)
