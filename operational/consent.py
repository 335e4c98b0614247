"""Messaging consent: opt-out and opt-in keywords (DESIGN.md) kept per number, last keyword wins."""

from __future__ import annotations

import sqlalchemy as sa

from operational.database import driver_sql

# Carrier defaults plus the FCC's 2025 revocation rule; compared after trimming and upper-casing.
OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})


def keyword_action(body: str | None) -> bool | None:
    """True for an opt-out, False for an opt-in, None for any other body."""
    word = (body or "").strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return True
    if word in OPT_IN_KEYWORDS:
        return False
    return None


def _sql_list(words: frozenset[str]) -> str:
    return ", ".join(f"'{word}'" for word in sorted(words))


# Inbound SMS/MMS keywords among the batch's new events move each sender's consent, but only when newer (by
# occurred_at, then event_id) than the keyword already recorded: so STOP-then-START and START-then-STOP end
# the same whatever order they arrive in, and a replayed event (not new) changes nothing.
UPDATE_CONSENT = driver_sql(
    f"""
insert into sms_consent (account_id, phone, opted_out, changed_at, event_id)
select distinct on (phone) :account_id, phone, opted_out, occurred_at, event_id
from (
    select s.payload ->> 'from' as phone, s.occurred_at, s.event_id,
           case
               when kw in ({_sql_list(OPT_OUT_KEYWORDS)}) then true
               when kw in ({_sql_list(OPT_IN_KEYWORDS)}) then false
           end as opted_out
    from stage_events s
    join touched t using (event_id)
    cross join lateral (
        select upper(regexp_replace(s.payload ->> 'body', '^\\s+|\\s+$', '', 'g')) as kw
    ) k
    where s.type = 'message.created'
      and s.payload ->> 'direction' = 'inbound'
      and s.payload ->> 'channel' in ('sms', 'mms')
) keywords
where opted_out is not null
order by phone, occurred_at desc, event_id desc
on conflict (account_id, phone) do update set
    opted_out = excluded.opted_out,
    changed_at = excluded.changed_at,
    event_id = excluded.event_id
where (excluded.changed_at, excluded.event_id) > (sms_consent.changed_at, sms_consent.event_id)
"""
)

# A number is on the messaging DNC when it opted out (and has not opted in since) or is on the internal list.
ON_MESSAGING_DNC = sa.text(
    """
select phone from sms_consent where account_id = :account_id and opted_out and phone = any(:phones)
union
select phone from dnc_entries where account_id = :account_id and phone = any(:phones)
"""
)
