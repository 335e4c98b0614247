"""The processes ``voxlink demo`` runs beside the app: the local mail sink, the warm refresher and the Dagster daemon.

They start in a :class:`~cli.process_tree.ProcessTree`: each in a session of its own, so the Ctrl+C that
stops the demo does not tear them down half-way; the demo stops each one, and everything it started (the
daemon's code server and run workers), on the way out; and each dies with the demo if the demo is killed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from pathlib import Path

from cli.process_tree import ProcessTree, stop_all
from voxlink.settings import REPO_ROOT, Settings, get_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _tool(name: str) -> str:
    """A console script of this environment, whether or not the environment is on PATH."""
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


def listening(host: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return True
    return False


def start_dagster_daemon(
    log_path: Path, env: dict[str, str] | None = None, tree: ProcessTree | None = None
) -> subprocess.Popen[bytes]:
    """``dagster-daemon run`` over the pipeline definitions: the refresh schedule and the delivery sensor run.

    Its output goes to ``log_path``; DAGSTER_HOME is VOXLINK_HOME/dagster, the instance `voxlink refresh` uses.
    """
    from pipelines.refresh import ensure_manifest, prepare_dagster_home

    prepare_dagster_home()
    ensure_manifest()  # the definitions load the dbt manifest; never parse it in the daemon
    environment = dict(os.environ, VOXLINK_HOME=str(get_settings().home_dir), **(env or {}))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return (tree or ProcessTree()).start(
            [_tool("dagster-daemon"), "run", "-m", "cli.dagster_definitions", "-d", str(REPO_ROOT)],
            cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def start_warm_refresher(settings: Settings, tree: ProcessTree) -> subprocess.Popen[bytes]:
    """``voxlink refresh --every`` at the settings' cadence: the long-lived refresher (pipelines.warm_refresher)."""
    every = str(60 * settings.refresh_interval_minutes)
    command = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main(sys.argv[1:]))",
               "refresh", "--every", every]  # fmt: skip
    log_path = settings.home_dir / "logs" / "warm-refresher.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        environment = dict(os.environ, VOXLINK_HOME=str(settings.home_dir))
        return tree.start(command, cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)


def start_mail_sink(settings: Settings, tree: ProcessTree) -> subprocess.Popen[bytes]:
    """``voxlink mail-sink`` on the SMTP port the settings name; it prints a line per e-mail to this terminal."""
    command = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main(sys.argv[1:]))",
               "mail-sink", "--port", str(settings.smtp_port), "--dir", str(settings.mail_dir)]  # fmt: skip
    environment = dict(os.environ, VOXLINK_HOME=str(settings.home_dir))
    return tree.start(command, cwd=REPO_ROOT, env=environment)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process, SIGKILL to whatever of its tree (a code server, a run worker) is left after."""
    stop_all([process])


def start_demo_services(tree: ProcessTree, settings: Settings | None = None) -> None:
    """The mail sink (unless SMTP points elsewhere or something already listens) and the Dagster daemon."""
    settings = settings or get_settings()
    if settings.smtp_host not in LOOPBACK:
        print(f"Report e-mails go to {settings.smtp_host}:{settings.smtp_port} (VOXLINK_SMTP_HOST)")
    elif listening(settings.smtp_host, settings.smtp_port):
        print(f"Report e-mails go to the SMTP server already listening on port {settings.smtp_port}")
    else:
        start_mail_sink(settings, tree)
        print(f"Mail sink: SMTP on 127.0.0.1:{settings.smtp_port}; each e-mail is a file in "
              f"{settings.mail_dir / 'new'}.\n  Read them with `voxlink mail-sink --list` and "
              "`voxlink mail-sink --newest` (prints the newest and saves its attachment).")  # fmt: skip
    start_warm_refresher(settings, tree)
    log = settings.home_dir / "logs" / "dagster-daemon.log"
    start_dagster_daemon(log, tree=tree)
    print(f"Warm refresher: a refresh every {settings.refresh_interval_minutes} min, each a Dagster run "
          f"(log: {settings.home_dir / 'logs' / 'warm-refresher.log'})\n"
          f"Dagster daemon: report deliveries checked every {settings.delivery_sensor_interval_seconds} s; its "
          f"refresh schedule skips while the warm refresher runs (log: {log})", flush=True)  # fmt: skip
