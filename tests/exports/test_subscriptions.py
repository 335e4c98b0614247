"""Subscriptions are validated and scoped to their account; recipients must be its users or allowed domains."""

from __future__ import annotations

from datetime import time

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cli.main import main
from exports.recipients import RecipientError, add_allowed_domain, remove_allowed_domain, set_user_email
from exports.schedule import Schedule
from exports.subscriptions import (
    SubscriptionError,
    create_subscription,
    delete_subscription,
    get_subscription,
    list_subscriptions,
    update_subscription,
)
from operational.accounts import create_account
from operational.models import Base
from operational.users import create_user

DAILY = Schedule("daily", time(7, 0))


@pytest.fixture(scope="module")
def accounts(engine: sa.Engine) -> dict[str, int]:
    acme = create_account(engine, "acme", "America/New_York")
    other = create_account(engine, "other", "Europe/London")
    create_user(engine, acme.id, "mia", "manager", "correct horse battery")
    create_user(engine, other.id, "olga", "manager", "correct horse battery")
    set_user_email(engine, acme.id, "mia", "Mia@Acme.Example")
    set_user_email(engine, other.id, "olga", "olga@other.example")
    add_allowed_domain(engine, acme.id, "Partners.Example")
    return {"acme": acme.id, "other": other.id}


def _tables_in(item: object) -> set[str]:
    """Table names a migration diff entry mentions (entries are tuples, or lists of tuples for columns)."""
    text = repr(item)
    return {
        name
        for name in ("report_subscriptions", "report_deliveries", "account_email_domains")
        if name in text
    } | ({"users.email"} if "'users'" in text and "'email'" in text else set())


def test_migration_0003_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert [item for item in diff if _tables_in(item)] == []


def test_users_and_allowed_domains_may_receive_reports(engine: sa.Engine, accounts: dict[str, int]) -> None:
    ref = create_subscription(engine, accounts["acme"], name="Morning abandon rate", report="abandon-rate",
                              fmt="xlsx", schedule=DAILY, filters={"queue": "q1"},
                              recipients=["mia@acme.example", "boss@partners.example", "Boss@PARTNERS.example"])  # fmt: skip
    assert ref.recipients == ["mia@acme.example", "boss@partners.example", "Boss@partners.example"]
    assert ref.schedule.describe() == "daily at 07:00" and ref.filters == {"queue": "q1"}
    assert [s.name for s in list_subscriptions(engine, accounts["acme"])] == ["Morning abandon rate"]
    assert list_subscriptions(engine, accounts["other"]) == []


@pytest.mark.parametrize(
    "address",
    [
        "olga@other.example",  # a user, but of another account
        "someone@acme.example.evil",  # a look-alike of an allowed domain
        "mia@acme.example\r\nBcc: x@evil.example",  # header injection
        "not-an-address",
    ],
)
def test_recipients_outside_the_account_are_refused(
    engine: sa.Engine, accounts: dict[str, int], address: str
) -> None:
    with pytest.raises(SubscriptionError):
        create_subscription(engine, accounts["acme"], name=f"x {address[:20]}", report="call-status", fmt="csv",
                            schedule=DAILY, recipients=["mia@acme.example", address])  # fmt: skip


def test_a_removed_domain_is_no_longer_allowed(engine: sa.Engine, accounts: dict[str, int]) -> None:
    add_allowed_domain(engine, accounts["acme"], "temp.example")
    assert remove_allowed_domain(engine, accounts["acme"], "temp.example")
    with pytest.raises(SubscriptionError, match="temp.example"):
        create_subscription(engine, accounts["acme"], name="temp", report="call-status", fmt="csv",
                            schedule=DAILY, recipients=["a@temp.example"])  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"report": "nope"}, "unknown report"),
        ({"fmt": "docx"}, "format"),
        ({"filters": {"offered": "3"}}, "cannot be filtered on 'offered'"),
        ({"recipients": []}, "at least one recipient"),
    ],
)
def test_invalid_subscriptions_are_refused(
    engine: sa.Engine, accounts: dict[str, int], fields: dict, message: str
) -> None:
    values = {"name": "bad", "report": "abandon-rate", "fmt": "csv", "schedule": DAILY,
              "recipients": ["mia@acme.example"], **fields}  # fmt: skip
    with pytest.raises(SubscriptionError, match=message):
        create_subscription(engine, accounts["acme"], **values)


def test_update_and_delete_stay_in_the_account(engine: sa.Engine, accounts: dict[str, int]) -> None:
    ref = create_subscription(engine, accounts["acme"], name="weekly board", report="leaderboard", fmt="pdf",
                              schedule=Schedule("weekly", time(8, 30), weekday=0), recipients=["mia@acme.example"])  # fmt: skip
    with pytest.raises(SubscriptionError):
        update_subscription(engine, accounts["other"], ref.id, fmt="csv")
    assert not delete_subscription(engine, accounts["other"], ref.id)
    changed = update_subscription(engine, accounts["acme"], ref.id, fmt="xlsx", enabled=False,
                                  schedule=Schedule("monthly", time(6, 0), day_of_month=1))  # fmt: skip
    assert (changed.format, changed.enabled, changed.schedule.describe()) == (
        "xlsx",
        False,
        "monthly on day 1 at 06:00",
    )
    assert changed.report == "leaderboard" and changed.recipients == ["mia@acme.example"]
    with pytest.raises(SubscriptionError, match="already exists"):
        update_subscription(engine, accounts["acme"], ref.id, name="Morning abandon rate")
    assert delete_subscription(engine, accounts["acme"], ref.id)
    with pytest.raises(SubscriptionError):
        get_subscription(engine, accounts["acme"], ref.id)


def test_user_email_must_belong_to_an_account_user(engine: sa.Engine, accounts: dict[str, int]) -> None:
    with pytest.raises(RecipientError):
        set_user_email(engine, accounts["acme"], "olga", "olga@acme.example")


def test_cli_creates_lists_and_deletes(accounts: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["subscriptions", "create", "Cli weekly", "--account", "acme", "--report", "sms-mms",
                 "--format", "csv", "--weekly", "fri", "--at", "17:30", "--to", "mia@acme.example"]) == 0  # fmt: skip
    created = capsys.readouterr().out
    assert "weekly on fri at 17:30" in created
    assert main(["subscriptions", "create", "Cli bad", "--account", "acme", "--report", "sms-mms",
                 "--daily", "--at", "07:00", "--to", "x@nowhere.example"]) == 1  # fmt: skip
    assert "x@nowhere.example" in capsys.readouterr().err
    assert main(["subscriptions", "list", "--account", "acme"]) == 0
    listed = capsys.readouterr().out
    assert "Cli weekly" in listed and "allowed e-mail domains: partners.example" in listed
    subscription_id = created.split("#", 1)[1].split(" ", 1)[0]
    assert main(["subscriptions", "delete", subscription_id, "--account", "acme"]) == 0
