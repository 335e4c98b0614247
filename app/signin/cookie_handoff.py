"""One-time codes that carry a new session's cookie from a Streamlit run to the browser's cookie jar.

Streamlit talks to the browser over a WebSocket, which cannot set a cookie, and a cookie page scripts could
read is what HttpOnly forbids. So a sign-in leaves its cookie here under a random code, the page POSTs the code
to ``/_voxlink/session`` (app/signin/session_routes.py, same process, same origin), and that response sets the
HttpOnly cookie. A code works once, for ``CODE_SECONDS``, and only in this server process.
"""

from __future__ import annotations

import secrets
import threading
import time

CODE_SECONDS = 60.0

_lock = threading.Lock()
_waiting: dict[str, tuple[str, float]] = {}  # code → (cookie value, monotonic deadline)


def offer(cookie: str) -> str:
    """Leave ``cookie`` for the browser to fetch; the code to hand to it."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, deadline) in _waiting.items() if deadline < now]:
            del _waiting[stale]
        _waiting[code] = (cookie, now + CODE_SECONDS)
    return code


def take(code: str) -> str | None:
    """The cookie left under ``code`` (once), or None when the code is unknown, spent or too old."""
    with _lock:
        found = _waiting.pop(code, None)
    if found is None or found[1] < time.monotonic():
        return None
    return found[0]
