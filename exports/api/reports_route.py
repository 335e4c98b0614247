"""``GET /api/v1/reports/{report}``: any report for the API key's account as JSON or (``Accept: text/csv``) CSV."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from exports.api import report_query
from exports.api.models import ReportBody
from exports.render import write_csv
from exports.report_specs import ReportError
from operational.api.auth import CallerDep
from operational.api.errors import ApiError
from operational.models.tenants import Account
from voxlink import warehouse

router = APIRouter(tags=["reports"])

CSV_EXAMPLE = (
    "date,queue,offered,answered,abandoned,short_abandoned,abandon_rate,answered_within_sl,service_level,\
asa_seconds\n2026-11-02,support,4,2,1,0,0.2500,2,0.6667,7.5\n"
)


def account_of(request: Request, account_id: int) -> tuple[str, str]:
    """The account's slug and time zone (cached: neither changes while the API runs)."""
    cache: dict[int, tuple[str, str]] = request.app.state.report_accounts
    if account_id not in cache:
        with request.app.state.engine.connect() as conn:
            row = conn.execute(
                sa.select(Account.slug, Account.timezone).where(Account.id == account_id)
            ).one()
        cache[account_id] = (row.slug, row.timezone)
    return cache[account_id]


def report_error(err: ReportError) -> ApiError:
    """The documented error for a report request the report layer refused."""
    if isinstance(err, report_query.UnknownReport):
        return ApiError(404, "not_found", str(err), [{"field": "report", "reason": str(err)}])
    field = err.field if isinstance(err, report_query.BadParameter) else "filters"
    return ApiError(422, "invalid", str(err), [{"field": field, "reason": str(err)}])


def unavailable(err: warehouse.WarehouseMissing) -> ApiError:
    return ApiError(
        503, "service_unavailable", f"no warehouse is served yet: {err}", headers={"Retry-After": "60"}
    )


@router.get(
    "/api/v1/reports/{report}",
    summary="A report for the API key's account (JSON, or CSV with Accept: text/csv)",
    description="`report` is one of call-status, abandon-rate, outgoing-calls, dispositions, user-status, "
    "leaderboard, sms-mms, dialer-compliance, user-performance. `start`/`end` are inclusive local dates of the "
    "account; `queue`, `campaign`, `agent` filter rows (exact match) on reports that have that column. JSON pages "
    f"hold `limit` rows (default {report_query.DEFAULT_LIMIT}); CSV holds every row unless `limit` is given, and "
    "the next page's cursor is in the `X-Next-Cursor` header. The CSV is byte for byte what `voxlink export` "
    "writes.",
    response_model=ReportBody,
    responses={
        200: {"content": {"text/csv": {"example": CSV_EXAMPLE}}},
        404: {"description": "unknown report"},
        422: {"description": "a bad date, filter or cursor; `details[].field` names it"},
        503: {"description": "no warehouse has been published yet"},
    },
)
def get_report(
    request: Request,
    caller: CallerDep,
    report: str,
    start: Annotated[date, Query(description="first local day (inclusive)", examples=["2026-11-01"])],
    end: Annotated[date, Query(description="last local day (inclusive)", examples=["2026-11-30"])],
    queue: Annotated[str | None, Query(max_length=200)] = None,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    agent: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int | None, Query(ge=1, le=report_query.MAX_LIMIT)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    as_csv = "text/csv" in request.headers.get("accept", "")
    filters = {k: v for k, v in (("queue", queue), ("campaign", campaign), ("agent", agent)) if v is not None}
    if limit is None and not as_csv:
        limit = report_query.DEFAULT_LIMIT
    try:
        version = warehouse.file_version()
    except warehouse.WarehouseMissing as err:
        raise unavailable(err) from None
    key = (
        caller.account_id,
        report,
        start,
        end,
        tuple(sorted(filters.items())),
        limit,
        cursor,
        as_csv,
        version,
    )

    def answer() -> tuple[bytes, dict[str, str]]:
        try:
            report_query.spec_of(report)
            page = report_query.page_of(report, caller.account_id, start, end, filters, limit, cursor)
            published = warehouse.publish_info().published_at.isoformat()
        except ReportError as err:
            raise report_error(err) from None
        except warehouse.WarehouseMissing as err:
            raise unavailable(err) from None
        headers = {"X-Next-Cursor": page.next_cursor} if page.next_cursor else {}
        if as_csv:
            text = io.StringIO()
            write_csv(page.frame, text)
            return text.getvalue().encode(), headers
        slug, _ = account_of(request, caller.account_id)
        body = ReportBody(
            report=report, account=slug, start=start, end=end, data_as_of=published,
            columns=report_query.columns(page.spec, page.frame),  # type: ignore[arg-type]
            rows=report_query.json_rows(page.frame), next_cursor=page.next_cursor,
        )  # fmt: skip
        return body.model_dump_json().encode(), headers

    content, headers = request.app.state.report_answers.get(key, answer)
    media_type = "text/csv; charset=utf-8" if as_csv else "application/json"
    return Response(content, media_type=media_type, headers=headers)
