"""Filters in the URL query string, so a view can be shared as a link and a drill-down can pre-filter a page.

Each run the shell compares the URL with what the app last wrote there. If they differ, the URL came from
outside (a shared link, a drill-down link, the back button): widgets take their values from it before they
are drawn. At the end of the run the URL is rewritten from the widgets' values, holding only the keys this
page and the sidebar use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
_WRITTEN = "_url_written"
_FROM_OUTSIDE = "_url_from_outside"
_CLAIMED = "_url_claimed"


def begin_run() -> None:
    """Call once per run, before any widget: note whether the URL changed outside the app."""
    current = st.query_params.to_dict()
    st.session_state[_FROM_OUTSIDE] = current != st.session_state.get(_WRITTEN)
    st.session_state[_CLAIMED] = {}


def from_outside() -> bool:
    return bool(st.session_state.get(_FROM_OUTSIDE))


def seed(param: str, widget_key: str, parse: Callable[[str], T | None], default: Any = None) -> None:
    """Before drawing a widget: give it the URL's value of ``param`` if the URL came from outside, else
    ``default`` if it has no value yet. The widget is then drawn without a default of its own.

    ``parse`` returns None for a value the widget cannot take (it is then ignored).
    """
    if from_outside() and param in st.query_params:
        value = parse(st.query_params[param])
        if value is not None:
            st.session_state[widget_key] = value
            return
    if default is not None and widget_key not in st.session_state:
        st.session_state[widget_key] = default


def publish(param: str, text: str | None) -> None:
    """Keep ``param`` in the URL with ``text`` (None leaves it out)."""
    claimed: dict[str, str] = st.session_state.setdefault(_CLAIMED, {})
    if text is None:
        claimed.pop(param, None)
    else:
        claimed[param] = text


def end_run() -> None:
    """Rewrite the URL from what this run published, dropping every other key."""
    wanted: dict[str, str] = dict(st.session_state.get(_CLAIMED, {}))
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)
    st.session_state[_WRITTEN] = wanted


def choice(options: Sequence[T]) -> Callable[[str], T | None]:
    """A parser accepting only one of ``options`` (compared as text)."""
    by_text: dict[str, Any] = {str(option): option for option in options}
    return lambda text: by_text.get(text)
