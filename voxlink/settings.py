"""One settings object for the whole product (environment prefix ``VOXLINK_``)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Where things live and how to reach them; every field can be set as ``VOXLINK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="VOXLINK_", extra="ignore")

    home: Path = Field(
        default=Path(".voxlink"), description="Data directory: Postgres, warehouse, Dagster, logs"
    )
    database_url: str | None = Field(
        default=None, description="An external PostgreSQL; when unset the embedded server under home is used"
    )
    extract_lookback: int = Field(
        default=100_000,
        description="change_seq values re-read by each extract, for transactions that committed late",
    )
    app_port: int = 8501
    api_port: int = 8000
    # Report e-mail (the defaults reach `voxlink mail-sink` on loopback).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_from: str = "reports@voxlink.local"
    smtp_starttls: bool = Field(default=False, description="Upgrade the connection with STARTTLS")
    smtp_ssl: bool = Field(default=False, description="Connect with implicit TLS (usually port 465)")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = 30.0
    delivery_sensor_interval_seconds: int = Field(
        default=60, ge=1, description="How often Dagster's sensor looks for report e-mails that fell due"
    )
    # Freshness of the served warehouse (voxlink/freshness.py): the refresh schedule and when "late" turns "stale".
    refresh_interval_minutes: int = Field(
        default=1,
        description="Minutes between scheduled refreshes: a divisor of 60 (the refresh cron is */N)",
    )
    stale_after_minutes: int | None = Field(
        default=None, ge=1, description="Age at which the served data is stale and the admins are e-mailed "
        "(default: 3 refresh intervals)",
    )  # fmt: skip

    @field_validator("refresh_interval_minutes")
    @classmethod
    def _divides_the_hour(cls, value: int) -> int:
        if value < 1 or 60 % value:
            raise ValueError(
                "must divide 60 (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60): the refresh cron is */N"
            )
        return value

    @property
    def stale_after_seconds(self) -> int:
        return 60 * (self.stale_after_minutes or 3 * self.refresh_interval_minutes)

    @property
    def state_dir(self) -> Path:
        """Small owner-only files the product keeps between runs (who was told that the data is stale)."""
        return self.home_dir / "state"

    # The HTTP API's edge: how it sees itself from outside, whom it believes, how it meets guessing.
    public_url: str | None = Field(
        default=None,
        description="The API's public base URL (https://voxlink.example.com): webhook signatures are checked "
        "against it instead of the request's Host and scheme",
    )
    app_public_url: str | None = Field(
        default=None,
        description="The app's public base URL (https://reports.example.com/): alert e-mails and webhooks link "
        "into it; default http://localhost:<app_port>/",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="IPs/CIDRs of reverse proxies whose X-Forwarded-For/-Proto/-Host are believed "
        "(comma-separated; default none: those headers are ignored)",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Encrypts stored secrets (Twilio auth tokens); when unset, one is generated once into "
        "HOME/secret.key (owner-only)",
    )
    auth_failure_limit: int = Field(
        default=20, ge=1, description="Failed authentications from one source before it gets 429"
    )
    auth_failure_window_seconds: int = Field(
        default=60, ge=1, description="The window those failures are counted over"
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        for entry in value or []:
            ip_network(entry, strict=False)  # a typo fails at start-up, not as a silently ignored proxy
        return value

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def pgdata_dir(self) -> Path:
        return self.home_dir / "pgdata"

    @property
    def warehouse_dir(self) -> Path:
        return self.home_dir / "warehouse"

    @property
    def working_db(self) -> Path:
        """The private DuckDB file dbt builds into; never opened by readers."""
        return self.warehouse_dir / "working.duckdb"

    @property
    def served_db(self) -> Path:
        """The published, read-only warehouse every reader opens."""
        return self.warehouse_dir / "served.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home_dir / "dagster"

    @property
    def mail_dir(self) -> Path:
        """Where `voxlink mail-sink` keeps the e-mails it receives (a Maildir)."""
        return self.home_dir / "mail"

    @property
    def secret_key_file(self) -> Path:
        """The generated secret key, used when ``VOXLINK_SECRET_KEY`` is unset."""
        return self.home_dir / "secret.key"

    @property
    def transforms_dir(self) -> Path:
        return REPO_ROOT / "transforms"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
