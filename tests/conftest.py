"""Shared fixtures: one embedded PostgreSQL per session, a fresh migrated database per test module (a copy of one
migrated once per session)."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# Tests never touch a developer's ./.voxlink: everything lives under one temporary home.
_HOME = Path(tempfile.mkdtemp(prefix="voxlink-test-"))
if not os.environ.get("VOXLINK_KEEP_TEST_HOME"):
    # registered before the embedded server starts, so it runs after the server's own exit hook stops it
    atexit.register(shutil.rmtree, _HOME, True)
os.environ["VOXLINK_HOME"] = str(_HOME)
# the freshness tests' hand-written figures ("refreshed every 5 min") predate the 1-minute default cadence
os.environ.setdefault("VOXLINK_REFRESH_INTERVAL_MINUTES", "5")
_EXTERNAL_URL = os.environ.pop("VOXLINK_DATABASE_URL", None)


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    """URL of the session's PostgreSQL server (embedded, or the one VOXLINK_DATABASE_URL names)."""
    from operational import database

    if _EXTERNAL_URL:
        yield database._with_driver(_EXTERNAL_URL)
        return
    socket_dir = database.start_embedded(_HOME / "pgdata", cleanup_mode="stop")
    yield f"postgresql+psycopg://postgres@/postgres?host={socket_dir}"


@pytest.fixture(scope="session")
def migrated_template(server_url: str) -> str:
    """The name of a database migrated once for the session: every module's fresh database is a copy of it.

    ``create database … template`` copies it in a fraction of a second; running the migrations again for each of
    the ~100 modules cost about a second each on the 2-core CI machine.
    """
    from operational import database

    name = f"t_migrated_{uuid.uuid4().hex[:6]}"
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    database.ensure_database(url)
    database.migrate(url)
    return name


def copy_database(server_url: str, template: str, name: str) -> None:
    """Create database ``name`` as a copy of ``template`` (which no session may hold open)."""
    admin = sa.create_engine(sa.make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'create database "{name}" template "{template}"'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def new_migrated_database(server_url: str, migrated_template: str) -> Callable[[str], str]:
    """Makes a database of the given name, migrated (a copy of the session's template); returns its URL."""

    def make(name: str) -> str:
        copy_database(server_url, migrated_template, name)
        return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)

    return make


def _stop_app_prefetch() -> None:
    """The app's background prefetch (from app tests in this process) must not follow us into another home."""
    prefetch = sys.modules.get("app.shell.prefetch")
    if prefetch is not None:
        prefetch.forget()
        prefetch.idle.wait(30)


@pytest.fixture(scope="module")
def db_url(server_url: str, migrated_template: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database — and a fresh VOXLINK_HOME (warehouse files, Dagster instance) — for this test module.

    Sharing the warehouse files between modules would let one module's raw rows and watermarks leak into the
    next module's incremental refresh (account ids restart at 1 in every fresh database).
    """
    from operational import database
    from voxlink import warehouse
    from voxlink.settings import get_settings

    name = f"t_{request.module.__name__.rsplit('.', 1)[-1][:30]}_{uuid.uuid4().hex[:6]}".lower()
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    copy_database(server_url, migrated_template, name)
    _stop_app_prefetch()
    warehouse.close_all()
    os.environ["VOXLINK_DATABASE_URL"] = url
    os.environ["VOXLINK_HOME"] = str(_HOME / name)
    get_settings.cache_clear()
    yield url
    _stop_app_prefetch()
    warehouse.close_all()
    os.environ.pop("VOXLINK_DATABASE_URL", None)
    os.environ["VOXLINK_HOME"] = str(_HOME)
    get_settings.cache_clear()
    database.engine_for.cache_clear()


@pytest.fixture(scope="module")
def engine(db_url: str) -> sa.Engine:
    from operational.database import engine_for

    return engine_for(db_url)


@contextlib.contextmanager
def product_environment(**values: str) -> Iterator[None]:
    """The product's ``VOXLINK_*``/``DAGSTER_HOME`` variables set to ``values`` for the block, then as they were.

    The settings cache and the warehouse reader's open files are reset on entry and on exit, so code in the block
    reads the new home and code after it the old one.
    """
    from voxlink import warehouse
    from voxlink.settings import get_settings

    keys = {"VOXLINK_HOME", "VOXLINK_DATABASE_URL", "DAGSTER_HOME", *values}
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update(values)
    get_settings.cache_clear()
    warehouse.close_all()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        warehouse.close_all()
