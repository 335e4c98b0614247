"""Everything the product writes under VOXLINK_HOME (and an export's --out file) is owner-only: 700/600."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from voxlink.files import write_private_text

VOXLINK = str(Path(sys.executable).with_name("voxlink"))
REPO = Path(__file__).resolve().parents[2]


def _as_a_default_shell() -> None:
    os.umask(0o022)  # what a login shell gives: the product must not rely on the caller's umask
    # and default signal handling: an ignored SIGTERM left in this pytest process by an earlier in-process test
    # would be inherited, and the mail sink would never stop
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, signal.SIG_DFL)


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "VOXLINK_DATABASE_URL"}
    env["VOXLINK_HOME"] = str(home)
    return subprocess.run(
        [VOXLINK, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
        preexec_fn=_as_a_default_shell,
    )  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _mail_one_report(home: Path) -> None:
    """The mail sink keeps an e-mail with an attachment: its Maildir files are the product's too."""
    port = _free_port()
    env = dict(os.environ, VOXLINK_HOME=str(home))
    sink = subprocess.Popen(
        [VOXLINK, "mail-sink", "--port", str(port), "--dir", str(home / "mail")], cwd=REPO, env=env,
        stdout=subprocess.DEVNULL, preexec_fn=_as_a_default_shell,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, "the mail sink never listened"
                time.sleep(0.2)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "r@voxlink.local", "m@acme.example", "calls"
        message.add_attachment(b"date,calls\n", maintype="text", subtype="csv", filename="calls.csv")
        with client:
            client.send_message(message)
    finally:
        sink.terminate()
        sink.wait(90)  # a loaded CI machine: the sink stops on SIGTERM in ~2 s when idle


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh home after db up, a day of traffic, a refresh, the quality checks, an export and an e-mail."""
    home = tmp_path_factory.mktemp("owner-only") / "home"
    try:
        steps = [
            ("db", "up"),
            ("simulate", "--days", "1", "--account", "acme", "--end", "2026-03-02"),
            ("refresh",),
            ("check",),
            ("export", "call-status", "--account", "acme", "--start", "2026-03-01", "--end", "2026-03-02",
             "--out", str(home / "exports" / "calls.csv")),
        ]  # fmt: skip
        (home / "exports").mkdir(parents=True)  # the user's own folder: only the file in it is the product's
        for step in steps:
            done = run(home, *step)
            assert done.returncode in (0, 1) if step == ("check",) else done.returncode == 0, done.stderr
        _mail_one_report(home)
        yield home
    finally:
        run(home, "db", "down")


def _loose(path: Path) -> bool:
    return bool(stat.S_IMODE(path.lstat().st_mode) & 0o077)


def test_every_file_and_directory_the_product_created_is_owner_only(home: Path) -> None:
    created = [p for p in home.rglob("*") if p.is_file() or p.is_dir()]
    created = [p for p in created if not p.is_symlink() and p != home / "exports"]
    # what the walk must cover: the warehouse, the Dagster home, logs, quality samples and Data Docs, mail
    for name in ("warehouse/served.duckdb", "dagster/dagster.yaml", "logs/refresh.log", "quality/results",
                 "exports/calls.csv", "pgdata/PG_VERSION", "pgdata/base"):  # fmt: skip
        assert (home / name).exists(), name
    assert any((home / "quality").rglob("index.html")), "Data Docs"
    assert len(list((home / "mail" / "new").iterdir())) == 1
    assert [str(p.relative_to(home)) for p in created if _loose(p)] == []


def test_the_home_itself_is_closed_to_other_users(home: Path) -> None:
    mode = stat.S_IMODE(home.stat().st_mode)
    if os.geteuid() == 0:
        # as root the embedded server runs as its own user, with our group: that group may only traverse
        assert (mode, home.stat().st_gid) == (0o710, os.getegid())
    else:
        assert mode == 0o700
    assert stat.S_IMODE((home / "pgdata").stat().st_mode) == 0o700


def test_an_old_world_readable_home_is_tightened_when_the_cli_starts(tmp_path: Path) -> None:
    home = tmp_path / "old-home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    assert run(home, "db", "status").returncode == 3  # not running: nothing else happens
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_a_private_file_is_owner_only_even_over_an_old_readable_one(tmp_path: Path) -> None:
    target = tmp_path / "sample.json"
    target.write_text("old")
    target.chmod(0o644)
    write_private_text(target, "{}")
    assert (target.read_text(), stat.S_IMODE(target.stat().st_mode)) == ("{}", 0o600)
