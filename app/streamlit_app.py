"""VoxLink Analytics, the Streamlit shell: page config, the shared sidebar filters, "data as of", navigation.

There is no login yet: the sidebar offers every account in the warehouse. Login (argon2 passwords, roles,
role-based navigation) arrives with the BI-app issue and replaces the account chooser with the signed-in
user's account. Run from the repository root (``voxlink app``) so ``.streamlit/config.toml`` is found.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from app import filters
from app.queries import accounts, dates, publish
from app.scope import Scope, set_scope
from voxlink import warehouse

# Sections of the sidebar navigation; a new page is one more st.Page over a file in app/app_pages/.
PAGES = {
    "Reports": [
        st.Page("app_pages/call_status.py", title="Call status", url_path="call-status", default=True),
    ],
}

NO_WAREHOUSE = (
    "No warehouse has been published yet. Run `voxlink refresh` (or `voxlink demo` for sample data), "
    "then reload this page."
)
NO_ACCOUNTS = (
    "The warehouse holds no accounts yet. Create one with `voxlink accounts create`, send it some events "
    "and run `voxlink refresh`."
)


def run() -> None:
    version = warehouse.file_version()
    choices = accounts.all_accounts(version)
    if not choices:
        st.info(NO_ACCOUNTS)
        st.stop()

    navigation = st.navigation(PAGES)
    account = filters.account_chooser(choices)
    start, end = filters.date_range_filter(account, dates.newest_date(account.account_id, version))
    set_scope(Scope(account=account, start=start, end=end, version=version))

    published_at = publish.publish_info(version).published_at.astimezone(ZoneInfo(account.timezone))
    st.caption(f"{account.name} · Data as of {published_at:%Y-%m-%d %H:%M %Z}")
    navigation.run()


st.set_page_config(page_title="VoxLink Analytics", layout="wide")
try:
    run()
except warehouse.WarehouseMissing:
    st.info(NO_WAREHOUSE)
