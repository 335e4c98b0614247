"""Hand-written events for the app tests, with every figure the pages should show worked out by hand.

Account "north" (Europe/London: UTC in March 2025, before summer time) holds the events the page tests check;
account "south" (America/New_York) holds a few calls whose names ("south-q", "south-camp", agent "zed") must
never appear to a north user. Both have an agent called "alice": north's agent user must see only north's.
Times below are UTC; offsets in seconds from the call's start.
"""

from __future__ import annotations

from typing import Any

from tests.events_factory import CALLER, LINE, at, ev

REFRESH_AT = "2025-03-13T06:00:00+00:00"  # open agent-status intervals run to here
# north's newest date is 2025-03-12 (long before today), so its default range is the 30 days ending then
NORTH_RANGE = ("2025-02-11", "2025-03-12")
HUMAN = {"answered_by": "human"}


def call(prefix: str, call_id: str, direction: str, start: str, steps: list[tuple[str, float, dict[str, Any]]],
         **started: Any) -> list[dict[str, Any]]:  # fmt: skip
    base = start.replace("T", " ")
    events = [ev("call.started", at(base), call_id=call_id, direction=direction, from_=CALLER, to=LINE,
                 event_id=f"{prefix}-{call_id}-0", **started)]  # fmt: skip
    events += [
        ev(kind, at(base, offset), call_id=call_id, event_id=f"{prefix}-{call_id}-{i}", **fields)
        for i, (kind, offset, fields) in enumerate(steps, start=1)
    ]
    return events


def message(prefix: str, message_id: str, direction: str, channel: str, body: str, when: str,
            statuses: list[tuple[str, float, dict[str, Any]]], media: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    base = when.replace("T", " ")
    sender, receiver = (LINE, CALLER) if direction == "outbound" else (CALLER, LINE)
    events = [ev("message.created", at(base), message_id=message_id, direction=direction, channel=channel,
                 from_=sender, to=receiver, body=body, media_count=media, event_id=f"{prefix}-{message_id}-0")]  # fmt: skip
    events += [
        ev(
            "message.status",
            at(base, offset),
            message_id=message_id,
            status=status,
            event_id=f"{prefix}-{message_id}-{i}",
            **fields,
        )  # fmt: skip
        for i, (status, offset, fields) in enumerate(statuses, start=1)
    ]
    return events


def status(prefix: str, agent: str, when: str, state: str) -> dict[str, Any]:
    return ev("agent.status", at(when.replace("T", " ")), agent=agent, status=state,
              event_id=f"{prefix}-{agent}-{when}")  # fmt: skip


def queued(queue: str) -> tuple[str, float, dict[str, Any]]:
    return ("call.queued", 0, {"queue": queue})


N = "north"
NORTH_CALLS = [
    # N1 Mon 10 Mar 09:00 sales: wait 10 s (within SL), talk 120, wrap 10, sale → alice handled + converted
    *call(N, "N1", "inbound", "2025-03-10T09:00:00", [
        queued("sales"), ("call.answered", 10, {**HUMAN, "agent": "alice"}), ("call.ended", 130, {"reason": "completed"}),
        ("call.wrapup_ended", 140, {"agent": "alice"}), ("call.disposition", 141, {"disposition": "sale"}),
    ], queue="sales"),
    # N2 sales: wait 30 s (misses SL), talk 60, no_sale → bob handled
    *call(N, "N2", "inbound", "2025-03-10T09:05:00", [
        queued("sales"), ("call.answered", 30, {**HUMAN, "agent": "bob"}), ("call.ended", 90, {"reason": "completed"}),
        ("call.disposition", 95, {"disposition": "no_sale"}),
    ], queue="sales"),
    # N3 sales: caller hung up after 3 s → short abandon; N4 after 40 s → counted abandon
    *call(N, "N3", "inbound", "2025-03-10T09:20:00", [queued("sales"), ("call.ended", 3, {"reason": "caller_hangup"})], queue="sales"),
    *call(N, "N4", "inbound", "2025-03-10T09:25:00", [queued("sales"), ("call.ended", 40, {"reason": "caller_hangup"})], queue="sales"),
    # N5 Tue 11 Mar support: wait 5 s, talk 60, sale → alice handled + converted
    *call(N, "N5", "inbound", "2025-03-11T10:00:00", [
        queued("support"), ("call.answered", 5, {**HUMAN, "agent": "alice"}), ("call.ended", 65, {"reason": "completed"}),
        ("call.disposition", 70, {"disposition": "sale"}),
    ], queue="support"),
    # N6 support: the AI answers after 8 s: answered, within SL, in ASA, never handled
    *call(N, "N6", "inbound", "2025-03-11T10:10:00", [
        queued("support"), ("call.answered", 8, {"answered_by": "ai"}), ("call.ended", 68, {"reason": "completed"}),
    ], queue="support", ai_agent="ava"),
    # N7 Wed 12 Mar support: to voicemail after 60 s: offered, neither answered nor abandoned
    *call(N, "N7", "inbound", "2025-03-12T11:00:00", [queued("support"), ("call.ended", 60, {"reason": "voicemail"})], queue="support"),
    # N8 support: bob answers after 4 s and is still talking: in progress, answered within SL, not handled
    *call(N, "N8", "inbound", "2025-03-12T11:30:00", [queued("support"), ("call.answered", 4, {**HUMAN, "agent": "bob"})], queue="support"),
    # O1 Tue promo: a person answers, carol joins 1 s later (no drop), talk 60, sale → carol handled + converted
    *call(N, "O1", "outbound", "2025-03-11T14:00:00", [
        ("call.answered", 5, HUMAN), ("call.connected", 6, {"agent": "carol"}), ("call.ended", 66, {"reason": "completed"}),
        ("call.disposition", 67, {"disposition": "sale"}),
    ], campaign="promo"),
    # O2 promo: a person answers and nobody joins → a drop
    *call(N, "O2", "outbound", "2025-03-11T14:05:00", [("call.answered", 4, HUMAN), ("call.ended", 10, {"reason": "caller_hangup"})], campaign="promo"),
    # O3 promo: a machine answers; O4 Wed promo: nobody answers
    *call(N, "O3", "outbound", "2025-03-11T14:10:00", [("call.answered", 6, {"answered_by": "machine"}), ("call.ended", 26, {"reason": "voicemail"})], campaign="promo"),
    *call(N, "O4", "outbound", "2025-03-12T14:00:00", [("call.ended", 30, {"reason": "no_answer"})], campaign="promo"),
]  # fmt: skip
NORTH_MESSAGES = [
    *message(N, "M1", "outbound", "sms", "Hello", "2025-03-10T12:00:00", [("sent", 1, {}), ("delivered", 3, {})]),
    *message(N, "M2", "outbound", "sms", "Hi there", "2025-03-10T12:05:00", [("failed", 2, {"error_code": "30008"})]),
    *message(N, "M3", "inbound", "sms", " stop ", "2025-03-11T12:00:00", [("received", 0, {})]),
    *message(N, "M4", "outbound", "mms", "Pic", "2025-03-11T12:10:00", [("undelivered", 2, {"error_code": "30003"})], media=1),
]  # fmt: skip
NORTH_STATUSES = [
    # alice, Mon 10 Mar: 08:00-17:00 logged in: available 3610 + 10650 + 16200 s, busy 130, wrap-up 10, break 1800
    status(N, "alice", "2025-03-10T08:00:00", "available"),
    status(N, "alice", "2025-03-10T09:00:10", "busy"),
    status(N, "alice", "2025-03-10T09:02:20", "after_call_work"),
    status(N, "alice", "2025-03-10T09:02:30", "available"),
    status(N, "alice", "2025-03-10T12:00:00", "break"),
    status(N, "alice", "2025-03-10T12:30:00", "available"),
    status(N, "alice", "2025-03-10T17:00:00", "offline"),
    # bob available 09:00-17:00 on Monday; carol 13:00-15:00 on Tuesday
    status(N, "bob", "2025-03-10T09:00:00", "available"),
    status(N, "bob", "2025-03-10T17:00:00", "offline"),
    status(N, "carol", "2025-03-11T13:00:00", "available"),
    status(N, "carol", "2025-03-11T15:00:00", "offline"),
]
NORTH_EVENTS = NORTH_CALLS + NORTH_MESSAGES + NORTH_STATUSES

S = "south"
SOUTH_EVENTS = [
    *call(S, "S1", "inbound", "2025-03-10T15:00:00", [
        queued("south-q"), ("call.answered", 2, {**HUMAN, "agent": "alice"}), ("call.ended", 50, {"reason": "completed"}),
        ("call.disposition", 51, {"disposition": "south-disp"}),
    ], queue="south-q"),
    *call(S, "S2", "inbound", "2025-03-10T15:10:00", [
        queued("south-q"), ("call.answered", 3, {**HUMAN, "agent": "zed"}), ("call.ended", 40, {"reason": "completed"}),
    ], queue="south-q"),
    *call(S, "S3", "outbound", "2025-03-11T15:00:00", [
        ("call.answered", 2, HUMAN), ("call.connected", 3, {"agent": "zed"}), ("call.ended", 30, {"reason": "completed"}),
    ], campaign="south-camp"),
    *message(S, "SM1", "outbound", "sms", "south hello", "2025-03-10T16:00:00", [("delivered", 2, {})]),
    status(S, "zed", "2025-03-10T14:00:00", "available"),
    status(S, "zed", "2025-03-10T20:00:00", "offline"),
]  # fmt: skip
# Names that only south has: none may appear on any north page.
SOUTH_ONLY = ("south-q", "south-camp", "south-disp", "zed")
