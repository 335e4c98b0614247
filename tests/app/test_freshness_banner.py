"""The freshness banner the Data health page and the wallboard show: green, amber, or a red stale banner."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pipelines.staleness_fixtures import publish_served


def banner_script() -> None:
    from app.components.freshness import banner
    from voxlink import warehouse

    banner(warehouse.file_version(), "America/New_York")


@pytest.fixture(scope="module", autouse=True)
def own_home(db_url: str) -> None:
    """A module home of its own: the served file here is the test's, not another module's warehouse."""


def shown(minutes_ago: float, version: int) -> AppTest:
    publish_served(version, minutes_ago)
    app = AppTest.from_function(banner_script, default_timeout=30).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_fresh_data_shows_a_green_line_with_the_age_and_the_schedule() -> None:
    app = shown(3, version=1)
    (line,) = [m.value for m in app.markdown]
    assert line.startswith(":green-background[:material/check_circle: Data as of ")
    assert " EST — " in line or " EDT — " in line  # the account's clock
    assert line.endswith("— 3 min old; refreshed every 5 min]")
    assert not app.success and not app.warning and not app.error


def test_late_data_shows_amber() -> None:
    app = shown(12, version=2)
    (line,) = [m.value for m in app.markdown]
    assert line.startswith(":orange-background[:material/schedule: Data as of ")
    assert line.endswith(
        "12 min old; refreshed every 5 min — the latest scheduled refresh has not published yet]"
    )
    assert not app.error


def test_stale_data_shows_a_red_banner() -> None:
    app = shown(45, version=3)
    assert not app.markdown
    assert app.error[0].value.startswith("Stale data: Data as of ")
    assert "45 min old; refreshed every 5 min. Refreshes are failing or stuck" in app.error[0].value
