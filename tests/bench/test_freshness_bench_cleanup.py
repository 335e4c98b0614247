"""The freshness bench owns what it starts: stopped by a signal, it leaves no PostgreSQL, child process or home.

The bench is run as a real process with a tiny history; as soon as its embedded PostgreSQL is up it is sent the
signal, and it must stop its server and every process it started, remove its home and say so.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parents[2]


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def short_tmp() -> Iterator[Path]:
    """A short temporary directory for the bench's home: the server's Unix socket path must stay under 108 bytes."""
    path = Path(tempfile.mkdtemp(prefix="fb-", dir="/tmp"))
    yield path
    for pid_file in path.glob(
        "voxlink-fresh-bench-*/pgdata/postmaster.pid"
    ):  # the bench failed: stop its server
        pid = int(pid_file.read_text().splitlines()[0])
        if running(pid):
            os.kill(pid, signal.SIGINT)  # PostgreSQL's fast shutdown
            psutil.Process(pid).wait(timeout=30)
    shutil.rmtree(path, ignore_errors=True)


def wait_for_postmaster(tmp: Path, bench: subprocess.Popen[bytes], timeout: float = 90.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert bench.poll() is None, "the bench ended before its PostgreSQL started"
        for pid_file in tmp.glob("voxlink-fresh-bench-*/pgdata/postmaster.pid"):
            lines = pid_file.read_text().splitlines()
            # the last line is the server's status once it has written it: "ready" means it accepts connections
            if len(lines) >= 8 and lines[-1].strip() == "ready" and running(int(lines[0])):
                return int(lines[0])
        time.sleep(0.2)
    raise AssertionError("the bench's PostgreSQL did not start")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_freshness_bench_stopped_by_a_signal_leaves_nothing_running(
    short_tmp: Path, stop: signal.Signals
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("VOXLINK_", "DAGSTER_"))}
    bench = subprocess.Popen(
        [sys.executable, "bench/freshness_bench.py", "--history", "10", "--minutes", "1", "--every", "5"],
        cwd=REPO, env={**environment, "TMPDIR": str(short_tmp)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    try:
        postmaster = wait_for_postmaster(short_tmp, bench)
        bench.send_signal(stop)
        _, err = bench.communicate(timeout=120)
    finally:
        if bench.poll() is None:  # the test failed: do not leave the bench behind either
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
    text = err.decode()
    assert bench.returncode == 128 + stop, text
    assert f"{stop.name} received, stopped" in text
    assert f"embedded PostgreSQL (pid {postmaster}) stopped" in text and "none left" in text, text
    assert not running(postmaster)
    # nothing of the bench's session (it ran in one of its own) is still running
    left = [p.pid for p in psutil.process_iter() if _session(p.pid) == bench.pid and running(p.pid)]
    assert left == []
    assert list(short_tmp.glob("voxlink-fresh-bench-*")) == []  # its home is removed


def _session(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except (ProcessLookupError, PermissionError):
        return None
