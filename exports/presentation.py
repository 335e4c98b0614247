"""How a report looks outside CSV: the context printed with it, column kinds, its chart and its KPI tiles.

Renderers never compute a metric: a chart plots the report's own column, and a tile either counts rows or
adds up a column of counts or seconds (additive parts), never a ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from exports.report_specs import REPORTS, ReportSpec

ColumnKind = Literal["date", "text", "count", "rate", "seconds"]
# the contract's text columns: the ones a subscription can filter on
TEXT_COLUMNS = frozenset({"direction", "status", "queue", "campaign", "agent", "disposition", "channel", "window",
                          "compliant"})  # fmt: skip


@dataclass(frozen=True)
class ExportContext:
    """What the export is of, printed on the "Filters" sheet and the PDF's first page."""

    report: str
    account: str
    timezone: str
    start: date
    end: date
    generated_at: datetime
    data_as_of: datetime | None = None
    warehouse_version: int | None = None
    filters: dict[str, str] = field(default_factory=dict)

    @property
    def spec(self) -> ReportSpec:
        return REPORTS[self.report]

    def local(self, moment: datetime) -> str:
        """An instant as the account reads it: local time with the zone's abbreviation."""
        return moment.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M:%S %Z")

    def filter_rows(self) -> list[tuple[str, str]]:
        rows = [
            ("Report", f"{self.spec.title} ({self.report})"),
            ("Account", self.account),
            ("Range", f"{self.start.isoformat()} to {self.end.isoformat()} (local dates, {self.timezone})"),
        ]
        rows += [(f"Filter: {column}", value) for column, value in sorted(self.filters.items())]
        rows.append(("Generated at", self.local(self.generated_at)))
        rows.append(("Data as of", self.local(self.data_as_of) if self.data_as_of else "unknown"))
        if self.warehouse_version is not None:
            rows.append(("Warehouse version", str(self.warehouse_version)))
        return rows


def column_kind(frame: pl.DataFrame, column: str) -> ColumnKind:
    dtype = frame.schema[column]
    if dtype == pl.Date:
        return "date"
    if dtype == pl.String:
        return "text"
    if column.endswith("_seconds"):
        return "seconds"
    if isinstance(dtype, pl.Decimal) or dtype.is_float():
        return "rate"
    return "count"


@dataclass(frozen=True)
class ChartSpec:
    labels: tuple[str, ...]  # columns that name a row on the category axis
    values: tuple[str, ...]  # columns plotted, one series each
    kind: Literal["column", "bar"] = "column"

    def title(self, spec: ReportSpec) -> str:
        return f"{spec.title}: {', '.join(self.values)}"


CHARTS: dict[str, ChartSpec] = {
    "call-status": ChartSpec(("date", "direction", "status"), ("calls",)),
    "abandon-rate": ChartSpec(("date", "queue"), ("abandon_rate", "service_level")),
    "outgoing-calls": ChartSpec(("date", "campaign", "agent"), ("attempts", "human_answered")),
    "dispositions": ChartSpec(("date", "disposition"), ("calls",)),
    "user-status": ChartSpec(("date", "agent"), ("occupancy",)),
    "leaderboard": ChartSpec(("agent",), ("handled",), "bar"),
    "sms-mms": ChartSpec(("date", "direction", "channel"), ("messages", "delivered")),
    "dialer-compliance": ChartSpec(("campaign", "window", "window_end"), ("drop_rate",)),
}

CHART_ROWS = 60  # a chart of more bars than this is unreadable; it shows the first rows and says so


@dataclass(frozen=True)
class Tile:
    label: str
    value: str


# (label, column) pairs totalled for the tiles; None as the column counts rows.
_TILES: dict[str, tuple[tuple[str, str | None], ...]] = {
    "call-status": (("Calls", "calls"),),
    "abandon-rate": (("Offered", "offered"), ("Answered", "answered"), ("Abandoned", "abandoned")),
    "outgoing-calls": (("Attempts", "attempts"), ("Human answered", "human_answered")),
    "dispositions": (("Dispositioned calls", "calls"),),
    "user-status": (("Agent-days", None), ("Logged in", "logged_in_seconds")),
    "leaderboard": (("Agents", None), ("Handled", "handled"), ("Conversions", "conversions")),
    "sms-mms": (("Messages", "messages"), ("Segments", "segments"), ("Opt-outs", "opt_outs")),
    "dialer-compliance": (("Windows", None),),
}


def tiles(report: str, frame: pl.DataFrame) -> list[Tile]:
    """Headline figures for the PDF: row counts and totals of additive columns only."""
    wanted = _TILES.get(report, ())
    result = [] if any(column is None for _, column in wanted) else [Tile("Rows", f"{frame.height:,}")]
    for label, column in wanted:
        if column is None:
            result.append(Tile(label, f"{frame.height:,}"))
            continue
        total = frame.get_column(column).sum() if frame.height else 0
        result.append(Tile(label, duration_text(total) if column.endswith("_seconds") else f"{int(total):,}"))
    if report == "dialer-compliance":
        breaches = frame.filter(pl.col("compliant") == "false").height if frame.height else 0
        result.append(Tile("Over 3 %", f"{breaches:,}"))
    return result


def duration_text(seconds: object) -> str:
    """Seconds as h:mm:ss (a tenth kept when there is one), the way the XLSX shows durations."""
    whole, tenths = divmod(round(float(seconds) * 10), 10)  # type: ignore[arg-type]
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" + (f".{tenths}" if tenths else "")
