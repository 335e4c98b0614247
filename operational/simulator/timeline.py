"""The simulated day's timeline: event tracks (ids in emission order) and each agent's shift."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

Event = dict[str, Any]
Timed = list[tuple[datetime, Event]]
GAP = timedelta(seconds=2)  # an agent is offered the next call a moment after becoming free: no tied events


def ms(seconds: float) -> timedelta:
    return timedelta(milliseconds=round(seconds * 1000))


@dataclass
class Shift:
    """One agent's working day: when free for the next call, a pending lunch, and its status log."""

    name: str
    end: datetime
    free: datetime
    lunch: datetime | None
    lunch_len: timedelta
    log: list[tuple[datetime, str]]

    def available_at(self, at: datetime) -> datetime | None:
        moment = max(at, self.free)
        if self.lunch is not None and moment >= self.lunch:
            # lunch comes first, and starts late when a call ran into it
            moment = max(moment, max(self.lunch, self.free) + self.lunch_len + GAP)
        return moment if moment < self.end else None

    def book(self, busy_from: datetime, busy_to: datetime, wrap_to: datetime | None) -> None:
        if self.lunch is not None and busy_from >= self.lunch:
            self._take_lunch()
        self.log.append((busy_from, "busy"))
        if wrap_to is None:
            self.log.append((busy_to, "available"))
        else:
            self.log += [(busy_to, "after_call_work"), (wrap_to, "available")]
        self.free = (wrap_to or busy_to) + GAP

    def close(self) -> None:
        if self.lunch is not None and max(self.lunch, self.free) < self.end:
            self._take_lunch()
        self.log.append((max(self.end, self.free), "offline"))

    def _take_lunch(self) -> None:
        assert self.lunch is not None
        start = max(self.lunch, self.free)
        self.log += [(start, "break"), (start + self.lunch_len, "available")]
        self.free, self.lunch = start + self.lunch_len + GAP, None


class Track:
    """The events of one call, message or agent day: ids numbered in emission order, its key on each."""

    __slots__ = ("out", "prefix", "key", "value", "k")

    def __init__(self, out: Timed, prefix: str, key: str, value: str) -> None:
        self.out, self.prefix, self.key, self.value, self.k = out, prefix, key, value, 0

    def add(self, at: datetime, kind: str, **fields: Any) -> None:
        occurred = at.isoformat(timespec="microseconds")
        event = {"event_id": f"{self.prefix}-{self.k}", "type": kind, "occurred_at": occurred}
        self.out.append((at, {**event, self.key: self.value, **fields}))
        self.k += 1
