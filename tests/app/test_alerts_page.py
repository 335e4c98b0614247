"""The Alerts page (issue 19): a manager creates, edits and deletes a rule; recipients outside the account are
refused with the reason; an analyst does not see the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app.shell.navigation import visible_titles
from exports.recipients import add_allowed_domain
from operational.alerts.rules import list_rules
from operational.database import engine_for
from operational.models.alerts import AlertRule
from tests.app.apptest import signed_in
from tests.app.conftest import Stack

PAGE = "alerts"


@pytest.fixture
def north(app_env: Stack) -> Iterator[sa.Engine]:
    engine = engine_for(app_env.database_url)
    add_allowed_domain(engine, app_env.accounts["north"], "north.example")
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.delete(AlertRule))


def test_a_manager_creates_edits_and_deletes_a_rule_on_the_page(app_env: Stack, north: sa.Engine) -> None:
    account = app_env.accounts["north"]
    app = signed_in("north-manager", PAGE)
    app.selectbox(key="alert_scope_0").set_value("queue")
    app.text_input(key="alert_name_0").input("Support abandons")
    app.text_input(key="alert_scope_name_0").input("support")
    app.selectbox(key="alert_window_0").set_value("1h")
    app.number_input(key="alert_threshold_0").set_value(0.15)
    app.text_input(key="alert_recipients_0").input("ops@north.example")
    next(b for b in app.button if b.label == "Create").click().run()
    assert not app.exception and [s.value for s in app.success] == ["Saved “Support abandons”."]
    [rule] = list_rules(north, account)
    assert (rule["metric"], rule["scope"], rule["scope_name"], rule["window"], rule["threshold"]) == (
        "abandon_rate", "queue", "support", "1h", 0.15,
    )  # fmt: skip
    assert rule["recipients"] == ["ops@north.example"] and rule["min_volume"] == 10

    app.selectbox(key="alert_pick").set_value(rule["id"]).run()
    app.number_input(key=f"alert_threshold_{rule['id']}").set_value(0.3)
    next(b for b in app.button if b.label == "Save").click().run()
    assert [r["threshold"] for r in list_rules(north, account)] == [0.3]

    app.selectbox(key="alert_pick").set_value(rule["id"]).run()
    next(b for b in app.button if b.label == "Delete this rule").click().run()
    assert list_rules(north, account) == []


def test_a_recipient_outside_the_account_is_refused_on_the_page(app_env: Stack, north: sa.Engine) -> None:
    app = signed_in("north-manager", PAGE)
    app.text_input(key="alert_name_0").input("Leaky")
    app.text_input(key="alert_recipients_0").input("spy@elsewhere.example")
    next(b for b in app.button if b.label == "Create").click().run()
    assert [e.value for e in app.error] == [
        "Not saved: not a user of this account nor in its allowed e-mail domains: spy@elsewhere.example"
    ]
    assert list_rules(north, app_env.accounts["north"]) == []


def test_only_managers_and_admins_see_the_alerts_page() -> None:
    assert "Alerts" in visible_titles("manager") and "Alerts" in visible_titles("admin")
    assert "Alerts" not in visible_titles("analyst") and "Alerts" not in visible_titles("agent")
