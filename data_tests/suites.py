"""The suites, as code: what each table must satisfy, and whether a failure blocks the publish.

Each suite reads a frame from the working DuckDB file with one SQL query (derived columns make
cross-table rules such as referential integrity or "not in the future" checkable per row), then lists
expectations as plain specs; :mod:`data_tests.runner` turns them into great-expectations objects lazily,
since importing great-expectations costs seconds. Rules dbt's own tests already cover on the staging and
mart models (not-null and unique keys of the models, accepted values of stg columns) are not repeated.
A rate is judged through the metric function the warehouse publishes (``abandon_rate(...)``), never re-derived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from operational.events import MAX_CALL_SECONDS, MAX_FUTURE, MAX_MEDIA

Severity = Literal["blocking", "warning"]
# The raw suites' bounds are the ingest contract's (operational/events.py), so an accepted event can never
# fail a blocking check; docs/api.md lists which ingest rule backs each blocking raw rule.
MAX_SECONDS = MAX_CALL_SECONDS  # no single call duration reaches a day
DAY_SECONDS = 90_000  # the longest local day (DST end): 25 h


@dataclass(frozen=True)
class Rule:
    expectation: str  # great-expectations class name, e.g. "ExpectColumnValuesToBeBetween"
    kwargs: dict[str, Any]
    severity: Severity = "blocking"
    why: str = ""


@dataclass(frozen=True)
class Suite:
    name: str
    asset: tuple[str, ...]  # the Dagster asset key the suite gates
    # $refresh_at is bound to the refresh instant; $loaded_after, in the raw suites, to the newest load the
    # served warehouse was already tested from (pipelines.tested), so a refresh checks only new rows: their
    # rules hold row by row, and a new row's key is counted against the whole table
    sql: str
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    # other assets the suite's query reads (e.g. the dimension a foreign key points at): the check waits for them
    reads: tuple[tuple[str, ...], ...] = ()


def not_null(*columns: str) -> list[Rule]:
    return [Rule("ExpectColumnValuesToNotBeNull", {"column": c}, why=f"{c} is a key") for c in columns]


def between(column: str, low: float, high: float | None, why: str, strict_max: bool = False) -> Rule:
    kwargs: dict[str, Any] = {"column": column, "min_value": low, "max_value": high}
    if strict_max:
        kwargs["strict_max"] = True
    return Rule("ExpectColumnValuesToBeBetween", kwargs, why=why)


def in_set(column: str, values: list[Any], why: str, severity: Severity = "blocking") -> Rule:
    return Rule("ExpectColumnValuesToBeInSet", {"column": column, "value_set": values}, severity, why)


def always_false(column: str, why: str, severity: Severity = "blocking") -> Rule:
    return in_set(column, [False], why, severity)


def _fresh_with_repeats(table: str, *keys: str) -> str:
    """CTE ``fresh``: rows of ``raw.<table>`` loaded after ``$loaded_after``, each with ``is_repeated``: another
    row of the whole table shares its key (an older copy of a new row is a duplicate too).

    A key is repeated when the new rows hold it twice, or an older row holds it too. Only the few repeated keys are
    joined back, and the older rows are probed only for the new keys: on a full refresh (every row new) that is one
    grouping of the keys, where counting every new key's copies across the whole table and joining the counts back
    cost twice as much (2.1 → 1.1 s CPU for the 4 M messages of the warehouse bench)."""
    same_key = " and ".join(f"new.{k} = old.{k}" for k in keys)
    columns = ", ".join(keys)
    return f"""
    with new_rows as (select * from raw.{table} where _loaded_at > $loaded_after),
    repeated as (
        select {columns} from new_rows group by {columns} having count(*) > 1
        union
        select {columns} from raw.{table} as old
        where old._loaded_at <= $loaded_after and exists (select 1 from new_rows as new where {same_key})
    ),
    fresh as (
        select new_rows.*, repeated.{keys[0]} is not null as is_repeated
        from new_rows left join repeated using ({columns})
    )
    """


CALL_STATUSES = ["completed", "abandoned", "in_progress", "caller_hangup", "busy", "no_answer", "failed",
                 "canceled", "voicemail"]  # fmt: skip
# ingest accepts events up to MAX_FUTURE ahead of its clock; 5 more minutes of skew between the clocks
FUTURE = f"interval {MAX_FUTURE.days} day + interval 5 minute"

RAW_CALLS = Suite(
    "raw_calls",
    ("raw", "calls"),
    f"""
    {_fresh_with_repeats("calls", "account_id", "call_id")}
    select c.account_id, c.call_id, c.direction, c.status, c.answered_by,
           c.is_repeated as has_duplicate_key,
           c.wait_seconds::double as wait_seconds, c.hold_seconds::double as hold_seconds,
           c.talk_seconds::double as talk_seconds, c.wrap_seconds::double as wrap_seconds,
           coalesce(c.started_at > $refresh_at + {FUTURE}, false)
             or coalesce(c.ended_at > $refresh_at + {FUTURE}, false) as is_in_future,
           c.agent is not null and a.name is null as has_unknown_agent,
           c.queue is not null and q.name is null as has_unknown_queue,
           c.campaign is not null and k.name is null as has_unknown_campaign
    from fresh c
    left join raw.agents a on a.account_id = c.account_id and a.name = c.agent
    left join raw.queues q on q.account_id = c.account_id and q.name = c.queue
    left join raw.campaigns k on k.account_id = c.account_id and k.name = c.campaign
    """,
    (
        *not_null("account_id", "call_id", "status"),
        always_false("has_duplicate_key", "one row per call"),
        in_set("status", CALL_STATUSES, "derived call statuses (DESIGN.md)"),
        in_set("direction", ["inbound", "outbound", None], "call directions"),
        in_set("answered_by", ["human", "machine", "ai", None], "who answered"),
        *[
            between(c, 0, MAX_SECONDS, "durations are ≥ 0 and under a day", strict_max=True)
            for c in ("wait_seconds", "hold_seconds", "talk_seconds", "wrap_seconds")
        ],  # fmt: skip
        always_false("is_in_future", "no call starts or ends over a day after the refresh"),
        always_false("has_unknown_agent", "every call's agent exists in agents"),
        always_false("has_unknown_queue", "every call's queue exists in queues"),
        always_false("has_unknown_campaign", "every call's campaign exists in campaigns"),
    ),
    reads=(("raw", "agents"), ("raw", "queues"), ("raw", "campaigns")),
)

RAW_MESSAGES = Suite(
    "raw_messages",
    ("raw", "messages"),
    f"""
    {_fresh_with_repeats("messages", "account_id", "message_id")}
    select account_id, message_id, direction, channel, status, media_count,
           is_repeated as has_duplicate_key,
           coalesce(created_at > $refresh_at + {FUTURE}, false) as is_in_future
    from fresh
    """,
    (
        *not_null("account_id", "message_id"),
        always_false("has_duplicate_key", "one row per message"),
        in_set("direction", ["inbound", "outbound", None], "message directions"),
        in_set("channel", ["sms", "mms", "chat", "email", None], "channels"),
        in_set(
            "status",
            ["queued", "sent", "delivered", "undelivered", "failed", "received", "read", None],
            "message statuses",
        ),  # fmt: skip
        between("media_count", 0, MAX_MEDIA, "media per message"),
        always_false("is_in_future", "no message is created over a day after the refresh"),
    ),
)

RAW_AGENT_STATUS = Suite(
    "raw_agent_status_events",
    ("raw", "agent_status_events"),
    f"""
    {_fresh_with_repeats("agent_status_events", "account_id", "event_id")}
    select s.account_id, s.event_id, s.status,
           s.is_repeated as has_duplicate_key,
           s.occurred_at > $refresh_at + {FUTURE} as is_in_future,
           a.name is null as has_unknown_agent
    from fresh s
    left join raw.agents a on a.account_id = s.account_id and a.name = s.agent
    """,
    (
        *not_null("account_id", "event_id", "status"),
        always_false("has_duplicate_key", "one row per event"),
        in_set("status", ["available", "busy", "after_call_work", "break", "offline"], "agent statuses"),
        always_false("is_in_future", "no status change over a day after the refresh"),
        always_false("has_unknown_agent", "every status belongs to a known agent"),
    ),
    reads=(("raw", "agents"),),
)


def never_more(column: str, part: str, whole: str, why: str) -> tuple[str, Rule]:
    """A select item ``column`` flagging rows whose ``part`` outnumbers the ``whole`` it belongs to, and its rule."""
    return f"({part}) > ({whole}) as {column}", always_false(column, why)


# The rates are the catalogue's own: the metric functions dbt publishes into the warehouse
# (transforms/macros/metric_functions.sql), called as the exports and the app call them, so a gate judges the
# very figure a reader is shown; rpt_abandon_rate_daily's day ratios are judged as stored, because the abandon-rate
# export reads them stored (computed at build by the same functions' bodies, macro metric_expression). Shares
# that are no catalogue metric are checked as part ≤ whole, without division.
RATE = "a rate is a fraction in [0, 1]"
_ANSWERED = never_more(
    "has_answers_beyond_offered", "answered", "offered", "answered calls are offered calls"
)
_SHORT = never_more(
    "has_short_abandons_beyond_abandons", "short_abandoned", "abandoned", "short abandons are abandons"
)

REPORT_RATES = Suite(
    "report_rates",
    ("rpt_abandon_rate_daily",),
    f"""
    select abandon_rate::double as abandon_rate,
           service_level::double as service_level,
           asa_seconds::double as asa_seconds,
           {_ANSWERED[0]},
           {_SHORT[0]},
           answered_wait_seconds::double as answered_wait_seconds
    from rpt_abandon_rate_daily
    """,
    (
        between("abandon_rate", 0, 1, RATE),
        between("service_level", 0, 1, RATE),
        between("asa_seconds", 0, None, "waits are never negative"),
        _ANSWERED[1],
        _SHORT[1],
        between("answered_wait_seconds", 0, None, "waits are never negative"),
    ),
)

_OUTCOMES = never_more(
    "has_outcomes_beyond_attempts",
    "human_answered + machine_answered + no_answer + busy + failed",
    "attempts",
    "outcomes never outnumber attempts",
)

OUTBOUND_RATES = Suite(
    "outbound_rates",
    ("rpt_outgoing_calls_daily",),
    f"""
    select connect_rate(human_answered, attempts)::double as connect_rate,
           {_OUTCOMES[0]},
           talk_seconds::double as talk_seconds
    from rpt_outgoing_calls_daily
    """,
    (
        between("connect_rate", 0, 1, RATE),
        _OUTCOMES[1],
        between("talk_seconds", 0, None, "talk time is never negative"),
    ),
)

_UNSEGMENTED = never_more(
    "has_unsegmented_messages", "messages", "segments", "every message is at least one segment"
)
_OPT_OUTS = never_more("has_opt_outs_beyond_messages", "opt_outs", "messages", "opt-outs are messages")

MESSAGE_RATES = Suite(
    "message_rates",
    ("rpt_messages_daily",),
    f"""
    select delivery_rate(delivered, undelivered, failed)::double as delivery_rate,
           {_UNSEGMENTED[0]},
           {_OPT_OUTS[0]}
    from rpt_messages_daily
    """,
    (between("delivery_rate", 0, 1, RATE), _UNSEGMENTED[1], _OPT_OUTS[1]),
)

STATUS_TIME = Suite(
    "status_time",
    ("rpt_user_status_daily",),
    """
    select (available_seconds + busy_seconds + after_call_work_seconds + break_seconds + offline_seconds)::double
               as day_seconds,
           occupancy(available_seconds, busy_seconds, after_call_work_seconds)::double as occupancy
    from rpt_user_status_daily
    """,
    (
        between("day_seconds", 0, DAY_SECONDS, "an agent-day holds at most 25 h of status time"),
        between("occupancy", 0, 1, RATE),
    ),
)

DIALER_RATES = Suite(
    "dialer_rates",
    ("rpt_dialer_daily",),
    "select drop_rate(drops, human_answered)::double as drop_rate from rpt_dialer_daily",
    (between("drop_rate", 0, 1, "drops are human-answered calls"),),
)

# A complete local day whose calls fall far outside the same weekday's range over the trailing 28 days
# (below half the least or above twice the most), for accounts with steady traffic (≥ 20 calls on each of
# those days); the day in progress is not judged. A missing day is a day with 0 calls. "Complete" and "in
# progress" are as of the refresh instant, read in the account's time zone: its local day, not the UTC date,
# and not the wall clock the check happens to run at (pipelines.quality passes the run's one instant).
VOLUME = Suite(
    "call_volume",
    ("fct_calls",),
    """
    with per_day as (
        select account_id, started_date as day, count(*) as calls from fct_calls group by 1, 2
    ),
    bounds as (
        select account_id, min(day) as first_day, max(day) as last_day from per_day group by 1
    ),
    today as (
        select account_id, cast(timezone(timezone, $refresh_at) as date) as day from dim_accounts
    ),
    spine as (
        select b.account_id, cast(unnest(generate_series(cast(b.first_day as timestamp),
               cast(b.last_day as timestamp), interval 1 day)) as date) as day
        from bounds b
    ),
    filled as (
        select s.account_id, s.day, coalesce(p.calls, 0) as calls
        from spine s left join per_day p using (account_id, day)
    ),
    judged as (
        select f.account_id, f.day, f.calls,
               min(t.calls) as trailing_min, max(t.calls) as trailing_max, count(t.calls) as trailing_days
        from filled f
        join today on today.account_id = f.account_id
        join filled t on t.account_id = f.account_id
         and t.day between f.day - interval 28 day and f.day - interval 7 day
         and dayofweek(t.day) = dayofweek(f.day)
        where f.day < today.day and f.day >= today.day - interval 14 day
        group by 1, 2, 3
    )
    select account_id, day, calls, trailing_min, trailing_max,
           trailing_days >= 3 and trailing_min >= 20
           and (calls < trailing_min / 2 or calls > trailing_max * 2) as is_anomalous
    from judged
    """,
    (always_false("is_anomalous", "a day's calls far outside its weekday's trailing 28-day range"),),
)

FRESHNESS = Suite(
    "freshness",
    ("fct_calls",),
    """
    select a.slug, max(c.started_at) as newest_call,
           coalesce(max(c.started_at) < $refresh_at - interval 72 hour, true) as is_stale
    from dim_accounts a left join fct_calls c using (account_id)
    group by a.slug
    """,
    (
        always_false(
            "is_stale",
            "every account has a call in the 72 h before the refresh (a weekend is quiet)",
            "warning",
        ),
    ),
)

RAW_SUITES = (RAW_CALLS, RAW_MESSAGES, RAW_AGENT_STATUS)
MART_SUITES = (REPORT_RATES, OUTBOUND_RATES, MESSAGE_RATES, STATUS_TIME, DIALER_RATES, VOLUME, FRESHNESS)
ALL_SUITES = RAW_SUITES + MART_SUITES
