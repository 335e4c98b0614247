"""SIGKILL of `voxlink refresh` at random points of each phase (extract, checks, dbt, publish).

After each kill the served file must open read-only and equal the last publish — or, when the kill landed after
the publish's atomic ``os.replace`` (a fast publish can be done before the process dies), be that refresh's whole
new file, the next version — and the next refresh must finish within two minutes (one that does not is *wedged*:
it is killed and counted). A refresh that finishes before its kill lands (a machine faster than the delays
assume) is run again on a new day of rows with a shorter delay, so each kill lands whatever the machine's speed.
"""

from __future__ import annotations

import random
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.fault_scenarios.fault_home import WEDGE_SECONDS, FaultHome, Snapshot, kill_group

PHASES = ("extract", "checks", "dbt", "publish")  # in the order a refresh runs them
TARGETS = ("publish", "dbt", "extract", "checks")  # the order kills aim at: a short run covers the first ones
# after the phase's first step starts, wait up to this long before the kill (dbt runs for seconds, the rest
# for a fraction of a second each)
DELAY = {"extract": 0.3, "checks": 0.15, "dbt": 8.0, "publish": 0.1}
# A refresh that finished before its kill landed (the machine faster than the delay drawn) is tried again, on
# a new day of rows, with a quarter of the delay: up to this many times, so every kill lands on any machine.
MISSES_RETRIED = 4


@dataclass
class KillFigures:
    tried: int = 0
    missed: int = 0  # refreshes that finished before their kill landed (each tried again, sooner)
    wedged: int = 0  # a later refresh that did not finish within two minutes
    failed_after: int = 0  # the next refresh finished but failed
    partial_served: int = 0  # the served file did not open, or differed from the last publish
    after_replace: int = 0  # the kill landed after the publish's os.replace: the new file was served whole
    hit: dict[str, int] = field(default_factory=dict)  # the phase each kill landed in
    recovery_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def phase_of(step: str) -> str:
    """Which phase a Dagster step of the refresh job belongs to."""
    if step == "warehouse_models":
        return "dbt"
    if step == "served_warehouse":
        return "publish"
    if step.startswith("raw__") and step.count("raw_") == 1:
        return "extract"
    return "checks"


def _running_step(dagster_home: Path, known: set[Path]) -> str | None:
    """The step that started last in the newest run's event log (None before the new run logs a step)."""
    logs = [p for p in (dagster_home / "history" / "runs").glob("*.db") if p.name != "index.db"]
    new = [p for p in logs if p not in known]
    if not new:
        return None
    try:
        con = sqlite3.connect(
            f"file:{max(new, key=lambda p: p.stat().st_mtime)}?mode=ro", uri=True, timeout=1
        )
        try:
            row = con.execute(
                "select step_key from event_logs where dagster_event_type = 'STEP_START' order by id desc limit 1"
            ).fetchone()
        finally:
            con.close()
    except sqlite3.Error:
        return None  # the writer holds a lock or the table is not created yet: look again next poll
    return row[0] if row else None


def _killer(
    home: FaultHome, target: str, delay: float, hit: list[str]
) -> Callable[[subprocess.Popen[str]], None]:
    """A callback that, once the refresh reaches ``target``, waits ``delay`` s and SIGKILLs its group."""
    dagster_home = home.settings.dagster_home
    known = set((dagster_home / "history" / "runs").glob("*.db"))

    def watch(proc: subprocess.Popen[str]) -> None:
        while proc.poll() is None:
            step = _running_step(dagster_home, known)
            if step is not None and PHASES.index(phase_of(step)) >= PHASES.index(target):
                time.sleep(delay)
                step = _running_step(dagster_home, known) or step
                if proc.poll() is None:
                    kill_group(proc)
                    hit.append(phase_of(step))
                return
            time.sleep(0.02)

    def start(proc: subprocess.Popen[str]) -> None:
        threading.Thread(target=watch, args=(proc,), daemon=True).start()

    return start


def _replaced_before_the_kill(after: Snapshot | None, last: Snapshot) -> bool:
    """The served file opened and is the next version: the killed refresh's publish had replaced it whole."""
    return after is not None and last.version is not None and after.version == last.version + 1


def run_kills(
    home: FaultHome, kills: int, seed: int = 12, stop_at_first_failure: bool = False
) -> KillFigures:
    rng = random.Random(seed)
    figures = KillFigures()
    last = home.snapshot()
    for n in range(kills):
        target = TARGETS[n % len(TARGETS)]
        delay = rng.uniform(0, DELAY[target])
        hit: list[str] = []
        for _ in range(MISSES_RETRIED + 1):
            home.add_day()  # new rows: a refresh without any builds no dbt model
            killed = home.refresh(on_start=_killer(home, target, delay, hit))
            if hit:
                break
            # the refresh finished before the kill landed: it published, nothing was killed
            figures.missed += 1
            if killed.returncode == 0:
                last = home.snapshot()
            delay /= 4
        if not hit:
            continue
        figures.tried += 1
        figures.hit[hit[0]] = figures.hit.get(hit[0], 0) + 1
        try:
            after_kill = home.snapshot()
        except Exception as err:  # noqa: BLE001 - any failure to open is the thing counted
            after_kill = None
            figures.failures.append(f"kill {n + 1} in {hit[0]}: served file does not open: {err}")
        if _replaced_before_the_kill(after_kill, last):
            figures.after_replace += (
                1  # only os.replace gives the served name to a file: the new one is whole
            )
            last = after_kill
        elif after_kill != last:
            figures.partial_served += 1
            figures.failures.append(f"kill {n + 1} in {hit[0]}: served {after_kill} != last publish {last}")
        recovery = home.refresh()
        figures.recovery_seconds.append(recovery.seconds)
        if recovery.returncode is None:
            figures.wedged += 1
            figures.failures.append(
                f"kill {n + 1} in {hit[0]}: the next refresh was still running after {WEDGE_SECONDS:.0f}s: "
                f"{recovery.output.strip()[-500:]}"
            )
        elif recovery.returncode != 0:
            figures.failed_after += 1
            figures.failures.append(
                f"kill {n + 1} in {hit[0]}: the next refresh failed: {recovery.output[-500:]}"
            )
        else:
            last = home.snapshot()
        if figures.failures and stop_at_first_failure:
            break
    return figures
