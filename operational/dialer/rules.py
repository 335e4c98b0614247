"""Dialer decisions as pure functions: who may be dialled now, how many lines, when to throttle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as number_zones

WINDOW_OPENS = time(8)
WINDOW_CLOSES = time(21)  # calls may start from 08:00 up to (not at) 21:00, contact-local
DROP_LIMIT_PERCENT = 3  # over 3 % of human answers dropped in 24 h: one line per agent, and flagged


class Verdict(StrEnum):
    DIALED = "dialed"
    SKIPPED_DNC = "skipped_dnc"
    SKIPPED_WINDOW = "skipped_window"
    EXHAUSTED = "exhausted"
    NOT_DUE = "not_due"  # retry spacing not over yet: not a decision worth a record


@dataclass(frozen=True)
class Contact:
    id: int
    phone: str
    timezone: str | None
    attempts: int
    last_attempt_at: datetime | None


@dataclass(frozen=True)
class Rules:
    max_attempts: int
    retry_spacing: timedelta


@dataclass(frozen=True)
class Decision:
    contact_id: int
    verdict: Verdict
    detail: str
    next_attempt_at: datetime | None = None  # when a skipped contact is worth looking at again


@lru_cache(maxsize=65536)
def contact_zones(phone: str, timezone: str | None = None) -> tuple[ZoneInfo, ...]:
    """The contact's own time zone, else every zone ``phonenumbers`` gives for the number (empty: unknown)."""
    if timezone:
        return (ZoneInfo(timezone),)
    try:
        names = number_zones.time_zones_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return ()
    return tuple(ZoneInfo(name) for name in names if name != "Etc/Unknown")


def window_open(now: datetime, zones: tuple[ZoneInfo, ...]) -> bool:
    """A number spanning several zones (a country-wide range) may be called only when all of them are open."""
    return bool(zones) and all(WINDOW_OPENS <= now.astimezone(zone).time() < WINDOW_CLOSES for zone in zones)


def next_window_open(now: datetime, zones: tuple[ZoneInfo, ...]) -> datetime | None:
    """The first moment from ``now`` when the window is open in every zone; None when it never is."""
    moment = now
    for _ in range(2 * len(zones) + 2):
        closed = [zone for zone in zones if not window_open(moment, (zone,))]
        if not closed:
            return moment
        local = moment.astimezone(closed[0])
        day = local.date() if local.time() < WINDOW_OPENS else local.date() + timedelta(days=1)
        moment = datetime.combine(day, WINDOW_OPENS, tzinfo=closed[0])
    return None


def decide(contact: Contact, now: datetime, on_dnc: bool, rules: Rules) -> Decision:
    """Whether to dial ``contact`` at ``now``; checks in order: attempts, DNC, calling window, retry spacing."""
    if contact.attempts >= rules.max_attempts:
        return Decision(
            contact.id, Verdict.EXHAUSTED, f"{contact.attempts} of {rules.max_attempts} attempts made"
        )
    if on_dnc:
        return Decision(contact.id, Verdict.SKIPPED_DNC, f"{contact.phone} is on the DNC list")
    zones = contact_zones(contact.phone, contact.timezone)
    if not zones:
        return Decision(contact.id, Verdict.SKIPPED_WINDOW, "the contact's local time is unknown")
    if not window_open(now, zones):
        local = ", ".join(f"{now.astimezone(zone):%H:%M} {zone.key}" for zone in zones[:3])
        return Decision(
            contact.id,
            Verdict.SKIPPED_WINDOW,
            f"outside 08:00-21:00 local ({local})",
            next_window_open(now, zones),
        )
    if contact.last_attempt_at is not None and now < contact.last_attempt_at + rules.retry_spacing:
        due = contact.last_attempt_at + rules.retry_spacing
        return Decision(contact.id, Verdict.NOT_DUE, "retry spacing", due)
    return Decision(contact.id, Verdict.DIALED, f"attempt {contact.attempts + 1} of {rules.max_attempts}")


def lines_per_agent(kind: str, configured: int, throttled: bool) -> int:
    """Power and speed dial: one line per agent; parallel: the configured N, or one while throttled."""
    return configured if kind == "parallel" and not throttled else 1


def lines_to_dial(
    kind: str, configured: int, throttled: bool, available_agents: int, lines_in_use: int
) -> int:
    return max(available_agents * lines_per_agent(kind, configured, throttled) - lines_in_use, 0)


def over_drop_limit(drops: int, human_answered: int) -> bool:
    """Drop rate strictly above 3 % of human answers (exactly 3 % is within)."""
    return human_answered > 0 and drops * 100 > DROP_LIMIT_PERCENT * human_answered


def after_attempt(reached: bool, attempts: int, rules: Rules, now: datetime) -> tuple[str, datetime | None]:
    """A contact's state after an attempt: done when reached (a person or a machine), else retry or stop."""
    if reached:
        return "done", None
    if attempts >= rules.max_attempts:
        return "exhausted", None
    return "pending", now + rules.retry_spacing
