"""When an alert tells: once when its condition starts, and again only after it has recovered for a set time.

ok ──breach──► firing (fired) ──clear──► recovering ──clear for rearm_seconds──► ok (recovered)
                   ▲                          │
                   └──────────breach──────────┘  (no new firing: a flapping figure is one episode)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Step:
    state: str
    since: datetime
    event: str | None  # "fired", "recovered" or None


def step(state: str, since: datetime, breached: bool, now: datetime, rearm: timedelta) -> Step:
    """The rule's next state from its current one (entered at ``since``) and whether it breaches at ``now``."""
    if state == "ok":
        return Step("firing", now, "fired") if breached else Step("ok", since, None)
    if state == "firing":
        return Step("firing", since, None) if breached else Step("recovering", now, None)
    # recovering
    if breached:
        return Step("firing", now, None)
    if now - since >= rearm:
        return Step("ok", now, "recovered")
    return Step("recovering", since, None)
