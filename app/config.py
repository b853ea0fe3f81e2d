"""Settings: every one an environment variable with a documented default (see README)."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEMO_SECRET_KEY = "demo-only-signing-key-change-me-0123456789abcdef"
DEMO_FIELD_KEY = "demo-only-field-encryption-key-change-me"
DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///./var/portal.db"


class Mode(StrEnum):
    demo = "demo"
    production = "production"


class Settings(BaseSettings):
    """Runtime configuration. `PORT` and `DATABASE_URL` are plain; the rest carry `PORTAL_`."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", env_file=None, extra="ignore")

    # Hosting convention: exactly these names.
    port: int = Field(8000, validation_alias=AliasChoices("PORT"))
    database_url: str = Field(DEFAULT_SQLITE_URL, validation_alias=AliasChoices("DATABASE_URL"))
    # A read replica (issue 18, PORTAL_READ_DATABASE_URL): member search, client detail and report queries read there;
    # writes, audit rows, session and API-key checks and reads right after a write stay on DATABASE_URL. Empty: the
    # primary serves everything.
    read_database_url: str = ""

    mode: Mode = Mode.demo
    host: str = "127.0.0.1"
    workers: int = 1
    public_base_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    log_json: bool = True
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_timeout_seconds: float = 5.0
    db_pool_pre_ping: bool = False
    # DATABASE_URL (and PORTAL_READ_DATABASE_URL) is a PgBouncer in transaction pooling mode (issue 18): each
    # transaction may run on another server connection, so no named prepared statement may outlive it. True turns
    # asyncpg's and SQLAlchemy's statement caches off and names each prepared statement uniquely (one more parse per
    # statement). PgBouncer in session mode, or PostgreSQL itself: leave false.
    db_pgbouncer: bool = False

    # Secrets: must be set outside demo mode.
    secret_key: str = DEMO_SECRET_KEY
    field_encryption_key: str = DEMO_FIELD_KEY

    # Tokens (R-AUTH-9)
    access_token_minutes: int = 15
    refresh_token_days: int = 14

    # Producer accounts (R-AUTH-2/3/5; R-AUTH-10: weaker than ASVS, kept because the guides promise them)
    producer_password_min: int = 6
    producer_password_max: int = 9
    producer_password_letters_and_digits_only: bool = True
    producer_max_failed_sign_ins: int = 3
    temporary_password_minutes: int = 60
    carrier_states: list[str] = ["IL", "MT", "NM", "OK", "TX"]

    # Delegates (R-DEL-2 .. R-DEL-6; R-AUTH-10: the guides' defaults, each a setting)
    delegate_password_min: int = 8
    delegate_password_max: int = 64
    delegate_password_history: int = 10
    delegate_max_failed_sign_ins: int = 5
    delegate_lock_minutes: int = 30
    email_verification_days: int = 7
    otp_length: int = 8
    otp_minutes: int = 10
    otp_max_attempts: int = 5
    otp_max_sends_per_hour: int = 5
    otp_min_resend_seconds: int = 30
    # R-DEL-2: the "confirm your email" link of the welcome email: the SPA's page that posts the token to
    # POST /api/v1/auth/email-verifications. Must hold "{token}"; empty: <public_base_url>/delegate/verify-email?token=
    delegate_verify_url: str = ""
    mfa_challenge_minutes: int = 10
    remembered_device_days: int = 30

    # Book of business
    contact_change_delay_minutes: int = 240  # R-CIC-4: changes reach the member record in about 4 hours
    background_job_seconds: float = 60.0  # how often due contact changes are applied

    # ID cards and PCP changes
    id_card_max_copies: int = 5  # R-ID-3: permanent cards at once for plans without a PCP
    pcp_first_of_month_states: list[str] = ["IL", "TX"]  # R-PCP-7
    # R-PCP-4 (issue 15): "New Enrollee" is a PCP change reason within this many days of the member's coverage start
    pcp_new_enrollee_days: int = Field(default=90, ge=1, le=366)

    # Quotes and enrollment (R-ENR-2, R-ENR-4, R-ENR-13, R-ENR-16)
    federal_exchange_url: str = "https://www.healthcare.gov/"
    state_exchange_urls: dict[str, str] = {
        "IL": "https://getcovered.illinois.gov/",
        "NM": "https://www.bewellnm.com/",
    }
    open_enrollment_start: str = "11-01"  # MM-DD
    open_enrollment_jan1_deadline: str = "12-15"
    open_enrollment_end: str = "01-15"
    consumer_choice_exempt_plans: list[str] = ["Blue Advantage Gold HMO 207"]
    application_expiry_days: int = 90
    max_dependents_including_spouse: int = 19
    # The producer's time zone: the application PDF prints signature dates and times in it (IANA name, issue 14)
    display_time_zone: str = "America/Chicago"
    # The simulated back office (enrollment gateway, payment processor) answers after this long (fault tests)
    gateway_delay_seconds: float = 0.0
    # Carrier processing (issue 14), demo mode: the simulated back office decides a submitted and paid application
    # this long after its submission; a job looks for such applications every `carrier_poll_seconds` (0: never,
    # carrier staff decide by hand at POST /admin/applications/{id}/decision).
    carrier_review_seconds: float = 5.0
    carrier_poll_seconds: float = 2.0
    # An Idempotency-Key request unfinished after this long died with its process; a retry may then run it
    idempotency_claim_seconds: float = 60.0

    # Documents (R-DOC-1): a local folder outside anything served, under generated names
    storage_dir: str = "./var/uploads"
    max_upload_bytes: int = 10_485_760
    # Or an S3-compatible bucket (issue 18): `s3://bucket` or `s3://bucket/prefix`; empty keeps the folder above.
    # Endpoint empty: AWS S3 itself; otherwise the store's address (MinIO, Ceph, ...), addressed path-style.
    # Credentials empty: boto3's usual chain (AWS_* variables, instance or task role).
    storage_url: str = ""
    storage_endpoint_url: str = ""
    storage_region: str = ""
    storage_access_key_id: str = ""
    storage_secret_access_key: SecretStr = SecretStr("")
    storage_part_bytes: int = Field(5 * 1024 * 1024, ge=5 * 1024 * 1024)  # S3 multipart part, held in memory
    storage_timeout_seconds: float = Field(10.0, gt=0)  # connect and read timeout of each S3 call
    # /readyz checks the storage (the folder can be written; the bucket answers a HEAD within min(2 s, the timeout
    # above)) and keeps the answer this long, so frequent probes stay cheap (issue 18). 0: check on every call.
    storage_ready_cache_seconds: float = Field(5.0, ge=0)

    # Password hashing (argon2id; OWASP minimum 19 MiB, t=2, p=1)
    argon2_memory_kib: int = 19456
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    hash_workers: int = 2
    hash_thread_nice: int = 10  # hash threads run below the event loop's priority (Linux)
    hash_thread_idle: bool = True  # and only on CPU time nothing else wants (Linux SCHED_IDLE; issue 19)
    hash_queue_limit: int = 8  # per process: at ~28 verifies/s a full queue waits ~0.35 s, then 429

    # PDFs (issue 19): reportlab holds the GIL, so PDFs render in worker processes of each server process, not in its
    # threads. 0 renders in threads of the server process (the test suite: a process pool takes ~0.5 s to start).
    pdf_processes: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=0)
    pdf_queue_per_process: int = Field(16, ge=0)  # renders that may wait per worker; beyond that 429 at once
    pdf_process_nice: int = Field(10, ge=0)  # render processes run below the event loop's priority (Unix)
    pdf_process_idle: bool = True  # and only on CPU time nothing else wants (Linux SCHED_IDLE; issue 19)

    # Per-client rate limit on sign-in and recovery endpoints (token bucket per client address)
    auth_rate_limit_per_minute: int = 30
    auth_rate_limit_burst: int = 10
    trust_forwarded_for: bool = False
    # Shared limits across instances (issue 18): with a Redis URL (`redis://host:6379/0`, `rediss://` for TLS) every
    # instance takes from the same buckets; empty keeps them in memory per process. Redis unreachable: the limited
    # endpoints answer 503 (fail closed) and /readyz fails.
    redis_url: str = ""
    redis_key_prefix: str = "portal:"  # several deployments (or test runs) may share one Redis
    redis_timeout_seconds: float = Field(1.0, gt=0)

    # HTTP hardening (issue 12, finding 9)
    behind_https: bool = False  # sends Strict-Transport-Security (only when TLS ends in front of the service)
    hsts_max_age_seconds: int = 31_536_000
    docs_enabled: bool | None = None  # /docs and /redoc: on in demo mode, off in production unless true
    metrics_token: str = ""  # production: /metrics needs 'Authorization: Bearer <this>' (empty: /metrics is off)
    max_json_depth: int = 32  # JSON bodies nested deeper are refused with 422 (finding 8)
    # Browser origins allowed to call the API (CORS, issue 16): comma-separated exact origins such as
    # `https://portal.example.com,http://localhost:5173`; empty (the default) sends no CORS headers at all
    cors_origins: Annotated[list[str], NoDecode] = []

    # Mail (R-NOTE-1). Empty host: messages are kept in the outbox only (demo); production requires a host.
    smtp_host: str = ""
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Retail Producer Portal <no-reply@producer-portal.example>"
    outbox_retry_seconds: float = 30.0
    outbox_max_attempts: int = 8
    # A dispatcher claims a batch of messages for this long before it sends them (issue 18): another instance
    # takes them over only after it, so it must outlast a batch of sends (20 x the SMTP timeout at worst).
    outbox_claim_seconds: float = Field(300.0, gt=0)

    # Demo data
    seed_demo_on_start: bool = True

    # Lockout and recovery (issue 12, findings 4-6, 11): admins lock for a while, never for good (R-AUTH-3)
    admin_lock_minutes: int = Field(15, ge=1)
    # A wrong /auth/password code answers no sooner than this, known account or not (no timing oracle)
    otp_failure_floor_seconds: float = Field(0.25, ge=0)
    # R-AUTH-9: a refresh token presented again this soon, its successor unused, gets that successor back
    refresh_reuse_grace_seconds: float = Field(10.0, ge=0)

    # API keys (issue 17): a key expires after at most this many days (default 90, never more than this)
    api_key_max_days: int = Field(365, ge=1, le=3650)

    # Webhooks (issue 17). Production takes https URLs resolving to public addresses only; true also allows private,
    # loopback and link-local ones (a receiver inside your network). Cloud metadata addresses are always refused.
    webhook_allow_private: bool = False
    webhook_timeout_seconds: float = Field(10.0, gt=0, le=60)  # per attempt
    webhook_retry_base_seconds: float = Field(5.0, gt=0)  # the first retry comes after 2.5-5 s, then doubling
    webhook_retry_max_interval_seconds: float = Field(21_600.0, gt=0)  # at most 6 h between two attempts
    webhook_retry_span_hours: float = Field(72.0, gt=0)  # retried for this long after the event (or a redelivery)
    webhook_disable_after_failures: int = Field(30, ge=0)  # consecutive failed attempts that disable (0: never)
    webhook_dispatch_seconds: float = Field(10.0, gt=0)  # how often each process looks for due deliveries

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        """`PORTAL_CORS_ORIGINS` is comma-separated (a JSON list works too, like the other list settings); each
        entry must be an exact origin (scheme://host[:port])."""
        if isinstance(value, str):
            value = json.loads(value) if value.lstrip().startswith("[") else value.split(",")
        if not isinstance(value, list | tuple):
            return value
        origins = [str(v).strip() for v in value if str(v).strip()]
        for origin in origins:
            if not _is_origin(origin):
                raise ValueError(
                    f"PORTAL_CORS_ORIGINS: {origin!r} is not an exact origin; write scheme://host[:port] "
                    "with no path, no trailing slash and no wildcard, e.g. https://portal.example.com"
                )
        return origins

    @field_validator("storage_url")
    @classmethod
    def _check_storage_url(cls, value: str) -> str:
        value = value.strip()
        if value:
            from app.adapters.storage import S3Location

            try:
                S3Location.parse(value)
            except ValueError as exc:
                raise ValueError(
                    f"PORTAL_STORAGE_URL: {value!r} is not s3://bucket or s3://bucket/prefix (empty: the local folder)"
                ) from exc
        return value

    @field_validator("display_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"PORTAL_DISPLAY_TIME_ZONE: {value!r} is not an IANA time zone name, e.g. America/Chicago"
            ) from exc
        return value

    @field_validator("delegate_verify_url")
    @classmethod
    def _check_verify_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value
        parts = urlsplit(value.replace("{token}", "TOKEN"))
        if value.count("{token}") != 1 or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                "PORTAL_DELEGATE_VERIFY_URL must be an http(s) address holding {token} once, e.g. "
                "https://portal.example.com/delegate/verify-email?token={token}"
            )
        return value

    def delegate_verify_link(self, token: str) -> str:
        """R-DEL-2: the link a new delegate clicks (the SPA's route, which posts the token to the API)."""
        template = self.delegate_verify_url or (
            self.public_base_url.rstrip("/") + "/delegate/verify-email?token={token}"
        )
        return template.replace("{token}", quote(token, safe=""))

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.mode is Mode.production:
            problems = []
            if self.secret_key == DEMO_SECRET_KEY or len(self.secret_key) < 32:
                problems.append("PORTAL_SECRET_KEY must be set to a random value of 32+ characters")
            if self.field_encryption_key == DEMO_FIELD_KEY or len(self.field_encryption_key) < 32:
                problems.append("PORTAL_FIELD_ENCRYPTION_KEY must be set to a random value of 32+ characters")
            if not self.smtp_host:
                problems.append("PORTAL_SMTP_HOST must be set: production mail goes through SMTP")
            if problems:
                raise ValueError("refusing to start in production mode: " + "; ".join(problems))
        return self

    @property
    def is_demo(self) -> bool:
        return self.mode is Mode.demo

    @property
    def docs_served(self) -> bool:
        return self.is_demo if self.docs_enabled is None else self.docs_enabled

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        raw = self.database_url.split("///", 1)[-1]
        return None if raw in ("", ":memory:") else Path(raw)


def _is_origin(value: str) -> bool:
    """An origin as a browser sends it in `Origin`: lower-case scheme http(s), a host, an optional port."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and "*" not in value
        and value == f"{parts.scheme}://{parts.netloc}"
        and not parts.username
        and not parts.password
        and parts.netloc == parts.netloc.lower()
    )


@lru_cache
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]
