"""Dialer campaigns and their contact lists: CRUD, start/stop, CSV import with E.164 validation."""

from __future__ import annotations

import csv
import io
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Connection, Engine

from operational.errors import Conflict, Invalid, NotFound
from operational.events import normalise_phone
from operational.models import Campaign, DialerContact, DialerDecision

TYPES = ("power", "parallel", "speed_dial")
MAX_LINES_PER_AGENT = 5
SETTINGS = ("type", "lines_per_agent", "caller_id", "max_attempts", "retry_minutes")
_COLUMNS = (
    Campaign.id, Campaign.name, Campaign.type, Campaign.lines_per_agent, Campaign.caller_id,
    Campaign.max_attempts, Campaign.retry_minutes, Campaign.state, Campaign.throttled, Campaign.flagged_at,
    Campaign.flag_reason, Campaign.created_at,
)  # fmt: skip


def _check_settings(values: dict[str, Any]) -> dict[str, Any]:
    checked = {k: v for k, v in values.items() if k in SETTINGS and v is not None}
    if "type" in checked and checked["type"] not in TYPES:
        raise Invalid(f"type: one of {', '.join(TYPES)}", [{"field": "type"}])
    if not 1 <= checked.get("lines_per_agent", 1) <= MAX_LINES_PER_AGENT:
        raise Invalid(f"lines_per_agent: 1 to {MAX_LINES_PER_AGENT}", [{"field": "lines_per_agent"}])
    if not 1 <= checked.get("max_attempts", 1) <= 20:
        raise Invalid("max_attempts: 1 to 20", [{"field": "max_attempts"}])
    if not 1 <= checked.get("retry_minutes", 1) <= 10_080:
        raise Invalid("retry_minutes: 1 to 10,080 (a week)", [{"field": "retry_minutes"}])
    if checked.get("caller_id"):
        normal = normalise_phone(checked["caller_id"])
        if normal is None:
            raise Invalid("caller_id: not an E.164 phone number", [{"field": "caller_id"}])
        checked["caller_id"] = normal
    return checked


def owned(conn: Connection, account_id: int, campaign_id: int, *, lock: bool = False) -> Any:
    """The campaign's row; NotFound when the caller's account has none with this id (another account's
    campaign answers exactly the same, so ids cannot be probed across accounts)."""
    query = sa.select(*_COLUMNS, Campaign.account_id).where(
        Campaign.id == campaign_id, Campaign.account_id == account_id
    )
    row = conn.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFound(f"no campaign {campaign_id}")
    return row


def _public(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in _COLUMNS}


def create_campaign(engine: Engine, account_id: int, name: str, **settings: Any) -> dict[str, Any]:
    if not name or len(name) > 200:
        raise Invalid("name: 1 to 200 characters", [{"field": "name"}])
    values = _check_settings(settings)
    with engine.begin() as conn:
        campaign_id = conn.scalar(
            pg_insert(Campaign)
            .values(account_id=account_id, name=name, **values)
            .on_conflict_do_nothing()
            .returning(Campaign.id)
        )
        if campaign_id is None:
            raise Conflict(f"a campaign named {name!r} already exists", [{"field": "name"}], "duplicate_name")
        return _public(owned(conn, account_id, campaign_id))


def get_campaign(engine: Engine, account_id: int, campaign_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        campaign = _public(owned(conn, account_id, campaign_id))
        counts = conn.execute(
            sa.select(DialerContact.state, sa.func.count())
            .where(DialerContact.campaign_id == campaign_id)
            .group_by(DialerContact.state)
        ).all()
    return campaign | {"contacts": {state: count for state, count in counts}}


def list_campaigns(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS).where(Campaign.account_id == account_id).order_by(Campaign.id)
        )
        return [_public(row) for row in rows]


def update_campaign(engine: Engine, account_id: int, campaign_id: int, **settings: Any) -> dict[str, Any]:
    values = _check_settings(settings)
    with engine.begin() as conn:
        owned(conn, account_id, campaign_id, lock=True)
        if values:
            conn.execute(sa.update(Campaign).where(Campaign.id == campaign_id).values(**values))
        return _public(owned(conn, account_id, campaign_id))


def delete_campaign(engine: Engine, account_id: int, campaign_id: int) -> None:
    with engine.begin() as conn:
        owned(conn, account_id, campaign_id, lock=True)
        conn.execute(sa.delete(Campaign).where(Campaign.id == campaign_id))


def set_running(
    engine: Engine, account_id: int, campaign_id: int, kind: str, running: bool
) -> dict[str, Any]:
    """Start the campaign as a ``kind`` (power/parallel) dialer, or stop it."""
    with engine.begin() as conn:
        row = owned(conn, account_id, campaign_id, lock=True)
        if row.type == "speed_dial":
            raise Conflict("a speed-dial campaign is dialled by its users, not started", code="wrong_type")
        if not running and row.state == "running" and row.type != kind:
            raise Conflict(f"the campaign runs as {row.type}; stop it there", code="wrong_type")
        values = {"type": kind, "state": "running"} if running else {"state": "stopped"}
        conn.execute(sa.update(Campaign).where(Campaign.id == campaign_id).values(**values))
        return _public(owned(conn, account_id, campaign_id))


def import_contacts(engine: Engine, account_id: int, campaign_id: int, text: str) -> dict[str, Any]:
    """Add or update contacts from CSV (header: ``phone`` and optional ``contact_id``, ``name``, ``timezone``).

    Rows with a number that is not E.164-parseable or an unknown time zone are rejected by line; the others
    are upserted by ``contact_id`` (the number when absent).
    """
    try:
        return _import_rows(engine, account_id, campaign_id, text)
    except csv.Error as err:  # malformed CSV is the client's error (422), never a 500
        raise Invalid(f"the contacts are not valid CSV: {err}", [{"field": "body"}]) from None


def _import_rows(engine: Engine, account_id: int, campaign_id: int, text: str) -> dict[str, Any]:
    # newline="" lets the csv module see bare carriage returns itself, as its documentation asks
    reader = csv.DictReader(io.StringIO(text, newline=""))
    fields = {name.strip().lower() for name in reader.fieldnames or []}
    if "phone" not in fields:
        raise Invalid("the CSV needs a header row with a phone column", [{"field": "phone"}])
    rows: dict[str, dict[str, Any]] = {}
    rejected: list[dict[str, Any]] = []
    received = 0
    for line, raw in enumerate(reader, start=2):
        received += 1
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        phone = normalise_phone(row.get("phone", ""))
        if phone is None:
            rejected.append({"line": line, "field": "phone", "reason": f"not E.164: {row.get('phone')!r}"})
            continue
        zone = row.get("timezone") or None
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                rejected.append({"line": line, "field": "timezone", "reason": f"unknown zone {zone!r}"})
                continue
        external = row.get("contact_id") or phone
        rows[external] = {
            "account_id": account_id, "campaign_id": campaign_id, "external_id": external[:200],
            "phone": phone, "name": (row.get("name") or None), "timezone": zone,
        }  # fmt: skip
    with engine.begin() as conn:
        owned(conn, account_id, campaign_id, lock=True)
        if rows:
            insert = pg_insert(DialerContact)
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["campaign_id", "external_id"],
                    set_={"phone": insert.excluded.phone, "name": insert.excluded.name,
                          "timezone": insert.excluded.timezone},
                ),
                list(rows.values()),
            )  # fmt: skip
    return {"received": received, "imported": len(rows), "rejected": rejected}


def list_decisions(
    engine: Engine, account_id: int, campaign_id: int, limit: int = 100
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        owned(conn, account_id, campaign_id)
        rows = conn.execute(
            sa.select(
                DialerDecision.decided_at,
                DialerDecision.decision,
                DialerDecision.detail,
                DialerDecision.call_id,
                DialerContact.external_id.label("contact_id"),
                DialerContact.phone,
            )  # fmt: skip
            .outerjoin(DialerContact, DialerContact.id == DialerDecision.contact_id)
            .where(DialerDecision.campaign_id == campaign_id)
            .order_by(DialerDecision.id.desc())
            .limit(limit)
        ).mappings()
        return [dict(row) for row in rows]
