"""``voxlink mail-sink``: a local SMTP server (aiosmtpd) that keeps every e-mail in a Maildir and says so,
and reads back what it kept (``--list``, ``--newest``)."""

from __future__ import annotations

import email
import time
from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class KeptMail:
    """One e-mail the sink kept: its file and what a person wants to see first."""

    path: Path
    received_at: datetime
    subject: str
    sender: str
    to: str
    attachments: list[str]

    def line(self) -> str:
        names = ", ".join(self.attachments) or "none"
        return f"{self.received_at:%Y-%m-%d %H:%M:%S}  {self.subject} → {self.to}  attachments: {names}"


def kept_mail(mail_dir: Path) -> list[tuple[KeptMail, Message]]:
    """Every e-mail in the Maildir (``new/`` and ``cur/``), oldest first."""
    paths = [path for folder in ("new", "cur") if (mail_dir / folder).is_dir()
             for path in (mail_dir / folder).iterdir() if path.is_file()]  # fmt: skip
    found = []
    for path in paths:
        with path.open("rb") as handle:
            message = email.message_from_binary_file(handle)
        names = [name for part in message.walk() if (name := part.get_filename())]
        kept = KeptMail(path, datetime.fromtimestamp(path.stat().st_mtime).astimezone(), str(message["Subject"]),
                        str(message["From"]), str(message["To"]), names)  # fmt: skip
        found.append((kept, message))
    return sorted(found, key=lambda pair: (pair[0].received_at, pair[0].path.name))


def body_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def save_attachments(message: Message, folder: Path) -> list[Path]:
    """Write the message's attachments into ``folder`` (file names reduced to their last part)."""
    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    for part in message.walk():
        name = part.get_filename()
        payload = part.get_payload(decode=True)
        if name and isinstance(payload, bytes):
            target = folder / Path(name).name
            target.write_bytes(payload)
            saved.append(target)
    return saved
