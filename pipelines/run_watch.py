"""Watching a refresh from beside it: it starts only when no live run holds the chain, stops on SIGTERM/SIGINT,
and never waits for a slot without bound.

Dagster swallows SIGINT and SIGTERM while it executes a run in-process on the main thread (it records the
interrupt and checks it at its own checkpoints, which a step waiting for a concurrency slot never reaches), so a
refresh queued behind a dead run used to ignore both signals for ever. The command line therefore executes the
run on a worker thread and keeps the signals on the main thread, which also bounds any wait for a slot: either
stops the run itself — its child processes (dbt) killed, the run reported failed with its slots freed — and
the process exits.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import dagster as dg
import psutil

from pipelines.run_guard import POOLS, live_runs, reap_dead_runs

T = TypeVar("T")


class RefreshBlocked(RuntimeError):
    """Another live refresh holds the chain and did not finish within the wait allowed."""


FREE_CHECKS = 10  # a stopped run's slots are re-checked this many times …
FREE_CHECK_SECONDS = 0.2  # … this far apart, before the process exits


def wait_for_chain(
    instance: dg.DagsterInstance,
    wait_seconds: float,
    say: Callable[[str], None],
    job_name: str = "refresh",
) -> None:
    """Reap dead runs of ``job_name``; while a live one runs, wait up to ``wait_seconds`` for it, saying why."""
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        for verdict in reap_dead_runs(instance, job_name):
            say(f"run {verdict.run_id[:8]} was marked failed and its slots freed: its {verdict.why}")
        live = live_runs(instance, job_name)
        if not live:
            return
        names = "; ".join(f"run {v.run_id[:8]} ({v.why})" for v in live)
        if time.monotonic() >= deadline:
            raise RefreshBlocked(
                f"another refresh is still running: {names}; waited {wait_seconds:.0f}s "
                "(use --wait to wait longer)"
            )
        if not told:
            say(f"waiting up to {wait_seconds:.0f}s for another refresh to finish: {names}")
            told = True
        time.sleep(1.0)


def execute_watched(
    instance: dg.DagsterInstance, run_id: str, claim_wait_seconds: float, execute: Callable[[], T]
) -> T:
    """Run ``execute`` (the in-process Dagster run ``run_id``) on a worker thread while this, the main thread,
    owns SIGINT/SIGTERM and watches how long the run waits for a slot.

    Dagster replaces signal handlers only when it runs on the main thread, so on a worker it cannot swallow them.
    A signal, or a wait for the writer slot longer than ``claim_wait_seconds``, stops the run (:func:`stop_run`)
    and the process.
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["result"] = execute()
        except BaseException as err:  # handed to the main thread as is
            outcome["error"] = err

    # Dagster points file descriptors 1 and 2 at its compute logs while a step runs: keep the terminal's stderr
    terminal = os.dup(2)

    def on_signal(signum: int, _frame: object) -> None:
        _stop(instance, run_id, f"interrupted by {signal.Signals(signum).name}", 128 + signum, terminal)

    saved = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = threading.Thread(target=work, name="voxlink-refresh-run", daemon=True)
    worker.start()
    try:
        waiting_since: float | None = None
        next_check = time.monotonic() + 2.0
        while worker.is_alive():
            worker.join(0.2)
            now = time.monotonic()
            if now < next_check:
                continue
            next_check = now + 2.0
            if _waiting_for_slot(instance, run_id):
                # a run that died after we started may hold the slot: free it, and bound the wait
                reap_dead_runs(instance, keep=run_id)
                waiting_since = waiting_since or now
                if now - waiting_since > claim_wait_seconds:
                    why = f"waited {claim_wait_seconds:.0f}s for the warehouse writer slot"
                    _stop(instance, run_id, why, 75, terminal)
            else:
                waiting_since = None
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        os.close(terminal)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]  # type: ignore[no-any-return]


def _waiting_for_slot(instance: dg.DagsterInstance, run_id: str) -> bool:
    storage = instance.event_log_storage
    for pool in POOLS:
        info = storage.get_concurrency_info(pool)
        if any(s.run_id == run_id and s.assigned_timestamp is None for s in info.pending_steps):
            return True
    return False


def _stop(instance: dg.DagsterInstance, run_id: str, why: str, status: int, terminal: int) -> None:
    try:
        stop_run(instance, run_id, why)
    finally:
        line = f"voxlink refresh: stopped, {why}; the last good warehouse is still served\n"
        os.write(terminal, line.encode())
        os._exit(status)


def stop_run(instance: dg.DagsterInstance, run_id: str, why: str) -> None:
    """Kill this process's children (dbt), report ``run_id`` failed unless it ended, and free its slots."""
    children = psutil.Process().children(recursive=True)
    for child in children:
        child.kill()
    psutil.wait_procs(children, timeout=5)
    run = instance.get_run_by_id(run_id)
    if run is not None and not run.is_finished:
        instance.report_run_failed(run, message=f"Refresh stopped: {why}.")
    storage = instance.event_log_storage
    storage.free_concurrency_slots_for_run(run_id)
    # The run's worker thread lives until the process exits and may queue for the slot again right after the
    # free (seen under load): free again until a check finds nothing of it. (The next refresh would also free
    # a finished run's leftovers: run_guard._free_orphaned_claims.)
    for _ in range(FREE_CHECKS):
        time.sleep(FREE_CHECK_SECONDS)
        if not _holds_or_waits(instance, run_id):
            break
        storage.free_concurrency_slots_for_run(run_id)


def _holds_or_waits(instance: dg.DagsterInstance, run_id: str) -> bool:
    storage = instance.event_log_storage
    for pool in POOLS:
        info = storage.get_concurrency_info(pool)
        if any(s.run_id == run_id for s in info.claimed_slots) or any(
            s.run_id == run_id for s in info.pending_steps
        ):
            return True
    return False
