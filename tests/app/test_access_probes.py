"""Cross-account and role probes on every page: a north user never sees south, an agent only themself.

South's own names ("south-q", "south-camp", "south-disp", agent "zed") must not appear anywhere on a north
page, and north's agent alice must never see bob or carol, nor south's alice.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.filters.scope import Filters, Scope
from app.queries import message_report, reports, totals
from app.queries.accounts import Account
from app.shell.navigation import PAGES, visible_titles
from app.signin.access import NotPermitted, Viewer
from tests.app.apptest import all_text, follow, open_page, signed_in, table, tiles
from tests.app.conftest import Stack
from tests.app.fixture_events import SOUTH_ONLY

PAGE_FILES = {spec.title: spec.file.removeprefix("app_pages/").removesuffix(".py") for spec in PAGES}


def pages_of(role: str) -> list[str]:
    return [PAGE_FILES[title] for title in visible_titles(role)]


@pytest.mark.parametrize(
    "role, username",
    [
        ("admin", "north-admin"),
        ("manager", "north-manager"),
        ("analyst", "north-analyst"),
        ("agent", "alice@north"),
    ],
)
def test_every_page_of_the_role_shows_nothing_of_south_and_no_other_page_opens(
    app_env: Stack, role: str, username: str
) -> None:
    app = signed_in(username)
    allowed = set(pages_of(role))
    for page in PAGE_FILES.values():
        if page not in allowed:  # not in this role's navigation at all: nothing to switch to
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                app.switch_page(f"app_pages/{page}.py")
            continue
        open_page(app, page)
        text = all_text(app)
        leaked = [name for name in SOUTH_ONLY if name in text]
        assert not leaked, (page, leaked)
    assert ("sql_explorer" in allowed) == (role in ("admin", "analyst"))


def test_an_agent_sees_only_their_own_figures_on_every_page(app_env: Stack) -> None:
    app = signed_in("alice@north")
    for page in pages_of("agent"):
        open_page(app, page)
        text = all_text(app)
        assert "bob" not in text and "carol" not in text, page

    open_page(app, "overview")
    assert app.title[0].value == "My figures · alice"
    shown = tiles(
        app
    )  # N1 and N5: 2 handled, AHT (130 + 60) / 2, both sales; 9 h logged in, (130 + 10) / 30600
    assert shown["Handled"] == "2" and shown["AHT"] == "95.0 s" and shown["Conversions"] == "2"
    assert shown["Logged-in time"] == "9 h 00 min" and shown["Occupancy"] == "0.5 %"
    assert "Offered" not in shown and "Delivery rate" not in shown  # queue and message figures are not hers
    open_page(app, "call_report")
    assert sorted(table(app)["call_id"]) == ["N1", "N5"]


def test_an_agent_cannot_widen_the_view_from_the_url(app_env: Stack) -> None:
    app = signed_in("alice@north")

    follow(app, "call_report", {"agent": "bob", "measure": "handled"})

    assert list(table(app)["call_id"]) == ["N5", "N1"]  # still alice's, newest first


def test_a_south_manager_sees_only_south(app_env: Stack) -> None:
    app = signed_in("south-manager")

    assert any(c.value.startswith("South · Data as of ") for c in app.caption)
    assert tiles(app)["Offered"] == "2"  # S1 and S2
    open_page(app, "call_report")
    assert sorted(table(app)["call_id"]) == ["S1", "S2", "S3"]


def scope_for(role: str, account_id: int, agent: str | None = None) -> Scope:
    viewer = Viewer(1, "probe", role, account_id, agent)
    account = Account(account_id, "north", "North", "Europe/London")
    return Scope(viewer, account, Filters(date(2025, 2, 11), date(2025, 3, 12)), "probe")


def test_the_query_layer_refuses_an_agent_what_is_not_theirs(app_env: Stack) -> None:
    agent = scope_for("agent", app_env.accounts["north"], "alice")
    for name in ("call-status", "abandon-rate", "dispositions", "sms-mms", "dialer-compliance"):
        with pytest.raises(NotPermitted):
            reports.report(agent, name)
    for family in (totals.INBOUND, totals.MESSAGES, totals.DIALER, totals.DISPOSITIONS):
        with pytest.raises(NotPermitted):
            totals.totals(agent, family)
    with pytest.raises(NotPermitted):
        message_report.failures_by_error_code(agent)
    assert set(reports.report(agent, "user-status")["agent"].to_list()) == {"alice"}
    assert reports.report(agent, "leaderboard")["agent"].to_list() == ["alice"]


def test_the_query_layer_reads_only_the_viewers_account(app_env: Stack) -> None:
    north, south = app_env.accounts["north"], app_env.accounts["south"]
    assert totals.totals(scope_for("manager", north), totals.INBOUND)["offered"] == 8
    assert totals.totals(scope_for("manager", south), totals.INBOUND)["offered"] == 2
    assert reports.report(scope_for("manager", south), "call-status")["calls"].sum() == 3
