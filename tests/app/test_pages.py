"""Every page over north's hand-written events (tests/app/fixture_events.py): the numbers, worked out by hand.

North's default range is 2025-02-11 .. 2025-03-12 (its newest day is long past, so the app shows the 30
days ending with it); every north event falls in it.
"""

from __future__ import annotations

import pandas as pd

from tests.app.apptest import follow, link, links, open_page, signed_in, table, tiles
from tests.app.conftest import DEMO_PASSWORD, Stack

START, END = "2025-02-11", "2025-03-12"


def cell(value: object) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # a date column comes back as midnight
    return str(value)


def rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [cell(v) for v in row]
        for row in frame.astype(object).where(frame.notna(), "").itertuples(index=False)
    ]


def test_overview_tiles_with_change_vs_the_previous_period(app_env: Stack) -> None:
    app = signed_in("north-manager")

    shown = tiles(app)
    # 8 inbound calls; abandon (2 − 1 short) / (8 − 1) = 14.3 %; SL 4 within 20 s / (5 answered + 2 − 1) = 66.7 %;
    # ASA (10 + 30 + 5 + 8 + 4) / 5 = 11.4 s; handled N1 N2 N5 O1; AHT (130 + 60 + 60 + 60) / 4 = 77.5 s
    assert (
        shown["Offered"] == "8" and shown["Abandon rate"] == "14.3 %" and shown["Service level"] == "66.7 %"
    )
    assert shown["ASA"] == "11.4 s" and shown["Handled"] == "4" and shown["AHT"] == "77.5 s"
    assert (
        shown["Outbound attempts"] == "4" and shown["Connect rate"] == "50.0 %"
    )  # O1 O2 answered by a person
    assert shown["Conversions"] == "3" and shown["Delivery rate"] == "33.3 %"  # M1 delivered of M1 M2 M4
    # alice 9 h + bob 8 h + carol 2 h; occupancy (130 + 10) / (30460 + 130 + 10 + 28800 + 7200) = 0.2 %
    assert shown["Logged-in time"] == "19 h 00 min" and shown["Occupancy"] == "0.2 %"
    deltas = {metric.label: metric.proto.delta for metric in app.metric}
    assert deltas["Offered"] == ""  # nothing in the 30 days before: no badge, a notice instead
    assert any(c.value.startswith("Offered, Abandon rate, Service level and ASA: not enough data to compare")
               for c in app.caption)  # fmt: skip
    assert link(app, "8 calls") == {"d_start": START, "d_end": END, "d_queue": "*", "d_campaign": "*",
                                    "d_agent": "*", "view": "calls", "measure": "offered"}  # fmt: skip


def test_queue_filter_changes_the_inbound_tiles(app_env: Stack) -> None:
    app = signed_in("north-manager")

    app.selectbox(key="f_queue").select("support").run()

    shown = tiles(app)  # support: N5 N6 N7 N8, answered N5 N6 N8 (5, 8, 4 s), no abandons
    assert shown["Offered"] == "4" and shown["Abandon rate"] == "0.0 %"
    assert shown["Service level"] == "100.0 %" and shown["ASA"] == "5.7 s"
    assert link(app, "4 calls")["d_queue"] == "support"


def test_call_status_tiles_table_and_direction(app_env: Stack) -> None:
    app = signed_in("north-manager", "call_status")

    assert tiles(app) == {"Total calls": "12", "Completed": "7", "Abandoned": "2", "In progress": "1"}
    assert rows(table(app))[:2] == [
        ["2025-03-10", "inbound", "abandoned", "2"],
        ["2025-03-10", "inbound", "completed", "2"],
    ]
    assert len(table(app)) == 7

    app.button_group(key="direction").set_value("outbound").run()

    assert tiles(app) == {"Total calls": "4", "Completed": "3", "Abandoned": "0", "In progress": "0"}
    assert link(app, "3 calls") == {
        "d_start": START,
        "d_end": END,
        "d_queue": "*",
        "d_campaign": "*",
        "d_agent": "*",
        "view": "calls",
        "direction": "outbound",
        "status": "completed",
    }


def test_abandon_rate_page_by_queue_and_day(app_env: Stack) -> None:
    app = signed_in("north-manager", "abandon_rate")

    assert tiles(app)["Short abandoned"] == "1" and tiles(app)["Abandon rate"] == "14.3 %"
    by_queue = rows(table(app, 0))
    assert by_queue[0][:6] == [
        "sales",
        "4",
        "2",
        "2",
        "1",
        "1",
    ]  # offered, answered, abandoned, short, within SL
    assert by_queue[1][:6] == ["support", "4", "3", "0", "0", "3"]
    report = rows(table(app, 1))
    assert report == [
        ["2025-03-10", "sales", "4", "2", "2", "1", "0.3333", "1", "0.3333", "20.0"],
        ["2025-03-11", "support", "2", "2", "0", "0", "0.0000", "2", "1.0000", "6.5"],
        ["2025-03-12", "support", "2", "1", "0", "0", "0.0000", "1", "1.0000", "4.0"],
    ]
    abandon_rate_tile = links(app)[3]  # offered, abandoned, short abandoned, abandon rate, …
    assert abandon_rate_tile == (
        "1 call →",
        {
            "d_start": START,
            "d_end": END,
            "d_queue": "*",
            "d_campaign": "*",
            "d_agent": "*",
            "view": "calls",
            "measure": "counted_abandoned",
        },  # fmt: skip
    )


def test_staffing_what_if_plans_the_busiest_interval(app_env: Stack) -> None:
    app = signed_in("north-manager", "abandon_rate")

    # Monday 09:00: N1 N2 over the range's 4 Mondays = 0.5 calls; AHT (130 + 60) / 2 = 95 s → 0.053 Erlangs:
    # one agent answers 95.7 % within 20 s; with 30 % shrinkage, roster ⌈1 / 0.7⌉ = 2
    assert app.selectbox(key="staff_weekday").value == 1
    assert app.selectbox(key="staff_interval").value == 540
    plan = next(m.value for m in app.markdown if "on the phones" in m.value)
    assert plan.startswith("**1 agent** on the phones reach 95.7 %") and "roster **2**" in plan


def test_outgoing_calls_grouped_by_connected_agent(app_env: Stack) -> None:
    app = signed_in("north-manager", "outgoing_calls")

    assert tiles(app) == {
        "Attempts": "4",
        "Answered by a person": "2",
        "Connect rate": "50.0 %",
        "Talk time": "60.0 s",
    }
    report = rows(table(app, 2))
    assert report == [
        ["2025-03-11", "promo", "", "2", "1", "1", "0", "0", "0", "0.5000", "0.0"],
        ["2025-03-11", "promo", "carol", "1", "1", "0", "0", "0", "0", "1.0000", "60.0"],
        ["2025-03-12", "promo", "", "1", "0", "0", "1", "0", "0", "0.0000", "0.0"],
    ]

    app.selectbox(key="f_agent").select("carol").run()

    assert tiles(app)["Attempts"] == "1"
    assert len(table(app, 2)) == 1


def test_dialer_compliance_traffic_light(app_env: Stack) -> None:
    app = signed_in("north-manager", "dialer_compliance")

    # O2 dropped, O1 connected in 1 s: 1 drop of 2 answered by a person = 50 %, over 3 %
    assert rows(table(app)) == [
        ["promo", "24h", "2025-03-11", "2", "1", "0.5000", "false"],
        ["promo", "30d", "2025-03-11", "2", "1", "0.5000", "false"],
        ["promo", "30d", "2025-03-12", "2", "1", "0.5000", "false"],
    ]
    assert tiles(app) == {"Rolling 30 days (FTC)": "50.00 %", "Last day with calls (Ofcom)": "50.00 %"}
    badges = [b.proto.body for b in app.get("markdown") if "badge" in b.proto.body]
    assert any("Over 3 %" in badge for badge in badges), badges
    assert link(app, "1 dropped call") == {
        "d_start": "2025-02-11", "d_end": "2025-03-12", "d_queue": "*", "d_campaign": "promo", "d_agent": "*",
        "view": "calls", "measure": "drops"
    }  # fmt: skip


def test_dispositions_share_per_day_and_over_the_range(app_env: Stack) -> None:
    app = signed_in("north-manager", "dispositions")

    assert rows(table(app, 0)) == [["no_sale", "1", "0.2500"], ["sale", "3", "0.7500"]]
    assert rows(table(app, 1)) == [
        ["2025-03-10", "no_sale", "1", "0.5000"],
        ["2025-03-10", "sale", "1", "0.5000"],
        ["2025-03-11", "sale", "2", "1.0000"],
    ]


def test_user_status_time_per_status_and_timeline(app_env: Stack) -> None:
    app = signed_in("north-manager", "user_status")

    assert rows(table(app, 1)) == [
        ["2025-03-10", "alice", "30460.0", "130.0", "10.0", "1800.0", "32400.0", "0.0046"],
        ["2025-03-10", "bob", "28800.0", "0.0", "0.0", "0.0", "28800.0", "0.0000"],
        ["2025-03-11", "carol", "7200.0", "0.0", "0.0", "0.0", "7200.0", "0.0000"],
    ]
    assert str(app.date_input(key="status_day").value) == "2025-03-11"  # the newest day anyone logged in
    assert '"carol"' in app.get("plotly_chart")[0].proto.spec

    app.selectbox(key="f_agent").select("alice").run()

    assert len(table(app, 1)) == 1


def test_leaderboard_ranks_with_ties(app_env: Stack) -> None:
    app = signed_in("north-manager", "leaderboard")

    assert rows(table(app)) == [
        ["1", "alice", "2", "180.0", "95.0", "2", "1.0000"],
        ["2", "bob", "1", "60.0", "60.0", "0", "0.0000"],
        ["2", "carol", "1", "60.0", "60.0", "1", "1.0000"],
    ]

    app.button_group(key="leaderboard_metric").set_value("aht_seconds").run()  # lower is better

    assert [r[:2] for r in rows(table(app))] == [["1", "bob"], ["1", "carol"], ["3", "alice"]]


def test_sms_mms_volume_delivery_failures_and_opt_outs(app_env: Stack) -> None:
    app = signed_in("north-manager", "sms_mms")

    shown = tiles(app)
    assert shown["Messages"] == "4" and shown["Segments"] == "4" and shown["Delivery rate"] == "33.3 %"
    assert shown["Failed"] == "1" and shown["Opt-outs"] == "1"
    assert rows(table(app, 0)) == [["30003", "undelivered", "1"], ["30008", "failed", "1"]]
    assert rows(table(app, 1)) == [
        ["2025-03-10", "outbound", "sms", "2", "2", "0", "1", "0", "1", "0.5000", "0"],
        ["2025-03-11", "inbound", "sms", "1", "1", "0", "0", "0", "0", "", "1"],
        ["2025-03-11", "outbound", "mms", "1", "1", "1", "0", "1", "0", "0.0000", "0"],
    ]


def test_call_report_lists_the_calls_behind_a_drill_down(app_env: Stack) -> None:
    app = signed_in("north-manager")
    drill = link(app, "1 call →")  # the abandon rate's counted abandons

    follow(app, "call_report", drill)

    assert any("**1 call** matches" in m.value for m in app.markdown)
    assert list(table(app)["call_id"]) == ["N4"]
    assert list(table(app)["wait_seconds"].astype(float)) == [40.0]


def test_call_report_search_and_filters(app_env: Stack) -> None:
    app = signed_in("north-manager", "call_report")
    assert any("**12 calls** match" in m.value for m in app.markdown)

    app.text_input(key="cr_search").input("N8").run()
    assert list(table(app)["call_id"]) == ["N8"]
    app.text_input(key="cr_search").input("(415) 555-2671").run()  # the caller of every north call
    assert any("**12 calls** match" in m.value for m in app.markdown)

    app.text_input(key="cr_search").input("").run()
    app.selectbox(key="cr_measure").select("drops").run()
    assert list(table(app)["call_id"]) == ["O2"]

    app.button_group(key="cr_view").set_value("messages").run()
    assert any("**4 messages** match" in m.value for m in app.markdown)


def test_call_report_pages_through_many_calls(app_env: Stack) -> None:
    app = signed_in("acme-manager", "call_report", password=DEMO_PASSWORD)
    first = list(table(app)["call_id"])

    app.number_input(key="cr_page").set_value(2).run()

    second = list(table(app)["call_id"])
    assert len(first) == len(second) == 50 and not set(first) & set(second)


def test_wallboard_shows_agents_by_current_status(app_env: Stack) -> None:
    app = signed_in("north-manager", "wallboard")

    assert tiles(app)["Offline"] == "3"  # alice, bob and carol all logged off; nothing today
    assert sorted(table(app)["agent"]) == ["alice", "bob", "carol"]


def test_data_health_shows_freshness_per_source(app_env: Stack) -> None:
    app = signed_in("north-manager", "data_health")

    sources = table(app).set_index("source")
    assert int(sources.loc["calls", "rows"]) == 12 and int(sources.loc["messages", "rows"]) == 4
    checks = table(app, 1)  # the refresh ran every data check before publishing
    assert len(checks) > 0 and checks[checks["severity"] == "blocking"]["passed"].all()
    said = [box.value for box in app.success]
    assert any(text.startswith("No blocking check failed in the newest refresh") for text in said), said
    assert "None of your account's data is held back: every new row passed the blocking checks." in said
    assert "sample" not in checks.columns and "failing" not in checks.columns  # other accounts' values


def test_sql_explorer_runs_a_select_on_the_own_account(app_env: Stack) -> None:
    app = signed_in("north-analyst", "sql_explorer")

    app.text_area(key="sql_text").input("select count(*) as calls from fct_calls")
    next(b for b in app.button if b.label == "Run").click().run()

    assert rows(table(app)) == [["12"]]  # north's 12, not south's 3


def test_every_page_renders_for_an_admin(app_env: Stack) -> None:
    app = signed_in("north-admin")
    for page in ("overview", "wallboard", "call_status", "abandon_rate", "outgoing_calls", "dialer_compliance",
                 "dispositions", "call_report", "user_status", "leaderboard", "sms_mms", "sql_explorer", "data_health"):  # fmt: skip
        open_page(app, page)
        assert any(c.value.startswith("North · Data as of ") for c in app.caption), page


def test_filters_come_from_a_shared_link_stay_across_pages_and_go_back_into_the_url(app_env: Stack) -> None:
    app = signed_in("north-manager")

    follow(app, "overview", {"start": "2025-03-11", "end": "2025-03-12", "queue": "support"})

    # Tuesday and Wednesday: support offered N5 N6 N7 N8; handled N5 and O1 (agent figures have no queue)
    assert tiles(app)["Offered"] == "4" and tiles(app)["Handled"] == "2"
    open_page(app, "call_status")
    assert app.selectbox(key="f_queue").value == "support" and app.selectbox(key="f_period").value == "custom"
    assert dict(app.query_params) == {"start": "2025-03-11", "end": "2025-03-12", "queue": "support"}


def test_every_tile_states_the_catalogue_formula(app_env: Stack) -> None:
    app = signed_in("north-manager")

    helps = {metric.label: metric.proto.help for metric in app.metric}
    assert helps["Abandon rate"].startswith("(abandoned − short abandoned) / (offered − short abandoned)")
    assert helps["Service level"].startswith("answered within the threshold (wait ≤ service-level seconds")
    assert all(helps.values()), [label for label, text in helps.items() if not text]
