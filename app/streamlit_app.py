"""VoxLink Analytics, the Streamlit shell: sign-in gate, role-based navigation, shared filters, "data as of".

Run from the repository root (``voxlink app``) so ``.streamlit/config.toml`` is found. Pages live in
``app/app_pages/`` and read only through ``app/queries/``, which scopes every query to the signed-in account.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from app.filters import sidebar, url_state
from app.filters.scope import Scope, set_scope
from app.queries import accounts, dates, dimensions, publish
from app.shell import foreground, prefetch, warmup
from app.shell.navigation import pages_for
from app.signin import kiosk, password_gate
from app.signin.access import AGENT, NotPermitted, Viewer, agent_candidates
from voxlink import warehouse
from voxlink.files import owner_only

owner_only()  # the app's own files (caches, downloads it writes) are 600/700 like everything else

NO_WAREHOUSE = (
    "No warehouse has been published yet. Run `voxlink refresh` (or `voxlink demo` for sample data), "
    "then reload this page."
)
NO_ACCOUNT_DATA = (
    "Your account has no published data yet. Send it some events and run `voxlink refresh` "
    "(the pipeline's schedule does this every few minutes)."
)


def _viewer(session: password_gate.Session, version: str) -> Viewer:
    agent = None
    if session.role == AGENT:
        candidates = agent_candidates(session.username)
        # an agent user that matches no agent still sees only an agent of their own name: nothing, not all
        agent = accounts.agent_named(session.account_id, candidates, version) or session.username
    return Viewer(session.user_id, session.username, session.role, session.account_id, agent)


def _sidebar_user(viewer: Viewer, account: accounts.Account) -> None:
    st.sidebar.caption(f"Signed in as **{viewer.username}** ({viewer.role}) · {account.name}")
    st.sidebar.button("Sign out", on_click=password_gate.sign_out, key="sign_out")


def run() -> None:
    warmup.start()
    session = password_gate.current_session()
    if session is None:
        # Resolve the URL's page now but draw only the sign-in form: after it the same page and filters open.
        st.navigation(pages_for(None), position="hidden")
        password_gate.login_form()
        return
    password_gate.keep_in_browser()  # once after a sign-in: the cookie that survives a reload
    if session.kiosk:
        kiosk.enter()
    url_state.begin_run()
    version = warehouse.file_version()
    account = accounts.account(session.account_id, version)
    if account is None:
        st.info(NO_ACCOUNT_DATA)
        st.sidebar.button("Sign out", on_click=password_gate.sign_out, key="sign_out")
        return
    viewer = _viewer(session, version)
    navigation = kiosk.navigation() if session.kiosk else st.navigation(pages_for(viewer.role), expanded=True)
    names = {
        kind: dimensions.names(kind, account.account_id, version) for kind in ("queue", "campaign", "agent")
    }
    newest = dates.newest_date(account.account_id, version)
    shared = sidebar.sidebar_filters(viewer, account, newest, names)
    _sidebar_user(viewer, account)  # below the filters, which come first so they are in sight
    scope = Scope(viewer=viewer, account=account, filters=shared, version=version)
    set_scope(scope)

    published_at = publish.publish_info(version).published_at.astimezone(ZoneInfo(account.timezone))
    st.caption(f"{account.name} · Data as of {published_at:%Y-%m-%d %H:%M %Z}")
    try:
        navigation.run()
    except NotPermitted as refused:
        st.error(f"Not available: {refused}")
    sidebar.close_on_phone_after_choice()
    url_state.end_run()
    prefetch.request(scope)  # the other pages' reads for these filters, while this page is read


st.set_page_config(page_title="VoxLink Analytics", layout="wide")
with foreground.page_run():  # the warm-up and the prefetch wait meanwhile (app/shell/foreground.py)
    try:
        run()
    except warehouse.WarehouseMissing:
        st.info(NO_WAREHOUSE)
