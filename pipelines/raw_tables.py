"""The operational tables the warehouse extracts: each one's merge keys and the columns read from PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    name: str
    keys: tuple[str, ...]
    columns: str


RAW_TABLES: dict[str, RawTable] = {
    t.name: t
    for t in (
        RawTable(
            "accounts",
            ("id",),
            "id, slug, name, timezone, short_abandon_seconds, service_level_seconds, "
            "array_to_string(success_dispositions, ',') as success_dispositions, created_at, change_seq",
        ),
        RawTable("agents", ("id",), "id, account_id, name, created_at, change_seq"),
        RawTable("queues", ("id",), "id, account_id, name, created_at, change_seq"),
        RawTable("campaigns", ("id",), "id, account_id, name, created_at, change_seq"),
        RawTable(
            "calls",
            ("account_id", "call_id"),
            "account_id, call_id, direction, from_number, to_number, queue, campaign, contact_id, ai_agent, "
            "agent, connected_agent, started_at, queued_at, answered_at, answered_by, connected_at, ended_at, "
            "end_reason, wrapup_ended_at, disposition, status, wait_seconds, hold_seconds, talk_seconds, "
            "wrap_seconds, event_count, change_seq",
        ),
        RawTable(
            "messages",
            ("account_id", "message_id"),
            "account_id, message_id, direction, channel, from_number, to_number, body, media_count, campaign, "
            "agent, created_at, status, status_at, error_code, change_seq",
        ),
        RawTable(
            "agent_status_events",
            ("account_id", "event_id"),
            "account_id, event_id, agent, status, occurred_at, change_seq",
        ),
    )
}
