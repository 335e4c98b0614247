"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27 20:59:37.427919
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


EXTRACTED = ("accounts", "agents", "queues", "campaigns", "calls", "messages", "agent_status_events")


def upgrade() -> None:
    op.execute("create sequence change_seq")
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column(
            "short_abandon_seconds", sa.Numeric(precision=14, scale=6), server_default="5", nullable=False
        ),
        sa.Column(
            "service_level_seconds", sa.Numeric(precision=14, scale=6), server_default="20", nullable=False
        ),
        sa.Column(
            "success_dispositions",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("array['sale']::text[]"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("slug", name=op.f("uq_accounts_slug")),
    )
    op.create_table(
        "agent_status_events",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("agent", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_agent_status_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "event_id", name=op.f("pk_agent_status_events")),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_agents_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_agents_account_id")),
    )
    op.create_table(
        "calls",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("from_number", sa.String(length=32), nullable=True),
        sa.Column("to_number", sa.String(length=32), nullable=True),
        sa.Column("queue", sa.String(length=200), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("contact_id", sa.String(length=200), nullable=True),
        sa.Column("ai_agent", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("connected_agent", sa.String(length=200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", sa.String(length=10), nullable=True),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("wrapup_ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disposition", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("wait_seconds", sa.Numeric(precision=14, scale=6), nullable=True),
        sa.Column("hold_seconds", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("talk_seconds", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("wrap_seconds", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_calls_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "call_id", name=op.f("pk_calls")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_campaigns_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_campaigns_account_id")),
    )
    op.create_table(
        "events",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_events_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "event_id", name=op.f("pk_events")),
    )
    op.create_index(
        "ix_events_call",
        "events",
        ["account_id", "call_id"],
        unique=False,
        postgresql_where=sa.text("call_id is not null"),
    )
    op.create_index(
        "ix_events_message",
        "events",
        ["account_id", "message_id"],
        unique=False,
        postgresql_where=sa.text("message_id is not null"),
    )
    op.create_table(
        "messages",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("from_number", sa.String(length=32), nullable=True),
        sa.Column("to_number", sa.String(length=32), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("media_count", sa.Integer(), nullable=True),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("agent", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.String(length=40), nullable=True),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_messages_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("account_id", "message_id", name=op.f("pk_messages")),
    )
    op.create_table(
        "queues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column(
            "change_seq", sa.BigInteger(), server_default=sa.text("nextval('change_seq')"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_queues_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_queues")),
        sa.UniqueConstraint("account_id", "name", name=op.f("uq_queues_account_id")),
    )
    for table in EXTRACTED:
        op.create_index(f"ix_{table}_change_seq", table, ["change_seq"])


def downgrade() -> None:
    op.drop_table("queues")
    op.drop_table("messages")
    op.drop_index(
        "ix_events_message", table_name="events", postgresql_where=sa.text("message_id is not null")
    )
    op.drop_index("ix_events_call", table_name="events", postgresql_where=sa.text("call_id is not null"))
    op.drop_table("events")
    op.drop_table("campaigns")
    op.drop_table("calls")
    op.drop_table("agents")
    op.drop_table("agent_status_events")
    op.drop_table("accounts")
    op.execute("drop sequence change_seq")
