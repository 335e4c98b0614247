"""The app's pages, their sections and which roles see them: the navigation is built from this list per role.

A page a role does not see is not in its menu; its URL still resolves, to a hidden page that says it is not
available to the role (rather than landing silently on Overview), and the query layer refuses the page's queries
for that role as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from app.signin.access import EVERYONE, REPORT_ROLES, SQL_ROLES, SUBSCRIPTION_ROLES


@dataclass(frozen=True)
class PageSpec:
    file: str  # relative to app/streamlit_app.py
    title: str
    url_path: str
    section: str
    roles: tuple[str, ...]


PAGES = (
    PageSpec("app_pages/overview.py", "Overview", "overview", "Dashboards", EVERYONE),
    PageSpec("app_pages/wallboard.py", "Live wallboard", "wallboard", "Dashboards", EVERYONE),
    PageSpec("app_pages/call_status.py", "Call status", "call-status", "Calls", REPORT_ROLES),
    PageSpec(
        "app_pages/abandon_rate.py", "Abandon rate & service level", "abandon-rate", "Calls", REPORT_ROLES
    ),
    PageSpec(
        "app_pages/outgoing_calls.py", "Outgoing calls & campaigns", "outgoing-calls", "Calls", EVERYONE
    ),
    PageSpec(
        "app_pages/dialer_compliance.py", "Dialer compliance", "dialer-compliance", "Calls", REPORT_ROLES
    ),
    PageSpec("app_pages/dispositions.py", "Dispositions", "dispositions", "Calls", REPORT_ROLES),
    PageSpec("app_pages/call_report.py", "Call report", "call-report", "Calls", EVERYONE),
    PageSpec("app_pages/user_status.py", "User status", "user-status", "Agents", EVERYONE),
    PageSpec("app_pages/leaderboard.py", "Leaderboard", "leaderboard", "Agents", REPORT_ROLES),
    PageSpec("app_pages/sms_mms.py", "SMS / MMS", "sms-mms", "Messages", REPORT_ROLES),
    PageSpec("app_pages/sql_explorer.py", "SQL explorer", "sql-explorer", "Data", SQL_ROLES),
    PageSpec("app_pages/data_health.py", "Data health", "data-health", "Data", REPORT_ROLES),
    PageSpec(
        "app_pages/subscriptions.py", "Report subscriptions", "subscriptions", "E-mail", SUBSCRIPTION_ROLES
    ),
    PageSpec("app_pages/alerts.py", "Alerts", "alerts", "E-mail", SUBSCRIPTION_ROLES),
)


NOT_FOR_ROLE = "{title} is not available to your role ({role})."


def _refusal(spec: PageSpec, role: str) -> StreamlitPage:
    """A hidden page at ``spec``'s URL that says the role may not see it."""

    def refuse() -> None:
        st.title(spec.title)
        st.warning(NOT_FOR_ROLE.format(title=spec.title, role=role))

    return st.Page(refuse, title=spec.title, url_path=spec.url_path, visibility="hidden")


def pages_for(role: str | None) -> dict[str, list[StreamlitPage]]:
    """The navigation sections for ``role`` (None: every page, for resolving a URL before sign-in).

    The pages outside the role are hidden pages of their own section that only refuse.
    """
    sections: dict[str, list[StreamlitPage]] = {}
    for spec in PAGES:
        if role is None or role in spec.roles:
            page = st.Page(spec.file, title=spec.title, url_path=spec.url_path, default=spec is PAGES[0])
            sections.setdefault(spec.section, []).append(page)
        else:
            sections.setdefault(spec.section, []).append(_refusal(spec, role))
    return sections


def visible_titles(role: str) -> list[str]:
    return [spec.title for spec in PAGES if role in spec.roles]
