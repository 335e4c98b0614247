"""Where the Dagster instance keeps its runs, events, schedules, sensor ticks and concurrency slots.

With an external PostgreSQL (``VOXLINK_DATABASE_URL`` set) the instance lives in that database, in a schema of its
own (``dagster``), so the daemon, ``voxlink refresh``, the webserver and other machines share one instance and
Dagster's tables (and its Alembic version table) never mix with the operational ones. With the embedded default
it stays in SQLite files under DAGSTER_HOME: the embedded server is started and stopped by ``voxlink db up|down``
and one machine runs one daemon, so SQLite is enough there and ``voxlink status`` can read the last refresh while
the database is down.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

DAGSTER_SCHEMA = "dagster"


class InstanceStorageError(RuntimeError):
    """The external PostgreSQL refused the Dagster schema (e.g. the role may not create schemas)."""


def storage_url(database_url: str) -> str:
    """The operational database's URL with Dagster's schema first and only on the search path."""
    # psycopg2, not the product's psycopg 3: Dagster's event log sends `NOTIFY run_events, %(id)s`, which only
    # a driver that binds parameters on the client can send (the server cannot bind a NOTIFY payload)
    url = sa.make_url(database_url).set(drivername="postgresql+psycopg2")
    url = url.update_query_dict({"options": f"-csearch_path={DAGSTER_SCHEMA}"})
    return url.render_as_string(hide_password=False)


def storage_block(database_url: str) -> str:
    """The ``storage:`` section appended to the instance's dagster.yaml (the file is owner-only: it holds the URL,
    password included, because the daemon, run workers and ``dagster dev`` each read it without our settings)."""
    # a JSON string is a valid double-quoted YAML scalar: no URL character can break the file
    return f"\nstorage:\n  postgres:\n    postgres_url: {json.dumps(storage_url(database_url))}\n"


def ensure_schema(database_url: str) -> None:
    """Create Dagster's schema when it is missing; Dagster creates its tables in it on first use.

    An unreachable server is left to Dagster, whose own connection error then names it; a refusal is raised.
    """
    url = sa.make_url(storage_url(database_url)).difference_update_query(["options"])
    engine = sa.create_engine(url, poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'create schema if not exists "{DAGSTER_SCHEMA}"'))
    except sa.exc.OperationalError:
        return
    except sa.exc.DBAPIError as err:
        first = str(err.orig).splitlines()[0] if err.orig else str(err)
        raise InstanceStorageError(
            f"cannot create the schema {DAGSTER_SCHEMA!r} for Dagster's instance in {url.database!r}: {first}"
        ) from None
    finally:
        engine.dispose()
