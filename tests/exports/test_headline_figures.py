"""What a report's reader sees first: the e-mail body's headline figures (equal to the attachment's), the PDF's
first-page tiles and a chart with every row, "Send now", and the Filters and Definitions sheets of every workbook.

The warehouse holds the hand-computed metric events (tests/transforms/metric_cases.py). Their abandon-rate
export, written out there: 2026-11-01 q2 offered 1, answered 1, abandoned 0, short 0, within SL 1, wait 5 s;
2026-11-02 q1 offered 7, answered 4, abandoned 2, short 1, within SL 3, waits 20 + 20.5 + 3 + 10 = 53.5 s.
So 2026-11-02 alone: abandon rate (2 − 1) / (7 − 1) = 16.67 %, service level 3 / (4 + 2 − 1) = 60.00 %,
ASA 53.5 / 4 = 13.4 s; both days: 1 / 7 = 14.29 %, 4 / 6 = 66.67 %, 58.5 / 5 = 11.7 s, offered 8.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.message import Message

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from exports.delivery import DeliveryPolicy, NothingToSend, current_health, deliver_due, send_now
from exports.export import build_report, render
from exports.presentation import ExportContext
from exports.recipients import add_allowed_domain
from exports.report_specs import REPORTS
from exports.schedule import Schedule
from exports.subscriptions import create_subscription, delivery_log, update_subscription
from exports.xlsx import write_table_xlsx
from operational.models import ReportSubscription
from tests.exports.conftest import SmtpServer
from voxlink.mail import SmtpConfig

FIRED = datetime(
    2026, 11, 3, 12, 5, tzinfo=UTC
)  # after the daily 07:00 New York firing that reports 2026-11-02
FAST = DeliveryPolicy(quick_retries=0)
TO = ["ops@metrics.example"]
RATE, SECONDS = pl.Decimal(18, 4), pl.Decimal(18, 1)
DAY_FIGURES = [("Offered", "7"), ("Answered", "4"), ("Abandoned", "2"), ("Abandon rate", "16.67%"),
               ("Service level", "60.00%"), ("ASA", "13.4 s")]  # fmt: skip


@pytest.fixture(scope="module")
def metrics(engine: sa.Engine, warehouse_built: dict[str, int]) -> int:
    add_allowed_domain(engine, warehouse_built["metrics"], "metrics.example")
    return warehouse_built["metrics"]


def subscribe(engine: sa.Engine, account_id: int, name: str, fmt: str) -> int:
    ref = create_subscription(engine, account_id, name=name, report="abandon-rate", fmt=fmt, recipients=TO,
                              schedule=Schedule("daily", time(7, 0)))  # fmt: skip
    with engine.begin() as conn:  # made long before it first fires
        conn.execute(sa.update(ReportSubscription).where(ReportSubscription.id == ref.id)
                     .values(created_at=datetime(2026, 10, 1, tzinfo=UTC)))  # fmt: skip
    return ref.id


def deliver_once(
    engine: sa.Engine, account_id: int, name: str, fmt: str, smtp_server: SmtpServer
) -> list[str]:
    """A new daily subscription delivered at FIRED, then disabled; the outcomes' statuses."""
    subscription = subscribe(engine, account_id, name, fmt)
    try:
        outcomes = deliver_due(engine, health=current_health(None), now=FIRED, smtp=smtp_for(smtp_server),
                               policy=FAST)  # fmt: skip
    finally:
        update_subscription(engine, account_id, subscription, enabled=False)
    return [o.status for o in outcomes]


def parts(message: Message) -> tuple[str, str, bytes]:
    """The text body, the HTML body and the attachment's bytes (as a mail client parses what the sink got)."""
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()  # type: ignore[attr-defined]
    markup = parsed.get_body(("html",)).get_content()  # type: ignore[attr-defined]
    [attached] = [p for p in parsed.walk() if p.get_filename()]
    return text, markup, attached.get_payload(decode=True)


def first_page(pdf: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())


def smtp_for(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig("127.0.0.1", server.port, "reports@voxlink.test")


def test_the_email_body_carries_the_attachments_headline_figures(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer
) -> None:
    assert deliver_once(engine, metrics, "Daily abandon", "pdf", smtp_server) == ["sent"]

    [message] = smtp_server.inbox.messages
    text, markup, pdf = parts(message)
    pdf_text = first_page(pdf)
    for label, value in DAY_FIGURES:
        assert f"  {label}: {value}\n" in text
        assert f'>{label}</th><td align="right">{value}</td>' in markup
        assert f"{label} {value}" in pdf_text  # the attachment's tile: its label, then the same figure
    assert text.startswith(
        "Abandon rate and service level for metrics, 2026-11-02 (local dates, America/New_York):"
    )


def test_a_publish_between_the_attachment_and_its_figures_reads_both_again_from_the_new_version(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The body's figures and the attachment are two reads; a publish landing between them is a real publish of
    the working warehouse (a new served file and version), and the delivery reads the pair again from it."""
    import exports.delivery
    from exports.presentation import tiles
    from pipelines.publish import publish
    from voxlink import warehouse
    from voxlink.settings import get_settings

    seen: list[int | None] = []

    def tiles_with_a_publish_first(context: ExportContext) -> list:
        seen.append(context.warehouse_version)
        if len(seen) == 1:
            publish(get_settings().working_db, warehouse.served_path())
        return tiles(context)

    monkeypatch.setattr(exports.delivery, "tiles", tiles_with_a_publish_first)
    before = warehouse.publish_info().version
    assert deliver_once(engine, metrics, "Daily abandon during a publish", "csv", smtp_server) == ["sent"]
    assert seen == [before, before + 1]  # read again, this time from the version published in between
    [message] = smtp_server.inbox.messages
    text, _, _ = parts(message)
    for label, value in DAY_FIGURES:
        assert f"  {label}: {value}\n" in text


def test_the_pdf_first_page_shows_headline_abandon_rate_service_level_and_asa(metrics: int) -> None:
    report = build_report(metrics, "metrics", "America/New_York", "abandon-rate", date(2026, 11, 1),
                          date(2026, 11, 2), "pdf")  # fmt: skip

    text = first_page(report.content)

    for label, value in [("Offered", "8"), ("Abandon rate", "14.29%"), ("Service level", "66.67%"),
                         ("ASA", "11.7 s")]:  # fmt: skip
        assert f"{label} {value}" in text


def test_send_now_delivers_the_latest_period_through_the_log_and_again_when_asked_again(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer
) -> None:
    subscription = subscribe(engine, metrics, "On demand", "csv")
    try:
        first = send_now(engine, metrics, subscription, health=current_health(None), now=FIRED,
                         smtp=smtp_for(smtp_server), policy=FAST)  # fmt: skip
        second = send_now(engine, metrics, subscription, health=current_health(None),
                          now=FIRED + timedelta(minutes=1), smtp=smtp_for(smtp_server), policy=FAST)  # fmt: skip
        # the schedule's own run finds the period delivered: nothing more goes out
        deliver_due(
            engine, health=current_health(None), now=FIRED + timedelta(minutes=2), smtp=smtp_for(smtp_server)
        )
    finally:
        update_subscription(engine, metrics, subscription, enabled=False)

    assert (first.status, first.period, second.status) == ("sent", "2026-11-02", "sent")
    messages = smtp_server.inbox.messages
    assert len(messages) == 2 and messages[0]["Message-ID"] != messages[1]["Message-ID"]
    text, _, csv_bytes = parts(messages[1])
    assert "  Abandon rate: 16.67%\n" in text
    assert csv_bytes.decode().splitlines()[1] == "2026-11-02,q1,7,4,2,1,0.1667,3,0.6000,13.4"
    [entry] = delivery_log(engine, metrics, subscription_id=subscription)
    assert (entry.status, entry.attempts, entry.period_start) == ("sent", 2, date(2026, 11, 2))
    with pytest.raises(NothingToSend, match="paused"):
        send_now(
            engine, metrics, subscription, health=current_health(None), now=FIRED, smtp=smtp_for(smtp_server)
        )
    with pytest.raises(NothingToSend, match="no subscription"):
        send_now(engine, metrics + 1000, subscription, health=current_health(None), now=FIRED)
    assert len(smtp_server.inbox.messages) == 2


def by_queue_frame(rows: int) -> pl.DataFrame:
    """``rows`` queue rows shaped like the abandon-rate report, dates spread over 43 days."""
    return pl.DataFrame(
        {
            "date": [date(2026, 9, 1) + timedelta(days=i // 2) for i in range(rows)],
            "queue": [f"q{i % 2 + 1}" for i in range(rows)],
            "offered": [10 + i for i in range(rows)],
            "answered": [5] * rows,
            "abandoned": [2] * rows,
            "short_abandoned": [1] * rows,
            "abandon_rate": [Decimal("0.1111")] * rows,
            "answered_within_sl": [3] * rows,
            "service_level": [Decimal("0.5000")] * rows,
            "asa_seconds": [Decimal("4.0")] * rows,
        },
        schema_overrides={"abandon_rate": RATE, "service_level": RATE, "asa_seconds": SECONDS},
    )


def test_the_pdf_chart_draws_a_bar_for_every_one_of_86_rows() -> None:
    context = ExportContext("abandon-rate", "metrics", "America/New_York", date(2026, 9, 1), date(2026, 10, 13),
                            datetime(2026, 10, 14, tzinfo=UTC))  # fmt: skip
    buffer = io.BytesIO()
    render(by_queue_frame(86), context, "pdf", buffer)

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages)

    # a chart bar is labelled "date · queue" (the table prints them in separate cells)
    labels = re.findall(r"(\d{4}-\d{2}-\d{2}) · (q\d)", text)
    assert len(labels) == 86 and len(set(labels)) == 86
    assert labels[0] == ("2026-09-01", "q1") and labels[-1] == ("2026-10-13", "q2")
    assert "abandon_rate, service_level (86 rows)" in text and "(continued)" in text


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_reports_workbook_has_the_filters_and_definitions_sheets(metrics: int, report: str) -> None:
    content = build_report(metrics, "metrics", "America/New_York", report, date(2026, 11, 1), date(2026, 11, 2),
                           "xlsx").content  # fmt: skip

    book = openpyxl.load_workbook(io.BytesIO(content))

    assert book.sheetnames == [report, "Filters", "Definitions"]
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters["Account"] == "metrics" and filters["Range"].startswith("2026-11-01 to 2026-11-02")
    defined = [row[0] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert defined == list(REPORTS[report].columns)


def test_a_by_queue_table_workbook_has_the_filters_and_definitions_sheets() -> None:
    frame = by_queue_frame(2).drop("date")
    buffer = io.BytesIO()

    write_table_xlsx(
        frame, "abandon-rate-by-queue", [("Account", "metrics"), ("Filter: queue", "q1")], buffer
    )

    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["abandon-rate-by-queue", "Filters", "Definitions"]
    assert [c.value for c in book["abandon-rate-by-queue"][1]] == frame.columns
    filters = {row[0]: row[1] for row in book["Filters"].iter_rows(min_row=2, values_only=True)}
    assert filters == {"Account": "metrics", "Filter: queue": "q1", "Rows": "2"}
    definitions = {row[0]: row[2] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert list(definitions) == frame.columns and "short abandon" in definitions["abandon_rate"]
