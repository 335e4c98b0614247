"""E-mail over SMTP (plain, STARTTLS or implicit TLS, optional login), from the product settings: report
deliveries and the pipeline's alerts both send through it."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from voxlink.settings import Settings, get_settings


class SendFailed(RuntimeError):
    """The SMTP server could not be reached or refused the message; worth retrying later."""


class PartiallyRefused(Exception):
    """The server accepted the message for some recipients and refused the others."""

    def __init__(self, refused: dict[str, tuple[int, bytes]]) -> None:
        super().__init__(", ".join(f"{address} ({code})" for address, (code, _) in refused.items()))
        self.refused = refused


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    ssl: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SmtpConfig:
        s = settings or get_settings()
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        return cls(s.smtp_host, s.smtp_port, s.smtp_from, s.smtp_starttls, s.smtp_ssl, s.smtp_user, password,
                   s.smtp_timeout_seconds)  # fmt: skip


@dataclass(frozen=True)
class Attachment:
    file_name: str
    media_type: str
    content: bytes


def build_message(
    sender: str, recipients: list[str], subject: str, body: str, attachment: Attachment, message_id: str
) -> EmailMessage:
    """One e-mail to all recipients; ``message_id`` is stable per (subscription, period) so a rare resend
    after a crash between "accepted" and "recorded" can be recognised as the same message."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    maintype, subtype = attachment.media_type.split("/", 1)
    message.add_attachment(
        attachment.content, maintype=maintype, subtype=subtype, filename=attachment.file_name
    )
    return message


def send(message: EmailMessage, config: SmtpConfig) -> None:
    """Hand the message to the SMTP server; :class:`SendFailed` on any network or SMTP error."""
    recipients = [a.strip() for a in str(message["To"]).split(",") if a.strip()]
    try:
        if config.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        with client:
            if config.starttls and not config.ssl:
                client.starttls(context=ssl.create_default_context())
            if config.user:
                client.login(config.user, config.password or "")
            refused = client.send_message(message, from_addr=config.sender, to_addrs=recipients)
    except (smtplib.SMTPException, OSError) as err:
        raise SendFailed(f"{type(err).__name__}: {err}") from None
    if refused:
        # some recipients were refused while others took it: the e-mail went out, so it is not resent
        raise PartiallyRefused(refused)
