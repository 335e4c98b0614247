"""When the served warehouse was published: the "data as of" every page shows."""

from __future__ import annotations

import streamlit as st

from app.queries import CACHE_TTL
from voxlink import warehouse


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def publish_info(version: str) -> warehouse.PublishInfo:
    """The publish record of the served file; ``version`` (its ``file_version()``) keys the cache."""
    return warehouse.publish_info()
