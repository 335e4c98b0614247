"""The carrier edge: what the dialer asks of a telephony provider, and the simulated one used here.

A real adapter places the call with its provider and returns None: the outcome comes back through the
provider's status callbacks (``/webhooks/...``). The simulated carrier, the one fake in the product (a
network we cannot reach), answers at once with a drawn outcome, so the demo's dialer traffic comes from
the real engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

Event = dict[str, Any]


@dataclass(frozen=True)
class DialRequest:
    call_id: str
    from_number: str
    to_number: str
    campaign: str
    contact_id: str
    at: datetime


@dataclass(frozen=True)
class CallOutcome:
    """What the network did: who answered (None: nobody) after how long, and how an unbridged call ends."""

    answered_by: str | None  # human, machine or None
    after_seconds: float  # to the answer, or to the end when nobody answered
    end_reason: str | None  # failed/busy/no_answer, voicemail/completed for machines; None: a person waits
    machine_seconds: float = 0.0  # a machine's message length


class Carrier(Protocol):
    def place_call(self, request: DialRequest) -> CallOutcome | None: ...


# (end reason, cumulative share, seconds to give up: low, high) for calls nobody answers
_NOT_ANSWERED = (("failed", 0.04, 0.3, 3.0), ("busy", 0.1, 2.0, 8.0), ("no_answer", 0.4, 20.0, 35.0))
MACHINE_SHARE = 0.2  # of all dials; the remaining 40 % reach a person


class SimulatedCarrier:
    """Outcomes drawn from ``rng`` with shares like a consumer list's: 40 % reach a person."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def place_call(self, request: DialRequest) -> CallOutcome:
        rng = self.rng
        draw = rng.random()
        for reason, below, low, high in _NOT_ANSWERED:
            if draw < below:
                return CallOutcome(None, rng.uniform(low, high), reason)
        answer = min(30.0, max(3.0, 9 * rng.lognormvariate(0.0, 0.45)))
        if draw < _NOT_ANSWERED[-1][1] + MACHINE_SHARE:
            voicemail = rng.random() < 0.65
            length = rng.uniform(12, 40) if voicemail else rng.uniform(1.5, 5)
            return CallOutcome("machine", answer, "voicemail" if voicemail else "completed", length)
        return CallOutcome("human", answer, None)


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def outcome_events(
    request: DialRequest,
    outcome: CallOutcome,
    agent: str | None,
    connect_after: float = 0.8,
    talk_seconds: float = 90.0,
) -> list[Event]:
    """Canonical events of a dialled call: bridged to ``agent`` ``connect_after`` s after a person answers,
    or dropped (the person hangs up on silence) when no agent is free for it."""
    prefix, t0 = f"{request.call_id}-", request.at
    n = iter(range(10))

    def ev(kind: str, seconds: float, **fields: Any) -> Event:
        moment = t0 + timedelta(seconds=seconds)
        return {"event_id": f"{prefix}{next(n)}", "type": kind, "occurred_at": _at(moment),
                "call_id": request.call_id, **fields}  # fmt: skip

    started = {"direction": "outbound", "from": request.from_number, "to": request.to_number}
    events = [ev("call.started", 0, **started, campaign=request.campaign, contact_id=request.contact_id)]
    if outcome.answered_by is None:
        return [*events, ev("call.ended", outcome.after_seconds, reason=outcome.end_reason)]
    answer = outcome.after_seconds
    events.append(ev("call.answered", answer, answered_by=outcome.answered_by))
    if outcome.answered_by == "machine":
        return [*events, ev("call.ended", answer + outcome.machine_seconds, reason=outcome.end_reason)]
    if agent is None:
        return [*events, ev("call.ended", answer + 3.0, reason="caller_hangup")]
    connected = answer + connect_after
    events.append(ev("call.connected", connected, agent=agent))
    return [*events, ev("call.ended", connected + talk_seconds, reason="completed")]
