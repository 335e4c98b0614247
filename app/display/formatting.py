"""How numbers read on screen: counts with separators, rates as percentages, durations, times and column labels."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

MISSING = "–"  # a ratio or average whose denominator is zero, or a cell that does not apply
NEVER = "never"  # a time that has not happened yet (a source never loaded)
PERCENT_PLACES = 1  # every percentage on screen, tiles and tables alike
NO_AGENT = "Not connected (no agent)"  # the outbound attempts never bridged to an agent

# Column names → what a manager reads. Names not listed read as their words (``short_abandoned`` → "Short
# abandoned", ``wrap_seconds`` → "Wrap time"); list a name here when that is not good enough.
LABELS = {
    "date": "Date",
    "answered_within_sl": "Answered within SL",
    "answered_wait_seconds": "Wait of answered",
    "asa_seconds": "ASA",
    "aht_seconds": "AHT",
    "service_level": "Service level",
    "human_answered": "Answered by a person",
    "machine_answered": "Answered by a machine",
    "connected_calls": "Connected calls",
    "not_connected": "Attempts not connected",
    "answered_no_agent": "Answered, no agent joined",
    "logged_in_seconds": "Logged-in time",
    "after_call_work_seconds": "After-call work",
    "available_seconds": "Available",
    "busy_seconds": "Busy",
    "break_seconds": "Break",
    "leaderboard_rank": "Rank",
    "newest_event_at": "Newest event",
    "loaded_at": "Last loaded",
    "checked_at": "Checked",
    "started_at": "Started",
    "ended_at": "Ended",
    "call_id": "Call ID",
    "message_id": "Message ID",
    "sms": "SMS",
    "mms": "MMS",
    "opt_outs": "Opt-outs",
    "drop_rate": "Drop rate",
    "is_compliant": "Compliant",
    "why": "Why",
}


def count(value: int | None) -> str:
    return MISSING if value is None else f"{int(value):,}"


def percent(rate: Decimal | float | None, places: int = PERCENT_PLACES) -> str:
    """0.0720 → ``7.2 %``; None (zero denominator) → ``–``."""
    return MISSING if rate is None else f"{float(rate) * 100:.{places}f} %"


def seconds(value: Decimal | float | None) -> str:
    """12.3 → ``12.3 s``; from an hour up, ``1 h 02 min``."""
    if value is None:
        return MISSING
    total = float(value)
    if total < 3600:
        return f"{total:,.1f} s"
    return duration(total)


def duration(value: Decimal | float | None) -> str:
    """Elapsed time in hours and minutes: ``37 h 05 min``; from 100 hours up, whole hours (``1,450 h``) so a
    tile's value never outgrows its tile."""
    if value is None:
        return MISSING
    minutes = int(round(float(value) / 60))
    if minutes >= 100 * 60:
        return f"{round(minutes / 60):,} h"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def clock(value: Decimal | float | None) -> str:
    """Seconds as a table cell: ``h:mm:ss`` (``400440`` → ``111:14:00``, ``34.4`` → ``0:00:34``)."""
    if value is None:
        return MISSING
    whole = int(round(float(value)))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def moment(at: datetime | None, today: date) -> str:
    """A local time: ``16:30`` today, ``2025-03-11 16:30`` another day, ``never`` when there is none."""
    if at is None:
        return NEVER
    return f"{at:%H:%M}" if at.date() == today else f"{at:%Y-%m-%d %H:%M}"


def agent(name: str | None) -> str:
    """An outgoing call's agent: the empty name reads as :data:`NO_AGENT`."""
    return name or NO_AGENT


def count_delta(now: int | None, before: int | None) -> str | None:
    """Change of a count vs the previous period: ``+12`` / ``-3`` (None when either side is missing)."""
    if now is None or before is None:
        return None
    return f"{int(now) - int(before):+,}"


def rate_delta(now: Decimal | float | None, before: Decimal | float | None) -> str | None:
    """Change of a rate in percentage points: ``+0.8 pp``."""
    if now is None or before is None:
        return None
    return f"{(float(now) - float(before)) * 100:+.{PERCENT_PLACES}f} pp"


def seconds_delta(now: Decimal | float | None, before: Decimal | float | None) -> str | None:
    if now is None or before is None:
        return None
    return f"{float(now) - float(before):+,.1f} s"


def counted(number: int, noun: str) -> str:
    """``1 call``, ``2 calls``, ``1,312 messages``."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def label(name: str) -> str:
    """A column or measure name as a heading: ``no_answer`` → "No answer", ``talk_seconds`` → "Talk time"."""
    if name in LABELS:
        return LABELS[name]
    words = name.removesuffix("_at")
    if words.endswith("_seconds"):
        words = words.removesuffix("_seconds") + "_time"
    return words.replace("_", " ").capitalize()
