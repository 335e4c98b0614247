"""Alerts on live figures (issue 19): a real local HTTP receiver gets the signed webhook, retried with backoff
after a failure; the stream outbox gets a ``system:alert``; the state machine fires once per episode."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import orjson
import pytest
import sqlalchemy as sa

from operational import outbox
from operational.accounts import create_account
from operational.alerts import webhooks
from operational.alerts.firing import firing_now, history, in_quiet_hours
from operational.alerts.live_evaluation import evaluate_live
from operational.alerts.rules import RuleInput, create_rule, list_rules
from operational.alerts.state_machine import step
from operational.errors import Invalid
from operational.ingest import ingest_events
from operational.models.alerts import AlertWebhookSecret
from operational.secrets_at_rest import unseal
from tests.events_factory import CALLER, LINE, ev


class Receiver:
    """A webhook receiver on loopback: records every request; answers with the next status of ``statuses``."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.requests: list[tuple[Message, bytes]] = []  # headers are case-insensitive
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((self.headers, body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[dict]:
        return [orjson.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    yield served
    served.close()


def no_recipients_allowed(conn: object, account_id: int, addresses: list[str]) -> list[str]:
    raise ValueError(f"not allowed: {', '.join(addresses)}")


START = datetime(2026, 11, 3, 15, 0, tzinfo=UTC)


def waiting_call(call_id: str, at: datetime, queue: str = "support") -> list[dict]:
    stamp = at.isoformat()
    return [
        ev("call.started", stamp, call_id=call_id, direction="inbound", from_=CALLER, to=LINE),
        ev("call.queued", stamp, call_id=call_id, queue=queue),
    ]


def test_state_machine_fires_once_and_rearms_only_after_recovering_for_the_set_time() -> None:
    rearm, t = timedelta(minutes=10), START
    fired = step("ok", t, True, t, rearm)
    still = step(fired.state, fired.since, True, t + timedelta(minutes=1), rearm)
    dipped = step(still.state, still.since, False, t + timedelta(minutes=2), rearm)
    flapped = step(dipped.state, dipped.since, True, t + timedelta(minutes=3), rearm)
    cleared = step(flapped.state, flapped.since, False, t + timedelta(minutes=4), rearm)
    waiting = step(cleared.state, cleared.since, False, t + timedelta(minutes=13), rearm)
    rearmed = step(waiting.state, waiting.since, False, t + timedelta(minutes=14), rearm)
    again = step(rearmed.state, rearmed.since, True, t + timedelta(minutes=15), rearm)
    assert [s.event for s in (fired, still, dipped, flapped, cleared, waiting, rearmed, again)] == [
        "fired", None, None, None, None, None, "recovered", "fired",
    ]  # fmt: skip
    assert rearmed.state == "ok" and again.state == "firing"


def test_quiet_hours_past_midnight_wrap() -> None:
    assert in_quiet_hours(time(22), time(7), time(23, 30))
    assert in_quiet_hours(time(22), time(7), time(6, 59))
    assert not in_quiet_hours(time(22), time(7), time(7))
    assert not in_quiet_hours(None, None, time(3))


def test_a_rule_with_an_unknown_metric_or_wrong_window_is_refused_naming_the_fields(
    engine: sa.Engine,
) -> None:
    account = create_account(engine, "alerts-invalid", "UTC")
    bad = RuleInput(name="x", metric="calls_waiting_now", window="1h", threshold=1, webhook_url="ftp://x")
    with pytest.raises(Invalid) as refused:
        create_rule(engine, account.id, bad, no_recipients_allowed)
    assert {d["field"] for d in refused.value.details} == {"window", "webhook_url"}
    outside = RuleInput(
        name="y", metric="calls_waiting_now", window="now", threshold=1, recipients=["a@b.example"]
    )
    with pytest.raises(Invalid, match="not allowed: a@b.example"):
        create_rule(engine, account.id, outside, no_recipients_allowed)
    assert list_rules(engine, account.id) == []


def test_calls_waiting_fires_one_signed_webhook_retried_after_a_failure_and_a_stream_alert(
    engine: sa.Engine,
) -> None:
    account = create_account(engine, "alerts-live", "America/New_York")
    other = create_account(engine, "alerts-live-other", "America/New_York")
    failing_first = Receiver(statuses=[500])
    try:
        rule = RuleInput(name="queue backing up", metric="calls_waiting_now", scope="queue", scope_name="support",
                         window="now", comparison=">=", threshold=2, min_volume=0, rearm_seconds=300,
                         webhook_url=failing_first.url)  # fmt: skip
        create_rule(engine, account.id, rule, no_recipients_allowed)
        create_rule(engine, other.id, rule, no_recipients_allowed)  # the same rule in another account
        ingest_events(engine, account.id, enumerate(waiting_call("W1", START) + waiting_call("W2", START)))
        latest = outbox.latest_id(engine.connect(), account.id)

        assert evaluate_live(engine, START + timedelta(seconds=30)) == [(list_rules(engine, account.id)[0]["id"],
                                                                         "fired")]  # fmt: skip
        assert evaluate_live(engine, START + timedelta(seconds=40)) == []  # still firing: told once
        assert webhooks.deliver_due(engine, START + timedelta(seconds=40)) == 0  # the receiver answered 500
        assert webhooks.deliver_due(engine, START + timedelta(seconds=45)) == 0  # not due before 10 s
        assert webhooks.deliver_due(engine, START + timedelta(seconds=50)) == 1

        [log] = webhooks.delivery_log(engine, account.id)
        assert (log["status"], log["attempts"], log["response_status"]) == ("delivered", 2, 204)
        assert len(failing_first.requests) == 2
        headers, raw = failing_first.requests[1]
        with engine.connect() as conn:
            stored = conn.scalar(
                sa.select(AlertWebhookSecret.secret).where(AlertWebhookSecret.account_id == account.id)
            )
        assert stored is not None and stored.startswith("fernet:")  # sealed at rest
        expected = "sha256=" + hmac.new(unseal(stored).encode(), raw, hashlib.sha256).hexdigest()
        assert headers["X-VoxLink-Signature"] == expected
        body = orjson.loads(raw)
        assert (body["type"], body["value"], body["threshold"], body["scope_name"]) == (
            "alert.fired", 2.0, 2.0, "support",
        )  # fmt: skip
        assert (
            body["drilldown"]
            == "call-report?view=calls&d_start=2026-11-03&d_end=2026-11-03&d_queue=support&d_campaign=%2A&d_agent=%2A"
            "&status=in_progress"
        )
        with engine.connect() as conn:
            [alert] = outbox.read_after(conn, account.id, latest)
            assert outbox.read_after(conn, other.id, 0) == []  # the other account saw no calls, nothing fired
        assert alert.type == "system:alert" and alert.data["alert"]["value"] == 2.0
        assert history(engine, other.id) == [] and firing_now(engine, other.id) == []
        [now_firing] = firing_now(engine, account.id)
        assert (now_firing["state"], now_firing["value"]) == ("firing", 2.0)
    finally:
        failing_first.close()


def test_the_webhook_secret_is_created_once_per_account(engine: sa.Engine) -> None:
    account = create_account(engine, "alerts-secret", "UTC")
    with engine.begin() as conn:
        first = webhooks.account_secret(conn, account.id)
    with engine.begin() as conn:
        assert webhooks.account_secret(conn, account.id) == first
    assert webhooks.rotate_secret(engine, account.id) != first


def test_a_webhook_that_never_succeeds_is_marked_failed_after_six_attempts(engine: sa.Engine) -> None:
    account = create_account(engine, "alerts-hook-down", "UTC")
    down = Receiver(statuses=[503] * 10)
    try:
        rule = RuleInput(name="any waiting", metric="calls_waiting_now", window="now", comparison=">=", threshold=1,
                         webhook_url=down.url)  # fmt: skip
        create_rule(engine, account.id, rule, no_recipients_allowed)
        ingest_events(engine, account.id, enumerate(waiting_call("D1", START)))
        evaluate_live(engine, START + timedelta(seconds=5))
        # retries after 10, 20, 40, 80 and 160 s: attempts at 0, 10, 30, 70, 150 and 310 s after the firing
        for offset in (5, 15, 35, 75, 155, 315, 1000):
            webhooks.deliver_due(engine, START + timedelta(seconds=offset))
        [log] = webhooks.delivery_log(engine, account.id)
        assert (log["status"], log["attempts"], log["response_status"], log["last_error"]) == (
            "failed", 6, 503, "HTTP 503",
        )  # fmt: skip
        assert len(down.requests) == 6
    finally:
        down.close()


def test_a_rule_in_its_quiet_hours_does_not_fire_and_fires_once_they_end(engine: sa.Engine) -> None:
    # 15:00 UTC is 10:00 in New York: quiet 09:00–11:00 local holds the rule
    account = create_account(engine, "alerts-quiet", "America/New_York")
    rule = RuleInput(name="quiet mornings", metric="calls_waiting_now", window="now", comparison=">=", threshold=1,
                     quiet_start=time(9), quiet_end=time(11), webhook_url="http://127.0.0.1:9/unused")  # fmt: skip
    create_rule(engine, account.id, rule, no_recipients_allowed)
    ingest_events(engine, account.id, enumerate(waiting_call("Q1", START)))

    assert evaluate_live(engine, START + timedelta(minutes=30)) == []  # 10:30 local, one call waiting
    assert history(engine, account.id) == []
    [(_, event)] = evaluate_live(engine, START + timedelta(hours=1))  # 11:00 local: quiet hours are over
    assert event == "fired"
