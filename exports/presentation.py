"""How a report looks outside CSV: the context printed with it, column kinds, its chart and its KPI tiles.

Renderers never compute a metric: a chart plots the report's own column, and a tile's figure comes from the
warehouse, which counts the report's rows or adds up a column of counts or seconds (additive parts) over the
report's own query with the export's filters: the headline figures are the report's, never a ratio, never
summed in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from exports.report_specs import REPORTS, ReportSpec
from voxlink import warehouse

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
    # whose rows the PDF's tiles total in the warehouse; None: a frame rendered on its own, without tiles
    account_id: int | None = None

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


# (label, aggregate over the report's rows) per report; the warehouse evaluates them. count(*) counts rows.
ROWS = "count(*)"
_TILES: dict[str, tuple[tuple[str, str], ...]] = {
    "call-status": (("Rows", ROWS), ("Calls", "sum(calls)")),
    "abandon-rate": (("Rows", ROWS), ("Offered", "sum(offered)"), ("Answered", "sum(answered)"),
                     ("Abandoned", "sum(abandoned)")),
    "outgoing-calls": (("Rows", ROWS), ("Attempts", "sum(attempts)"), ("Human answered", "sum(human_answered)")),
    "dispositions": (("Rows", ROWS), ("Dispositioned calls", "sum(calls)")),
    "user-status": (("Agent-days", ROWS), ("Logged in", "sum(logged_in_seconds)")),
    "leaderboard": (("Agents", ROWS), ("Handled", "sum(handled)"), ("Conversions", "sum(conversions)")),
    "sms-mms": (("Rows", ROWS), ("Messages", "sum(messages)"), ("Segments", "sum(segments)"),
                ("Opt-outs", "sum(opt_outs)")),
    "dialer-compliance": (("Windows", ROWS), ("Over 3 %", "count(*) filter (where compliant = 'false')")),
}  # fmt: skip


def totals_sql(report: str, filters: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The tiles' query: their aggregates over the report's own SQL, narrowed by the export's filters.

    A filter names one of the report's text columns (checked here too: the name becomes SQL); its value is bound.
    """
    spec = REPORTS[report]
    items = ", ".join(f"{aggregate} as tile_{index}" for index, (_, aggregate) in enumerate(_TILES[report]))
    allowed = [c for c in spec.columns if c in TEXT_COLUMNS]
    conditions, params = ["true"], {}
    for index, (column, value) in enumerate(sorted(filters.items())):
        if column not in allowed:
            raise ValueError(f"{report} cannot be filtered on {column!r}")
        conditions.append(f"report.{column} = $tile_filter_{index}")
        params[f"tile_filter_{index}"] = value
    return f"select {items} from ({spec.sql}) as report where {' and '.join(conditions)}", params


def tiles(context: ExportContext) -> list[Tile]:
    """Headline figures for the PDF, read from the warehouse for the context's account, range and filters."""
    if context.account_id is None:
        return []
    sql, params = totals_sql(context.report, context.filters)
    row = warehouse.query(
        sql, context.account_id, {"start": context.start, "end": context.end, **params}
    ).row(0)
    shown = []
    for (label, aggregate), total in zip(_TILES[context.report], row, strict=True):
        seconds = aggregate.endswith("_seconds)")
        shown.append(Tile(label, duration_text(total or 0) if seconds else f"{int(total or 0):,}"))
    return shown


def duration_text(seconds: object) -> str:
    """Seconds as h:mm:ss (a tenth kept when there is one), the way the XLSX shows durations."""
    whole, tenths = divmod(round(float(seconds) * 10), 10)  # type: ignore[arg-type]
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" + (f".{tenths}" if tenths else "")
