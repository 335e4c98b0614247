"""One campaign's contact list held in memory and dialled under the engine's rules (the demo simulator's
dialer: the same ``decide``/``after_attempt`` rules and carrier as the database engine, without a database)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from operational.dialer.rules import Contact, Rules, Verdict, after_attempt, decide


@dataclass
class _Entry:
    id: int
    external_id: str
    phone: str
    attempts: int = 0
    last_attempt_at: datetime | None = None


class ContactPool:
    """Contacts are made on demand from ``make(i) -> (external_id, phone)``, ``size`` at most, in id order;
    those waiting for a retry or for their calling window come back when due, ahead of new ones."""

    def __init__(self, make: Callable[[int], tuple[str, str]], size: int, rules: Rules) -> None:
        self.make, self.size, self.rules = make, size, rules
        self.waiting: list[tuple[datetime, int, _Entry]] = []
        self.fresh = 0
        self.decisions: Counter[str] = Counter()

    def next_dial(self, now: datetime, on_dnc: Callable[[str], bool]) -> _Entry | None:
        """The next contact to dial at ``now``, after recording every skip on the way; None: nobody now."""
        while True:
            if self.waiting and self.waiting[0][0] <= now:
                entry = heapq.heappop(self.waiting)[2]
            elif self.fresh < self.size:
                external_id, phone = self.make(self.fresh)
                entry, self.fresh = _Entry(self.fresh, external_id, phone), self.fresh + 1
            else:
                return None
            view = Contact(entry.id, entry.phone, None, entry.attempts, entry.last_attempt_at)
            decision = decide(view, now, on_dnc(entry.phone), self.rules)
            if decision.verdict is not Verdict.NOT_DUE:
                self.decisions[decision.verdict.value] += 1
            if decision.verdict is Verdict.DIALED:
                return entry
            if decision.next_attempt_at is not None:  # window or spacing: back when due
                heapq.heappush(self.waiting, (decision.next_attempt_at, entry.id, entry))
            # DNC, exhausted, unknown zone: out of the list

    def attempted(self, entry: _Entry, reached: bool, now: datetime) -> None:
        entry.attempts += 1
        entry.last_attempt_at = now
        state, due = after_attempt(reached, entry.attempts, self.rules, now)
        if state == "pending" and due is not None:
            heapq.heappush(self.waiting, (due, entry.id, entry))
