"""Dialer compliance's window edges, worked out by hand: the 30-day window is the 30 local days ending with its day.

Account "windows" is in America/New_York, where daylight saving time ends on 2026-11-01. Outbound calls, each
answered by a person; a drop is connected to an agent more than 2 s after the answer:
  - promo P1 2026-10-03 23:30 local (03:30Z on 10-04): a drop. Local day 10-03, the first day of the 30 local
    days ending 11-01 (10-03 … 11-01) and outside the 30 ending 11-02 (10-04 … 11-02).
  - promo P2 2026-10-04: not a drop.      - promo P3 2026-11-01 (the 25-hour day): not a drop.
  - promo P4 2026-11-02: a drop.          - renewals R1 2026-10-04: not a drop (no call within the range).
Report 2026-11-01 … 2026-11-03:
  promo 30d: ending 11-01 = P1 P2 P3 → 3, 1 drop; ending 11-02 = P2 P3 P4 → 3, 1; ending 11-03 = P3 P4 → 2, 1.
  promo 24h: 11-01 = P3 → 1, 0; 11-02 = P4 → 1, 1; 11-03 none → no row.
  renewals 30d: ending 11-01 and 11-02 = R1 → 1, 0; ending 11-03 (10-05 … 11-03) none → no row; no 24h rows.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest
import sqlalchemy as sa

from cli.main import main
from operational.accounts import create_account
from pipelines.refresh import run_refresh
from tests.transforms.metric_cases import _call

HUMAN = {"answered_by": "human"}


def _outbound(call_id: str, start: str, campaign: str, connect_after: float) -> list[dict[str, object]]:
    """A person answers 5 s after ``start`` (UTC) and an agent joins ``connect_after`` seconds later."""
    return _call(call_id, "outbound", start, [
        ("call.answered", 5, HUMAN),
        ("call.connected", 5 + connect_after, {"agent": "dave"}),
        ("call.ended", 65, {"reason": "completed"}),
    ], campaign=campaign)  # fmt: skip


EVENTS = [
    *_outbound("P1", "2026-10-04T03:30:00", "promo", 3.0),
    *_outbound("P2", "2026-10-04T16:00:00", "promo", 1.0),
    *_outbound("P3", "2026-11-01T16:00:00", "promo", 2.0),
    *_outbound("P4", "2026-11-02T16:00:00", "promo", 2.5),
    *_outbound("R1", "2026-10-04T17:00:00", "renewals", 1.0),
]

EXPECTED = """\
campaign,window,window_end,human_answered,drops,drop_rate,compliant
promo,24h,2026-11-01,1,0,0.0000,true
promo,24h,2026-11-02,1,1,1.0000,false
promo,30d,2026-11-01,3,1,0.3333,false
promo,30d,2026-11-02,3,1,0.3333,false
promo,30d,2026-11-03,2,1,0.5000,false
renewals,30d,2026-11-01,1,0,0.0000,true
renewals,30d,2026-11-02,1,0,0.0000,true
"""


@pytest.fixture(scope="module")
def windows_built(engine: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> None:
    events = tmp_path_factory.mktemp("windows") / "events.jsonl"
    events.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in EVENTS))
    create_account(engine, "windows", "America/New_York")
    assert main(["ingest", str(events), "--account", "windows", "--quiet"]) == 0
    run_refresh(refresh_at=datetime.fromisoformat("2026-11-04T00:00:00+00:00"))


def _export(start: str, end: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    args = ["export", "dialer-compliance", "--account", "windows", "--start", start, "--end", end]
    assert main(args) == 0
    return capsys.readouterr().out


def test_thirty_day_window_is_the_thirty_local_days_ending_with_its_day(
    windows_built: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _export("2026-11-01", "2026-11-03", capsys) == EXPECTED


def test_a_window_with_no_person_answering_has_no_row(
    windows_built: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # 30 days after promo's last call (11-02) its window is empty: 12-01 is its last 30d row, 12-02 has none
    assert _export("2026-12-01", "2026-12-02", capsys) == (
        "campaign,window,window_end,human_answered,drops,drop_rate,compliant\n"
        "promo,30d,2026-12-01,1,1,1.0000,false\n"
    )
