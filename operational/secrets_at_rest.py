"""Secrets the product must read back (Twilio auth tokens) are stored encrypted with the product's secret key.

The key is ``VOXLINK_SECRET_KEY`` when set, else a random one generated once into ``HOME/secret.key``
(owner-only). A stored value is ``fernet:<token>`` (Fernet: AES-128-CBC + HMAC-SHA256); a value without that
prefix is a legacy plaintext row, read as it is and encrypted the next time it is written.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from voxlink.settings import Settings, get_settings

PREFIX = "fernet:"
MAX_SECRET_CHARS = 64  # its ciphertext (≤ 191 characters with the prefix) fits the 200-character column


class SecretUnreadable(RuntimeError):
    """A stored secret that the current key cannot decrypt (the key changed or the row was altered)."""


def seal(plaintext: str, settings: Settings | None = None) -> str:
    """The value to store for ``plaintext``."""
    if len(plaintext) > MAX_SECRET_CHARS:
        raise ValueError(f"a secret of at most {MAX_SECRET_CHARS} characters")
    return PREFIX + _fernet(_key_material(settings or get_settings())).encrypt(plaintext.encode()).decode()


def unseal(stored: str, settings: Settings | None = None) -> str:
    """The plaintext of a stored value (a legacy plaintext value is returned as it is)."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        token = stored.removeprefix(PREFIX).encode()
        return _fernet(_key_material(settings or get_settings())).decrypt(token).decode()
    except InvalidToken:
        raise SecretUnreadable("a stored secret does not decrypt with the current secret key") from None


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


@lru_cache(maxsize=8)
def _fernet(material: str) -> Fernet:
    # Any string of enough entropy is accepted as the key: SHA-256 turns it into Fernet's 32 bytes.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))


def _key_material(settings: Settings) -> str:
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    return _generated_key(settings.secret_key_file)


def _generated_key(path: Path) -> str:
    """The key in ``path``, created once: API workers racing here all end up reading the same file."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32) + "\n")
        try:
            os.link(draft, path)  # atomic and refuses to replace: the first writer's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
