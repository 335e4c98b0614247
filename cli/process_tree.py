"""A long-running command owns the processes it starts: it stops their whole trees when it is asked to stop.

``voxlink app``, ``api`` and ``demo`` run servers as child processes (Streamlit, uvicorn and its workers, the
Dagster daemon with its code server and run workers, the mail sink). SIGTERM (a process supervisor,
``docker stop``), SIGINT (Ctrl+C) or SIGHUP to the command stops every one of them: SIGTERM to each child,
which stops its own children, then SIGKILL to whatever of the trees is left after :data:`GRACE_SECONDS`.
Children start in sessions of their own, so a terminal's Ctrl+C reaches the command alone and the command
stops them in order; each child also gets SIGTERM from the kernel if the command dies without a chance to
stop it (SIGKILL, a crash), so nothing is orphaned holding a port.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Any

import psutil

GRACE_SECONDS = 5.0  # SIGTERM → SIGKILL; uvicorn's graceful shutdown is given less (see commands.py)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
# loaded before any fork: a child between fork and exec must not dlopen
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class StopRequested(KeyboardInterrupt):
    """The command was asked to stop by a signal; it exits with status 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn``: the child gets SIGTERM when this process dies, however it dies (Linux only)."""
    parent = os.getpid()

    def arm() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above: nobody is left to tell us
            os._exit(1)

    return arm


class ProcessTree:
    """The children a command started, each in a session of its own, each dying with the command."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(self, command: Sequence[str], **popen: Any) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(command, start_new_session=True, preexec_fn=die_with_parent(), **popen)
        self.children.append(child)
        return child

    def stop(self, grace: float = GRACE_SECONDS) -> None:
        stop_all(self.children, grace)


def _tree(root_pid: int) -> dict[int, psutil.Process]:
    """The process, its descendants, and whatever else runs in its session (a double fork re-parents)."""
    members: dict[int, psutil.Process] = {}
    with contextlib.suppress(psutil.Error):
        root = psutil.Process(root_pid)
        members[root.pid] = root
        members.update((child.pid, child) for child in root.children(recursive=True))
    for process in psutil.process_iter():
        with contextlib.suppress(OSError, psutil.Error):
            if process.pid not in members and os.getsid(process.pid) == root_pid:
                members[process.pid] = process
    return members


def stop_all(children: Sequence[subprocess.Popen[bytes]], grace: float = GRACE_SECONDS) -> None:
    """SIGTERM to each child, SIGKILL to any process of their trees still running ``grace`` seconds later."""
    members: dict[int, psutil.Process] = {}
    for child in children:
        members.update(_tree(child.pid))  # before the signal: a dying parent hands its children to init
    for child in children:
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
    roots = [members[c.pid] for c in children if c.pid in members]
    psutil.wait_procs(roots, timeout=grace)
    for child in children:
        members.update(_tree(child.pid))  # what started while they were stopping
    _, alive = psutil.wait_procs(list(members.values()), timeout=0.5)  # a root's children, going with it
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=grace)
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(grace)


def supervise(run: Callable[[ProcessTree], int]) -> int:
    """``run`` with a :class:`ProcessTree`; every child stopped when it returns, fails or is signalled.

    SIGTERM, SIGINT and SIGHUP raise :class:`StopRequested` in the main thread, once: later signals are
    ignored, so the clean-up the first one started (stopping the children) runs to its end.
    """
    tree = ProcessTree()
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise StopRequested(signum)

    previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
    try:
        try:
            return run(tree)
        finally:
            stopping = True
            tree.stop()
    except StopRequested as stop:
        print(f"voxlink: {stop} received, stopped", file=sys.stderr, flush=True)
        return 128 + stop.signum
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
