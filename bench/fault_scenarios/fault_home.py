"""A prepared VOXLINK_HOME for the fault scenarios: its own embedded PostgreSQL, accounts, a first publish.

Each scenario drives the product the way an operator does — `voxlink refresh` and `voxlink api` as
subprocesses against this home — so a SIGKILL or a stopped server hits the real processes, never a mock.
Shared by bench/faults.py (full form) and tests/faults/ (short form), which imports it from here.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa

from operational import database
from operational.accounts import create_account
from operational.ingest import ingest_events
from operational.simulator import SimulationProfile, simulate
from voxlink.settings import REPO_ROOT, Settings

VOXLINK = Path(sys.executable).with_name("voxlink")
SETUP_SECONDS = 900.0  # the first publish of a new home: slow on a loaded machine, and not what is under test
WEDGE_SECONDS = 120.0  # the bound: a refresh that does not finish in 2 minutes is wedged
FIRST_DAY = date(2026, 3, 2)  # a Monday in the past: events are never "in the future"
SMALL_DAY = SimulationProfile(inbound_per_weekday=60, outbound_per_weekday=30, messages_per_weekday=30)
ACCOUNTS = (("north", "America/New_York"), ("south", "Europe/London"), ("east", "Asia/Tokyo"))


@dataclass(frozen=True)
class Snapshot:
    """What a reader sees in the served file: its publish version and a digest of every table's rows."""

    version: int | None
    digest: str


@dataclass
class RefreshRun:
    returncode: int | None  # None: killed, or wedged and killed after WEDGE_SECONDS
    seconds: float
    output: str


@dataclass
class FaultHome:
    path: Path
    url: str = ""
    accounts: dict[str, int] = field(default_factory=dict)
    days_added: int = 0

    @property
    def settings(self) -> Settings:
        return Settings(home=self.path, database_url=None)

    @property
    def served(self) -> Path:
        return self.settings.served_db

    @property
    def engine(self) -> sa.Engine:
        return database.engine_for(self.url)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("VOXLINK_DATABASE_URL", "DAGSTER_HOME")}
        env["VOXLINK_HOME"] = str(self.path)
        return env

    def add_day(self, slugs: tuple[str, ...] | None = None) -> int:
        """Ingest one new simulated day for each account (or ``slugs``); return the number of events stored."""
        day = FIRST_DAY + timedelta(days=self.days_added)
        self.days_added += 1
        stored = 0
        for n, (slug, zone) in enumerate(ACCOUNTS):
            if slugs is not None and slug not in slugs:
                continue
            seed = 1000 * self.days_added + n  # a new seed per day: simulated ids are unique across days
            events = simulate(
                days=1, timezone=zone, seed=seed, end_date=day, account_slug=slug, profile=SMALL_DAY
            )
            stored += ingest_events(self.engine, self.accounts[slug], enumerate(events)).stored
        return stored

    def refresh(
        self,
        timeout: float = WEDGE_SECONDS,
        on_start: Callable[[subprocess.Popen[str]], None] | None = None,
        max_file_bytes: int | None = None,
    ) -> RefreshRun:
        """Run `voxlink refresh` in its own process group; kill the group if it outlives ``timeout``.

        ``max_file_bytes`` caps every file the refresh writes (RLIMIT_FSIZE, binding root too): a full disk.
        """
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(VOXLINK), "refresh"], cwd=REPO_ROOT, env=self.env(), start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=None if max_file_bytes is None else (lambda: _limit_files(max_file_bytes)),
        )  # fmt: skip
        if on_start is not None:
            on_start(proc)
        try:
            output, _ = proc.communicate(timeout=max(0.0, timeout - (time.perf_counter() - started)))
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            kill_group(proc)
            output, _ = proc.communicate()
            code = None
        if code is not None and code < 0:
            code = None  # killed by a signal (the kill scenario's own SIGKILL)
        return RefreshRun(code, time.perf_counter() - started, output)

    def snapshot(self) -> Snapshot:
        return served_snapshot(self.served)


def _limit_files(size: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process group ``proc`` leads (the refresh and its dbt children)."""
    with contextlib.suppress(ProcessLookupError):  # it already ended
        os.killpg(proc.pid, signal.SIGKILL)


def served_snapshot(served: Path) -> Snapshot:
    """Open the served file read-only (as every reader does) and digest its publish version and rows."""
    con = duckdb.connect(str(served), read_only=True)
    try:
        version = con.execute("select max(version) from _publish").fetchone()[0]  # type: ignore[index]
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        digest = hashlib.sha256()
        for name in tables:
            if name == "_publish":
                continue  # published_at differs on every publish; the version above stands for it
            digest.update(name.encode())
            for row in con.execute(f'select * from main."{name}" order by all').fetchall():
                digest.update(repr(row).encode())
    finally:
        con.close()
    return Snapshot(version, digest.hexdigest())


def open_home(path: Path) -> FaultHome:
    """A home with its own PostgreSQL running and migrated, nothing else."""
    home = FaultHome(path)
    home.url = database.prepare(home.settings)
    return home


def prepare_home(path: Path, days: int = 1) -> FaultHome:
    """Start this home's own PostgreSQL, create the accounts, ingest ``days`` days and publish once."""
    home = open_home(path)
    for slug, zone in ACCOUNTS:
        home.accounts[slug] = create_account(home.engine, slug, zone).id
    for _ in range(days):
        home.add_day()
    first = home.refresh(timeout=SETUP_SECONDS)  # set-up, not a fault: a busy machine may be slow here
    if first.returncode != 0:
        raise RuntimeError(f"the first refresh of {path} failed (exit {first.returncode}):\n{first.output}")
    return home


def remove_home(home: FaultHome) -> None:
    """Stop the home's PostgreSQL and delete it (VOXLINK_KEEP_TEST_HOME keeps it for a post-mortem)."""
    if home.url:
        home.engine.dispose()
        database.engine_for.cache_clear()
    database.stop_embedded(home.settings)
    if not os.environ.get("VOXLINK_KEEP_TEST_HOME"):
        shutil.rmtree(home.path, ignore_errors=True)
