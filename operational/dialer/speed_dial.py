"""Speed dial: each user's list of numbers, dialled one at a time under the same rules as campaigns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Engine

from operational.dialer.carrier import Carrier, DialRequest, outcome_events
from operational.dialer.rules import Contact, Rules, Verdict, decide
from operational.errors import Conflict, Invalid, NotFound
from operational.events import normalise_phone
from operational.ingest import ingest_events
from operational.models import Campaign, DialerDecision, SpeedDialEntry, User

CAMPAIGN = "speed-dial"  # the account's one speed-dial campaign: its calls and decisions are filed there
_COLUMNS = (SpeedDialEntry.id, SpeedDialEntry.label, SpeedDialEntry.phone, SpeedDialEntry.timezone)


def _user_id(engine: Engine, account_id: int, username: str) -> int:
    # Scoped in the query: another account's user answers exactly as a missing one.
    with engine.connect() as conn:
        user_id = conn.scalar(
            sa.select(User.id).where(User.username == username, User.account_id == account_id)
        )
    if user_id is None:
        raise NotFound(f"no user {username!r}")
    return int(user_id)


def list_entries(engine: Engine, account_id: int, username: str) -> list[dict[str, Any]]:
    user_id = _user_id(engine, account_id, username)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS).where(SpeedDialEntry.user_id == user_id).order_by(SpeedDialEntry.id)
        ).mappings()
        return [dict(row) for row in rows]


def list_account_entries(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    """Every user's entries in the account, each with its ``user``: an API key's own list (a key has no user)."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS, User.username.label("user"))
            .join(User, User.id == SpeedDialEntry.user_id)
            .where(SpeedDialEntry.account_id == account_id)
            .order_by(User.username, SpeedDialEntry.id)
        ).mappings()
        return [dict(row) for row in rows]


def add_entry(
    engine: Engine, account_id: int, username: str, label: str, phone: str, timezone: str | None = None
) -> dict[str, Any]:
    normal = normalise_phone(phone)
    if normal is None:
        raise Invalid("phone: not an E.164 phone number", [{"field": "phone", "reason": repr(phone)}])
    if timezone is not None:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"timezone: unknown zone {timezone!r}", [{"field": "timezone"}]) from None
    user_id = _user_id(engine, account_id, username)
    with engine.begin() as conn:
        entry = conn.execute(
            pg_insert(SpeedDialEntry)
            .values(account_id=account_id, user_id=user_id, label=label, phone=normal, timezone=timezone)
            .on_conflict_do_nothing()
            .returning(*_COLUMNS)
        ).first()
    if entry is None:
        raise Conflict(f"{normal} is already on {username}'s speed dial", code="duplicate_entry")
    return dict(entry._mapping)


def dial_entry(
    engine: Engine,
    account_id: int,
    entry_id: int,
    carrier: Carrier,
    caller_id: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Dial one entry for its user when the rules allow it; the decision is recorded either way."""
    now = now or datetime.now(UTC)
    from_number = normalise_phone(caller_id)
    if from_number is None:
        raise Invalid("caller_id: not an E.164 phone number", [{"field": "caller_id"}])
    with engine.begin() as conn:
        entry = conn.execute(
            sa.select(*_COLUMNS, SpeedDialEntry.account_id, User.username)
            .join(User, User.id == SpeedDialEntry.user_id)
            .where(SpeedDialEntry.id == entry_id, SpeedDialEntry.account_id == account_id)
        ).first()
        if entry is None:  # none, or another account's: the same answer
            raise NotFound(f"no speed-dial entry {entry_id}")
        conn.execute(
            pg_insert(Campaign)
            .values(account_id=account_id, name=CAMPAIGN, type="speed_dial")
            .on_conflict_do_nothing()
        )
        campaign_id = conn.scalar(
            sa.select(Campaign.id).where(Campaign.account_id == account_id, Campaign.name == CAMPAIGN)
        )
        blocked = conn.scalar(
            sa.text(
                "select exists(select 1 from dnc_entries where account_id = :a and phone = :p) "
                "or exists(select 1 from sms_consent where account_id = :a and phone = :p and opted_out)"
            ),
            {"a": account_id, "p": entry.phone},
        )
        contact = Contact(entry.id, entry.phone, entry.timezone, 0, None)
        decision = decide(contact, now, bool(blocked), Rules(1, timedelta(0)))
        call_id = f"speed-{uuid.uuid4().hex[:16]}" if decision.verdict is Verdict.DIALED else None
        conn.execute(
            sa.insert(DialerDecision).values(
                account_id=account_id,
                campaign_id=campaign_id,
                decided_at=now,
                decision=decision.verdict.value,
                detail=f"{entry.username}: {decision.detail}",
                call_id=call_id,
            )  # fmt: skip
        )
    result = {"decision": decision.verdict.value, "detail": decision.detail, "call_id": call_id}
    if call_id is not None:
        request = DialRequest(call_id, from_number, entry.phone, CAMPAIGN, f"speed-{entry.id}", now)
        outcome = carrier.place_call(request)
        if outcome is not None:
            ingest_events(engine, account_id, enumerate(outcome_events(request, outcome, entry.username)))
    return result
