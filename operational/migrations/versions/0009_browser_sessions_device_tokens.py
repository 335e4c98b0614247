"""Sign-in that survives a reload (browser_sessions) and kiosk device tokens (issue 14 item 3)

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-04 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "device_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "account_id", sa.Integer(), sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("activation_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _when("activated_at"),
        _when("revoked_at"),
        sa.UniqueConstraint("activation_hash", name=op.f("uq_device_tokens_activation_hash")),
        sa.CheckConstraint("scope in ('wallboard')", name=op.f("ck_device_tokens_scope")),
    )
    op.create_table(
        "browser_sessions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
        sa.Column(
            "device_token_id",
            sa.Integer(),
            sa.ForeignKey("device_tokens.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("nonce_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _when("expires_at", nullable=False),
        _when("revoked_at"),
        sa.CheckConstraint(
            "(user_id is null) <> (device_token_id is null)", name=op.f("ck_browser_sessions_one_holder")
        ),
    )


def downgrade() -> None:
    op.drop_table("browser_sessions")
    op.drop_table("device_tokens")
