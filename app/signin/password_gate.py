"""Sign-in against the operational users (argon2 hashes), session timeout and the failed-login rate limit.

Streamlit's ``st.login`` needs an external OpenID provider, so the app checks usernames and passwords itself
(``operational.users.authenticate``) and keeps the signed-in user in the Streamlit session. A sign-in also starts
a browser session (app/signin/browser_sessions.py) whose HttpOnly cookie signs the same browser in again after a
reload or in a new tab. A user's session ends after ``IDLE_TIMEOUT`` without a click, after ``MAX_SESSION`` in
all, on sign-out (in any tab), or once the user is disabled. A kiosk (a device token's session) has no idle
timeout: it only watches the wallboard, until its token is revoked or its session expires.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.signin import browser_sessions, cookie_handoff
from app.signin.rate_limit import LIMITER, keys_for

SESSION_KEY = "signed_in"
NOTICE_KEY = "sign_in_notice"
IDLE_TIMEOUT = 30 * 60  # seconds without an interaction
MAX_SESSION = 12 * 60 * 60  # seconds since sign-in, whatever the activity
RECHECK = (
    60  # seconds between checks that the session is still good (user active, not signed out, not revoked)
)
HANDOFF_KEY = "cookie_handoff"  # a code the next run hands to the browser to set the cookie
FORGET_KEY = "cookie_forget"  # the next run asks the browser to delete the cookie

# The time every timeout is measured with; tests replace it to let 40 idle minutes pass at once.
CLOCK: Callable[[], float] = time.time

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
    browser_session_id: int | None = None
    kiosk: bool = False  # a device token's wall screen: no idle timeout, the wallboard only


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def _end(notice: str | None) -> None:
    session: Session | None = st.session_state.pop(SESSION_KEY, None)
    if session is not None and session.browser_session_id is not None:
        # The cookie must not sign this browser in again: its row is revoked, in every tab at once. With the
        # user database down, the cookie's own expiry still ends it.
        with contextlib.suppress(Exception):
            browser_sessions.revoke(_engine(), session.browser_session_id)
        st.session_state[FORGET_KEY] = True
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _from_cookie(now: float) -> Session | None:
    """The session the browser's cookie still holds (a reload, a bookmark, a new tab), or None."""
    cookie = st.context.cookies.get(browser_sessions.COOKIE)
    if not cookie or st.session_state.get(FORGET_KEY):  # this tab signed out: its old cookie stays unread
        return None
    try:
        held = browser_sessions.holder(_engine(), cookie, datetime.fromtimestamp(now, UTC))
    except Exception:  # the user database is down: the sign-in form says so
        return None
    if held is None:
        return None
    session = session_of(held, now)
    st.session_state[SESSION_KEY] = session
    return session


def session_of(held: browser_sessions.Holder, now: float) -> Session:
    """The app session a good cookie's holder starts (its sign-in time is the cookie's: a reload never extends it)."""
    return Session(
        held.user_id or 0, held.username, held.role, held.account_id,
        held.signed_in_at.timestamp(), now, now, held.session_id, held.kiosk,
    )  # fmt: skip


def _timed_out(session: Session, now: float) -> bool:
    if session.kiosk:  # a wall screen only watches; its session's expiry and revocation end it
        return False
    return now - session.last_active_at > IDLE_TIMEOUT or now - session.signed_in_at > MAX_SESSION


def _still_good(session: Session, now: float) -> bool:
    if session.browser_session_id is None:
        return True
    try:
        return browser_sessions.still_good(
            _engine(), session.browser_session_id, datetime.fromtimestamp(now, UTC)
        )
    except Exception:  # the user database is down: keep the session, check again next time
        return True


def current_session(activity: bool = True) -> Session | None:
    """The signed-in session, or None once it has ended; ``activity`` (a click) extends the idle timeout.

    With no session yet, the browser's sign-in cookie (if good) starts one. The wallboard's automatic refreshes
    pass ``activity=False``: an unattended screen still times out, unless it is a kiosk.
    """
    now = CLOCK()
    session: Session | None = st.session_state.get(SESSION_KEY) or _from_cookie(now)
    if session is None:
        return None
    if _timed_out(session, now):
        _end("Your session timed out. Please sign in again.")
        return None
    if now - session.checked_at > RECHECK:
        if not _still_good(session, now):
            _end("Your sign-in has ended (signed out, disabled or revoked). Please sign in again.")
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
    now = CLOCK()
    browser_session_id, cookie = browser_sessions.start_for_user(
        _engine(), user.id, datetime.fromtimestamp(now, UTC)
    )
    st.session_state[SESSION_KEY] = Session(
        user.id, user.username, user.role, user.account_id, now, now, now, browser_session_id
    )
    st.session_state[HANDOFF_KEY] = cookie_handoff.offer(cookie)
    st.session_state.pop(FORGET_KEY, None)
    return None


def _post(path: str, body: str = "") -> None:
    """A same-origin POST from the page (what sets or deletes the HttpOnly cookie: see session_routes)."""
    st.html(
        f"<script>fetch({json.dumps(path)}, {{method: 'POST', credentials: 'same-origin', "
        f"body: {json.dumps(body)}}});</script>",
        unsafe_allow_javascript=True,
    )


def keep_in_browser() -> None:
    """Once after a sign-in: have the browser store the session's cookie (so a reload stays signed in)."""
    code = st.session_state.pop(HANDOFF_KEY, None)
    # the slot is drawn on every run, so the page's elements keep their places whether the handoff runs or not:
    # a run that drew one element more shifted every element after it, and the browser showed the first run's
    # tiles beside the next run's (a browser test saw every tile twice)
    with st.empty():
        if code:
            _post("/_voxlink/session", code)


def login_form() -> None:
    """The sign-in screen; reruns the app once signed in (the URL, and so the page and filters, is kept)."""
    st.title("VoxLink Analytics")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if st.session_state.get(FORGET_KEY):
        _post("/_voxlink/sign-out")  # the session is already revoked; this deletes the browser's cookie
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
