"""The ledger's per-row account foreign keys become one account lock per ingest batch (issue 18, ingest)

The five tables every accepted event writes (events, calls, messages, agent_status_events, stream_outbox)
checked ``account_id`` against ``accounts`` once per row: about a quarter of the time of the events insert.
Ingest now takes ``for key share`` on the account row once per batch (operational/ingest.py), which refuses
a batch for a missing account and holds off a concurrent delete until the batch commits; this trigger keeps
the other half of the guarantee: an account that still has rows in those tables cannot be deleted.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 00:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

LEDGER_TABLES = ("events", "calls", "messages", "agent_status_events", "stream_outbox")

_GUARD = """
create function refuse_delete_of_account_with_ledger() returns trigger language plpgsql as $$
begin
    if exists (select 1 from events where account_id = old.id)
       or exists (select 1 from calls where account_id = old.id)
       or exists (select 1 from messages where account_id = old.id)
       or exists (select 1 from agent_status_events where account_id = old.id)
       or exists (select 1 from stream_outbox where account_id = old.id) then
        raise exception 'account % (%) still has events, calls or messages: it cannot be deleted', old.id, old.slug
            using errcode = 'foreign_key_violation';
    end if;
    return old;
end
$$;
create trigger accounts_keep_ledger before delete on accounts
    for each row execute function refuse_delete_of_account_with_ledger();
"""


def upgrade() -> None:
    for table in LEDGER_TABLES:
        op.drop_constraint(f"fk_{table}_account_id_accounts", table, type_="foreignkey")
    op.execute(_GUARD)


def downgrade() -> None:
    op.execute("drop trigger accounts_keep_ledger on accounts")
    op.execute("drop function refuse_delete_of_account_with_ledger()")
    for table in LEDGER_TABLES:
        op.create_foreign_key(
            f"fk_{table}_account_id_accounts", table, "accounts", ["account_id"], ["id"], ondelete="CASCADE"
        )
