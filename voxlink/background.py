"""The processes ``voxlink demo`` runs beside the app: the local mail sink and the Dagster daemon.

Each starts in a session of its own, so the Ctrl+C that stops the app does not tear them down half-way;
the demo stops each one, and everything it started (the daemon's code server and run workers), on the way out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

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


def start_dagster_daemon(log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """``dagster-daemon run`` over the pipeline definitions: the refresh schedule and the delivery sensor run.

    Its output goes to ``log_path``; DAGSTER_HOME is VOXLINK_HOME/dagster, the instance `voxlink refresh` uses.
    """
    from pipelines.refresh import ensure_manifest, prepare_dagster_home

    prepare_dagster_home()
    ensure_manifest()  # the definitions load the dbt manifest; never parse it in the daemon
    environment = dict(os.environ, VOXLINK_HOME=str(get_settings().home_dir), **(env or {}))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [_tool("dagster-daemon"), "run", "-m", "pipelines.definitions", "-d", str(REPO_ROOT)],
            cwd=REPO_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip


def start_mail_sink(settings: Settings) -> subprocess.Popen[bytes]:
    """``voxlink mail-sink`` on the SMTP port the settings name; it prints a line per e-mail to this terminal."""
    command = [sys.executable, "-c", "import sys; from voxlink.cli import main; sys.exit(main(sys.argv[1:]))",
               "mail-sink", "--port", str(settings.smtp_port), "--dir", str(settings.mail_dir)]  # fmt: skip
    environment = dict(os.environ, VOXLINK_HOME=str(settings.home_dir))
    return subprocess.Popen(command, cwd=REPO_ROOT, env=environment, start_new_session=True)


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM to the process and everything it started, SIGKILL to whatever is left after ``timeout``."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
    # its session's other processes (a code server, a run worker) may outlive it
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def demo_services(settings: Settings | None = None) -> Iterator[None]:
    """The mail sink (unless SMTP points elsewhere or something already listens) and the Dagster daemon."""
    settings = settings or get_settings()
    started: list[subprocess.Popen[bytes]] = []
    try:
        if settings.smtp_host not in LOOPBACK:
            print(f"Report e-mails go to {settings.smtp_host}:{settings.smtp_port} (VOXLINK_SMTP_HOST)")
        elif listening(settings.smtp_host, settings.smtp_port):
            print(f"Report e-mails go to the SMTP server already listening on port {settings.smtp_port}")
        else:
            started.append(start_mail_sink(settings))
            print(f"Mail sink: SMTP on 127.0.0.1:{settings.smtp_port}; each e-mail is a file in "
                  f"{settings.mail_dir / 'new'}.\n  Read them with `voxlink mail-sink --list` and "
                  "`voxlink mail-sink --newest` (prints the newest and saves its attachment).")  # fmt: skip
        log = settings.home_dir / "logs" / "dagster-daemon.log"
        started.append(start_dagster_daemon(log))
        print(f"Dagster daemon: report deliveries checked every {settings.delivery_sensor_interval_seconds} s, "
              f"a refresh every 5 minutes (log: {log})", flush=True)  # fmt: skip
        yield
    finally:
        for process in reversed(started):
            stop(process)
