"""Settings: one pydantic-settings class read from ``REMIT_*`` variables."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REMIT_", extra="ignore", populate_by_name=True)

    database_url: str = "sqlite:///./remit.db"
    # Token signing key; when empty, one is generated on first start and kept in the database.
    secret_key: str = ""
    token_ttl_seconds: int = Field(default=1800, ge=60, le=7 * 24 * 3600)
    # A `limits` rate string ("30/second", "1000/second") or "off".
    rate_limit: str = "1000/second"
    rate_limit_storage: str = "memory://"
    # Bootstrap partner credential ensured by `remit serve`.
    client_id: str = ""
    client_secret: str = ""
    db_pool_size: int = Field(default=20, ge=1)
    # Threads that run units of work at once (unset: core.db.unit_of_work's default, 4 on SQLite — for reads,
    # writes have a thread of their own — and 6 on PostgreSQL; 0: one per pooled connection).
    db_threads: int | None = Field(default=None, ge=0)
    # SQLite: seconds between WAL checkpoints in a background thread; 0 = inside commits (SQLite's default).
    sqlite_checkpoint_interval: float = Field(default=0.5, ge=0)
    # Base of the download URLs remit hands out for stored files.
    public_url: str = "http://127.0.0.1:8000"
    storage_region: str = "local"
    # How long a receivable's PDF link (pdf_link, file_url) works, in seconds (rounded up to the next midnight UTC).
    document_link_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # Mail transport for receivables: unset records mails as sent without any network I/O;
    # smtp://user:password@host:587 (STARTTLS when offered), smtps://…:465 (TLS), smtp+insecure://… (plain).
    smtp_url: str = ""
    # The sender of receivable mails (From:); unset: the entity's e-mail, else noreply@<smtp host>.
    mail_from: str = ""
    # Tries per recipient before a mail's recipient is recorded as failed, and seconds between them.
    mail_max_attempts: int = Field(default=3, ge=1, le=20)
    mail_retry_seconds: float = Field(default=60, ge=0)
    # Seconds between the mail loop's looks for due mails when nothing woke it.
    mail_poll_seconds: float = Field(default=5, gt=0)
    # One SMTP conversation's budget in seconds.
    smtp_timeout_seconds: float = Field(default=30, gt=0)
    # Render the PDF of each new document revision in the background (the runner), so the first
    # download or mail finds it ready; off: a PDF is rendered when first asked for.
    prerender_documents: bool = True
    log_level: str = "info"
    # Log lines as JSON objects ("json"), plain text ("text"), or "auto": text on a terminal, JSON otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    # One log line per request (logger remit.access); `remit serve --no-access-log` turns it off.
    access_log: bool = True
    # Prometheus metrics (docs/operations.md): on at /metrics of the API's port, or on a port of their own.
    metrics_enabled: bool = True
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # On SIGTERM, how long requests in flight may take to finish before their connections are closed.
    shutdown_timeout_seconds: int = Field(default=30, ge=1)
    # Background jobs (remit.worker, docs/background-work.md). True: `remit serve` runs them in each of its
    # processes; false: only `remit worker` processes run them.
    inline_worker: bool = True
    # Every job's interval in seconds, replacing the job's own (tests, operations); unset: each job's own.
    scheduler_interval_seconds: float | None = Field(default=None, gt=0)
    # On shutdown, how long running jobs may take to finish before the process exits under them.
    worker_stop_timeout_seconds: float = Field(default=10, ge=0)
    # Webhooks (docs/webhooks.md). Plain http:// subscription URLs (on by default, so local setups work).
    allow_insecure_webhook_urls: bool = Field(default=True, validation_alias="REMIT_ALLOW_INSECURE_WEBHOOK_URLS")
    # Deliver to loopback, private, link-local and other non-public addresses (off: such URLs are refused).
    webhook_allow_private_urls: bool = False
    # Seconds between a delivery's attempts (a JSON list); attempts = its length + 1, each delay ±10 % jitter.
    webhook_retry_delays: list[float] = Field(default=[60, 300, 1800, 7200, 21600, 43200, 86400])
    # One attempt's budget, connect to last byte read.
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    # A claimed attempt's lease lasts the timeout plus this; a worker killed mid-attempt leaves it to expire.
    webhook_claim_margin_seconds: float = Field(default=30, gt=0)
    # Attempts in flight at once per process.
    webhook_concurrency: int = Field(default=32, ge=1)
    # Seconds between looks at the outbox when nothing woke the worker (missed wake-ups, dedicated workers on SQLite).
    webhook_poll_seconds: float = Field(default=5, gt=0)
    # Every new entity gets the two rejection reasons of CRM.COM's examples ("Reject Due to Error", the default,
    # and "Reject Due to Business Request"); false: entities start with an empty catalogue.
    seed_rejection_reasons: bool = True
    # Events and their delivery records are kept this many days (never fewer than 90).
    event_retention_days: int = Field(default=90, ge=90)
    # The approver's console at /console/ and POST /v1/console/links (docs/console.md); off: neither is served.
    console: bool = True
    # How long a console sign-in link may wait to be opened, and how long the session it starts lasts.
    console_link_ttl_seconds: int = Field(default=900, ge=10, le=7 * 24 * 3600)
    console_session_ttl_seconds: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)

    @field_validator("rate_limit")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        if value.strip().lower() in ("off", "", "none"):
            return "off"
        from limits import parse

        parse(value)  # raises ValueError on a bad rate string
        return value

    @field_validator("webhook_retry_delays")
    @classmethod
    def _check_retry_delays(cls, value: list[float]) -> list[float]:
        if any(delay < 0 for delay in value):
            raise ValueError("retry delays are seconds, none negative")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
