"""``voxlink stream`` prints the account's live events, one line each, and refuses clearly without a key."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from operational.ingest import ingest_events
from tests.operational.api.conftest import Tenant
from tests.operational.api.stream_server import serving
from tests.operational.api.test_stream import incoming


@pytest.fixture(scope="module")
def base(engine: sa.Engine) -> Iterator[str]:
    with serving(engine, 100) as address:
        yield address


def test_voxlink_stream_prints_each_event_as_it_arrives(
    base: str, engine: sa.Engine, tenant_a: Tenant
) -> None:
    voxlink = Path(sys.executable).with_name("voxlink")
    process = subprocess.Popen(
        [str(voxlink), "stream", "--url", f"http://{base}", "--types", "call:answered"],
        env=os.environ | {"VOXLINK_API_KEY": tenant_a.key},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        events = incoming("cli-1")
        for attempt in range(
            100
        ):  # until the command is connected, a new call each time (only answers are shown)
            ingest_events(engine, tenant_a.id, enumerate(events))
            if process.stdout is not None:
                os.set_blocking(process.stdout.fileno(), False)
                line = process.stdout.readline()
                if line:
                    break
            time.sleep(0.3)
            events = incoming(f"cli-{attempt + 2}")
        else:
            pytest.fail("voxlink stream printed nothing")
    finally:
        process.kill()
        process.wait(10)
    assert "call:answered" in line and "queue=sales agent=alice" in line


def test_voxlink_stream_without_a_key_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VOXLINK_API_KEY", raising=False)
    assert main(["stream"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "VOXLINK_API_KEY" in err


def test_voxlink_stream_with_a_wrong_key_prints_the_apis_message(
    base: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VOXLINK_API_KEY", "vxk_0_wrong")
    assert main(["stream", "--url", f"http://{base}"]) == 1
    assert capsys.readouterr().err == "voxlink stream: 401: the API key is not valid or has been revoked\n"
