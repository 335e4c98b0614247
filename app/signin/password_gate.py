"""Sign-in against the operational users (argon2 hashes), session timeout and the failed-login rate limit.

Streamlit's ``st.login`` needs an external OpenID provider, so the app checks usernames and passwords itself
(``operational.users.authenticate``) and keeps the signed-in user in the session. A session ends after
``IDLE_TIMEOUT`` without a click, after ``MAX_SESSION`` in all, or once the user is disabled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.signin import active_users
from app.signin.rate_limit import LIMITER, keys_for

SESSION_KEY = "signed_in"
NOTICE_KEY = "sign_in_notice"
IDLE_TIMEOUT = 30 * 60  # seconds without an interaction
MAX_SESSION = 12 * 60 * 60  # seconds since sign-in, whatever the activity
RECHECK = 60  # seconds between checks that the user is still active

NO_DATABASE = "The user database is not running: start it with `voxlink db up`, then reload this page."
WRONG = "Wrong username or password."


@dataclass
class Session:
    user_id: int
    username: str
    role: str
    account_id: int
    signed_in_at: float
    last_active_at: float
    checked_at: float


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def _end(notice: str | None) -> None:
    st.session_state.pop(SESSION_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def current_session(activity: bool = True) -> Session | None:
    """The signed-in session, or None once it has ended; ``activity`` (a click) extends the idle timeout.

    The wallboard's automatic refreshes pass ``activity=False``: an unattended screen still times out.
    """
    session: Session | None = st.session_state.get(SESSION_KEY)
    if session is None:
        return None
    now = time.time()
    if now - session.last_active_at > IDLE_TIMEOUT or now - session.signed_in_at > MAX_SESSION:
        _end("Your session timed out. Please sign in again.")
        return None
    if now - session.checked_at > RECHECK:
        try:
            active = active_users.is_active(_engine(), session.user_id)
        except Exception:  # the user database is down: keep the session, check again next time
            active = True
        if not active:
            _end("Your user has been disabled.")
            return None
        session.checked_at = now
    if activity:
        session.last_active_at = now
    return session


def _sign_in(username: str, password: str) -> str | None:
    """Check the credentials; start the session and return None, or return what to tell the user."""
    from operational.database import DatabaseNotRunning
    from operational.users import authenticate

    keys = keys_for(username, st.context.ip_address)
    wait = LIMITER.retry_after(keys)
    if wait > 0:
        return f"Too many failed sign-ins. Try again in {max(1, round(wait / 60))} min."
    try:
        user = authenticate(_engine(), username.strip(), password)
    except (DatabaseNotRunning, OperationalError):
        return NO_DATABASE
    if user is None:
        LIMITER.failed(keys)
        return WRONG
    LIMITER.succeeded(keys[0])
    now = time.time()
    st.session_state[SESSION_KEY] = Session(user.id, user.username, user.role, user.account_id, now, now, now)
    return None


def login_form() -> None:
    """The sign-in screen; reruns the app once signed in (the URL, and so the page and filters, is kept)."""
    st.title("VoxLink Analytics")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(notice)
    with st.form("login", enter_to_submit=True):
        username = st.text_input("Username", key="login_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        problem = _sign_in(username, password) if username and password else WRONG
        if problem:
            st.error(problem)
        else:
            st.rerun()


def sign_out() -> None:
    _end("You have signed out.")
