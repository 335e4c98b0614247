"""The reports API's request and response bodies, as the OpenAPI schema shows them."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Column(BaseModel):
    name: str = Field(examples=["abandon_rate"])
    type: Literal["date", "string", "integer", "number"]
    description: str = Field(description="from the metric catalogue")


class ReportBody(BaseModel):
    """One page of a report, scoped to the API key's account."""

    report: str = Field(examples=["abandon-rate"])
    account: str = Field(examples=["acme"])
    start: date
    end: date
    data_as_of: str | None = Field(description="when the served warehouse was published (UTC, ISO-8601)")
    columns: list[Column]
    rows: list[dict[str, Any]] = Field(
        examples=[[{"date": "2026-11-02", "queue": "support", "offered": 4, "abandon_rate": 0.3333}]]
    )
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last one")


ExportState = Literal["queued", "running", "done", "failed"]


class ExportRequest(BaseModel):
    """An export job: one of the eight contract reports over an inclusive range of the account's local dates."""

    model_config = ConfigDict(extra="forbid")

    report: str = Field(examples=["abandon-rate"])
    format: Literal["csv", "xlsx", "pdf", "excel"] = Field(default="csv", description='"excel" means xlsx')
    start: date
    end: date
    filters: dict[str, str] = Field(
        default_factory=dict, description="exact matches on text columns", examples=[{"queue": "support"}]
    )

    @field_validator("format")
    @classmethod
    def _excel_is_xlsx(cls, value: str) -> str:
        return "xlsx" if value == "excel" else value


class ExportJobBody(BaseModel):
    id: str = Field(examples=["3f0c9a2b7d1e4c5f8a6b9d0e1f2a3b4c"])
    state: ExportState
    report: str
    format: Literal["csv", "xlsx", "pdf"]
    start: date
    end: date
    filters: dict[str, str]
    created_at: str
    finished_at: str | None = None
    rows: int | None = Field(default=None, description="rows written, when done")
    error: str | None = Field(default=None, description="why the job failed, when failed")
    download_url: str | None = Field(default=None, description="when done: a signed URL that expires")
    download_expires_at: str | None = None
