"""Re-install the catalogue's metric functions: the macro now defines opt_out_rate (opt-outs / outbound sent)

The operational database gets its metric functions only from migrations, and 0005 ran against the file as it
was then; this revision installs operational/sql/metric_functions.sql as it is now. Every statement is ``create or
replace``, so running it over functions that are already current changes nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from alembic import op

from operational.sql.generate import OUTPUT, SCHEMA, statements

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(f"create schema if not exists {SCHEMA}")
    for statement in statements(OUTPUT.read_text(encoding="utf-8")):
        op.execute(statement)


def downgrade() -> None:
    # The other functions' bodies did not change in this revision; only the one it added goes.
    op.execute(f"drop function if exists {SCHEMA}.opt_out_rate(numeric, numeric)")
