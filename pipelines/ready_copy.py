"""A byte copy of the served warehouse made ahead of the next publish, so the publish need not wait for one.

Every publish starts from a copy of the served file (:func:`pipelines.publish.publish`): at 10 M calls that is
1.4 GB and ~2 s of the refresh. The copy can be made earlier — while extract and dbt run, or in the warm
refresher's idle time after a publish — into a private file beside the served one that no reader ever opens.
Its name records the identity (inode, size, modification time) of the served file it copies, so a publish takes
it only while that same file is still the one served; otherwise (another process published since, or the copy
is missing or half made) the publish copies on the spot as before. Taking it is one ``rename``: two processes
can never both start from the same copy. The served file itself is only ever read here.
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from pathlib import Path

_lock = threading.Lock()
_making: dict[Path, threading.Thread] = {}  # served path → the thread of this process copying it now


def _identity(info: os.stat_result) -> str:
    return f"{info.st_ino}-{info.st_size}-{info.st_mtime_ns}"


def _ready_name(served: Path, info: os.stat_result) -> Path:
    return served.with_name(f".{served.name}.{_identity(info)}.ready")


def _ready_files(served: Path) -> list[Path]:
    return list(served.parent.glob(f".{served.name}.*.ready"))


def make_ready_copy(served: Path) -> Path | None:
    """Copy ``served`` to its ready file unless one for this very file exists; return it (None: nothing served).

    The copy is read from one open descriptor, so it is one file's bytes even if a publish replaces ``served``
    meanwhile (it is then named after the file it copies, and no publish will take it). Ready copies of other
    files — versions no longer served — are removed, and so are retired served files (:func:`retire_served`).
    A failure (a full disk) leaves no partial file behind.
    """
    remove_retired(served)
    try:
        source = os.open(served, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        info = os.fstat(source)
        ready = _ready_name(served, info)
        discard_stale_copies(served)
        if ready.exists():
            return ready
        partial = served.with_name(f".{served.name}.{uuid.uuid4().hex}.tmp")
        target = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _copy_bytes(source, target, info.st_size)
            # written back now, while nothing waits: else the publish's checkpoint, whose fsync flushes every
            # dirty page of the file, would write the whole copy (measured: most of a 0.8-2.8 s publish at 10 M)
            os.fsync(target)
            os.rename(partial, ready)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        finally:
            os.close(target)
        return ready
    finally:
        os.close(source)


def _copy_bytes(source: int, target: int, size: int) -> None:
    """Kernel-side copy (no pass through Python's buffers); the loop covers short transfers."""
    offset = 0
    while offset < size:
        sent = os.sendfile(target, source, offset, size - offset)
        if sent == 0:
            break
        offset += sent


def make_in_background(served: Path) -> None:
    """Start :func:`make_ready_copy` on a thread of this process (unless one already runs for ``served``).

    The thread is not a daemon: a process that exits while it copies waits for the copy (at most ~2 s at 10 M).
    Errors are dropped — without a ready copy the next publish copies on the spot, as it always could.
    """

    def run() -> None:
        with contextlib.suppress(OSError):
            make_ready_copy(served)

    with _lock:
        current = _making.get(served)
        if current is not None and current.is_alive():
            return
        thread = threading.Thread(target=run, name="ready-copy", daemon=False)
        _making[served] = thread
        thread.start()


def wait_for_copy(served: Path) -> None:
    """Wait until this process's copy of ``served`` in progress (if any) is done."""
    with _lock:
        current = _making.get(served)
    if current is not None:
        current.join()


def retire_served(served: Path) -> None:
    """Keep the file served now under a second name until :func:`remove_retired` (call it before replacing it).

    Replacing the last name of a 1.4 GB file makes the ``rename`` free its blocks (~0.35 s at 10 M, measured):
    with this link the publish's ``os.replace`` only swaps names, and the blocks are freed off its path — by the
    next ready copy, made after the publish or beside the next refresh's extract. Readers that opened the old file
    keep reading it either way. Without hard links (or a file to keep), nothing is kept.
    """
    with contextlib.suppress(OSError):
        os.link(served, served.with_name(f".{served.name}.{uuid.uuid4().hex}.retired"))


def remove_retired(served: Path) -> None:
    """Remove the files :func:`retire_served` kept (a publish has replaced each of them since)."""
    for retired in served.parent.glob(f".{served.name}.*.retired"):
        with contextlib.suppress(FileNotFoundError):
            retired.unlink()


def take_ready_copy(served: Path, staging: Path) -> bool:
    """Move the ready copy of the file served now to ``staging``; False when there is none for it.

    A copy being made by this process is waited for first (its time counts in the publish that needs it).
    """
    wait_for_copy(served)
    try:
        info = os.stat(served)
    except FileNotFoundError:
        return False
    try:
        os.rename(_ready_name(served, info), staging)
    except FileNotFoundError:
        return False
    return True


def discard_stale_copies(served: Path) -> None:
    """Remove the ready copies of files no longer served (a publish replaced them: none can be taken)."""
    try:
        current: Path | None = _ready_name(served, os.stat(served))
    except FileNotFoundError:
        current = None
    for ready in _ready_files(served):
        if ready != current:
            with contextlib.suppress(FileNotFoundError):
                ready.unlink()
