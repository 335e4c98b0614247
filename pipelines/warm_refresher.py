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
from datetime import datetime
from typing import TYPE_CHECKING

from pipelines.ready_copy import make_in_background
from pipelines.refresh import (
    RefreshFailed,
    RefreshResult,
    ensure_manifest,
    prepare_dagster_home,
    run_refresh,
)
from pipelines.refresher_pid import refresher_claim
from voxlink.settings import get_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance


class ProjectChanged(Exception):
    """The dbt project changed under a running refresher: the Dagster assets it holds were made from the old one."""


@dataclass
class WarmRefresher:
    """Refreshes on a fixed cadence from a warm process; ``stop`` ends the loop between two refreshes."""

    every_seconds: float
    say: Callable[[str], None] = print
    stop: threading.Event = field(default_factory=threading.Event)
    # set when the loop ended because the dbt project changed: the process must start again to load it
    restart_needed: bool = False

    def __post_init__(self) -> None:
        from pipelines.warm_dbt import WarmManifest, in_process_dbt

        ensure_manifest()
        self._manifest = WarmManifest(get_settings().transforms_dir)
        self._dbt = in_process_dbt(self._manifest)
        self._instance: DagsterInstance | None = None

    def instance(self) -> DagsterInstance:
        """The Dagster instance every refresh of this process records its run in, opened on first use: opening one
        builds its storages and checks their schema versions (~0.2 s a refresh when each run opened its own)."""
        if self._instance is None:
            from dagster import DagsterInstance

            prepare_dagster_home()
            self._instance = DagsterInstance.get()
        return self._instance

    def close(self) -> None:
        """Let go of the Dagster instance (the next refresh opens it again)."""
        if self._instance is not None:
            self._instance.dispose()
            self._instance = None

    def refresh_once(self, *, watch: bool = False, refresh_at: datetime | None = None) -> RefreshResult:
        """One refresh in this process (raises :class:`RefreshFailed` as ``voxlink refresh`` does).

        It builds only the models new rows reach (:func:`pipelines.transform.build_selection`); ``refresh_at`` as
        for :func:`pipelines.refresh.run_refresh`. Raises :class:`ProjectChanged`, before any run, when the dbt
        project's models, tests or sources changed since this process made its Dagster assets.
        """
        ensure_manifest()  # a changed project is parsed again; the warm manifest notices its new file
        from pipelines.transform import loaded_project

        if loaded_project.outdated():
            raise ProjectChanged(
                "the dbt project's models, tests or sources changed since this refresher started: it starts "
                "again to load them (the last good warehouse is still served)"
            )
        # dagster-dbt enters the project's directory while it starts dbt, and dbt (here on a thread) enters it
        # again and restores what it found, which may be the project's: the process goes back where it was
        home = os.getcwd()
        try:
            return run_refresh(
                dbt=self._dbt, instance=self.instance(), say=self.say, watch=watch, refresh_at=refresh_at
            )
        finally:
            os.chdir(home)
            # the next publish's starting copy, made while this process waits for the next tick
            make_in_background(get_settings().served_db)

    def run(self, *, watch: bool = False, rounds: int | None = None) -> None:
        """Refresh now, then at every multiple of the cadence after the start, until ``stop`` is set.

        A refresh longer than the cadence is followed by the next one at once (ticks are never queued up). A
        changed dbt project ends the loop with ``restart_needed`` set (``voxlink refresh --every`` then starts
        itself again): the Dagster assets of a process are made once, from the project it imported.
        """
        started = time.monotonic()
        try:
            with refresher_claim():
                self._loop(started, watch, rounds)
        finally:
            self.close()

    def _loop(self, started: float, watch: bool, rounds: int | None) -> None:
        done = 0
        while not self.stop.is_set() and (rounds is None or done < rounds):
            try:
                result = self.refresh_once(watch=watch)
                self.say(
                    f"{result.summary()}; Dagster {result.dagster_seconds:.1f}s, "
                    f"set-up before the run {result.setup_seconds:.1f}s"
                )
            except RefreshFailed as err:
                self.say(str(err))
            except ProjectChanged as err:
                self.say(str(err))
                self.restart_needed = True
                return
            done += 1
            elapsed = time.monotonic() - started
            next_tick = (int(elapsed // self.every_seconds) + 1) * self.every_seconds
            self.stop.wait(next_tick - elapsed)
