"""The report subscriptions page: made from the page and stored in PostgreSQL, refused with a reason when a
recipient is outside the account, paused, resumed and deleted, its delivery log shown; only managers and
admins see it, and only their own account's subscriptions.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime, time

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from app.shell.navigation import visible_titles
from app.signin.access import NotPermitted, Viewer
from app.subscriptions import account_subscriptions as subs
from exports.delivery import DataHealth, deliver_due
from exports.recipients import add_allowed_domain
from exports.schedule import Schedule
from exports.subscriptions import create_subscription
from operational.database import engine_for
from operational.models import ReportSubscription
from tests.app.apptest import all_text, open_page, signed_in, table
from tests.app.conftest import Stack
from tests.exports.conftest import SmtpServer
from voxlink.mail import SmtpConfig

PAGE = "subscriptions"
TITLE = "Report subscriptions"


@pytest.fixture
def north(app_env: Stack) -> Iterator[sa.Engine]:
    """North allows north.example; every subscription a test makes is gone afterwards (the stack is shared)."""
    engine = engine_for(app_env.database_url)
    add_allowed_domain(engine, app_env.accounts["north"], "north.example")
    yield engine
    with engine.begin() as conn:
        conn.execute(sa.delete(ReportSubscription))


def stored(engine: sa.Engine, account_id: int) -> list[ReportSubscription]:
    with engine.connect() as conn:
        return list(
            conn.execute(sa.select(ReportSubscription).where(ReportSubscription.account_id == account_id))
        )


def fill(app: AppTest, name: str, recipients: str, report: str = "abandon-rate") -> AppTest:
    app.selectbox(key="sub_report").set_value(report).run()
    app.radio(key="sub_frequency").set_value("weekly").run()
    app.text_input(key="sub_name").input(name)
    app.selectbox(key="sub_format").set_value("xlsx")
    app.time_input(key="sub_time").set_value(time(7, 30))
    app.selectbox(key="sub_weekday").set_value(0)
    app.text_area(key="sub_recipients").input(recipients)
    return app


def submit(app: AppTest) -> AppTest:
    next(button for button in app.button if button.label == "Create subscription").click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_a_manager_creates_a_subscription_on_the_page_and_it_is_stored(
    app_env: Stack, north: sa.Engine
) -> None:
    app = signed_in("north-manager", PAGE)
    fill(app, "Monday abandon rate", "ops@north.example, Lead@North.Example")
    app.selectbox(key="sub_filter_queue").set_value("support")

    submit(app)

    assert [s.value for s in app.success] == [
        "Created “Monday abandon rate”: Abandon rate and service level as XLSX, weekly on mon at 07:30, "
        "to ops@north.example, Lead@north.example."
    ]
    (row,) = stored(north, app_env.accounts["north"])
    assert (row.name, row.report, row.format, row.frequency, row.weekday, row.day_of_month, row.send_at) == (
        "Monday abandon rate", "abandon-rate", "xlsx", "weekly", 0, None, time(7, 30)
    )  # fmt: skip
    assert row.recipients == ["ops@north.example", "Lead@north.example"]
    assert row.filters == {"queue": "support"} and row.enabled
    listing = table(app)
    assert listing["name"].tolist() == ["Monday abandon rate"]
    assert listing["state"].tolist() == ["active"] and listing["filters"].tolist() == ["queue = support"]


def test_a_monthly_subscription_keeps_its_day(app_env: Stack, north: sa.Engine) -> None:
    app = signed_in("north-admin", PAGE)
    app.radio(key="sub_frequency").set_value("monthly").run()
    app.text_input(key="sub_name").input("Month end")
    app.number_input(key="sub_day").set_value(31)
    app.text_area(key="sub_recipients").input("boss@north.example")

    submit(app)

    (row,) = stored(north, app_env.accounts["north"])
    assert (row.report, row.frequency, row.day_of_month, row.weekday, row.format) == (
        "call-status", "monthly", 31, None, "csv"
    )  # fmt: skip


def test_a_recipient_outside_the_account_is_refused_with_the_reason(app_env: Stack, north: sa.Engine) -> None:
    app = signed_in("north-manager", PAGE)
    fill(app, "Leaky", "ops@north.example\nspy@elsewhere.example")

    submit(app)

    assert [e.value for e in app.error] == [
        "Not created: not a user of this account nor in its allowed e-mail domains: spy@elsewhere.example"
    ]
    assert stored(north, app_env.accounts["north"]) == []


@pytest.mark.parametrize(
    "name, recipients, reason",
    [
        ("", "ops@north.example", "a subscription needs a name of at most 200 characters"),
        ("No one", "", "a subscription needs at least one recipient"),
        ("Typo", "ops@north", "'ops@north' is not an e-mail address"),
    ],
)
def test_incomplete_forms_say_what_is_missing(
    app_env: Stack, north: sa.Engine, name: str, recipients: str, reason: str
) -> None:
    app = signed_in("north-manager", PAGE)
    fill(app, name, recipients)

    submit(app)

    assert [e.value for e in app.error] == [f"Not created: {reason}"]
    assert stored(north, app_env.accounts["north"]) == []


def test_pause_resume_and_delete(app_env: Stack, north: sa.Engine) -> None:
    account = app_env.accounts["north"]
    create_subscription(north, account, name="Daily status", report="call-status", fmt="csv",
                        schedule=Schedule("daily", time(6, 0)), recipients=["ops@north.example"])  # fmt: skip
    app = signed_in("north-manager", PAGE)

    app.button(key="subs_toggle").click().run()
    assert [s.value for s in app.success] == ["Paused “Daily status”."]
    assert [row.enabled for row in stored(north, account)] == [False]
    assert table(app)["state"].tolist() == ["paused"]

    app.button(key="subs_toggle").click().run()
    assert [row.enabled for row in stored(north, account)] == [True]

    app.button(key="subs_delete").click().run()
    assert stored(north, account) != []  # asks first
    app.button(key="subs_delete_confirm").click().run()
    assert [s.value for s in app.success] == ["Deleted “Daily status”."]
    assert stored(north, account) == []
    assert "No subscriptions yet" in all_text(app)


def test_the_delivery_log_shows_what_was_sent(app_env: Stack, north: sa.Engine) -> None:
    account = app_env.accounts["north"]
    ref = create_subscription(north, account, name="Status mail", report="call-status", fmt="csv",
                              schedule=Schedule("daily", time(7, 0)), recipients=["ops@north.example"])  # fmt: skip
    with north.begin() as conn:  # made before the 2025-03-13 07:00 London firing, which reports 2025-03-12
        conn.execute(sa.update(ReportSubscription).where(ReportSubscription.id == ref.id)
                     .values(created_at=datetime(2025, 3, 1, tzinfo=UTC)))  # fmt: skip
    server = SmtpServer()
    server.start()
    try:
        fired = datetime(2025, 3, 13, 7, 5, tzinfo=UTC)
        outcomes = deliver_due(north, health=DataHealth(fired), now=fired,
                               smtp=SmtpConfig(host="127.0.0.1", port=server.port, sender="r@voxlink.local"))  # fmt: skip
    finally:
        server.stop()
    assert [o.status for o in outcomes] == ["sent"] and len(server.inbox.messages) == 1

    app = signed_in("north-manager", PAGE)

    log = table(app, 1)
    assert log[["subscription", "period", "status", "attempts", "rows"]].values.tolist() == [
        ["Status mail", "2025-03-12", "sent", 1, 3]  # N7 voicemail, N8 in progress, O4 no answer
    ]
    assert log["sent_at"].notna().all()
    south = open_page(signed_in("south-manager"), PAGE)
    assert "Status mail" not in all_text(south)
    assert subs.delivery_log(
        Viewer(99, "south-manager", "manager", app_env.accounts["south"]), "UTC"
    ).is_empty()


@pytest.mark.parametrize("username", ["north-analyst", "alice@north"])
def test_analysts_and_agents_do_not_see_the_page(app_env: Stack, username: str) -> None:
    app = signed_in(username)

    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page(f"app_pages/{PAGE}.py")
    role = "analyst" if username == "north-analyst" else "agent"
    assert TITLE not in visible_titles(role)
    assert {TITLE in visible_titles(r) for r in ("admin", "manager")} == {True}
    with pytest.raises(NotPermitted):
        subs.subscriptions(
            Viewer(1, username, role, app_env.accounts["north"], "alice" if role == "agent" else None)
        )


def test_a_manager_never_sees_or_touches_another_accounts_subscriptions(
    app_env: Stack, north: sa.Engine
) -> None:
    north_id, south_id = app_env.accounts["north"], app_env.accounts["south"]
    ref = create_subscription(north, north_id, name="North secret plan", report="call-status", fmt="csv",
                              schedule=Schedule("daily", time(7, 0)), recipients=["ops@north.example"])  # fmt: skip

    app = open_page(signed_in("south-manager"), PAGE)

    text = all_text(app)
    assert "North secret plan" not in text and "ops@north.example" not in text and "north.example" not in text
    assert "No subscriptions yet" in text
    south = Viewer(99, "south-manager", "manager", south_id)
    assert subs.subscriptions(south) == []
    with pytest.raises(subs.SubscriptionError, match="no subscription"):
        subs.set_enabled(south, ref.id, False)
    with pytest.raises(subs.SubscriptionError, match="no subscription"):
        subs.remove(south, ref.id)
    assert [row.enabled for row in stored(north, north_id)] == [True]


def test_create_clears_the_form_and_a_second_click_creates_nothing_more(
    app_env: Stack, north: sa.Engine
) -> None:
    app = signed_in("north-manager", PAGE)
    fill(app, "Monday abandon rate", "ops@north.example")
    submit(app)
    assert [s.value for s in app.success][0].startswith("Created “Monday abandon rate”")
    assert app.text_input(key="sub_name").value == "" and app.text_area(key="sub_recipients").value == ""

    fill(app, "Monday abandon rate", "ops@north.example")  # the same form sent again (a double click)
    submit(app)

    assert "“Monday abandon rate” was created already; change the form to create another." in [
        i.value for i in app.info
    ]
    assert [row.name for row in stored(north, app_env.accounts["north"])] == ["Monday abandon rate"]


def test_a_manager_edits_recipients_schedule_format_and_filters(app_env: Stack, north: sa.Engine) -> None:
    account = app_env.accounts["north"]
    create_subscription(north, account, name="Queue mail", report="abandon-rate", fmt="csv",
                        schedule=Schedule("daily", time(6, 0)), recipients=["ops@north.example"])  # fmt: skip
    app = signed_in("north-manager", PAGE)
    app.button(key="subs_edit").click().run()
    [ref] = subs.subscriptions(Viewer(1, "north-manager", "manager", account))
    prefix = f"edit{ref.id}_"
    assert app.text_area(key=f"{prefix}recipients").value == "ops@north.example"  # starts from what is stored

    app.radio(key=f"{prefix}frequency").set_value("weekly").run()
    app.selectbox(key=f"{prefix}weekday").set_value(4)
    app.time_input(key=f"{prefix}time").set_value(time(8, 15))
    app.selectbox(key=f"{prefix}format").set_value("pdf")
    app.text_area(key=f"{prefix}recipients").input("lead@north.example")
    app.selectbox(key=f"{prefix}filter_queue").set_value("support")
    next(b for b in app.button if b.label == "Save changes").click().run()

    assert not app.exception, [e.value for e in app.exception]
    assert [s.value for s in app.success] == [
        "Saved “Queue mail”: Abandon rate and service level as PDF, weekly on fri at 08:15, to lead@north.example."
    ]
    (row,) = stored(north, account)
    assert (row.format, row.frequency, row.weekday, row.send_at, row.recipients, row.filters) == (
        "pdf", "weekly", 4, time(8, 15), ["lead@north.example"], {"queue": "support"}
    )  # fmt: skip


def test_the_page_shows_the_accounts_local_time_and_each_next_send(app_env: Stack, north: sa.Engine) -> None:
    account = app_env.accounts["north"]
    ref = create_subscription(north, account, name="Daily status", report="call-status", fmt="csv",
                              schedule=Schedule("daily", time(6, 0)), recipients=["ops@north.example"])  # fmt: skip
    app = signed_in("north-manager", PAGE)

    assert "Now in Europe/London: " in all_text(app)
    # north is in London: in winter 06:00 local is 06:00 UTC; the next one after 2026-12-04 12:00Z is the 5th's
    assert subs.next_send(ref, "Europe/London", datetime(2026, 12, 4, 12, 0, tzinfo=UTC)).isoformat() == (
        "2026-12-05T06:00:00+00:00"
    )
    assert subs.next_send(ref, "Europe/London", datetime(2026, 7, 4, 4, 0, tzinfo=UTC)).isoformat() == (
        "2026-07-04T06:00:00+01:00"  # summer time: still 06:00 on the account's clock
    )
    assert (
        table(app)["next send"].str.endswith(":00 GMT").all()
        or table(app)["next send"].str.endswith(":00 BST").all()
    )


def test_send_now_mails_the_latest_period_to_the_sink_and_logs_it(
    app_env: Stack, north: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voxlink.settings import get_settings

    account = app_env.accounts["north"]
    create_subscription(north, account, name="Status now", report="call-status", fmt="csv",
                        schedule=Schedule("daily", time(7, 0)), recipients=["ops@north.example"])  # fmt: skip
    server = SmtpServer()
    server.start()
    monkeypatch.setenv("VOXLINK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("VOXLINK_SMTP_PORT", str(server.port))
    get_settings.cache_clear()
    try:
        app = signed_in("north-manager", PAGE)
        app.button(key="subs_send_now").click().run()
    finally:
        server.stop()

    assert not app.exception, [e.value for e in app.exception]
    [notice] = [s.value for s in app.success]
    assert notice.startswith("Sent “Status now” for ")
    [message] = server.inbox.messages
    assert message["To"] == "ops@north.example" and message["Subject"].startswith("Status now: Call status, ")
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert "  Calls: " in parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert table(app, 1)[["subscription", "status", "attempts"]].values.tolist() == [
        ["Status now", "sent", 1]
    ]
