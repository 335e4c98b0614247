"""The long-lived refresher: one warm process that refreshes the warehouse every N seconds, Dagster recording each run.

Started by ``voxlink refresh --every 60`` (and by ``voxlink demo``). Against a cold ``voxlink refresh`` it keeps
what each refresh would otherwise pay for again: the imports (Dagster, dbt, great-expectations), the Dagster
definitions, and dbt's parsed manifest with dbt run in this process (:mod:`pipelines.warm_dbt`). Every refresh is
still an ordinary run of the ``refresh`` job in the Dagster instance — the run guard, heartbeats and checks as for
any run — so the UI shows each one. A failed refresh leaves the last good warehouse served and the loop goes on.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from pipelines.refresh import RefreshFailed, RefreshResult, ensure_manifest, run_refresh
from voxlink.files import write_private_text
from voxlink.settings import get_settings

PID_FILE = "warm_refresher.pid"


def _pid_path() -> Path:
    return get_settings().state_dir / PID_FILE


def running_refresher() -> int | None:
    """The pid of this home's live warm refresher, if one runs (the Dagster schedule then leaves it the refreshes)."""
    try:
        pid = int(_pid_path().read_text())
    except (FileNotFoundError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) else None


@dataclass
class WarmRefresher:
    """Refreshes on a fixed cadence from a warm process; ``stop`` ends the loop between two refreshes."""

    every_seconds: float
    say: Callable[[str], None] = print
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        from pipelines.resources import dbt_executable
        from pipelines.warm_dbt import WarmDbt, WarmManifest

        settings = get_settings()
        ensure_manifest()
        self._manifest = WarmManifest(settings.transforms_dir)
        self._dbt = WarmDbt(
            project_dir=str(settings.transforms_dir),
            profiles_dir=str(settings.transforms_dir),
            dbt_executable=dbt_executable(),
        ).with_manifest(self._manifest)

    def refresh_once(self, *, watch: bool = False) -> RefreshResult:
        """One refresh in this process (raises :class:`RefreshFailed` as ``voxlink refresh`` does)."""
        ensure_manifest()  # a changed project is parsed again; the warm manifest notices its new file
        return run_refresh(dbt=self._dbt, say=self.say, watch=watch)

    def run(self, *, watch: bool = False, rounds: int | None = None) -> None:
        """Refresh now, then at every multiple of the cadence after the start, until ``stop`` is set.

        A refresh longer than the cadence is followed by the next one at once (ticks are never queued up).
        """
        started = time.monotonic()
        _pid_path().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private_text(_pid_path(), str(os.getpid()))
        try:
            self._loop(started, watch, rounds)
        finally:
            _pid_path().unlink(missing_ok=True)

    def _loop(self, started: float, watch: bool, rounds: int | None) -> None:
        done = 0
        while not self.stop.is_set() and (rounds is None or done < rounds):
            try:
                result = self.refresh_once(watch=watch)
                self.say(f"{result.summary()}; Dagster {result.dagster_seconds:.1f}s")
            except RefreshFailed as err:
                self.say(str(err))
            done += 1
            elapsed = time.monotonic() - started
            next_tick = (int(elapsed // self.every_seconds) + 1) * self.every_seconds
            self.stop.wait(next_tick - elapsed)
