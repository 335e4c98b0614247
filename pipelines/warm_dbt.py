"""dbt run inside the refresher's own process, on a manifest parsed once: no dbt start-up, no parse per refresh.

A ``dbt build`` subprocess pays for importing dbt, loading the partial-parse state and its adapter plugin on
every refresh (seconds at any warehouse size). :class:`WarmDbt` is the ``dbt`` resource of the long-lived
refresher (:mod:`pipelines.warm_refresher`): dagster-dbt still turns dbt's events into asset materializations and
checks, but they come from ``dbtRunner`` called in this process with the preloaded manifest, not from a child's
stdout. The manifest is parsed again only when the project's files change (:func:`pipelines.refresh.ensure_manifest`).
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from dagster_dbt.core import resource as dbt_resource
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from pydantic import PrivateAttr

from pipelines.process_env import environment
from pipelines.resources import LocalDbt

_SWAP = threading.Lock()  # one build at a time swaps dagster-dbt's invocation class

# dbt's debug events (each SQL statement, connection and transaction: most of a build's events) are neither
# turned into Dagster events nor printed by dbt at its default level; converting each to JSON and writing it to
# the run's log cost ~0.3 s of the Python thread per refresh. Forwarded: every event above debug (what dbt's
# console shows, errors included) and the debug ones dagster-dbt reads.
_DEBUG_EVENTS_READ = frozenset(
    {"JinjaLogInfo", "LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"}
)


class WarmManifest:
    """The parsed dbt project, kept for every build of this process while its ``manifest.json`` is unchanged."""

    def __init__(self, project_dir: Path) -> None:
        self.project_dir = project_dir
        self._manifest: Any = None
        self._parsed_at = 0.0

    def get(self) -> Any:
        manifest_file = self.project_dir / "target" / "manifest.json"
        stamp = manifest_file.stat().st_mtime if manifest_file.exists() else 0.0
        if self._manifest is None or stamp != self._parsed_at:
            from dbt.cli.main import dbtRunner

            with environment({"DBT_PROFILES_DIR": str(self.project_dir)}), _cwd(self.project_dir):
                result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(self.project_dir)])
            if not result.success:
                raise RuntimeError(f"dbt parse failed: {result.exception}")
            self._manifest, self._parsed_at = result.result, stamp
        return self._manifest


class InProcessDbt:
    """What dagster-dbt reads from a dbt ``Popen`` (its JSON lines, exit code), produced by ``dbtRunner`` here.

    dbt runs on a thread of its own so the events stream to Dagster while models build, as they would from a
    child process; each event is the same JSON object dbt's ``--log-format json`` prints.
    """

    def __init__(self, args: Sequence[str], env: dict[str, str], project_dir: Path, manifest: Any) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self._lines: queue.Queue[bytes | None] = queue.Queue()
        self._thread = threading.Thread(
            target=self._run, args=(self.args[1:], env, project_dir, manifest), daemon=True
        )
        self._thread.start()
        self.stdout = _Lines(self._read())

    def _run(self, args: list[str], env: dict[str, str], project_dir: Path, manifest: Any) -> None:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.base_types import EventMsg
        from dbt_common.events.functions import msg_to_dict

        def forward(message: EventMsg) -> None:
            if message.info.level == "debug" and message.info.name not in _DEBUG_EVENTS_READ:
                return
            self._lines.put(orjson.dumps(msg_to_dict(message)))

        try:
            # dbt reads its flags (target path, profiles dir) and the project's env_var()s from the environment
            wanted = {k: v for k, v in env.items() if k.startswith(("DBT_", "VOXLINK_"))}
            # the build's own dbt.log keeps warnings and errors only: at debug, every statement as a JSON line
            # was ~0.3 s a refresh; at info, its per-node lines (each a stat of the file by the rotating handler)
            # were ~15 % of dbt's threads. Every event dagster-dbt reads still reaches the run (forward).
            wanted.setdefault("DBT_LOG_LEVEL_FILE", "warn")
            # dagster-dbt's paths are relative to the project, as for a dbt child process started there; dbt's
            # logger would resolve them against this process's directory (the repository root) instead
            for key in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
                if key in wanted and not os.path.isabs(wanted[key]):
                    wanted[key] = str(project_dir / wanted[key])
            with environment(wanted), _cwd(project_dir):
                result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke([*args, "--quiet"])
            self.returncode = 0 if result.success else 1
            _release_working_file()
        except BaseException as err:  # a crash of dbt itself: say so as dbt would, then fail the step
            self._lines.put(orjson.dumps({"info": {"level": "error", "msg": f"dbt crashed: {err!r}",
                                                   "name": "MainEncounteredError"}, "data": {}}))  # fmt: skip
            self.returncode = 2
        finally:
            self._lines.put(None)

    def _read(self) -> Iterator[bytes]:
        while (line := self._lines.get()) is not None:
            yield line
        self._thread.join()

    def wait(self, timeout: float | None = None) -> int:
        self._thread.join(timeout)
        return self.returncode if self.returncode is not None else 1

    def send_signal(self, signum: int) -> None:
        """dbt on a thread cannot be signalled; the refresher stops its whole process instead (run_watch)."""


class _Lines:
    """The ``stdout`` dagster-dbt reads: iterable, a context manager, with ``closed``."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self._lines

    def __enter__(self) -> _Lines:
        return self

    def __exit__(self, *_: object) -> None:
        self.closed = True


class _InProcessInvocation(DbtCliInvocation):
    manifest_source: WarmManifest | None = None

    @classmethod
    def run(cls, args: Sequence[str], env: dict[str, str], **kwargs: Any) -> DbtCliInvocation:  # type: ignore[override]
        assert cls.manifest_source is not None
        process = InProcessDbt(args, env, Path(kwargs["project_dir"]), cls.manifest_source.get())
        return cls(process=process, project=kwargs.pop("dbt_project", None), **kwargs)  # type: ignore[arg-type]


class WarmDbt(LocalDbt):
    """The ``dbt`` resource of the warm refresher: every ``dbt.cli`` runs in this process on the warm manifest."""

    _manifest: WarmManifest | None = PrivateAttr(default=None)

    def with_manifest(self, manifest: WarmManifest) -> WarmDbt:
        self._manifest = manifest
        return self

    def cli(self, args: Sequence[str], **kwargs: Any) -> DbtCliInvocation:  # type: ignore[override]
        with _SWAP:
            saved = dbt_resource.DbtCliInvocation
            _InProcessInvocation.manifest_source = self._manifest or WarmManifest(Path(self.project_dir))
            dbt_resource.DbtCliInvocation = _InProcessInvocation  # type: ignore[misc]
            try:
                return super().cli(args, **kwargs)
            finally:
                dbt_resource.DbtCliInvocation = saved  # type: ignore[misc]


def in_process_dbt(manifest: WarmManifest | None = None) -> WarmDbt:
    """The project's dbt run in this process on ``manifest`` (parsed on first use when not given).

    The warm refresher keeps one for its life; ``voxlink refresh`` takes one per run too: even parsed afresh it
    saves starting a ``dbt`` process that imports dbt again (~2 s of a cold incremental refresh, measured).
    """
    from pipelines.resources import dbt_executable
    from voxlink.settings import get_settings

    project = get_settings().transforms_dir
    return WarmDbt(
        project_dir=str(project), profiles_dir=str(project), dbt_executable=dbt_executable()
    ).with_manifest(manifest or WarmManifest(project))


def _release_working_file() -> None:
    """Close dbt-duckdb's connection, which it keeps for the process: the publish attaches the working file next."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


@contextlib.contextmanager
def _cwd(path: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)
