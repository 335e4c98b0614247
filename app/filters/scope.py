"""What every page reads from: the signed-in viewer, their account, the shared filters and the warehouse version.

The shell builds one ``Scope`` per run and pages hand it to the query layer, which takes the account (and, for
an agent, the agent) from ``scope.viewer``: a page cannot ask for another account's rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

import streamlit as st

from app.queries.accounts import Account
from app.signin.access import Viewer

_SCOPE_KEY = "scope"


@dataclass(frozen=True)
class Filters:
    """The sidebar's shared filters; None means every queue / campaign / agent."""

    start: date
    end: date
    queue: str | None = None
    campaign: str | None = None
    agent: str | None = None


@dataclass(frozen=True)
class Scope:
    viewer: Viewer
    account: Account
    filters: Filters
    version: str  # warehouse.file_version(): passed to every query so a new publish misses the cache

    @property
    def start(self) -> date:
        return self.filters.start

    @property
    def end(self) -> date:
        return self.filters.end

    @property
    def agent(self) -> str | None:
        """The agent whose figures are shown: always the viewer themself for the agent role."""
        return self.viewer.agent if self.viewer.is_agent else self.filters.agent

    def with_range(self, start: date, end: date) -> Scope:
        return replace(self, filters=replace(self.filters, start=start, end=end))

    def previous_period(self) -> Scope:
        """The same number of days just before this range: what "change vs previous period" compares with."""
        days = (self.end - self.start).days + 1
        return self.with_range(self.start - timedelta(days=days), self.start - timedelta(days=1))


# One of a page's reads: a query function of the scope, run with the page's widgets at their defaults. Each page
# declares its reads in ``READS``; app.shell.prefetch runs them ahead of a visit.
PageRead = Callable[[Scope], object]


def set_scope(scope: Scope) -> None:
    """Called by the shell on every run, before the page runs."""
    st.session_state[_SCOPE_KEY] = scope


def current_scope() -> Scope:
    """The scope the shell set for this run."""
    return st.session_state[_SCOPE_KEY]
