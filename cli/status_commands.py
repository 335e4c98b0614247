"""``voxlink status``: is the database up, how old is the served data, how did the last refresh go.

Exit status: 0, or 2 when the served data is stale (so a cron job or a monitor can alert on it), or 3 when the
database is down (as ``voxlink db status``); stale wins when both.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from cli.registry import Add
from voxlink.settings import get_settings

STALE_EXIT, DATABASE_DOWN_EXIT = 2, 3


def add_parsers(add: Add) -> None:
    add("status", status_command, "database up/down, the served warehouse's age and state, the last refresh")


def status_command(args: argparse.Namespace) -> int:
    from voxlink.freshness import State, served_freshness

    up, where = database_state()
    print(f"database: {'up' if up else 'down'} ({where})")
    freshness = served_freshness()
    print(f"warehouse: {freshness.state}")
    if freshness.published_at is not None:
        print(f"  version {freshness.version}, published {_utc(freshness.published_at)}")
    print(f"  {freshness.describe()}; stale after {freshness.stale_after_seconds // 60} min")
    for label, run in refresh_runs():
        print(f"{label}: {run}")
    if freshness.state is State.STALE:
        return STALE_EXIT
    return 0 if up else DATABASE_DOWN_EXIT


def freshness_line() -> str:
    """The one line ``voxlink db status`` adds: how old the served data is against the schedule."""
    from voxlink.freshness import served_freshness

    return f"served warehouse: {served_freshness().describe()}"


def database_state() -> tuple[bool, str]:
    """Whether the product database answers, without starting the embedded server; and where it is."""
    import sqlalchemy as sa

    from operational import database

    settings = get_settings()
    where = "external server" if settings.database_url else f"embedded, data in {settings.pgdata_dir}"
    try:
        with database.get_engine(settings, start=False).connect() as conn:
            conn.execute(sa.text("select 1"))
    except (database.DatabaseNotRunning, sa.exc.SQLAlchemyError) as err:
        return False, f"{where}: {_first_line(err)}"
    return True, where


def refresh_runs() -> list[tuple[str, str]]:
    """The newest refresh run and, if another, the newest failed one, as recorded in the Dagster instance."""
    if not (get_settings().dagster_home / "dagster.yaml").exists():
        return [("last refresh", "none recorded (no Dagster instance yet: run `voxlink refresh`)")]
    import dagster as dg

    from pipelines.refresh import prepare_dagster_home
    from pipelines.refresh_history import RefreshRun, last_failed_refresh, last_refresh

    def describe(run: RefreshRun) -> str:
        failure = f": {run.failure}" if run.failure else ""
        return f"{run.status}, started {_utc(run.at)} (run {run.run_id[:8]}){failure}"

    prepare_dagster_home()
    try:
        with dg.DagsterInstance.get() as instance:
            last, failed = last_refresh(instance), last_failed_refresh(instance)
    except Exception as err:  # its run storage may live in the database that is down
        return [("last refresh", f"unknown ({type(err).__name__}: {_first_line(err)})")]
    if last is None:
        return [("last refresh", "none recorded")]
    lines = [("last refresh", describe(last))]
    if failed is not None and failed != last:
        lines.append(("last failed refresh", describe(failed)))
    return lines


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _first_line(err: BaseException) -> str:
    return next(iter(str(err).splitlines()), "")
