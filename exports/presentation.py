"""How a report looks outside CSV: the context printed with it, column kinds, its chart and its headline figures.

Renderers never compute a metric: a chart plots the report's own column, and a headline figure (the PDF's
tiles, the e-mail's body) comes from the warehouse, which counts the report's rows, adds up its counts or
seconds (additive parts) with the export's filters, and evaluates a ratio (abandon rate, service level, ASA)
with its published metric function over those sums: never an average of the rows' ratios, never Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import polars as pl

from exports.report_specs import IN_RANGE, REPORTS, ReportSpec
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


TileKind = Literal["count", "duration", "rate", "average_seconds"]


@dataclass(frozen=True)
class Tile:
    label: str
    value: str


@dataclass(frozen=True)
class Headline:
    """One headline figure: its label, the aggregate the warehouse evaluates, and how it is printed."""

    label: str
    aggregate: str
    kind: TileKind = "count"


# Headline figures per report; the warehouse evaluates them over the report's rows (count(*) counts rows).
# Ratios are the warehouse's metric functions over the summed additive parts, never a Python division.
ROWS = "count(*)"
_TILES: dict[str, tuple[Headline, ...]] = {
    "call-status": (Headline("Rows", ROWS), Headline("Calls", "sum(calls)")),
    "abandon-rate": (
        Headline("Offered", "sum(offered)"),
        Headline("Answered", "sum(answered)"),
        Headline("Abandoned", "sum(abandoned)"),
        Headline("Abandon rate", "abandon_rate(sum(abandoned), sum(short_abandoned), sum(offered))", "rate"),
        Headline("Service level", "service_level(sum(answered_within_sl), sum(answered), sum(abandoned), "
                                  "sum(short_abandoned))", "rate"),  # fmt: skip
        Headline("ASA", "asa_seconds(sum(answered_wait_seconds), sum(answered))", "average_seconds"),
    ),
    "outgoing-calls": (Headline("Rows", ROWS), Headline("Attempts", "sum(attempts)"),
                       Headline("Human answered", "sum(human_answered)")),
    "dispositions": (Headline("Rows", ROWS), Headline("Dispositioned calls", "sum(calls)")),
    "user-status": (Headline("Agent-days", ROWS), Headline("Logged in", "sum(logged_in_seconds)", "duration")),
    "leaderboard": (Headline("Agents", ROWS), Headline("Handled", "sum(handled)"),
                    Headline("Conversions", "sum(conversions)")),
    "sms-mms": (Headline("Rows", ROWS), Headline("Messages", "sum(messages)"), Headline("Segments", "sum(segments)"),
                Headline("Opt-outs", "sum(opt_outs)")),
    "dialer-compliance": (Headline("Windows", ROWS), Headline("Over 3 %", "count(*) filter (where compliant = 'false')")),
}  # fmt: skip
# Where a headline needs a part the report's own columns have not (ASA needs the exact sum of answered waits,
# the report only its rounded average), the tiles read the same mart's parts: same rows, same filter columns.
_TILE_SOURCES: dict[str, str] = {
    "abandon-rate": f"""
        select date, queue_name as queue, offered, answered, abandoned, short_abandoned, answered_within_sl,
               answered_wait_seconds
        from rpt_abandon_rate_daily
        where {IN_RANGE}
    """,
}


def totals_sql(report: str, filters: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The tiles' query: their aggregates over the report's own SQL, narrowed by the export's filters.

    A filter names one of the report's text columns (checked here too: the name becomes SQL); its value is bound.
    """
    spec = REPORTS[report]
    items = ", ".join(f"{tile.aggregate} as tile_{index}" for index, tile in enumerate(_TILES[report]))
    allowed = [c for c in spec.columns if c in TEXT_COLUMNS]
    conditions, params = ["true"], {}
    for index, (column, value) in enumerate(sorted(filters.items())):
        if column not in allowed:
            raise ValueError(f"{report} cannot be filtered on {column!r}")
        conditions.append(f"report.{column} = $tile_filter_{index}")
        params[f"tile_filter_{index}"] = value
    source = _TILE_SOURCES.get(report, spec.sql)
    return f"select {items} from ({source}) as report where {' and '.join(conditions)}", params


def tiles(context: ExportContext) -> list[Tile]:
    """The report's headline figures, read from the warehouse for the context's account, range and filters.

    The PDF's first page draws them and the e-mail's body lists them: one query, one set of figures.
    """
    if context.account_id is None:
        return []
    sql, params = totals_sql(context.report, context.filters)
    row = warehouse.query(
        sql, context.account_id, {"start": context.start, "end": context.end, **params}
    ).row(0)
    return [
        Tile(tile.label, tile_text(total, tile.kind))
        for tile, total in zip(_TILES[context.report], row, strict=True)
    ]


def tile_text(value: object, kind: TileKind) -> str:
    """A headline as printed: counts with separators, rates as percentages, durations, average seconds."""
    if kind == "rate":
        return "–" if value is None else f"{Decimal(str(value)) * 100:.2f}%"
    if kind == "average_seconds":
        return "–" if value is None else f"{Decimal(str(value)):,.1f} s"
    if kind == "duration":
        return duration_text(value or 0)
    return f"{int(value or 0):,}"  # type: ignore[call-overload]


def duration_text(seconds: object) -> str:
    """Seconds as h:mm:ss (a tenth kept when there is one), the way the XLSX shows durations."""
    whole, tenths = divmod(round(float(seconds) * 10), 10)  # type: ignore[arg-type]
    hours, rest = divmod(int(whole), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" + (f".{tenths}" if tenths else "")
