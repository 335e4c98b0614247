"""The call-status page over a tiny hand-written served warehouse, driven by Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from voxlink import warehouse
from voxlink.settings import get_settings

APP = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"

# Acme in its default range, worked out by hand from CALL_STATUS_ROWS in tests/app/conftest.py.
ACME_TOTAL = 2 + 5 + 2 + 3 + 4 + 1  # 17
ACME_INBOUND = 2 + 5 + 2 + 1  # 10
ACME_OUTBOUND = 3 + 4  # 7
ACME_CSV_INBOUND = (
    "date,direction,status,calls\n"
    "2025-02-11,inbound,voicemail,2\n"
    "2025-03-10,inbound,abandoned,2\n"
    "2025-03-10,inbound,completed,5\n"
    "2025-03-12,inbound,in_progress,1\n"
)


@pytest.fixture
def voxlink_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh VOXLINK_HOME with nothing published, and no connection or cached result from another test."""
    monkeypatch.setenv("VOXLINK_HOME", str(tmp_path))
    get_settings.cache_clear()
    warehouse.close_all()
    st.cache_data.clear()
    yield tmp_path
    warehouse.close_all()
    st.cache_data.clear()
    get_settings.cache_clear()


@pytest.fixture
def served_warehouse(voxlink_home: Path, build_served_warehouse: Callable[[Path], Path]) -> Path:
    return build_served_warehouse(get_settings().served_db)


@pytest.fixture
def stored_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes of every file the app hands to Streamlit's media storage, by file id."""
    stored: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        file_id = original(self, path_or_data, mimetype, kind, filename)
        stored[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    return stored


def run_app() -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def tiles(app: AppTest) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


def test_page_shows_the_chosen_accounts_calls_only(served_warehouse: Path) -> None:
    app = run_app()

    assert app.selectbox(key="account_id").value == 7  # Acme Ltd sorts first
    assert tiles(app) == {
        "Total calls": str(ACME_TOTAL),
        "Completed": str(5 + 3),
        "Abandoned": "2",
        "In progress": "1",
    }
    assert "Acme Ltd · Data as of 2025-03-13 06:00 GMT" in [caption.value for caption in app.caption]


def test_default_range_is_the_last_30_days_with_data(served_warehouse: Path) -> None:
    app = run_app()

    assert app.date_input(key="date_range_7").value == (date(2025, 2, 11), date(2025, 3, 12))


def test_direction_filter_changes_the_totals(served_warehouse: Path) -> None:
    app = run_app()

    app.button_group(key="direction").set_value("inbound").run()
    assert tiles(app)["Total calls"] == str(ACME_INBOUND)
    assert tiles(app)["Completed"] == "5"

    app.button_group(key="direction").set_value("outbound").run()
    assert tiles(app)["Total calls"] == str(ACME_OUTBOUND)
    assert tiles(app)["Abandoned"] == "0"


def test_table_has_the_report_contract_columns(served_warehouse: Path) -> None:
    app = run_app()

    table = app.dataframe[0].value
    assert list(table.columns) == ["date", "direction", "status", "calls"]
    assert len(table) == 6
    assert len(app.get("plotly_chart")) == 1


def test_csv_download_is_the_export_of_the_filtered_report(
    served_warehouse: Path, stored_downloads: dict[str, bytes]
) -> None:
    app = run_app()
    app.button_group(key="direction").set_value("inbound").run()

    button = app.download_button[0].proto
    assert button.url.rsplit("/", 1)[-1].split(".")[0] in stored_downloads
    data = stored_downloads[button.url.rsplit("/", 1)[-1].split(".")[0]]
    assert data.decode("utf-8") == ACME_CSV_INBOUND


def test_switching_account_shows_that_accounts_calls(served_warehouse: Path) -> None:
    app = run_app()

    app.selectbox(key="account_id").set_value(3).run()
    assert not app.exception
    assert tiles(app)["Total calls"] == "1,307"  # 1000 + 300 + 7, shown with a thousands separator
    assert tiles(app)["Abandoned"] == "300"
    assert "Globex Corp · Data as of 2025-03-13 02:00 EDT" in [caption.value for caption in app.caption]


def test_no_warehouse_yet_tells_the_user_to_refresh(voxlink_home: Path) -> None:
    app = run_app()

    assert len(app.info) == 1
    assert "voxlink refresh" in app.info[0].value
    assert not app.metric
