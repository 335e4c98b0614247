"""``voxlink mail-sink``: a local SMTP server (aiosmtpd) that keeps every e-mail in a Maildir and says so."""

from __future__ import annotations

import time
from email.message import Message
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox


class AnnouncingMailbox(Mailbox):
    """aiosmtpd's Maildir handler that also prints one line per e-mail received."""

    def handle_message(self, message: Message) -> None:
        super().handle_message(message)
        names = [name for part in message.walk() if (name := part.get_filename())]
        print(f"received: {message['Subject']} → {message['To']}  attachments: {', '.join(names) or 'none'}",
              flush=True)  # fmt: skip


def start_sink(mail_dir: Path, port: int, host: str = "127.0.0.1") -> Controller:
    """A running sink; e-mails land in ``mail_dir`` (new/ holds one file per message)."""
    for folder in (
        "tmp",
        "new",
        "cur",
    ):  # a Maildir; mailbox only makes these when it makes the folder itself
        (mail_dir / folder).mkdir(parents=True, exist_ok=True)
    controller = Controller(AnnouncingMailbox(mail_dir), hostname=host, port=port)
    controller.start()
    return controller


def run_sink(mail_dir: Path, port: int, host: str = "127.0.0.1") -> None:
    """Serve until interrupted."""
    controller = start_sink(mail_dir, port, host)
    print(
        f"mail sink listening on {host}:{port}; e-mails are kept in {mail_dir}  (Ctrl+C to stop)", flush=True
    )
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()
