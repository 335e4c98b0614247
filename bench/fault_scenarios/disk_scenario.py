"""A full disk and an unwritable warehouse directory: the refresh fails loudly, the last good file stays served.

How each fault is made depends on who runs it (root ignores permission bits):
- unwritable: ``chmod 500`` on the warehouse directory as a normal user; as root a read-only bind mount of
  the directory over itself (needs CAP_SYS_ADMIN, which a root CI container normally has).
- full: as root a 1 MiB tmpfs mounted over the warehouse directory, holding the served file and filled to
  the last byte; otherwise RLIMIT_FSIZE on the refresh process (binds root too: a write past the cap fails
  with EFBIG, as a full disk fails with ENOSPC).
Once both faults are removed, the next refresh must publish again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.fault_scenarios.fault_home import FaultHome, RefreshRun


@dataclass
class DiskFigures:
    tried: int = 0
    quiet_failures: int = 0  # exit 0, killed, or a traceback instead of a one-line message
    unnamed_causes: int = 0  # the one line does not say what is wrong (the OS error's own words)
    partial_served: int = 0  # the served file changed or did not open
    not_recovered: int = 0  # the refresh after the fault was removed did not publish
    methods: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def can_mount() -> bool:
    """Whether this process may mount filesystems (root with CAP_SYS_ADMIN)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    probe = Path(tempfile.mkdtemp(prefix="voxlink-mount-probe-"))
    try:
        if not _mount("-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)):
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    finally:
        probe.rmdir()


@contextmanager
def unwritable(directory: Path) -> Iterator[str]:
    if os.geteuid() != 0:
        mode = directory.stat().st_mode
        directory.chmod(0o500)
        try:
            yield "chmod 500"
        finally:
            directory.chmod(mode)
        return
    if not (
        _mount("--bind", str(directory), str(directory)) and _mount("-o", "remount,bind,ro", str(directory))
    ):
        raise RuntimeError(f"cannot make {directory} read-only as root: mount --bind failed")
    try:
        yield "read-only bind mount"
    finally:
        subprocess.run(["umount", str(directory)], check=True)


@contextmanager
def full_tmpfs(directory: Path) -> Iterator[str]:
    """A 1 MiB tmpfs over ``directory`` holding its files, then filled to the brim."""
    saved = Path(tempfile.mkdtemp(prefix="voxlink-warehouse-"))
    for item in directory.iterdir():
        if item.is_file():
            shutil.copy2(item, saved / item.name)
    size = sum(p.stat().st_size for p in saved.iterdir()) + (1 << 20)
    if not _mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)):
        raise RuntimeError(f"cannot mount a tmpfs over {directory}")
    try:
        for item in saved.iterdir():
            shutil.copy2(item, directory / item.name)
        try:
            with (directory / "filler").open("wb") as filler:
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
        except OSError:
            pass  # ENOSPC: the disk is full (perhaps already by the copied files)
        yield "full tmpfs"
    finally:
        subprocess.run(["umount", str(directory)], check=True)
        shutil.rmtree(saved, ignore_errors=True)


# what the operating system calls each fault: the one-line message must say it, or the operator cannot act
CAUSES = {
    "chmod 500": "Permission denied",
    "read-only bind mount": "Read-only file system",
    "full tmpfs": "No space left on device",
    "RLIMIT_FSIZE": "File too large",
}


def _judge(home: FaultHome, method: str, run: RefreshRun, last: object, figures: DiskFigures) -> None:
    figures.tried += 1
    figures.methods.append(method)
    lines = [line for line in run.output.splitlines() if line.strip()]
    message = lines[-1] if lines else ""
    figures.messages.append(f"{method}: exit {run.returncode}: {message}")
    if run.returncode in (None, 0) or "Traceback" in run.output or not message:
        figures.quiet_failures += 1
        figures.failures.append(f"{method}: refresh exit {run.returncode}, output tail: {run.output[-800:]}")
    elif CAUSES[method].lower() not in message.lower():
        figures.unnamed_causes += 1
        figures.failures.append(
            f"{method}: the message does not name the cause ({CAUSES[method]!r}): {message}"
        )
    try:
        after = home.snapshot()
    except Exception as err:  # noqa: BLE001 - a served file that does not open is what is counted
        after = None
        figures.failures.append(f"{method}: served file does not open: {err}")
    if after != last:
        figures.partial_served += 1
        figures.failures.append(f"{method}: served {after} != last publish {last}")


def run_disk_faults(home: FaultHome) -> DiskFigures:
    figures = DiskFigures()
    directory = home.settings.warehouse_dir
    cases: list[tuple[str, object]] = [("unwritable", None)]
    cases.append(("full", "tmpfs" if can_mount() else "rlimit"))
    for case, how in cases:
        home.add_day()
        last = home.snapshot()
        if case == "unwritable":
            with unwritable(directory) as method:
                run = home.refresh()
        elif how == "tmpfs":
            with full_tmpfs(directory) as method:
                run = home.refresh()
        else:
            method = "RLIMIT_FSIZE"
            run = home.refresh(max_file_bytes=max(home.served.stat().st_size // 2, 4096))
        _judge(home, method, run, last, figures)
    recovered = home.refresh()  # both faults removed: the next refresh publishes what they held back
    if recovered.returncode != 0:
        figures.not_recovered += 1
        figures.failures.append(f"the refresh after the faults were removed: {recovered.output[-500:]}")
    return figures
