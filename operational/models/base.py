"""The declarative base every operational model shares: constraint naming (stable names for Alembic) and the
columns every table repeats (the change sequence the warehouse extracts by, the creation time)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Every row the warehouse extracts carries ``change_seq``: a value from one sequence, set again whenever the
# row changes, so the extractor reads "everything after the last value I saw" (with a look-back for
# transactions that committed late).
change_seq = sa.Sequence("change_seq", metadata=None)
SECONDS = sa.Numeric(14, 6)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def seq_column() -> Mapped[int]:
    """``change_seq``, indexed: the extractor's every read is a range scan on it (ix_<table>_change_seq)."""
    return mapped_column(
        sa.BigInteger, server_default=sa.text("nextval('change_seq')"), nullable=False, index=True
    )


def created_column() -> Mapped[datetime]:
    return mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)
