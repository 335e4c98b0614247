"""A long-running command stops its whole process tree, and frees its ports, when it is told to stop or killed.

Each test starts the real command, waits until its port answers, collects every descendant with psutil, signals
the command's own pid only (as a process supervisor or ``docker stop`` does), then checks that every
descendant is gone and the port is free within a few seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

VOXLINK = str(Path(sys.executable).with_name("voxlink"))
REPO = Path(__file__).resolve().parents[2]
STOPPED_WITHIN = 10.0  # the commands' grace period is 5 s before SIGKILL
STARTED_WITHIN = 180.0  # a loaded 2-core machine; Streamlit and the Dagster daemon take a while to import

# The demo's serving part (after its refresh): the mail sink and the Dagster daemon beside the app.
DEMO_SERVICES = """
import sys
from cli.background import start_demo_services
from cli.serve_commands import serve_app
from voxlink.files import owner_only
from cli.process_tree import supervise

owner_only()
sys.exit(supervise(lambda tree: (start_demo_services(tree), serve_app(tree, int(sys.argv[1])))[1]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_serving(command: subprocess.Popen[bytes], *ports: int) -> None:
    deadline = time.monotonic() + STARTED_WITHIN
    while not all(answers(port) for port in ports):
        assert command.poll() is None, f"the command exited with {command.returncode} before serving"
        assert time.monotonic() < deadline, f"ports {ports} never answered"
        time.sleep(0.5)


def descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def assert_all_gone(command: subprocess.Popen[bytes], tree: list[psutil.Process], *ports: int) -> float:
    """Seconds until the command, every process of its tree and its ports are gone (fails past the limit)."""
    sent = time.monotonic()
    _, alive = psutil.wait_procs(tree, timeout=STOPPED_WITHIN)
    left = [f"{p.pid} {' '.join(p.cmdline())[:120]}" for p in alive if p.is_running()]
    for process in alive:  # don't leave them to the next test
        process.kill()
    command.wait(STOPPED_WITHIN)
    assert left == [], f"still running {STOPPED_WITHIN} s after the signal: {left}"
    assert [port for port in ports if answers(port)] == []
    return time.monotonic() - sent


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return dict(os.environ, VOXLINK_DATABASE_URL=db_url)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_api_stops_uvicorn_and_its_workers_and_frees_its_port(
    env: dict[str, str], sig: signal.Signals
) -> None:
    port = free_port()
    command = start([VOXLINK, "api", "--port", str(port), "--workers", "2"], env)
    wait_until_serving(command, port)
    tree = descendants(command.pid)
    assert len(tree) >= 3  # uvicorn's supervisor and its two workers
    command.send_signal(sig)
    print(f"api stopped on {sig.name} in {assert_all_gone(command, tree, port):.1f} s")
    assert command.returncode == 128 + sig


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_app_stops_streamlit_and_frees_its_port(env: dict[str, str], sig: signal.Signals) -> None:
    port = free_port()
    command = start([VOXLINK, "app", "--port", str(port)], env)
    wait_until_serving(command, port)
    tree = descendants(command.pid)
    assert tree  # the Streamlit server
    command.send_signal(sig)
    print(f"app stopped on {sig.name} in {assert_all_gone(command, tree, port):.1f} s")
    assert command.returncode == 128 + sig


@pytest.mark.parametrize("what", ["api", "app"])
def test_children_die_when_the_command_is_killed(env: dict[str, str], what: str) -> None:
    port = free_port()
    command = start([VOXLINK, what, "--port", str(port)], env)
    wait_until_serving(command, port)
    tree = descendants(command.pid)
    command.kill()  # no chance to stop anything itself: the kernel tells its children (PR_SET_PDEATHSIG)
    print(f"{what}'s children gone {assert_all_gone(command, tree, port):.1f} s after it was killed")


def test_demo_stops_the_daemon_its_code_server_the_mail_sink_and_the_app(env: dict[str, str]) -> None:
    app_port, smtp_port = free_port(), free_port()
    env = dict(env, VOXLINK_SMTP_PORT=str(smtp_port))
    command = start([sys.executable, "-c", DEMO_SERVICES, str(app_port)], env)
    wait_until_serving(command, app_port, smtp_port)
    deadline = time.monotonic() + STARTED_WITHIN
    while not any(
        "dagster" in " ".join(p.cmdline()) and "api" in p.cmdline() for p in descendants(command.pid)
    ):
        assert time.monotonic() < deadline, "the Dagster daemon never started its code server"
        time.sleep(0.5)
    tree = descendants(command.pid)
    command.send_signal(signal.SIGTERM)
    print(f"demo services stopped in {assert_all_gone(command, tree, app_port, smtp_port):.1f} s")
    assert command.returncode == 128 + signal.SIGTERM
