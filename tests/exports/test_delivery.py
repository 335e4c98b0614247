"""Over one real warehouse: `voxlink export` in every format, and due subscriptions reaching a real SMTP
server exactly once with the figures `voxlink export` gives.

The warehouse holds the hand-computed metric events (tests/transforms/metric_cases.py); their day
2026-11-02 is reported by a daily subscription firing 2026-11-03 07:00 New York time (12:00Z).
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import threading
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cli.main import main
from exports.delivery import DataHealth, DeliveryPolicy, current_health, deliver_due
from exports.recipients import add_allowed_domain
from exports.render import inert
from exports.schedule import Schedule
from exports.subscriptions import create_subscription, delivery_log
from operational.models import ReportDelivery, ReportSubscription
from tests.exports.conftest import FORMULA_AGENTS, SmtpServer
from voxlink.mail import SmtpConfig

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FIRED = datetime(2026, 11, 3, 12, 5, tzinfo=UTC)  # five minutes after the 07:00 EST firing
FAST = DeliveryPolicy(quick_retries=1, quick_backoff_seconds=0.01)
TO = ["ops@metrics.example"]


@pytest.fixture(scope="module")
def metrics(engine: sa.Engine, warehouse_built: dict[str, int]) -> int:
    add_allowed_domain(engine, warehouse_built["metrics"], "metrics.example")
    return warehouse_built["metrics"]


def subscribe(engine: sa.Engine, account_id: int, name: str, report: str, fmt: str,
              schedule: Schedule | None = None) -> int:  # fmt: skip
    ref = create_subscription(engine, account_id, name=name, report=report, fmt=fmt, recipients=TO,
                              schedule=schedule or Schedule("daily", time(7, 0)))  # fmt: skip
    with engine.begin() as conn:  # made long before it first fires
        conn.execute(sa.update(ReportSubscription).where(ReportSubscription.id == ref.id)
                     .values(created_at=datetime(2026, 10, 1, tzinfo=UTC)))  # fmt: skip
    return ref.id


def disable(engine: sa.Engine, subscription_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(sa.update(ReportSubscription).where(ReportSubscription.id == subscription_id)
                     .values(enabled=False))  # fmt: skip


def exported_rows(report: str, start: str, end: str, capsys: pytest.CaptureFixture[str]) -> list[list[str]]:
    capsys.readouterr()
    assert main(["export", report, "--account", "metrics", "--start", start, "--end", end]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out)))


def attachment(message: object) -> tuple[str, bytes]:
    parts = [p for p in message.walk() if p.get_filename()]  # type: ignore[attr-defined]
    assert len(parts) == 1
    return parts[0].get_filename(), parts[0].get_payload(decode=True)


def xlsx_rows(content: bytes, report: str) -> list[list[str]]:
    """The workbook's report sheet as the CSV's text: rates to 4 places, day fractions back to seconds."""
    sheet = openpyxl.load_workbook(io.BytesIO(content))[report]
    header = [c.value for c in sheet[1]]
    rows = [header]
    for row in sheet.iter_rows(min_row=2):
        cells = []
        for name, cell in zip(header, row, strict=True):
            value = cell.value
            if value is None:
                cells.append("")
            elif name.endswith("_seconds"):
                cells.append(
                    f"{value.total_seconds():.1f}" if isinstance(value, timedelta) else f"{value * 86400:.1f}"
                )
            elif cell.number_format == "0.00%":
                cells.append(f"{Decimal(str(value)):.4f}")
            elif hasattr(value, "date"):
                cells.append(value.date().isoformat())
            elif isinstance(value, str):
                cells.append(inert(value))
            else:
                cells.append(str(int(value)))
        rows.append(cells)
    return rows


@pytest.mark.parametrize(
    ("report", "fmt", "schedule", "start", "end"),
    [
        ("abandon-rate", "xlsx", Schedule("daily", time(7, 0)), "2026-11-02", "2026-11-02"),
        ("leaderboard", "csv", Schedule("weekly", time(7, 0), weekday=1), "2026-10-27", "2026-11-02"),
        ("sms-mms", "pdf", Schedule("daily", time(7, 0)), "2026-11-02", "2026-11-02"),
    ],
)
def test_a_due_subscription_sends_one_email_with_the_exported_figures(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str],
    report: str, fmt: str, schedule: Schedule, start: str, end: str,
) -> None:  # fmt: skip
    subscription = subscribe(engine, metrics, f"{report} {fmt}", report, fmt, schedule)
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "reports@voxlink.test")
    outcomes = deliver_due(engine, health=current_health(None), now=FIRED, smtp=smtp, policy=FAST)
    assert [(o.subscription, o.status) for o in outcomes] == [(f"{report} {fmt}", "sent")]
    assert deliver_due(engine, health=current_health(None), now=FIRED + timedelta(minutes=5), smtp=smtp) == []
    disable(engine, subscription)

    [message] = smtp_server.inbox.messages
    assert message["To"] == TO[0] and message["Subject"].startswith(f"{report} {fmt}: ")
    name, content = attachment(message)
    assert name == f"{report}_metrics_{start}_{end}.{fmt}"
    expected = exported_rows(report, start, end, capsys)
    assert len(expected) >= 2  # the header and at least one row
    if fmt == "csv":
        assert list(csv.reader(io.StringIO(content.decode()))) == expected
    elif fmt == "xlsx":
        assert xlsx_rows(content, report) == expected
    else:
        text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())
        for row in expected[1:]:  # every figure of every row, in order, as the PDF table prints them
            cells = [
                c if c == "" or "-" in c or c.isalpha() else _pdf_figure(h, c)
                for h, c in zip(expected[0], row, strict=True)
            ]
            assert " ".join(c for c in cells if c) in text


def _pdf_figure(column: str, text: str) -> str:
    if column.endswith("_rate") or column in ("share", "occupancy", "service_level"):
        return f"{Decimal(text) * 100:.2f}%"
    return f"{Decimal(text):,.1f}" if "." in text else f"{int(text):,}"


def test_smtp_down_then_up_retries_and_still_sends_once(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer
) -> None:
    subscription = subscribe(engine, metrics, "while smtp is down", "call-status", "csv")
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "reports@voxlink.test", timeout=5)
    smtp_server.stop()
    [first] = deliver_due(engine, health=current_health(None), now=FIRED, smtp=smtp, policy=FAST)
    assert first.status == "retry" and "attempt 1 failed" in first.detail
    [entry] = delivery_log(engine, metrics, subscription_id=subscription)
    assert (entry.status, entry.attempts, entry.next_attempt_at) == ("retry", 1, FIRED + timedelta(minutes=1))
    assert "Connection refused" in (entry.last_error or "") or "Errno" in (entry.last_error or "")
    # not due again before its backoff has passed, even with the server back
    smtp_server.start()
    assert (
        deliver_due(engine, health=current_health(None), now=FIRED + timedelta(seconds=30), smtp=smtp) == []
    )
    [second] = deliver_due(engine, health=current_health(None), now=FIRED + timedelta(minutes=2), smtp=smtp)
    assert second.status == "sent"
    assert deliver_due(engine, health=current_health(None), now=FIRED + timedelta(minutes=9), smtp=smtp) == []
    disable(engine, subscription)
    assert len(smtp_server.inbox.messages) == 1
    [entry] = delivery_log(engine, metrics, subscription_id=subscription)
    assert (entry.status, entry.attempts) == ("sent", 2)


def test_overlapping_runs_deliver_once(engine: sa.Engine, metrics: int, smtp_server: SmtpServer) -> None:
    subscription = subscribe(engine, metrics, "overlapping runs", "dispositions", "xlsx")
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "reports@voxlink.test")
    results: list[list] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        results.append(deliver_due(engine, health=current_health(None), now=FIRED, smtp=smtp))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    disable(engine, subscription)
    assert sorted(o.status for run_outcomes in results for o in run_outcomes) == ["sent"]
    assert len(smtp_server.inbox.messages) == 1
    with engine.connect() as conn:
        count = conn.scalar(sa.select(sa.func.count()).where(ReportDelivery.subscription_id == subscription))
    assert count == 1


def test_stale_data_is_held_and_flagged_then_sent_once_fresh(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer
) -> None:
    subscription = subscribe(engine, metrics, "held while stale", "user-status", "csv")
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "reports@voxlink.test")
    published = current_health(None).published_at
    assert published is not None
    failed = DataHealth(published, failed_refresh_at=published + timedelta(minutes=5))
    [held] = deliver_due(engine, health=failed, now=FIRED, smtp=smtp)
    assert held.status == "held" and "failed its build or data checks" in held.detail
    assert (
        deliver_due(engine, health=failed, now=FIRED + timedelta(minutes=4), smtp=smtp) == []
    )  # rechecks in 5
    with engine.connect() as conn:
        flag = conn.execute(sa.select(ReportSubscription.held_at, ReportSubscription.hold_reason)
                            .where(ReportSubscription.id == subscription)).one()  # fmt: skip
    assert flag.held_at is not None and "failed" in flag.hold_reason
    assert smtp_server.inbox.messages == []
    # a refresh that passes publishes a newer warehouse than the failure: the held period goes out once
    fresh = DataHealth(published + timedelta(minutes=10), failed_refresh_at=published + timedelta(minutes=5))
    [sent] = deliver_due(engine, health=fresh, now=FIRED + timedelta(minutes=15), smtp=smtp)
    assert sent.status == "sent" and len(smtp_server.inbox.messages) == 1
    assert deliver_due(engine, health=fresh, now=FIRED + timedelta(minutes=20), smtp=smtp) == []
    disable(engine, subscription)
    with engine.connect() as conn:
        held_at = conn.scalar(
            sa.select(ReportSubscription.held_at).where(ReportSubscription.id == subscription)
        )
    assert held_at is None


def test_data_published_before_the_period_ended_is_held() -> None:
    health = DataHealth(datetime(2026, 11, 3, 4, 0, tzinfo=UTC))
    assert health.hold_reason(datetime(2026, 11, 3, 5, 0, tzinfo=UTC)) is not None
    assert health.hold_reason(datetime(2026, 11, 3, 4, 0, tzinfo=UTC)) is None
    assert (
        DataHealth(None).hold_reason(datetime(2026, 11, 3, tzinfo=UTC))
        == "no warehouse has been published yet"
    )


def test_the_dagster_sensor_and_job_deliver_and_hold_after_a_failed_refresh(
    engine: sa.Engine, db_url: str, metrics: int, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dagster as dg

    from cli.dagster_definitions import build_definitions
    from pipelines.deliveries import last_failed_refresh_at
    from pipelines.resources import OperationalDatabase
    from voxlink.settings import get_settings

    monkeypatch.setenv("VOXLINK_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    defs = build_definitions()
    sensor = defs.resolve_sensor_def("due_report_deliveries")
    resources = {"operational_db": OperationalDatabase(url=db_url)}
    job = defs.resolve_job_def("deliver_reports")
    with dg.DagsterInstance.ephemeral() as instance:
        idle = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert isinstance(idle, dg.SkipReason)

        # a refresh that fails after the served warehouse was published: the next delivery is held
        subscription = subscribe(engine, metrics, "via dagster", "call-status", "csv")

        @dg.op
        def extract_fails() -> None:
            raise RuntimeError("data check failed")

        @dg.job(name="refresh")
        def failing_refresh() -> None:
            extract_fails()

        assert not failing_refresh.execute_in_process(instance=instance, raise_on_error=False).success
        assert last_failed_refresh_at(instance) > current_health(None).published_at  # type: ignore[operator]
        request = sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert isinstance(request, dg.RunRequest)
        assert job.execute_in_process(instance=instance).success
        [entry] = delivery_log(engine, metrics, subscription_id=subscription)
        assert entry.status == "held" and smtp_server.inbox.messages == []
        assert entry.next_attempt_at is not None  # looked at again after the next refresh, not every minute
    with engine.begin() as conn:  # … five minutes later
        conn.execute(
            sa.update(ReportDelivery).where(ReportDelivery.id == entry.id).values(next_attempt_at=None)
        )

    with dg.DagsterInstance.ephemeral() as instance:  # no failed refresh here: it goes out
        assert job.execute_in_process(instance=instance).success
    disable(engine, subscription)
    [entry] = delivery_log(engine, metrics, subscription_id=subscription)
    assert entry.status == "sent" and len(smtp_server.inbox.messages) == 1
    get_settings.cache_clear()


def test_cli_delivers_due_subscriptions_and_shows_the_log(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from voxlink.settings import get_settings

    monkeypatch.setenv("VOXLINK_SMTP_PORT", str(smtp_server.port))
    get_settings.cache_clear()
    assert main(["subscriptions", "create", "from the cli", "--account", "metrics", "--report", "dispositions",
                 "--format", "pdf", "--daily", "--at", "07:00", "--to", TO[0]]) == 0  # fmt: skip
    with engine.begin() as conn:
        conn.execute(sa.update(ReportSubscription).where(ReportSubscription.name == "from the cli")
                     .values(created_at=datetime(2026, 10, 1, tzinfo=UTC)))  # fmt: skip
    capsys.readouterr()
    assert main(["subscriptions", "deliver-due", "--now", FIRED.isoformat()]) == 0
    assert "from the cli\t2026-11-02\tsent" in capsys.readouterr().out
    assert main(["subscriptions", "log", "--account", "metrics"]) == 0
    assert "from the cli\t2026-11-02\tsent\tattempts 1" in capsys.readouterr().out
    [message] = smtp_server.inbox.messages
    assert attachment(message)[0] == "dispositions_metrics_2026-11-02_2026-11-02.pdf"
    get_settings.cache_clear()


def test_cli_exports_xlsx_and_pdf_with_the_csv_figures(
    metrics: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = exported_rows("abandon-rate", "2026-11-01", "2026-11-02", capsys)
    for fmt in ("xlsx", "pdf"):
        out = tmp_path / f"abandon-rate.{fmt}"
        assert main(["export", "abandon-rate", "--account", "metrics", "--start", "2026-11-01",
                     "--end", "2026-11-02", "--format", fmt, "--out", str(out)]) == 0  # fmt: skip
    assert xlsx_rows((tmp_path / "abandon-rate.xlsx").read_bytes(), "abandon-rate") == expected
    text = " ".join(PdfReader(tmp_path / "abandon-rate.pdf").pages[0].extract_text().split())
    assert "2026-11-02 q1 7 4 2 1 16.67% 3 60.00% 13.4" in text  # the hand-computed row of metric_cases
    assert "Data as of" in text and "Offered 8" in text
    # the first page as a picture, for a person to look at
    assert shutil.which("pdftoppm"), "poppler-utils (pdftoppm) is installed by `make test`"
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",
                    str(tmp_path / "abandon-rate.pdf"), str(ARTIFACTS / "export_abandon-rate")], check=True)  # fmt: skip
    assert (ARTIFACTS / "export_abandon-rate.png").stat().st_size > 10_000


def test_formula_agent_names_come_out_inert_in_every_format(
    warehouse_built: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for fmt in ("csv", "xlsx", "pdf"):
        assert main(["export", "leaderboard", "--account", "tricky", "--start", "2026-11-02", "--end", "2026-11-02",
                     "--format", fmt, "--out", str(tmp_path / f"board.{fmt}")]) == 0  # fmt: skip
    rows = list(csv.reader((tmp_path / "board.csv").open(encoding="utf-8")))
    assert sorted(row[1] for row in rows[1:]) == sorted("'" + name for name in FORMULA_AGENTS)
    book = openpyxl.load_workbook(tmp_path / "board.xlsx")
    cells = [row[1] for row in book["leaderboard"].iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(FORMULA_AGENTS)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    text = PdfReader(tmp_path / "board.pdf").pages[0].extract_text()
    assert all("'" + name in text for name in FORMULA_AGENTS)


@pytest.mark.parametrize("report", ["call-status", "abandon-rate", "sms-mms", "user-status", "dispositions"])
def test_report_chunks_together_equal_the_whole_report(metrics: int, report: str) -> None:
    from exports.report_reading import report_chunks, report_frame

    start, end = date(2026, 10, 20), date(2026, 11, 3)
    chunks = list(report_chunks(report, metrics, start, end, days=1))
    assert len(chunks) == 15
    assert pl.concat(chunks).equals(report_frame(report, metrics, start, end))


def test_a_large_xlsx_export_streams_with_the_csv_figures(
    metrics: int, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from exports import report_reading as reports
    from exports import xlsx

    monkeypatch.setattr(xlsx, "LARGE_ROWS", 3)  # 9 call-status rows: past the threshold after the first day
    monkeypatch.setattr(reports, "CHUNK_DAYS", 1)
    expected = exported_rows("call-status", "2026-11-01", "2026-11-02", capsys)
    out = tmp_path / "call-status.xlsx"
    assert main(["export", "call-status", "--account", "metrics", "--start", "2026-11-01", "--end", "2026-11-02",
                 "--format", "xlsx", "--out", str(out)]) == 0  # fmt: skip
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["call-status", "Filters", "Definitions"]  # the streaming writer's layout
    assert xlsx_rows(out.read_bytes(), "call-status") == expected


def test_a_subscription_disabled_after_its_period_was_claimed_is_not_sent(
    engine: sa.Engine, metrics: int, smtp_server: SmtpServer
) -> None:
    from exports.delivery import has_work

    subscription = subscribe(engine, metrics, "disabled in time", "call-status", "csv")
    assert has_work(engine, FIRED)  # the sensor claimed the period
    disable(engine, subscription)
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "reports@voxlink.test")
    [outcome] = deliver_due(engine, health=current_health(None), now=FIRED, smtp=smtp)
    assert outcome.status == "failed" and "disabled" in outcome.detail
    assert smtp_server.inbox.messages == []
