"""``voxlink refresh``: run the Dagster refresh job in this process and summarise what it did."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.ready_copy import make_in_background
from pipelines.signal_guard import keeping_sigterm
from voxlink.files import private_dir, write_private_text
from voxlink.settings import get_settings

if TYPE_CHECKING:
    from dagster import DagsterInstance


class RefreshFailed(RuntimeError):
    """The job failed; the previously served warehouse is still the one readers see."""


@dataclass
class RefreshResult:
    seconds: float
    steps: dict[str, float] = field(default_factory=dict)
    version: int | None = None
    built: tuple[str, ...] = ()  # the dbt models this refresh built (none when no rows were new)
    setup_seconds: float = (
        0.0  # building the definitions and waiting for an earlier run: before the run starts
    )
    run_seconds: float = 0.0  # the Dagster run itself, from its launch to its last event

    @property
    def dagster_seconds(self) -> float:
        """What the run cost beyond its steps' own work: Dagster's run set-up, event storage and step hand-offs.

        Only the run's own time counts (not :attr:`setup_seconds`): a wait for an earlier run is not Dagster's.
        """
        return max(0.0, self.run_seconds - sum(self.steps.values()))

    def _is_check(self, step: str) -> bool:
        return is_check_step(step)

    @property
    def check_seconds(self) -> float:
        """Time spent in the data-quality checks (their steps end in a suite's name)."""
        return sum(secs for step, secs in self.steps.items() if self._is_check(step))

    def summary(self) -> str:
        extract = sum(
            secs for step, secs in self.steps.items() if step.startswith("raw__") and step.count("raw_") == 1
        )
        parts = {"extract": extract, "dbt build + tests": self.steps.get("warehouse_models", 0.0),
                 "quality checks": self.check_seconds, "publish": self.steps.get("served_warehouse", 0.0)}  # fmt: skip
        listed = ", ".join(f"{name} {secs:.1f}s" for name, secs in parts.items())
        share = 100 * self.check_seconds / self.seconds if self.seconds else 0.0
        built = f"{len(self.built)} models built" if self.built else "no new rows, nothing built"
        return (
            f"refresh published warehouse version {self.version} in {self.seconds:.1f}s ({listed}; "
            f"checks {share:.0f}% of the refresh; {built})"
        )


def prepare_dagster_home() -> None:
    """Point DAGSTER_HOME at VOXLINK_HOME/dagster, holding the repo's dagster.yaml (owner-only).

    With ``VOXLINK_DATABASE_URL`` set, the copy also puts the instance's storage in that PostgreSQL, in a schema of
    its own (see :mod:`pipelines.instance_storage`); otherwise the instance keeps SQLite files under the home.
    """
    from pipelines.instance_engines import reuse_sqlite_engines
    from pipelines.instance_storage import ensure_schema, storage_block

    settings = get_settings()
    home = private_dir(settings.dagster_home)
    text = (settings.transforms_dir.parent / "dagster.yaml").read_text(encoding="utf-8")
    if settings.database_url:
        ensure_schema(settings.database_url)
        text += storage_block(settings.database_url)
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        write_private_text(target, text)
    os.environ["DAGSTER_HOME"] = str(home)
    _relax_instance_commits()
    reuse_sqlite_engines()


def _relax_instance_commits() -> None:
    """Let the SQLite files of the Dagster home write without waiting for the disk (``synchronous=off``).

    A refresh writes some 300 events, each commit a wait for an fsync at SQLite's default — and, while Dagster
    opened a connection per use, each close too (the last one checkpoints the WAL; the engines now keep theirs
    open, :mod:`pipelines.instance_engines`): about 16 ms per event on a busy machine, measured when that was
    most of Dagster's own share of a warm refresh (1,004 commits and 1,171 closes per run). ``normal`` saved
    little then because of those checkpoints; ``off`` takes it to under 1 ms. A killed process
    loses nothing (the writes are in the operating system's cache); an operating-system crash or power loss may
    lose or damage the run history of the Dagster home (not the warehouse: DuckDB's files are not SQLite), which
    starts afresh once its history/ folder is removed. SQLite reads the setting per connection, hence a listener.
    """
    global _RELAXED
    if _RELAXED:
        return
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    def on_connect(connection: object, _record: object) -> None:
        if not isinstance(connection, sqlite3.Connection):
            return
        home = os.environ.get("DAGSTER_HOME")
        files = [row[2] for row in connection.execute("pragma database_list") if row[2]]
        if home and files and all(Path(f).is_relative_to(home) for f in files):
            connection.execute("pragma synchronous = off")

    event.listen(Pool, "connect", on_connect)
    _RELAXED = True


_RELAXED = False


def ensure_manifest() -> None:
    """Re-parse the dbt project when a file under transforms/ is newer than its manifest, or when it was
    parsed for another working file.

    Dagster reads the manifest when the definitions load; a stale one would not know new models or tests.
    Each dbt run starts from the partial-parse state saved beside it, and dbt throws that state away when
    the profile differs (the working file's path is part of it): parsed for this home once, every later
    build here parses incrementally instead of re-parsing the whole project. Parsing takes a few seconds,
    so it happens only when needed (and never at import time).
    """
    project = get_settings().transforms_dir
    manifest = project / "target" / "manifest.json"
    parsed_for = project / "target" / ".parsed_for"
    working = str(get_settings().working_db)
    sources = [
        p for folder in ("models", "macros", "tests") for p in (project / folder).rglob("*") if p.is_file()
    ]
    sources += [project / "dbt_project.yml", project / "profiles.yml"]
    if (
        manifest.exists()
        and manifest.stat().st_mtime >= max(p.stat().st_mtime for p in sources)
        and parsed_for.exists()
        and parsed_for.read_text() == working
    ):
        return
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt) if dbt.exists() else "dbt", "parse", "--quiet", "--profiles-dir", "."],
        cwd=project, check=True, env=dict(os.environ, VOXLINK_WORKING_DB=working),
    )  # fmt: skip
    parsed_for.write_text(working)


def run_refresh(
    *,
    full: bool = False,
    refresh_at: datetime | None = None,
    wait_seconds: float = 300.0,
    say: Callable[[str], None] | None = None,
    watch: bool = False,
    dbt: object | None = None,
    instance: DagsterInstance | None = None,
) -> RefreshResult:
    """Extract → dbt build → publish, in-process; raise :class:`RefreshFailed` if any step fails.

    ``refresh_at`` is the instant open agent-status intervals run to (default: now). Runs of the refresh job
    whose process died are marked failed and their slots freed first; a live one is waited for up to
    ``wait_seconds`` (then :class:`RefreshBlocked`), and ``say`` is told why. ``watch`` (the command line) adds a
    watch thread that stops this process on SIGINT/SIGTERM and bounds any wait for a slot during the run.
    ``dbt`` replaces the dbt resource: by default dbt runs in this process on a manifest parsed for this run
    (:func:`pipelines.warm_dbt.in_process_dbt`); the warm refresher passes its own, parsed once, and its Dagster
    ``instance`` (by default one is opened for the run: its storages check their schema versions each time).
    """
    moment = (refresh_at or datetime.now(UTC)).astimezone(UTC).isoformat()
    # the publish starts from a byte copy of the served file (~2 s at 10 M): made now, beside extract and dbt,
    # unless the warm refresher's idle time already made it (pipelines.ready_copy)
    make_in_background(get_settings().served_db)
    prepare_dagster_home()
    # great-expectations takes seconds to import: do it on the other core while extract and dbt run
    warm = threading.Thread(target=_warm_checks, daemon=True)
    warm.start()
    ensure_manifest()
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.extract import reset_raw
    from pipelines.run_guard import owner_tags
    from pipelines.run_watch import RefreshBlocked, execute_watched, wait_for_chain

    started = time.perf_counter()
    if dbt is None:
        from pipelines.warm_dbt import in_process_dbt

        dbt = in_process_dbt()
    defs = build_definitions(dbt=dbt)
    job = defs.resolve_job_def("refresh")
    log_path = get_settings().home_dir / "logs" / "refresh.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    run_id = str(uuid.uuid4())

    def opened() -> contextlib.AbstractContextManager[DagsterInstance]:
        return contextlib.nullcontext(instance) if instance is not None else dg.DagsterInstance.get()

    with opened() as dagster:
        try:
            wait_for_chain(dagster, wait_seconds, say or (lambda _: None))
        except RefreshBlocked as err:
            raise RefreshFailed(f"{err} (the last good warehouse is still served)") from None
    if full:
        reset_raw(defs.resources["warehouse"])  # type: ignore[index,arg-type]
    launched = time.perf_counter()

    # dbt's own output goes to the log file, not the terminal: the CLI prints a summary instead.
    def execute() -> dg.ExecuteInProcessResult:
        return job.execute_in_process(
            instance=dagster,
            run_id=run_id,
            tags=owner_tags(),
            run_config=dg.RunConfig(
                ops={"warehouse_models": {"config": {"full_refresh": full, "refresh_at": moment}}},
                # the CLI prints its own summary; the full logs stay in the Dagster instance
                loggers={"console": {"config": {"log_level": "WARNING"}}},
            ),
            raise_on_error=False,
        )

    # dbt's own output goes to the log file, not the terminal: the CLI prints a summary instead.
    with log_path.open("w") as log, contextlib.redirect_stdout(log), opened() as dagster:
        result = (
            execute_watched(dagster, run_id, wait_seconds, execute) if watch else keeping_sigterm(execute)
        )
        ran = time.perf_counter() - launched
        steps: dict[str, float] = {}
        for event in result.all_events:
            if event.is_step_success and event.step_key:
                stats = event.event_specific_data
                duration = getattr(stats, "duration_ms", None)
                if duration is not None:
                    steps[event.step_key] = duration / 1000
    if not result.success:
        failure = next((e for e in result.all_events if e.is_step_failure), None)
        if failure is not None and is_check_step(failure.step_key or ""):
            from operational.database import get_engine
            from pipelines.alerts import notify_admins

            notify_admins(get_engine())
        raise RefreshFailed(f"{_failure_text(failure)}; dbt output in {log_path}")
    version = None
    built: list[str] = []
    for event in result.all_events:
        if event.is_step_materialization and event.asset_key and event.asset_key.path == ["served_warehouse"]:
            version = event.materialization.metadata["version"].value  # type: ignore[union-attr]
        elif event.is_step_materialization and event.step_key == "warehouse_models" and event.asset_key:
            rebuilt = event.materialization.metadata.get("rebuilt")  # type: ignore[union-attr]
            if rebuilt is None or rebuilt.value:  # `rebuilt: false`: carried over, no new row reached it
                built.append(event.asset_key.to_user_string())
    return RefreshResult(
        time.perf_counter() - started, steps, version, tuple(built),  # type: ignore[arg-type]
        setup_seconds=launched - started, run_seconds=ran,
    )  # fmt: skip


def _failure_text(failure) -> str:  # type: ignore[no-untyped-def]
    """One readable line from a failed step: dbt's own error lines when there are any."""
    if failure is None:
        return "refresh failed (no step failure recorded)"
    error = failure.event_specific_data.error
    # Dagster wraps what went wrong ("Error occurred while executing op …"): the innermost cause says why, in
    # the words of whatever raised it (DuckDB, the operating system: "Read-only file system", "No space left…")
    while (error.cause or error.context) is not None:
        error = error.cause or error.context
    lines = [line.strip() for line in error.message.splitlines() if line.strip()]
    if "Errors parsed from dbt logs:" in lines:
        lines = lines[lines.index("Errors parsed from dbt logs:") + 1 :]
    detail = "; ".join(dict.fromkeys(lines[:4]))
    return f"refresh failed at {failure.step_key}: {detail} (the last good warehouse is still served)"


def _warm_checks() -> None:
    from data_tests.runner import warm_up

    warm_up()


def is_check_step(step: str) -> bool:
    """Steps of the data-quality checks end in their suite's name."""
    from data_tests.suites import ALL_SUITES

    return step.endswith(tuple(f"_{suite.name}" for suite in ALL_SUITES))
