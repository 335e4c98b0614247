"""Report pages download the e-mails' PDF too, and tiles count the warehouse's parts rather than sum them here."""

from __future__ import annotations

import io
from datetime import date

import pypdf

from app.display.downloads import report_bytes
from app.queries import reports
from exports.report_specs import REPORTS
from tests.app.apptest import link, open_page, signed_in
from tests.app.conftest import Stack
from tests.app.fixture_events import NORTH_RANGE

START, END = NORTH_RANGE
# every page with a report table, and the report it shows
REPORT_PAGES = {
    "call_status": "call-status",
    "abandon_rate": "abandon-rate",
    "outgoing_calls": "outgoing-calls",
    "dialer_compliance": "dialer-compliance",
    "dispositions": "dispositions",
    "user_status": "user-status",
    "leaderboard": "leaderboard",
    "sms_mms": "sms-mms",
}


def test_every_report_page_offers_pdf_beside_csv_and_xlsx(app_env: Stack) -> None:
    app = signed_in("north-admin")
    for page in REPORT_PAGES:
        open_page(app, page)
        labels = [button.proto.label for button in app.get("download_button")]

        # the report table's three, side by side (the page's other tables, sums and lists, have no PDF)
        assert labels.count("Download PDF") == 1 and {"Download CSV", "Download XLSX"} <= set(labels), (
            page,
            labels,
        )


def test_a_report_pages_pdf_download_is_the_exports_pdf_with_its_title_and_rows(app_env: Stack) -> None:
    app = signed_in("north-admin", "abandon_rate")
    scope = app.session_state["scope"]
    frame = reports.report(scope, "abandon-rate")  # the rows the page shows and downloads

    pdf = report_bytes(
        frame,
        "pdf",
        "abandon-rate",
        "north",
        scope.account.timezone,
        scope.start,
        scope.end,
        {},
        scope.account.account_id,
    )

    assert pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert REPORTS["abandon-rate"].title in text
    # the e-mailed PDF's headline tiles, read from the warehouse: 4 + 2 + 2 offered, 2 + 2 + 1 answered, 2 abandoned
    assert "Offered\n8\nAnswered\n5\nAbandoned\n2" in text
    assert "north" in text and "2025-03-10" in text and "sales" in text  # the account and Monday's sales row
    assert (scope.start, scope.end) == (date.fromisoformat(START), date.fromisoformat(END))


def test_overview_drill_downs_count_the_flagged_calls_and_messages(app_env: Stack) -> None:
    app = signed_in("north-manager")

    # counted abandons: N4 (N3 abandoned after 3 s is short); not delivered: M2 failed, M4 undelivered
    assert link(app, "1 call") == {
        "view": "calls",
        "d_start": START,
        "d_end": END,
        "d_queue": "*",  # the drill-down's own scope: no sidebar filter is chosen, so any
        "d_campaign": "*",
        "d_agent": "*",
        "measure": "counted_abandoned",
    }
    assert link(app, "2 messages") == {
        "view": "messages",
        "d_start": START,
        "d_end": END,
        "d_queue": "*",  # the drill-down's own scope: no sidebar filter is chosen, so any
        "d_campaign": "*",
        "d_agent": "*",
        "measure": "not_delivered",
    }
