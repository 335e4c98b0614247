"""The dialer's pure rules: calling window across time zones, DNC, attempts, spacing, lines, throttling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from operational.dialer.rules import (
    Contact,
    Rules,
    Verdict,
    contact_zones,
    decide,
    lines_to_dial,
    next_window_open,
    over_drop_limit,
)

NOW = datetime(
    2026, 11, 2, 13, 30, tzinfo=UTC
)  # New York 08:30 EST, Los Angeles 05:30, London 13:30, Tokyo 22:30
RULES = Rules(max_attempts=3, retry_spacing=timedelta(minutes=60))


def contact(
    phone: str, timezone: str | None = None, attempts: int = 0, last: datetime | None = None
) -> Contact:
    return Contact(1, phone, timezone, attempts, last)


def verdict(c: Contact, now: datetime = NOW, dnc: bool = False) -> Verdict:
    return decide(c, now, dnc, RULES).verdict


def test_zone_comes_from_the_number_unless_the_contact_has_one() -> None:
    assert [z.key for z in contact_zones("+12125550100")] == ["America/New_York"]
    assert [z.key for z in contact_zones("+14155550100")] == ["America/Los_Angeles"]
    assert [z.key for z in contact_zones("+442079460000")] == ["Europe/London"]
    assert [z.key for z in contact_zones("+14155550100", "Asia/Tokyo")] == ["Asia/Tokyo"]


def test_calling_window_is_contact_local_across_zones() -> None:
    assert verdict(contact("+12125550100")) is Verdict.DIALED  # 08:30 in New York
    assert verdict(contact("+14155550100")) is Verdict.SKIPPED_WINDOW  # 05:30 in Los Angeles
    assert verdict(contact("+442079460000")) is Verdict.DIALED  # 13:30 in London
    assert verdict(contact("+12125550100", "Asia/Tokyo")) is Verdict.SKIPPED_WINDOW  # 22:30 in Tokyo


def test_window_edges_08_00_open_21_00_closed() -> None:
    ny = contact("+12125550100")
    assert verdict(ny, datetime(2026, 11, 2, 13, 0, tzinfo=UTC)) is Verdict.DIALED  # 08:00:00 EST
    assert verdict(ny, datetime(2026, 11, 2, 12, 59, 59, tzinfo=UTC)) is Verdict.SKIPPED_WINDOW
    assert verdict(ny, datetime(2026, 11, 3, 1, 59, 59, tzinfo=UTC)) is Verdict.DIALED  # 20:59:59 EST
    assert verdict(ny, datetime(2026, 11, 3, 2, 0, tzinfo=UTC)) is Verdict.SKIPPED_WINDOW  # 21:00:00 EST


def test_window_follows_daylight_saving() -> None:
    ny = contact("+12125550100")
    # 12:30 UTC is 08:30 EDT on 30 October but 07:30 EST on 2 November (clocks went back on 1 November)
    assert verdict(ny, datetime(2026, 10, 30, 12, 30, tzinfo=UTC)) is Verdict.DIALED
    assert verdict(ny, datetime(2026, 11, 2, 12, 30, tzinfo=UTC)) is Verdict.SKIPPED_WINDOW


def test_a_skipped_contact_is_due_again_when_its_window_opens() -> None:
    la = decide(contact("+14155550100"), NOW, False, RULES)
    assert la.next_attempt_at == datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 08:00 PST
    tokyo = decide(contact("+14155550100", "Asia/Tokyo"), NOW, False, RULES)
    assert tokyo.next_attempt_at == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)  # 08:00 JST on 3 November
    assert next_window_open(NOW, contact_zones("+12125550100")) == NOW


def test_dnc_and_exhaustion_come_before_the_window() -> None:
    assert verdict(contact("+14155550100"), dnc=True) is Verdict.SKIPPED_DNC
    assert verdict(contact("+12125550100", attempts=3), dnc=True) is Verdict.EXHAUSTED
    assert verdict(contact("+12125550100", attempts=2)) is Verdict.DIALED


def test_retry_spacing() -> None:
    early = decide(contact("+12125550100", attempts=1, last=NOW - timedelta(minutes=59)), NOW, False, RULES)
    assert early.verdict is Verdict.NOT_DUE and early.next_attempt_at == NOW + timedelta(minutes=1)
    assert verdict(contact("+12125550100", attempts=1, last=NOW - timedelta(minutes=60))) is Verdict.DIALED


def test_lines_per_agent_by_campaign_type_and_throttle() -> None:
    assert lines_to_dial("power", 3, False, available_agents=4, lines_in_use=1) == 3
    assert lines_to_dial("parallel", 3, False, available_agents=4, lines_in_use=1) == 11
    assert lines_to_dial("parallel", 3, True, available_agents=4, lines_in_use=1) == 3
    assert lines_to_dial("power", 1, False, available_agents=0, lines_in_use=2) == 0


def test_throttle_only_above_three_percent() -> None:
    assert not over_drop_limit(3, 100)  # exactly 3 % is within
    assert over_drop_limit(4, 100)
    assert over_drop_limit(1, 30)  # 3.3 %
    assert not over_drop_limit(0, 0)
