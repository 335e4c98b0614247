"""The refresh cadence: every minute by default, one refresher at a time, and `--every` refuses nonsense."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from cli.main import main
from pipelines.definitions import refresh_schedule
from pipelines.refresh_history import refresh_cron
from pipelines.refresher_pid import PID_FILE, running_refresher
from voxlink.settings import Settings, get_settings


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VOXLINK_HOME", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_the_default_cadence_is_every_minute_and_stale_after_three(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOXLINK_REFRESH_INTERVAL_MINUTES", raising=False)  # conftest pins the older tests' 5
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    assert defaults.refresh_interval_minutes == 1
    assert refresh_cron(defaults.refresh_interval_minutes) == "*/1 * * * *"
    assert defaults.stale_after_seconds == 180


def test_the_schedule_leaves_the_refreshes_to_a_running_warm_refresher(home: Path) -> None:
    state = get_settings().state_dir
    state.mkdir(parents=True)
    (state / PID_FILE).write_text(str(os.getpid()))
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = refresh_schedule(dg.build_schedule_context(instance=instance))
    assert isinstance(outcome, dg.SkipReason)
    assert f"pid {os.getpid()}" in (outcome.skip_message or "")


def test_a_dead_refreshers_pid_file_does_not_hold_the_schedule(home: Path) -> None:
    state = get_settings().state_dir
    state.mkdir(parents=True)
    (state / PID_FILE).write_text("4194304")  # above Linux's pid_max: no such process
    assert running_refresher() is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["refresh", "--every", "0"], "--every must be at least 1 second, got 0"),
        (["refresh", "--every", "60", "--full"], "--every refreshes incrementally"),
    ],
)
def test_refresh_every_refuses_a_bad_cadence_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
