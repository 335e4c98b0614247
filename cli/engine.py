"""The database engine every command uses: the server started (if embedded) and migrated first."""

from __future__ import annotations

from sqlalchemy.engine import Engine


def ready_engine() -> Engine:
    """An engine on the product's database, after starting the embedded server if needed and migrating it."""
    from operational import database

    return database.engine_for(database.prepare())
