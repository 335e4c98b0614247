"""API keys, users, messaging consent and DNC, the dialer (campaign settings, contacts, decisions, speed dial)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:26:30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["accounts.id"], name=op.f(f"fk_{table}_account_id_accounts"), ondelete="CASCADE"
    )


def _created() -> sa.Column:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.add_column("accounts", sa.Column("twilio_auth_token", sa.String(length=200), nullable=True))
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("rate_limit_per_minute", sa.Integer(), server_default="6000", nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_count", sa.Integer(), server_default="0", nullable=False),
        _created(),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        _account_fk("api_keys"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_api_keys_key_id")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        _created(),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role in ('admin', 'manager', 'analyst', 'agent')", name=op.f("ck_users_role")),
        _account_fk("users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "dnc_entries",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        _created(),
        _account_fk("dnc_entries"),
        sa.PrimaryKeyConstraint("account_id", "phone", name=op.f("pk_dnc_entries")),
    )
    op.create_table(
        "sms_consent",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        _account_fk("sms_consent"),
        sa.PrimaryKeyConstraint("account_id", "phone", name=op.f("pk_sms_consent")),
    )
    op.create_index("ix_messages_inbox", "messages", ["account_id", "created_at", "message_id"])

    op.add_column(
        "campaigns", sa.Column("type", sa.String(length=20), server_default="power", nullable=False)
    )
    op.add_column("campaigns", sa.Column("lines_per_agent", sa.Integer(), server_default="1", nullable=False))
    op.add_column("campaigns", sa.Column("caller_id", sa.String(length=32), nullable=True))
    op.add_column("campaigns", sa.Column("max_attempts", sa.Integer(), server_default="3", nullable=False))
    op.add_column("campaigns", sa.Column("retry_minutes", sa.Integer(), server_default="60", nullable=False))
    op.add_column(
        "campaigns", sa.Column("state", sa.String(length=20), server_default="stopped", nullable=False)
    )
    op.add_column(
        "campaigns", sa.Column("throttled", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    op.add_column("campaigns", sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("campaigns", sa.Column("flag_reason", sa.Text(), nullable=True))
    op.create_check_constraint("type", "campaigns", "type in ('power', 'parallel', 'speed_dial')")
    op.create_check_constraint("state", "campaigns", "state in ('running', 'stopped')")
    op.create_table(
        "dialer_contacts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=20), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        _account_fk("dialer_contacts"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_dialer_contacts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialer_contacts")),
        sa.UniqueConstraint("campaign_id", "external_id", name=op.f("uq_dialer_contacts_campaign_id")),
    )
    # the dialer's reads: a campaign's recent calls, a contact's calls, each agent's latest status
    op.create_index(
        "ix_calls_campaign_started",
        "calls",
        ["account_id", "campaign", "started_at"],
        postgresql_where=sa.text("campaign is not null"),
    )
    op.create_index(
        "ix_calls_contact",
        "calls",
        ["account_id", "contact_id"],
        postgresql_where=sa.text("contact_id is not null"),
    )
    op.create_index("ix_agent_status_latest", "agent_status_events", ["account_id", "agent", "occurred_at"])
    op.create_index("ix_dialer_contacts_due", "dialer_contacts", ["campaign_id", "state", "next_attempt_at"])
    op.create_table(
        "dialer_decisions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("call_id", sa.String(length=200), nullable=True),
        _account_fk("dialer_decisions"),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_dialer_decisions_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["dialer_contacts.id"],
            name=op.f("fk_dialer_decisions_contact_id_dialer_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialer_decisions")),
    )
    op.create_index("ix_dialer_decisions_campaign", "dialer_decisions", ["campaign_id", "decided_at"])
    op.create_table(
        "speed_dial_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        _created(),
        _account_fk("speed_dial_entries"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_speed_dial_entries_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speed_dial_entries")),
        sa.UniqueConstraint("user_id", "phone", name=op.f("uq_speed_dial_entries_user_id")),
    )


def downgrade() -> None:
    op.drop_table("speed_dial_entries")
    op.drop_index("ix_dialer_decisions_campaign", table_name="dialer_decisions")
    op.drop_table("dialer_decisions")
    op.drop_index("ix_dialer_contacts_due", table_name="dialer_contacts")
    op.drop_index("ix_agent_status_latest", table_name="agent_status_events")
    op.drop_index("ix_calls_contact", table_name="calls")
    op.drop_index("ix_calls_campaign_started", table_name="calls")
    op.drop_table("dialer_contacts")
    op.drop_constraint("state", "campaigns", type_="check")
    op.drop_constraint("type", "campaigns", type_="check")
    for column in (
        "flag_reason", "flagged_at", "throttled", "state", "retry_minutes", "max_attempts", "caller_id",
        "lines_per_agent", "type",
    ):  # fmt: skip
        op.drop_column("campaigns", column)
    op.drop_index("ix_messages_inbox", table_name="messages")
    op.drop_table("sms_consent")
    op.drop_table("dnc_entries")
    op.drop_table("users")
    op.drop_table("api_keys")
    op.drop_column("accounts", "twilio_auth_token")
