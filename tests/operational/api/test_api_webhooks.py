"""Twilio-format callbacks: signatures made by the twilio package's own RequestValidator, mapping, replays."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from twilio.request_validator import RequestValidator

from operational.accounts import set_twilio_auth_token
from tests.operational.api.conftest import Tenant, assert_error, make_tenant

TOKEN = "12345678901234567890123456789012"
BASE = "http://testserver"
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
CUSTOMER, LINE = "+14155552671", "+12125550123"
# sized to fit CI (the ordered delivery is one transaction per callback); the full form is 10,000
REPLAYED_CALLBACKS = int(os.environ.get("VOXLINK_REPLAY_CALLBACKS", "2500"))


@pytest.fixture(scope="module")
def tw(engine: sa.Engine) -> Tenant:
    tenant = make_tenant(engine, "tw-ordered")
    set_twilio_auth_token(engine, tenant.slug, TOKEN)
    return tenant


def stamp(seconds: float) -> str:
    return format_datetime(T0 + timedelta(seconds=seconds))


def post(client: TestClient, slug: str, kind: str, params: dict[str, str], token: str = TOKEN):  # type: ignore[no-untyped-def]
    url = f"{BASE}/webhooks/twilio/{slug}/{kind}"
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(url, data=params, headers={"X-Twilio-Signature": signature})


def voice(sid: str, status: str, seconds: float, **extra: str) -> dict[str, str]:
    params = {
        "CallSid": sid, "AccountSid": "AC" + "0" * 32, "CallStatus": status, "Direction": "outbound-api",
        "From": LINE, "To": CUSTOMER, "Timestamp": stamp(seconds), "CallbackSource": "call-progress-events",
    }  # fmt: skip
    return params | extra


def call_row(engine: sa.Engine, account: int, sid: str) -> sa.RowMapping:
    with engine.connect() as conn:
        query = sa.text("select * from calls where account_id = :a and call_id = :c")
        return conn.execute(query, {"a": account, "c": sid}).mappings().one()


def test_signed_voice_callbacks_build_the_call(client: TestClient, engine: sa.Engine, tw: Tenant) -> None:
    sid = "CA" + "1" * 32
    for seq, (status, seconds, extra) in enumerate([
        ("initiated", 0, {}),
        ("ringing", 1, {}),
        ("in-progress", 12, {"AnsweredBy": "human"}),
        ("completed", 72, {"CallDuration": "60"}),
    ]):  # fmt: skip
        response = post(
            client, tw.slug, "voice", voice(sid, status, seconds, SequenceNumber=str(seq), **extra)
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
    row = call_row(engine, tw.id, sid)
    assert (row["direction"], row["status"], row["answered_by"]) == ("outbound", "completed", "human")
    assert row["started_at"] == T0 and row["answered_at"] == T0 + timedelta(seconds=12)
    assert row["ended_at"] == T0 + timedelta(seconds=72)


def test_machine_answer_and_busy(client: TestClient, engine: sa.Engine, tw: Tenant) -> None:
    machine, busy = "CA" + "2" * 32, "CA" + "3" * 32
    post(
        client,
        tw.slug,
        "voice",
        voice(machine, "completed", 40, CallDuration="25", AnsweredBy="machine_end_beep"),
    )
    post(client, tw.slug, "voice", voice(busy, "busy", 5))
    assert (call_row(engine, tw.id, machine)["answered_by"], call_row(engine, tw.id, busy)["status"]) == (
        "machine", "busy",
    )  # fmt: skip


def test_tampered_or_unsigned_or_wrong_token_is_403_and_stores_nothing(
    client: TestClient, engine: sa.Engine, tw: Tenant
) -> None:
    sid = "CA" + "4" * 32
    params = voice(sid, "initiated", 0)
    url = f"{BASE}/webhooks/twilio/{tw.slug}/voice"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    tampered = params | {"To": "+14155550000"}
    assert_error(
        client.post(url, data=tampered, headers={"X-Twilio-Signature": signature}), 403, "invalid_signature"
    )
    assert_error(client.post(url, data=params), 403, "invalid_signature")
    assert_error(post(client, tw.slug, "voice", params, token="0" * 32), 403, "invalid_signature")
    other = f"{BASE}/webhooks/twilio/{tw.slug}/messages"  # signed for another URL
    assert_error(client.post(other, data=params, headers={"X-Twilio-Signature": signature}), 403)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("select count(*) from events where call_id = :c"), {"c": sid}) == 0


def test_account_without_a_token_and_unknown_account_answer_like_a_wrong_signature(
    client: TestClient, tenant_a: Tenant
) -> None:
    no_token = assert_error(post(client, tenant_a.slug, "voice", voice("CA" + "5" * 32, "initiated", 0)), 403)
    unknown = assert_error(
        post(client, "no-such-account", "voice", voice("CA" + "5" * 32, "initiated", 0)), 403
    )
    assert (no_token["code"], no_token["message"]) == (unknown["code"], unknown["message"])
    assert unknown["code"] == "invalid_signature"


def test_signature_with_the_default_port_is_accepted(client: TestClient, tw: Tenant) -> None:
    params = voice("CA" + "6" * 32, "initiated", 0)
    signed_for = f"{BASE}:80/webhooks/twilio/{tw.slug}/voice"
    signature = RequestValidator(TOKEN).compute_signature(signed_for, params)
    url = f"{BASE}/webhooks/twilio/{tw.slug}/voice"
    assert client.post(url, data=params, headers={"X-Twilio-Signature": signature}).status_code == 200


def test_bad_fields_are_422_with_the_field(client: TestClient, tw: Tenant) -> None:
    error = assert_error(post(client, tw.slug, "voice", voice("CA" + "7" * 32, "exploded", 0)), 422)
    assert error["details"][0]["field"] == "CallStatus"
    error = assert_error(
        post(client, tw.slug, "voice", voice("CA" + "7" * 32, "initiated", 0, From="12")), 422
    )
    assert error["details"][0]["field"] == "from"


def test_inbound_message_and_status_callbacks(client: TestClient, engine: sa.Engine, tw: Tenant) -> None:
    inbound = {"MessageSid": "SM" + "1" * 32, "SmsStatus": "received", "From": CUSTOMER, "To": LINE,
               "Body": "Hello there", "NumMedia": "1", "Timestamp": stamp(0)}  # fmt: skip
    assert post(client, tw.slug, "messages", inbound).status_code == 200
    out = "SM" + "2" * 32
    for status, seconds, extra in [
        ("queued", 0, {}),
        ("sent", 1, {}),
        ("undelivered", 9, {"ErrorCode": "30003"}),
    ]:
        params = {"MessageSid": out, "MessageStatus": status, "Timestamp": stamp(seconds), **extra}
        assert post(client, tw.slug, "messages", params).status_code == 200
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select message_id, direction, channel, media_count, status, error_code from messages "
                    "where account_id = :a order by message_id"), {"a": tw.id},
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("SM" + "1" * 32, "inbound", "mms", 1, "received", None),
        (out, None, None, None, "undelivered", "30003"),
    ]


def _callbacks(total: int) -> list[tuple[str, dict[str, str]]]:
    """``total`` callbacks of a deterministic day: 70 % call progress, the rest message statuses."""
    rng, found = random.Random(11), []
    n = 0
    while len(found) < total * 0.7:
        sid, t, n = f"CA{n:032d}", rng.uniform(0, 80_000), n + 1
        answered, talk = rng.random() < 0.6, rng.randint(5, 400)
        inbound = rng.random() < 0.5
        base = {"CallSid": sid, "Direction": "inbound" if inbound else "outbound-api",
                "From": CUSTOMER if inbound else LINE, "To": LINE if inbound else CUSTOMER}  # fmt: skip
        steps = [("initiated", 0.0, {}), ("ringing", 1.0, {})]
        if answered:
            steps += [("in-progress", 9.0, {"AnsweredBy": rng.choice(["human", "machine_start", "unknown"])}),
                      ("completed", 9.0 + talk, {"CallDuration": str(talk)})]  # fmt: skip
        else:
            steps.append((rng.choice(["busy", "no-answer", "failed", "canceled"]), 25.0, {}))
        for seq, (status, after, extra) in enumerate(steps):
            found.append(("voice", base | {"CallStatus": status, "Timestamp": stamp(t + after),
                                           "SequenceNumber": str(seq)} | extra))  # fmt: skip
    while len(found) < total:
        sid, t, n = f"SM{n:032d}", rng.uniform(0, 80_000), n + 1
        final = rng.choice(["delivered", "undelivered", "failed"])
        for k, status in enumerate(["queued", "sent", final][: total - len(found)]):
            found.append(
                ("messages", {"MessageSid": sid, "MessageStatus": status, "Timestamp": stamp(t + k)})
            )
    return found


def _state(engine: sa.Engine, account: int) -> list[tuple]:
    with engine.connect() as conn:
        calls = conn.execute(
            sa.text("select call_id, direction, status, started_at, answered_at, answered_by, ended_at, end_reason, "
                    "wait_seconds, talk_seconds, event_count from calls where account_id = :a order by call_id"),
            {"a": account},
        ).all()  # fmt: skip
        messages = conn.execute(
            sa.text("select message_id, status, status_at from messages where account_id = :a order by 1"),
            {"a": account},
        ).all()
    return [tuple(r) for r in calls] + [tuple(r) for r in messages]


def _tenants(engine: sa.Engine, prefix: str) -> tuple[Tenant, Tenant]:
    ordered, replayed = make_tenant(engine, f"{prefix}-once"), make_tenant(engine, f"{prefix}-thrice")
    for tenant in (ordered, replayed):
        set_twilio_auth_token(engine, tenant.slug, TOKEN)
    return ordered, replayed


def test_callbacks_over_http_replayed_three_times_shuffled_equal_one_ordered_delivery(
    client: TestClient, engine: sa.Engine
) -> None:
    callbacks = _callbacks(600)
    ordered, replayed = _tenants(engine, "tw-http")
    for kind, params in sorted(callbacks, key=lambda c: c[1]["Timestamp"]):
        assert post(client, ordered.slug, kind, params).status_code == 200
    shuffled = callbacks * 3
    random.Random(5).shuffle(shuffled)
    for kind, params in shuffled:
        assert post(client, replayed.slug, kind, params).status_code == 200
    once = _state(engine, ordered.id)
    assert len(once) > 100 and once == _state(engine, replayed.id)


def test_thousands_of_callbacks_replayed_three_times_shuffled_equal_one_ordered_delivery(
    engine: sa.Engine,
) -> None:
    """The route's own mapping and batch ingest, without HTTP and signatures (covered above): ordered one callback
    per transaction, replays 50 per transaction. CI sends ``REPLAYED_CALLBACKS`` (2,500: 10,000 deliveries);
    ``VOXLINK_REPLAY_CALLBACKS=10000`` (``make heavy-tests``) is the full form, about 4 times as long."""
    from operational.event_batch import ingest_batch
    from operational.twilio import message_events, voice_events

    mappers = {"voice": voice_events, "messages": message_events}
    callbacks = _callbacks(REPLAYED_CALLBACKS)
    assert len(callbacks) == REPLAYED_CALLBACKS
    received = datetime.now(UTC)

    def events(batch: list[tuple[str, dict[str, str]]]) -> list[dict]:
        params = [(kind, {k: [v] for k, v in p.items()}) for kind, p in batch]
        return [event for kind, p in params for event in mappers[kind](p, received)]

    ordered, replayed = _tenants(engine, "tw-10k")
    for callback in sorted(callbacks, key=lambda c: c[1]["Timestamp"]):
        assert ingest_batch(engine, ordered.id, events([callback]))["rejected"] == 0
    shuffled = callbacks * 3
    random.Random(5).shuffle(shuffled)
    stored = 0
    for start in range(0, len(shuffled), 50):
        outcome = ingest_batch(engine, replayed.id, events(shuffled[start : start + 50]))
        assert outcome["rejected"] == 0
        stored += outcome["stored"]
    once = _state(engine, ordered.id)
    with engine.connect() as conn:
        ledger = conn.scalar(sa.text("select count(*) from events where account_id = :a"), {"a": ordered.id})
    assert stored == ledger  # each distinct event stored once, however often it came
    assert once == _state(engine, replayed.id)


def test_implausible_call_duration_is_422_not_a_crash(client: TestClient, tw: Tenant) -> None:
    params = voice("CA" + "8" * 32, "completed", 10, CallDuration="99999999999999")
    assert_error(post(client, tw.slug, "voice", params), 422, "invalid")
