"""Signed, expiring download links for finished export jobs: job id, account and expiry sealed with the secret key.

The token is sealed by ``operational.secrets_at_rest`` (Fernet: encrypted and HMAC-SHA256 signed with
``VOXLINK_SECRET_KEY`` or the generated ``HOME/secret.key``), so it cannot be forged or altered.
"""

from __future__ import annotations

import time

from operational.secrets_at_rest import PREFIX, SecretUnreadable, seal, unseal

DOWNLOAD_SECONDS = 15 * 60  # how long a download link works


class Forged(ValueError):
    """A token this API did not make (or for another job)."""


class Expired(ValueError):
    """A genuine token whose time is up."""


def make_token(
    job_id: str, account_id: int, seconds: int = DOWNLOAD_SECONDS, now: float | None = None
) -> tuple[str, int]:
    """The token and the Unix time it expires."""
    expires = int((now if now is not None else time.time()) + seconds)
    return seal(f"{job_id}:{account_id}:{expires}").removeprefix(PREFIX), expires


def check_token(token: str, job_id: str, account_id: int, now: float | None = None) -> None:
    """Nothing if ``token`` opens job ``job_id`` of account ``account_id`` now; :class:`Forged` or :class:`Expired`."""
    try:
        payload = unseal(PREFIX + token)
        token_job, token_account, expires = payload.split(":")
        fits = token_job == job_id and int(token_account) == account_id
    except (SecretUnreadable, ValueError):
        raise Forged("the download link is not valid") from None
    if not fits:
        raise Forged("the download link is not valid")
    if int(expires) < (now if now is not None else time.time()):
        raise Expired("the download link has expired: ask for the job again for a fresh one")
