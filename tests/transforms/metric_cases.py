"""Hand-built events for the metric tests, each with the figures it produces worked out by hand.

Account "metrics" is in America/New_York; 2026-11-01 is the day daylight saving time ends there (a local
day of 25 hours: 04:00Z → 05:00Z the next day). Short abandon < 5 s, service level ≤ 20 s, success = sale.
"""

from __future__ import annotations

from typing import Any

from tests.events_factory import CALLER, LINE, ev


def _call(call_id: str, direction: str, start: str, steps: list[tuple[str, float, dict[str, Any]]],
          **started: Any) -> list[dict[str, Any]]:  # fmt: skip
    """A call started at ``start`` (UTC, 'YYYY-MM-DDTHH:MM:SS') with steps at offsets in seconds."""
    from tests.events_factory import at

    base = start.replace("T", " ")
    events = [
        ev("call.started", at(base), call_id=call_id, direction=direction, from_=CALLER, to=LINE, **started)
    ]
    events += [ev(kind, at(base, offset), call_id=call_id, **fields) for kind, offset, fields in steps]
    return events


def _message(message_id: str, direction: str, channel: str, body: str, when: str,
             statuses: list[tuple[str, float]], media: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    from tests.events_factory import at

    base = when.replace("T", " ")
    sender, receiver = (LINE, CALLER) if direction == "outbound" else (CALLER, LINE)
    events = [ev("message.created", at(base), message_id=message_id, direction=direction, channel=channel,
                 from_=sender, to=receiver, body=body, media_count=media)]  # fmt: skip
    events += [ev("message.status", at(base, offset), message_id=message_id, status=status)
               for status, offset in statuses]  # fmt: skip
    return events


HUMAN = {"answered_by": "human"}

CALLS = [
    # I1 10:00 EST Nov 2: wait 20.0 s (within SL), talk 300, wrap 10, sale → alice handled, converted
    *_call("I1", "inbound", "2026-11-02T15:00:00", [
        ("call.queued", 0, {"queue": "q1"}),
        ("call.answered", 20.0, {**HUMAN, "agent": "alice"}),
        ("call.ended", 320, {"reason": "completed"}),
        ("call.wrapup_ended", 330, {"agent": "alice"}),
        ("call.disposition", 331, {"disposition": "sale"}),
    ]),
    # I2: wait 20.5 s (outside SL), hold 20, talk 100, disposition changed callback → no_sale
    *_call("I2", "inbound", "2026-11-02T15:05:00", [
        ("call.queued", 0, {"queue": "q1"}),
        ("call.answered", 20.5, {**HUMAN, "agent": "bob"}),
        ("call.hold", 50.5, {}),
        ("call.unhold", 70.5, {}),
        ("call.ended", 140.5, {"reason": "completed"}),
        ("call.disposition", 200, {"disposition": "callback"}),
        ("call.disposition", 300, {"disposition": "no_sale"}),
    ]),
    # I3: abandoned after 4.9 s → short abandon
    *_call("I3", "inbound", "2026-11-02T15:10:00", [
        ("call.queued", 0, {"queue": "q1"}), ("call.ended", 4.9, {"reason": "caller_hangup"}),
    ]),
    # I4: abandoned after exactly 5.0 s → not short
    *_call("I4", "inbound", "2026-11-02T15:11:00", [
        ("call.queued", 0, {"queue": "q1"}), ("call.ended", 5.0, {"reason": "canceled"}),
    ]),
    # I5: answered by the AI after 3 s: answered, within SL, in ASA; never handled
    *_call("I5", "inbound", "2026-11-02T15:12:00", [
        ("call.queued", 0, {"queue": "q1"}),
        ("call.answered", 3, {"answered_by": "ai"}),
        ("call.ended", 63, {"reason": "completed"}),
    ], ai_agent="ava"),
    # I6: answered after 10 s, still talking: answered, within SL, in ASA; not handled yet
    *_call("I6", "inbound", "2026-11-02T15:20:00", [
        ("call.queued", 0, {"queue": "q1"}), ("call.answered", 10, {**HUMAN, "agent": "carol"}),
    ]),
    # I7: 01:30 EST on Nov 1 (the repeated hour): q2, wait 5, talk 60, sale → alice
    *_call("I7", "inbound", "2026-11-01T06:30:00", [
        ("call.queued", 0, {"queue": "q2"}),
        ("call.answered", 5, {**HUMAN, "agent": "alice"}),
        ("call.ended", 65, {"reason": "completed"}),
        ("call.disposition", 70, {"disposition": "sale"}),
    ]),
    # I8: to voicemail: offered, neither answered nor abandoned
    *_call("I8", "inbound", "2026-11-02T15:30:00", [
        ("call.queued", 0, {"queue": "q1"}), ("call.ended", 30, {"reason": "voicemail"}),
    ]),
    # O1 promo: connected exactly 2.0 s after the answer (not a drop), talk 60, wrap 10, sale → dave
    *_call("O1", "outbound", "2026-11-02T16:00:00", [
        ("call.answered", 5, HUMAN),
        ("call.connected", 7.0, {"agent": "dave"}),
        ("call.ended", 67, {"reason": "completed"}),
        ("call.wrapup_ended", 77, {"agent": "dave"}),
        ("call.disposition", 78, {"disposition": "sale"}),
    ], campaign="promo"),
    # O2 promo: connected 2.1 s after the answer → a drop; talk 30; no_sale → dave
    *_call("O2", "outbound", "2026-11-02T16:01:00", [
        ("call.answered", 5, HUMAN),
        ("call.connected", 7.1, {"agent": "dave"}),
        ("call.ended", 37.1, {"reason": "completed"}),
        ("call.disposition", 40, {"disposition": "no_sale"}),
    ], campaign="promo"),
    # O3 promo: a person answered, no agent ever joined → a drop; disposition callback
    *_call("O3", "outbound", "2026-11-02T16:02:00", [
        ("call.answered", 4, HUMAN),
        ("call.ended", 10, {"reason": "caller_hangup"}),
        ("call.disposition", 11, {"disposition": "callback"}),
    ], campaign="promo"),
    *_call("O4", "outbound", "2026-11-02T16:03:00", [
        ("call.answered", 6, {"answered_by": "machine"}), ("call.ended", 26, {"reason": "voicemail"}),
    ], campaign="promo"),
    *_call("O5", "outbound", "2026-11-02T16:04:00", [("call.ended", 30, {"reason": "no_answer"})], campaign="promo"),
    *_call("O6", "outbound", "2026-11-02T16:05:00", [("call.ended", 2, {"reason": "busy"})], campaign="promo"),
    *_call("O7", "outbound", "2026-11-02T16:06:00", [("call.ended", 1, {"reason": "failed"})], campaign="promo"),
    # O8 without a campaign: connected after 1 s, talk 120 → erin
    *_call("O8", "outbound", "2026-11-02T16:07:00", [
        ("call.answered", 3, HUMAN),
        ("call.connected", 4, {"agent": "erin"}),
        ("call.ended", 124, {"reason": "completed"}),
    ]),
    # O9 promo on Oct 20: inside the 30-day windows ending Nov 1 and Nov 2, before the exported range
    *_call("O9", "outbound", "2026-10-20T16:00:00", [
        ("call.answered", 1, HUMAN),
        ("call.connected", 2, {"agent": "dave"}),
        ("call.ended", 62, {"reason": "completed"}),
    ], campaign="promo"),
]  # fmt: skip

# frank's day across the end of DST (times are UTC); S7 is late: older than the status current when it arrives.
STATUSES = [
    ev("agent.status", "2026-11-01T03:00:00+00:00", agent="frank", status="available", event_id="S1"),
    ev("agent.status", "2026-11-01T04:30:00+00:00", agent="frank", status="busy", event_id="S2"),
    ev("agent.status", "2026-11-01T06:30:00+00:00", agent="frank", status="after_call_work", event_id="S3"),
    ev("agent.status", "2026-11-01T07:00:00+00:00", agent="frank", status="break", event_id="S4"),
    ev("agent.status", "2026-11-02T04:00:00+00:00", agent="frank", status="available", event_id="S5"),
    ev("agent.status", "2026-11-02T06:00:00+00:00", agent="frank", status="offline", event_id="S6"),
    ev("agent.status", "2026-11-01T05:00:00+00:00", agent="frank", status="available", event_id="S7"),
]
REFRESH_AT = "2026-11-02T12:00:00+00:00"  # the open offline interval runs to here

EURO, CEDILLA, GRIN = "€", "ç", "😀"
MESSAGES = [
    *_message("M1", "outbound", "sms", "a" * 160, "2026-11-02T17:00:00", [("queued", 1), ("sent", 2), ("delivered", 3)]),
    *_message("M2", "outbound", "sms", "a" * 161, "2026-11-02T17:01:00", [("sent", 1)]),
    # M2 ends failed with a carrier error code
    ev("message.status", "2026-11-02T17:01:09+00:00", message_id="M2", status="failed", error_code="30008"),
    *_message("M3", "outbound", "sms", "a" * 158 + EURO, "2026-11-02T17:02:00", [("delivered", 5), ("sent", 2)]),
    *_message("M4", "outbound", "sms", "a" * 159 + EURO, "2026-11-02T17:03:00", [("undelivered", 4)]),
    *_message("M5", "outbound", "sms", CEDILLA * 70, "2026-11-02T17:04:00", []),
    *_message("M6", "outbound", "sms", CEDILLA * 71, "2026-11-02T17:05:00", [("delivered", 4)]),
    *_message("M7", "outbound", "sms", GRIN * 35, "2026-11-02T17:06:00", [("delivered", 4)]),
    *_message("M8", "outbound", "sms", GRIN * 36, "2026-11-02T17:07:00", [("delivered", 4)]),
    *_message("M9", "outbound", "sms", "Ç" * 161, "2026-11-02T17:08:00", [("delivered", 4)]),
    *_message("M10", "outbound", "mms", "", "2026-11-02T17:09:00", [("delivered", 4)], media=2),
    *_message("M11", "inbound", "sms", " stop \n", "2026-11-02T17:10:00", [("received", 0)]),
    *_message("M12", "inbound", "sms", "Opt Out", "2026-11-02T17:11:00", [("received", 0)]),
    *_message("M13", "inbound", "sms", "STOP please", "2026-11-02T17:12:00", [("received", 0)]),
    *_message("M14", "inbound", "sms", "START", "2026-11-02T17:13:00", [("received", 0)]),
    *_message("M15", "inbound", "mms", "pic", "2026-11-02T17:14:00", [("received", 0)], media=1),
]  # fmt: skip
EVENTS = CALLS + STATUSES + MESSAGES

START, END = "2026-11-01", "2026-11-02"

EXPECTED: dict[str, str] = {
    "call-status": """\
date,direction,status,calls
2026-11-01,inbound,completed,1
2026-11-02,inbound,abandoned,2
2026-11-02,inbound,completed,3
2026-11-02,inbound,in_progress,1
2026-11-02,inbound,voicemail,1
2026-11-02,outbound,busy,1
2026-11-02,outbound,completed,5
2026-11-02,outbound,failed,1
2026-11-02,outbound,no_answer,1
""",
    # q1 Nov 2: offered 7, answered 4 (I1 I2 I5 I6), abandoned 2, short 1 (I3: 4.9 s);
    # abandon rate (2−1)/(7−1) = 0.16667; SL 3/(4+2−1) = 0.6 (20.0 s counts, 20.5 s does not);
    # ASA (20 + 20.5 + 3 + 10)/4 = 13.375 → 13.4
    "abandon-rate": """\
date,queue,offered,answered,abandoned,short_abandoned,abandon_rate,answered_within_sl,service_level,asa_seconds
2026-11-01,q2,1,1,0,0,0.0000,1,1.0000,5.0
2026-11-02,q1,7,4,2,1,0.1667,3,0.6000,13.4
""",
    "outgoing-calls": """\
date,campaign,agent,attempts,human_answered,machine_answered,no_answer,busy,failed,connect_rate,talk_seconds
2026-11-02,,erin,1,1,0,0,0,0,1.0000,120.0
2026-11-02,promo,,5,1,1,1,1,1,0.2000,0.0
2026-11-02,promo,dave,2,2,0,0,0,0,1.0000,90.0
""",
    "dispositions": """\
date,disposition,calls,share
2026-11-01,sale,1,1.0000
2026-11-02,callback,1,0.2000
2026-11-02,no_sale,2,0.4000
2026-11-02,sale,2,0.4000
""",
    # Nov 1 (25 h): available 1800 + 5400 + 3600, busy 1800, acw 1800, break 21 h; occupancy 3600/14400
    "user-status": """\
date,agent,available_seconds,busy_seconds,after_call_work_seconds,break_seconds,logged_in_seconds,occupancy
2026-11-01,frank,10800.0,1800.0,1800.0,75600.0,90000.0,0.2500
2026-11-02,frank,3600.0,0.0,0.0,0.0,3600.0,0.0000
""",
    # alice: I1 (300 talk + 10 wrap) + I7 (60) → AHT 185; dave: O1 (60 + 10) + O2 (30) → AHT 50
    "leaderboard": """\
rank,agent,handled,talk_seconds,aht_seconds,conversions,conversion_rate
1,alice,2,360.0,185.0,2,1.0000
1,dave,2,90.0,50.0,1,0.5000
3,bob,1,100.0,120.0,0,0.0000
3,erin,1,120.0,120.0,0,0.0000
""",
    # outbound sms segments 1+2+1+2+1+2+1+2+2 = 14; delivered 6 of 8 with a final outcome
    "sms-mms": """\
date,direction,channel,messages,segments,media,delivered,undelivered,failed,delivery_rate,opt_outs
2026-11-02,inbound,mms,1,1,1,0,0,0,,0
2026-11-02,inbound,sms,4,4,0,0,0,0,,2
2026-11-02,outbound,mms,1,1,2,1,0,0,1.0000,0
2026-11-02,outbound,sms,9,14,0,6,1,1,0.7500,0
""",
    "dialer-compliance": """\
campaign,window,window_end,human_answered,drops,drop_rate,compliant
promo,24h,2026-11-02,3,2,0.6667,false
promo,30d,2026-11-01,1,0,0.0000,true
promo,30d,2026-11-02,4,2,0.5000,false
""",
}
