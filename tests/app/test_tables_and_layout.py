"""Tables read like a product (issue 14 items 7 and 8), over north's hand-written events (fixture_events).

What the grid shows is read from the element Streamlit sends: each column's label (its column config) and each
cell's text (the styled frame's display values), while the data behind it keeps the report's columns.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from app.display import formatting as fmt
from app.display.layout import has_points
from app.shell.navigation import PAGES
from tests.app.apptest import open_page, signed_in
from tests.app.conftest import Stack

RAW_NAME = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # answered_within_sl, talk_seconds


def headers(app: AppTest, index: int) -> list[str]:
    proto = app.dataframe[index].proto
    config = json.loads(proto.columns) if proto.columns else {}
    names = list(app.dataframe[index].value.columns)
    return [config.get(name, {}).get("label", name) for name in names]


def shown(app: AppTest, index: int) -> pd.DataFrame:
    """The table's cells as the grid shows them, under its labels."""
    proto = app.dataframe[index].proto
    cells = pa.ipc.open_stream(proto.arrow_data.styler.display_values).read_pandas()
    cells.columns = headers(app, index)
    return cells.astype(str)


def test_outgoing_calls_by_agent_counts_connected_calls_and_one_not_connected_row(app_env: Stack) -> None:
    app = signed_in("north-manager", "outgoing_calls")

    by_agent = shown(app, 1)
    # O1: carol joins after a person answers, talks 60 s. O2 (a person answers, nobody joins), O3 (a machine),
    # O4 (no answer): 3 attempts no agent joined.
    assert list(by_agent.columns) == ["Agent", "Connected calls", "Talk time", "Attempts not connected",
                                      "Answered, no agent joined", "Answered by a machine", "No answer", "Busy",
                                      "Failed"]  # fmt: skip
    assert by_agent.to_numpy().tolist() == [
        ["carol", "1", "0:01:00", "–", "–", "–", "–", "–", "–"],
        ["Not connected (no agent)", "–", "–", "3", "1", "1", "1", "0", "0"],
    ]
    assert (
        "Connect rate" not in by_agent.columns
    )  # 100 % for every agent by construction: not shown per agent


def test_report_table_shows_durations_as_clock_time_and_rates_with_one_decimal(app_env: Stack) -> None:
    app = signed_in("north-manager", "outgoing_calls")

    report = shown(app, 2)
    assert list(report["Talk time"]) == ["0:00:00", "0:01:00", "0:00:00"]
    assert list(report["Connect rate"]) == ["50.0 %", "100.0 %", "0.0 %"]
    assert list(report["Agent"]) == ["Not connected (no agent)", "carol", "Not connected (no agent)"]
    assert list(app.dataframe[2].value["agent"]) == ["", "carol", ""]  # the data keeps the report's values


def test_data_health_shows_local_times_and_never_instead_of_none(app_env: Stack) -> None:
    app = signed_in("north-manager", "data_health")

    sources = shown(app, 0).set_index("Source")
    assert sources.loc["agent status", "Last loaded"] == "never"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", sources.loc["calls", "Newest event"])
    checked = set(shown(app, 1)["Checked"])
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", text) for text in checked), checked


@pytest.mark.parametrize("user", ["north-manager", "north-admin"])
def test_no_page_shows_a_raw_column_name(app_env: Stack, user: str) -> None:
    app = signed_in(user)
    role = user.removeprefix("north-")
    for spec in PAGES:
        if (
            role not in spec.roles or spec.url_path == "sql-explorer"
        ):  # the explorer shows the analyst's own SQL
            continue
        open_page(app, spec.file.removesuffix(".py").removeprefix("app_pages/"))
        for index in range(len(app.dataframe)):
            raw = [label for label in headers(app, index) if RAW_NAME.match(label)]
            assert not raw, (spec.title, index, raw)


def test_clock_durations_and_tile_hours() -> None:
    assert fmt.clock(400440) == "111:14:00"
    assert fmt.clock(34.4) == "0:00:34"
    assert fmt.clock(None) == "–"
    assert fmt.duration(3_900) == "1 h 05 min"
    assert fmt.duration(5_221_740) == "1,450 h"  # 1450 h 29 min: whole hours, so the tile never truncates


def test_a_time_carries_its_date_unless_it_is_today() -> None:
    at = datetime(2025, 3, 11, 16, 30, tzinfo=ZoneInfo("Europe/London"))
    assert fmt.moment(at, date(2025, 3, 11)) == "16:30"
    assert fmt.moment(at, date(2025, 3, 12)) == "2025-03-11 16:30"
    assert fmt.moment(None, date(2025, 3, 12)) == "never"


def test_column_labels_read_as_words() -> None:
    assert fmt.label("answered_within_sl") == "Answered within SL"
    assert fmt.label("talk_seconds") == "Talk time"
    assert fmt.label("short_abandoned") == "Short abandoned"
    assert fmt.label("newest_event_at") == "Newest event"


def test_a_chart_without_values_is_empty() -> None:
    assert not has_points(go.Figure(go.Bar(x=[], y=[])))
    assert not has_points(go.Figure(go.Scatter(x=["2025-03-11"], y=[None])))
    assert has_points(go.Figure(go.Bar(x=["2025-03-11"], y=[0])))
