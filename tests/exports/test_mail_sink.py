"""`voxlink mail-sink` keeps what it receives in a Maildir a person (or a mail client) can read."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from exports.mail import Attachment, SmtpConfig, build_message, send
from exports.mail_sink import start_sink
from tests.exports.conftest import free_port


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
