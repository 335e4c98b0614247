"""Issue 19's acceptance: a scripted abandon spike in one queue, evaluated over the published warehouse.

Account "alertco" (America/New_York), queue "support", 2026-11-03 (UTC times):
- spike 1, 15:00–15:04: 5 calls, 4 abandoned after 30 s, 1 answered after 10 s → abandon rate 4 / 5 = 0.8
- normal, 15:30–15:33: 4 calls answered after 5 s → 0 / 4 = 0.0
- spike 2, 16:30–16:32: 3 calls, 2 abandoned after 30 s, 1 answered → 2 / 3 = 0.6667
The whole local day: offered 12, abandoned 6, short abandoned 0 → 6 / 12 = 0.5.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message

import pytest
import sqlalchemy as sa

from exports.alerts.evaluator import evaluate_windowed, tick
from exports.recipients import add_allowed_domain, check_recipients
from exports.report_reading import report_frame
from operational.accounts import create_account
from operational.alerts import webhooks
from operational.alerts.firing import history
from operational.alerts.rules import RuleInput, create_rule
from operational.ingest import ingest_events
from pipelines.refresh import run_refresh
from tests.events_factory import CALLER, LINE, ev
from tests.exports.conftest import SmtpServer
from tests.operational.test_alerts_live import Receiver
from voxlink import warehouse
from voxlink.mail import SmtpConfig

DAY = datetime(2026, 11, 3, tzinfo=UTC)


def inbound(call_id: str, minute: int, abandoned: bool, queue: str = "support") -> list[dict]:
    start = DAY + timedelta(minutes=minute)

    def stamp(seconds: int) -> str:
        return (start + timedelta(seconds=seconds)).isoformat()

    events = [
        ev("call.started", stamp(0), call_id=call_id, direction="inbound", from_=CALLER, to=LINE),
        ev("call.queued", stamp(0), call_id=call_id, queue=queue),
    ]
    if abandoned:
        return [*events, ev("call.ended", stamp(30), call_id=call_id, reason="caller_hangup")]
    wait = 10 if minute < 30 * 60 else 5
    return [
        *events,
        ev("call.answered", stamp(wait), call_id=call_id, answered_by="human", agent="ann"),
        ev("call.ended", stamp(wait + 60), call_id=call_id, reason="completed"),
    ]


SPIKE_1 = [e for i in range(4) for e in inbound(f"S1-{i}", 15 * 60 + i, True)] + inbound(
    "S1-4", 15 * 60 + 4, False
)
NORMAL = [e for i in range(4) for e in inbound(f"N-{i}", 15 * 60 + 30 + i, False)]
SPIKE_2 = [e for i in range(2) for e in inbound(f"S2-{i}", 16 * 60 + 30 + i, True)] + inbound(
    "S2-2", 16 * 60 + 32, False
)


def subject(message: Message) -> str:
    """The Subject header unfolded (SMTP folds long headers)."""
    return " ".join(str(message["Subject"]).split())


def at(hour: int, minute: int) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


@pytest.fixture(scope="module")
def accounts(engine: sa.Engine) -> dict[str, int]:
    alertco = create_account(engine, "alertco", "America/New_York")
    other = create_account(engine, "alertco-other", "America/New_York")
    ingest_events(engine, alertco.id, enumerate(SPIKE_1 + NORMAL + SPIKE_2))
    run_refresh(full=True, refresh_at=at(18, 0))
    add_allowed_domain(engine, alertco.id, "alertco.test")
    add_allowed_domain(engine, other.id, "other.test")
    return {"alertco": alertco.id, "other": other.id}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    yield served
    served.close()


def rule(name: str, url: str | None, recipients: list[str], **overrides: object) -> RuleInput:
    values: dict[str, object] = dict(
        name=name, metric="abandon_rate", scope="queue", scope_name="support", window="15m", comparison=">",
        threshold=0.2, min_volume=3, rearm_seconds=600, recipients=recipients, webhook_url=url,
    )  # fmt: skip
    return RuleInput.model_validate(values | overrides)


def test_an_abandon_spike_fires_once_recovery_rearms_and_a_second_spike_fires_again(
    engine: sa.Engine, accounts: dict[str, int], smtp_server: SmtpServer, receiver: Receiver
) -> None:
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "alerts@voxlink.test")
    create_rule(engine, accounts["alertco"], rule("support abandons", receiver.url, ["boss@alertco.test"]),
                check_recipients)  # fmt: skip
    # the same spike needs 10 calls here: never enough volume
    create_rule(engine, accounts["alertco"], rule("needs volume", receiver.url, ["boss@alertco.test"],
                                                  min_volume=10), check_recipients)  # fmt: skip
    # another account's rule on a queue of the same name sees none of alertco's calls
    create_rule(engine, accounts["other"], rule("other support", receiver.url, ["ops@other.test"], min_volume=0),
                check_recipients)  # fmt: skip

    def evaluate(when: datetime) -> list[str]:
        events = [event for _, event in evaluate_windowed(engine, when, smtp)]
        webhooks.deliver_due(engine, when)
        return events

    assert evaluate(at(15, 12)) == ["fired"]  # window 14:57–15:12: spike 1
    assert evaluate(at(15, 14)) == []  # still firing: told once
    assert len(smtp_server.inbox.messages) == 1 and len(receiver.requests) == 1
    [email] = smtp_server.inbox.messages
    assert email["To"] == "boss@alertco.test"
    assert "Abandon rate in queue support is 80.00 %" in subject(email)
    assert receiver.bodies()[0]["value"] == 0.8

    assert evaluate(at(15, 45)) == []  # 15:30–15:45: 0.0, recovering
    assert evaluate(at(15, 56)) == ["recovered"]  # 11 minutes without a breach: re-armed
    # the all-clear reaches the same people: an e-mail and an alert.recovered webhook
    assert len(smtp_server.inbox.messages) == 2 and len(receiver.requests) == 2
    cleared = smtp_server.inbox.messages[1]
    assert subject(cleared).startswith(
        "[VoxLink alert cleared] support abandons: Abandon rate in queue support "
    )
    assert "has recovered: nothing measured (no longer > 20.00 %, window 15m)" in subject(cleared)
    assert receiver.bodies()[1]["type"] == "alert.recovered"
    assert evaluate(at(16, 42)) == ["fired"]  # 16:27–16:42: spike 2

    assert len(smtp_server.inbox.messages) == 3 and len(receiver.requests) == 3
    assert "is 66.67 % (> 20.00 %, window 15m)" in subject(smtp_server.inbox.messages[2])
    link = "http://localhost:8501/call-report?view=calls&d_start=2026-11-03&d_end=2026-11-03&d_queue=support"
    body = smtp_server.inbox.messages[2].get_payload(decode=True)
    assert isinstance(body, bytes) and link in body.decode()  # an absolute link a mail reader can open
    second = receiver.bodies()[2]
    assert (second["value"], second["volume"], second["rule_name"]) == (0.6667, 3, "support abandons")
    assert second["drilldown"] == (
        "call-report?view=calls&d_start=2026-11-03&d_end=2026-11-03&d_queue=support&d_campaign=%2A&d_agent=%2A"
        "&measure=counted_abandoned"
    )
    kept = history(engine, accounts["alertco"])
    assert [(e["kind"], e["value"], e["threshold"], e["window"]) for e in reversed(kept)] == [
        ("fired", 0.8, 0.2, "15m"), ("recovered", None, 0.2, "15m"), ("fired", 0.6667, 0.2, "15m"),
    ]  # fmt: skip
    assert kept[0]["emailed_to"] == ["boss@alertco.test"] and kept[1]["emailed_to"] == ["boss@alertco.test"]
    assert second["drilldown_url"] == "http://localhost:8501/" + second["drilldown"]
    assert history(engine, accounts["other"]) == []


def test_the_alerts_value_equals_the_reports_value_for_the_same_day(
    engine: sa.Engine, accounts: dict[str, int], smtp_server: SmtpServer
) -> None:
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "alerts@voxlink.test")
    create_rule(engine, accounts["alertco"], rule("support today", None, ["boss@alertco.test"], window="today"),
                check_recipients)  # fmt: skip
    evaluate_windowed(engine, at(22, 0), smtp)

    [fired] = [e for e in history(engine, accounts["alertco"]) if e["rule_name"] == "support today"]
    report = report_frame("abandon-rate", accounts["alertco"], date(2026, 11, 3), date(2026, 11, 3))
    [row] = report.filter(report["queue"] == "support").to_dicts()
    assert fired["value"] == 0.5 == float(row["abandon_rate"])
    assert fired["volume"] == 12 == row["offered"]


def test_the_evaluator_reads_the_warehouse_only_when_a_new_one_is_published(
    engine: sa.Engine, accounts: dict[str, int], receiver: Receiver
) -> None:
    create_rule(
        engine, accounts["alertco"], rule("tick today", receiver.url, [], window="today"), check_recipients
    )
    published = warehouse.file_version()

    assert tick(engine, at(23, 0), published) == published  # same warehouse as last time: not read again
    assert [e for e in history(engine, accounts["alertco"]) if e["rule_name"] == "tick today"] == []

    tick(engine, at(23, 0), None)  # a new publish since the last tick: the windowed rules run
    [fired] = [e for e in history(engine, accounts["alertco"]) if e["rule_name"] == "tick today"]
    assert (fired["kind"], fired["value"]) == ("fired", 0.5)
    assert [body["rule_name"] for body in receiver.bodies()] == ["tick today"]  # the tick posted its webhook
