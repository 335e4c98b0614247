"""Stale served data e-mails each account's admins once per episode, through a real SMTP server."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
import sqlalchemy as sa

from pipelines.refresh_history import RefreshRun
from pipelines.staleness import notices_path, notify_if_stale
from tests.exports.conftest import SmtpServer
from tests.pipelines.staleness_fixtures import add_accounts_with_admins, publish_served, smtp_pointed_at
from voxlink.freshness import State, assess, served_freshness


@pytest.fixture(scope="module")
def accounts(engine: sa.Engine) -> dict[str, int]:
    return add_accounts_with_admins(engine)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    yield from smtp_pointed_at(monkeypatch)


@pytest.fixture(autouse=True)
def rearmed() -> None:
    notices_path().unlink(missing_ok=True)


def body(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def recipients(server: SmtpServer) -> list[str]:
    return [str(message["To"]) for message in server.inbox.messages]


def test_stale_data_mails_each_accounts_admins_once(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    publish_served(1, minutes_ago=20)  # default threshold: 3 × 5 min
    first = notify_if_stale(engine, served_freshness())
    assert sorted((n.account_id, n.recipients) for n in first) == [
        (accounts["acme"], ("ada@acme.example", "bob@acme.example")),
        (accounts["globex"], ("gus@globex.example",)),
    ]
    assert sorted(recipients(smtp)) == ["ada@acme.example, bob@acme.example", "gus@globex.example"]
    message = smtp.inbox.messages[0]
    assert str(message["Subject"]).startswith("VoxLink: the data has not been refreshed since ")
    assert "20 min old; refreshed every 5 min (stale)" in body(message)
    assert "No failed refresh is recorded" in body(message)

    assert notify_if_stale(engine, served_freshness()) == []  # the next sensor tick: already told
    assert len(smtp.inbox.messages) == 2


def test_fresh_data_rearms_and_a_second_stale_episode_mails_again(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    publish_served(1, minutes_ago=20)
    assert len(notify_if_stale(engine, served_freshness())) == 2
    publish_served(2, minutes_ago=1)
    assert served_freshness().state is State.FRESH
    assert notify_if_stale(engine, served_freshness()) == []
    assert not notices_path().exists()
    publish_served(3, minutes_ago=16)
    assert len(notify_if_stale(engine, served_freshness())) == 2
    assert len(smtp.inbox.messages) == 4


def test_a_newer_stale_version_is_a_new_episode_even_if_no_tick_saw_it_fresh(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    publish_served(4, minutes_ago=30)
    notify_if_stale(engine, served_freshness())
    publish_served(5, minutes_ago=16)
    assert len(notify_if_stale(engine, served_freshness())) == 2
    assert len(smtp.inbox.messages) == 4


def test_late_and_never_published_data_mail_nobody(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    published = datetime.now(UTC) - timedelta(minutes=12)
    late = assess(6, published, datetime.now(UTC))
    assert late.state is State.LATE
    assert notify_if_stale(engine, late) == []
    assert notify_if_stale(engine, assess(None, None, datetime.now(UTC))) == []
    assert smtp.inbox.messages == []


def test_late_does_not_rearm_a_told_episode(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    published = datetime.now(UTC) - timedelta(minutes=20)
    notify_if_stale(engine, assess(7, published, datetime.now(UTC)))
    notify_if_stale(engine, assess(7, published, published + timedelta(minutes=11)))  # a clock seeing it late
    assert notify_if_stale(engine, assess(7, published, datetime.now(UTC))) == []
    assert len(smtp.inbox.messages) == 2


def test_an_unreachable_mail_server_leaves_the_admins_untold_until_a_later_tick(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    publish_served(8, minutes_ago=20)
    smtp.stop()
    assert notify_if_stale(engine, served_freshness()) == []
    smtp.start()
    assert len(notify_if_stale(engine, served_freshness())) == 2
    assert len(smtp.inbox.messages) == 2


def test_the_mail_names_a_refresh_failure_since_the_publish_and_not_an_older_one(
    engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer
) -> None:
    published = publish_served(9, minutes_ago=20)
    failed = RefreshRun(
        "r1", "failure", published + timedelta(minutes=5), "refresh failed at raw__calls: boom"
    )
    notify_if_stale(engine, served_freshness(), failed)
    text = body(smtp.inbox.messages[0])
    assert "The last failed refresh started" in text and "refresh failed at raw__calls: boom" in text

    notices_path().unlink()
    older = RefreshRun("r0", "failure", published - timedelta(minutes=1), "refresh failed at raw__calls: old")
    notify_if_stale(engine, served_freshness(), older)
    assert "raw__calls: old" not in body(smtp.inbox.messages[-1])
    assert "No failed refresh is recorded" in body(smtp.inbox.messages[-1])


def test_the_told_record_is_owner_only(engine: sa.Engine, accounts: dict[str, int], smtp: SmtpServer) -> None:
    publish_served(10, minutes_ago=20)
    notify_if_stale(engine, served_freshness())
    assert stat.S_IMODE(notices_path().stat().st_mode) == 0o600
    assert stat.S_IMODE(notices_path().parent.stat().st_mode) == 0o700
