"""The demo traffic simulator: deterministic, inside the event contract, and realistic enough to demo."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from operational.events import validate
from operational.simulator import SimulationProfile, simulate

ZONE = "America/New_York"
END = date(2026, 11, 15)  # 30 days back covers the end of US daylight saving time (1 November 2026)
OPT_OUTS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"}

Event = dict[str, Any]


def at(event: Event) -> datetime:
    return datetime.fromisoformat(event["occurred_at"])


@pytest.fixture(scope="module")
def events() -> list[Event]:
    return list(simulate(days=30, timezone=ZONE, seed=42, end_date=END))


@pytest.fixture(scope="module")
def calls(events: list[Event]) -> dict[str, list[Event]]:
    by_call: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event["type"].startswith("call."):
            by_call[event["call_id"]].append(event)
    return by_call


def first(call: list[Event], kind: str) -> Event | None:
    return next((event for event in call if event["type"] == kind), None)


def test_same_seed_same_events_and_other_seed_differs(events: list[Event]) -> None:
    assert list(simulate(days=30, timezone=ZONE, seed=42, end_date=END)) == events
    assert list(simulate(days=30, timezone=ZONE, seed=43, end_date=END)) != events


def test_every_event_keeps_the_contract(events: list[Event]) -> None:
    for event in events:
        assert event["event_id"] and event["type"]
        assert at(event).utcoffset() is not None
        validate(event, now=datetime(2026, 11, 16, tzinfo=UTC))  # raises EventRejected naming the field
    assert len({event["event_id"] for event in events}) == len(events)
    times = [at(event) for event in events]
    assert times == sorted(times)


def test_every_phone_number_is_valid(events: list[Event]) -> None:
    numbers = {event[f] for event in events for f in ("from", "to") if f in event}
    assert len(numbers) > 100
    for number in numbers:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number)), number


def test_calls_start_in_local_business_hours_across_dst(calls: dict[str, list[Event]]) -> None:
    zone = ZoneInfo(ZONE)
    starts = [at(call[0]).astimezone(zone) for call in calls.values()]
    assert all(call[0]["type"] == "call.started" for call in calls.values())
    assert all(8 <= start.hour < 18 for start in starts)
    assert {start.utcoffset() for start in starts} == {
        ZoneInfo(ZONE).utcoffset(datetime(2026, m, 1)) for m in (7, 12)
    }


def test_weekday_volume_far_above_sunday(calls: dict[str, list[Event]]) -> None:
    zone = ZoneInfo(ZONE)
    per_day = Counter(at(call[0]).astimezone(zone).date() for call in calls.values())
    weekday = [n for day, n in per_day.items() if day.weekday() < 5]
    saturday = [n for day, n in per_day.items() if day.weekday() == 5]
    sunday = [n for day, n in per_day.items() if day.weekday() == 6]  # a Sunday with no call is not listed
    assert min(weekday) > 150
    assert max(sunday, default=0) < min(saturday) < min(weekday) / 2
    assert max(sunday, default=0) < min(weekday) / 10


def test_inbound_outcomes(calls: dict[str, list[Event]]) -> None:
    inbound = [call for call in calls.values() if call[0]["direction"] == "inbound"]
    abandoned = [call for call in inbound if first(call, "call.answered") is None]
    assert all(
        call[-1]["type"] == "call.ended" and call[-1]["reason"] == "caller_hangup" for call in abandoned
    )
    waits = [(at(call[-1]) - at(first(call, "call.queued") or call[0])).total_seconds() for call in abandoned]
    assert 0.03 < len(abandoned) / len(inbound) < 0.2
    assert sum(w < 5 for w in waits) > 10 and sum(w > 120 for w in waits) > 3  # short abandons and a tail
    ai = [call for call in inbound if (first(call, "call.answered") or {}).get("answered_by") == "ai"]
    assert 0.05 < len(ai) / len(inbound) < 0.2
    assert all(call[0].get("ai_agent") and "agent" not in (first(call, "call.answered") or {}) for call in ai)
    ai_ids = {call[0]["call_id"] for call in ai}
    assert not any(call[0].get("ai_agent") for call in inbound if call[0]["call_id"] not in ai_ids)


def test_outbound_outcomes_and_dialer_drops(calls: dict[str, list[Event]]) -> None:
    outbound = [call for call in calls.values() if call[0]["direction"] == "outbound"]
    assert {call[0]["campaign"] for call in outbound} == {"winter-promo", "renewals"}
    assert all(call[0]["contact_id"] for call in outbound)
    answered_by = Counter((first(call, "call.answered") or {}).get("answered_by") for call in outbound)
    assert answered_by["machine"] > 0 and answered_by["human"] > 0 and answered_by[None] > 0
    reasons = Counter(call[-1]["reason"] for call in outbound if call[-1]["type"] == "call.ended")
    assert {"no_answer", "busy", "failed", "voicemail"} <= set(reasons)
    drops = 0
    for call in outbound:
        answer, connect = first(call, "call.answered"), first(call, "call.connected")
        if answer and answer["answered_by"] == "human":
            drops += connect is None or (at(connect) - at(answer)).total_seconds() > 2
    assert 0.005 < drops / answered_by["human"] < 0.08


def test_agents_dispositions_and_status(events: list[Event], calls: dict[str, list[Event]]) -> None:
    team = set(SimulationProfile().agents)
    call_agents = {e.get("agent") or e.get("to_agent") for c in calls.values() for e in c} - {None}
    assert call_agents == team
    statuses: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event["type"] == "agent.status":
            statuses[event["agent"]].append(event)
    assert set(statuses) == team
    for log in statuses.values():
        assert {"available", "busy", "after_call_work", "break", "offline"} <= {e["status"] for e in log}
        assert all(at(a) < at(b) for a, b in zip(log, log[1:], strict=False))  # no ties to order
    codes = Counter(e["disposition"] for c in calls.values() for e in c if e["type"] == "call.disposition")
    assert {"sale", "support_resolved", "callback", "not_interested", "no_sale"} <= set(codes)


def test_messages(events: list[Event]) -> None:
    created = [event for event in events if event["type"] == "message.created"]
    inbound = [event for event in created if event["direction"] == "inbound"]
    assert any(event["body"].strip().upper() in OPT_OUTS for event in inbound)
    assert any(event["body"].strip().upper() == "START" for event in inbound)
    assert any(len(event["body"]) > 160 for event in created)
    assert any("ç" in event["body"] or any(ord(ch) > 0xFFFF for ch in event["body"]) for event in created)
    assert any(event["channel"] == "mms" and 1 <= event["media_count"] <= 3 for event in created)
    statuses = Counter(event["status"] for event in events if event["type"] == "message.status")
    assert {"queued", "sent", "delivered", "undelivered", "failed", "received"} <= set(statuses)
    assert all(
        event.get("error_code")
        for event in events
        if event["type"] == "message.status" and event["status"] in ("undelivered", "failed")
    )


def test_custom_profile_and_default_end_date() -> None:
    profile = SimulationProfile(agents=("ann", "ben"), inbound_per_weekday=20, outbound_per_weekday=0)
    events = list(simulate(days=2, timezone="Europe/London", seed=1, account_slug="acme", profile=profile))
    assert events and all(event["event_id"].startswith("acme-1-") for event in events)
    assert {event["agent"] for event in events if event["type"] == "agent.status"} <= {"ann", "ben"}
    with pytest.raises(ValueError):
        next(simulate(days=0, timezone="UTC", seed=1))


def test_outbound_calls_come_from_the_dialer_rules(
    events: list[Event], calls: dict[str, list[Event]]
) -> None:
    from operational.consent import keyword_action
    from operational.dialer.rules import contact_zones

    outbound = [call[0] for call in calls.values() if call[0]["direction"] == "outbound"]
    for started in outbound:  # 08:00-21:00 in the contact's own zone (derived from the number)
        for zone in contact_zones(started["to"]):
            assert 8 <= at(started).astimezone(zone).hour < 21, started
    attempts = Counter(started["contact_id"] for started in outbound)
    assert max(attempts.values()) <= 3 and sum(n > 1 for n in attempts.values()) > 1  # retries, at most 3
    keywords: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
    for event in events:
        action = keyword_action(event.get("body")) if event["type"] == "message.created" else None
        if action is not None and event["direction"] == "inbound":
            keywords[event["from"]].append((at(event), action))
    opted_out_calls = [
        started for started in outbound
        if [opted for moment, opted in keywords.get(started["to"], []) if moment <= at(started)][-1:] == [True]
    ]  # fmt: skip
    assert keywords and not opted_out_calls
