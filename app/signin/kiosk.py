"""What a kiosk (a wall screen signed in by a device token) may open: the wallboard, in kiosk mode, only."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

WALLBOARD = "app_pages/wallboard.py"


def enter() -> None:
    """Put the URL in kiosk mode (big numbers, no settings) whatever link or bookmark the screen opened."""
    if st.query_params.get("kiosk") != "1":
        st.query_params["kiosk"] = "1"


def navigation() -> StreamlitPage:
    """The kiosk's one page: any other URL lands on the wallboard (its device token's scope)."""
    page = st.Page(WALLBOARD, title="Live wallboard", url_path="wallboard", default=True)
    return st.navigation([page], position="hidden")
