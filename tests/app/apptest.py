"""Driving the app in-process with Streamlit's AppTest: sign in, open pages, read what is on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from streamlit.testing.v1 import AppTest

from tests.app.conftest import PASSWORD

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def fresh(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    return app


def sign_in(app: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    app.run()
    app.text_input(key="login_username").input(username)
    app.text_input(key="login_password").input(password)
    next(button for button in app.button if button.label == "Sign in").click().run()
    return app


def signed_in(
    username: str, page: str | None = None, query: dict[str, str] | None = None, password: str = PASSWORD
) -> AppTest:
    """A session signed in as ``username`` showing ``page`` (``"abandon_rate"``), with no exception."""
    app = sign_in(fresh(query), username, password)
    assert not app.exception, [e.value for e in app.exception]
    if page:
        open_page(app, page)
    return app


def open_page(app: AppTest, page: str) -> AppTest:
    app.switch_page(f"app_pages/{page}.py").run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def follow(app: AppTest, page: str, query: dict[str, str]) -> AppTest:
    """What clicking a link to ``page`` with ``query`` does: the URL changes, then the page runs."""
    for key in list(app.query_params):
        del app.query_params[key]
    for key, value in query.items():
        app.query_params[key] = value
    return open_page(app, page)


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def links(app: AppTest) -> list[tuple[str, dict[str, str]]]:
    """Every page link on screen: its label and query parameters."""
    found = []
    for element in app.get("page_link"):
        proto = element.proto
        found.append((proto.label, dict(parse_qsl(proto.query_string, keep_blank_values=True))))
    return found


def link(app: AppTest, starts_with: str) -> dict[str, str]:
    """The query parameters of the first link whose label starts with ``starts_with``."""
    for label, query in links(app):
        if label.startswith(starts_with):
            return query
    raise AssertionError(f"no link starting {starts_with!r} in {[label for label, _ in links(app)]}")


def table(app: AppTest, index: int = 0) -> Any:
    """The ``index``-th table on screen as a pandas frame."""
    return app.dataframe[index].value


def all_text(app: AppTest) -> str:
    """Everything the page shows as text: titles, captions, tiles, tables, options, links and chart data."""
    parts: list[str] = []
    for kind in (
        "title",
        "header",
        "subheader",
        "caption",
        "markdown",
        "text",
        "info",
        "warning",
        "error",
        "success",
    ):
        parts += [str(element.value) for element in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [frame.value.to_csv() for frame in app.dataframe]
    parts += [" ".join(map(str, box.options)) for box in app.selectbox]
    parts += [label for label, _ in links(app)]
    parts += [chart.proto.spec for chart in app.get("plotly_chart")]
    return "\n".join(parts)
