"""What every page reads from: the chosen account, the shared date range and the warehouse version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from app.queries.accounts import Account

_SCOPE_KEY = "scope"


@dataclass(frozen=True)
class Scope:
    account: Account
    start: date
    end: date
    version: str  # warehouse.file_version(): passed to every query so a new publish misses the cache


def set_scope(scope: Scope) -> None:
    """Called by the shell on every run, before the page runs."""
    st.session_state[_SCOPE_KEY] = scope


def current_scope() -> Scope:
    """The scope the shell set for this run."""
    return st.session_state[_SCOPE_KEY]
