"""`voxlink mail-sink` keeps what it receives in a Maildir a person (or a mail client) can read."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from cli.main import main
from exports.mail_sink import start_sink
from tests.exports.conftest import free_port
from voxlink.mail import Attachment, SmtpConfig, build_message, send


def test_the_sink_keeps_each_email_with_its_attachment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    sink = start_sink(tmp_path / "mail", port)
    try:
        message = build_message("reports@voxlink.local", ["ops@acme.example"], "Daily abandon rate", "attached\n",
                                Attachment("abandon-rate.csv", "text/csv", b"date,queue\n"), "<m1@voxlink.local>")  # fmt: skip
        send(message, SmtpConfig("127.0.0.1", port, "reports@voxlink.local"))
    finally:
        sink.stop()
    [kept] = list(mailbox.Maildir(tmp_path / "mail"))
    assert kept["Subject"] == "Daily abandon rate" and kept["Message-ID"] == "<m1@voxlink.local>"
    [part] = [p for p in kept.walk() if p.get_filename()]
    assert part.get_payload(decode=True) == b"date,queue\n"
    assert (
        "received: Daily abandon rate → ops@acme.example  attachments: abandon-rate.csv"
        in capsys.readouterr().out
    )


def test_the_kept_mail_can_be_listed_and_the_newest_read_with_its_attachment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port, mail_dir = free_port(), tmp_path / "mail"
    sink = start_sink(mail_dir, port)
    try:
        for number, subject in enumerate(("First report", "Second report"), start=1):
            message = build_message("reports@voxlink.local", ["ops@acme.example"], subject, f"body {number}\n",
                                    Attachment(f"r{number}.csv", "text/csv", f"n\n{number}\n".encode()),
                                    f"<m{number}@voxlink.local>")  # fmt: skip
            send(message, SmtpConfig("127.0.0.1", port, "reports@voxlink.local"))
    finally:
        sink.stop()
    capsys.readouterr()

    assert main(["mail-sink", "--dir", str(mail_dir), "--list"]) == 0
    listed = capsys.readouterr().out
    assert listed.index("First report → ops@acme.example  attachments: r1.csv") < listed.index(
        "Second report"
    )

    assert main(["mail-sink", "--dir", str(mail_dir), "--newest"]) == 0
    shown = capsys.readouterr().out
    assert "Subject: Second report" in shown and "body 2" in shown
    assert (mail_dir / "attachments" / "r2.csv").read_bytes() == b"n\n2\n"
    assert f"attachment saved: {mail_dir / 'attachments' / 'r2.csv'}" in shown


def test_reading_an_empty_sink_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mail-sink", "--dir", str(tmp_path / "nothing"), "--list"]) == 1
    assert "no e-mail in" in capsys.readouterr().err
