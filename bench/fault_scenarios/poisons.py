"""One way to break each blocking rule of the raw quality suites at the source (PostgreSQL), and what the check says.

The fault scenario (``poison_scenario``) inserts a poisoned copy of a valid row per entry; the quarantine tests
(tests/pipelines/test_quarantine_rules.py) update one row per entry and repair it. Rules PostgreSQL enforces
itself (not-null and primary keys) cannot be broken there: they are listed apart, for the scenario to show
that PostgreSQL refuses them.
"""

from __future__ import annotations

from typing import NamedTuple

IN_THE_FUTURE = "now() + interval '2 days'"  # beyond ingest's one day ahead plus the checks' skew


class Poison(NamedTuple):
    table: str  # the operational table (and its raw copy)
    column: str
    value: str  # the bad value, as SQL (a column's name copies that column: a duplicate key)
    rule: str  # the failing rule as the check reports it: expectation(column)


# the key column of each table a poison can break
KEYS = {"calls": "call_id", "messages": "message_id", "agent_status_events": "event_id"}

POISONS: dict[str, Poison] = {
    "call status": Poison("calls", "status", "'bogus'", "ExpectColumnValuesToBeInSet(status)"),
    "call direction": Poison("calls", "direction", "'sideways'", "ExpectColumnValuesToBeInSet(direction)"),
    "answered by": Poison("calls", "answered_by", "'robot'", "ExpectColumnValuesToBeInSet(answered_by)"),
    "wait over a day": Poison("calls", "wait_seconds", "90000", "ExpectColumnValuesToBeBetween(wait_seconds)"),
    "negative hold": Poison("calls", "hold_seconds", "-1", "ExpectColumnValuesToBeBetween(hold_seconds)"),
    "talk of a whole day": Poison("calls", "talk_seconds", "86400", "ExpectColumnValuesToBeBetween(talk_seconds)"),
    "negative wrap": Poison("calls", "wrap_seconds", "-5", "ExpectColumnValuesToBeBetween(wrap_seconds)"),
    "call in the future": Poison("calls", "started_at", IN_THE_FUTURE, "ExpectColumnValuesToBeInSet(is_in_future)"),
    "unknown agent": Poison("calls", "agent", "'ghost'", "ExpectColumnValuesToBeInSet(has_unknown_agent)"),
    "unknown queue": Poison("calls", "queue", "'nowhere'", "ExpectColumnValuesToBeInSet(has_unknown_queue)"),
    "unknown campaign": Poison("calls", "campaign", "'nothing'",
                               "ExpectColumnValuesToBeInSet(has_unknown_campaign)"),
    "message direction": Poison("messages", "direction", "'sideways'", "ExpectColumnValuesToBeInSet(direction)"),
    "message channel": Poison("messages", "channel", "'pigeon'", "ExpectColumnValuesToBeInSet(channel)"),
    "message status": Poison("messages", "status", "'bogus'", "ExpectColumnValuesToBeInSet(status)"),
    "too much media": Poison("messages", "media_count", "101", "ExpectColumnValuesToBeBetween(media_count)"),
    "message in the future": Poison("messages", "created_at", IN_THE_FUTURE,
                                    "ExpectColumnValuesToBeInSet(is_in_future)"),
    "agent status": Poison("agent_status_events", "status", "'napping'", "ExpectColumnValuesToBeInSet(status)"),
    "status in the future": Poison("agent_status_events", "occurred_at", IN_THE_FUTURE,
                                   "ExpectColumnValuesToBeInSet(is_in_future)"),
    "status of unknown agent": Poison("agent_status_events", "agent", "'ghost'",
                                      "ExpectColumnValuesToBeInSet(has_unknown_agent)"),
}  # fmt: skip

# Blocking rules PostgreSQL refuses to let break: a null status, a second row with a table's key.
REFUSED_BY_POSTGRES: dict[str, Poison] = {
    "call status missing": Poison("calls", "status", "null", "ExpectColumnValuesToNotBeNull(status)"),
    "agent status missing": Poison("agent_status_events", "status", "null", "ExpectColumnValuesToNotBeNull(status)"),
    **{
        f"{table} key twice": Poison(table, key, key, "ExpectColumnValuesToBeInSet(has_duplicate_key)")
        for table, key in KEYS.items()
    },
}  # fmt: skip
