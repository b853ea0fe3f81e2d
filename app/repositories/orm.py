"""SQLAlchemy models. Stable constraint names through a naming convention; UTC-aware timestamps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (rowid alias, autoincrement) on SQLite.
BigId = BigInteger().with_variant(sqlite.INTEGER(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(postgresql.JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    """Anyone who signs in: producer, delegate or admin (usernames unique across all, R-AUTH-2)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    role: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    temp_password_hash: Mapped[str | None] = mapped_column(String(255))
    temp_password_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Delegates (R-DEL-1): the producer they act for, their mobile number, email verification, removal.
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mobile_number: Mapped[str | None] = mapped_column(String(20))
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DelegateState(Base):
    """A state a delegate is assigned to (a subset of its producer's active states)."""

    __tablename__ = "delegate_states"

    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True)


class EmailVerification(Base):
    """R-DEL-2: the "confirm your email" link token, stored hashed; 7 days, single use."""

    __tablename__ = "email_verifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MfaChallenge(Base):
    """R-DEL-6: issued after a right password; redeemed with an OTP for a session."""

    __tablename__ = "mfa_challenges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OtpCode(Base):
    """R-DEL-3: 8-character one-time passcodes, stored hashed; 10 minutes, single use, few tries."""

    __tablename__ = "otp_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(16))
    challenge_id: Mapped[int | None] = mapped_column(ForeignKey("mfa_challenges.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_otp_codes_user_created", "user_id", "created_at"),)


class OtpRequest(Base):
    """An accepted `POST /auth/otp` (R-DEL-3, R-DEL-7), keyed by a keyed hash of the user name as submitted.

    Throttles the requests for a name whether or not it is a delegate's, so the 429 reveals no account; never the
    name itself (people type passwords into user name fields). Rows older than an hour are pruned as new ones come.
    """

    __tablename__ = "otp_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    identifier_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_otp_requests_identifier_created", "identifier_hash", "created_at"),)


class RememberedDevice(Base):
    """R-DEL-6: "remember this device" for 30 days; revoked on password change or removal."""

    __tablename__ = "remembered_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(300))


class PasswordHistory(Base):
    """R-DEL-4: hashes of previously used passwords (the last N are refused)."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_password_history_user_created", "user_id", "created_at"),)


class Registration(Base):
    """A request an admin activates: a new producer account, or another state (R-AUTH-1, R-AUTH-8)."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # new_account | additional_state
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_registrations_status_created", "status", "created_at"),)


class StateRegistration(Base):
    """A producer's registration in one state with one producer number (Agent Unique ID)."""

    __tablename__ = "state_registrations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(2))
    company_name: Mapped[str | None] = mapped_column(String(200))
    address1: Mapped[str] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    address_state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(10))
    agent_unique_id: Mapped[str] = mapped_column(String(9), index=True)
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active | rejected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 15: each state is activated or rejected on its own, with a reason the producer receives by email
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (UniqueConstraint("state", "agent_unique_id", name="uq_state_registrations_state_agent"),)


class AuthSession(Base):
    """One signed-in session (a refresh-token family). Revoking it ends its access tokens at once."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))


class RefreshToken(Base):
    """Rotating refresh tokens, stored as hashes only (R-AUTH-9, R-AUTH-10)."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInFailure(Base):
    """Failed sign-ins of a submitted user name that matches no account (R-AUTH-3 without an oracle).

    Keyed by a keyed hash of the name exactly as submitted (R-AUTH-2: case sensitive), never the name itself:
    what people type into the user name field is sometimes their password.
    """

    __tablename__ = "sign_in_failures"

    username_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    """A producer's API key (issue 17): the lookup part in clear (unique, indexed), the whole key only as SHA-256."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEndpoint(Base):
    """A producer's webhook endpoint (issue 17): the URL, the event types, the signing secret encrypted at rest."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    secret_encrypted: Mapped[str] = mapped_column(Text)  # FieldCipher: recoverable, to sign every delivery
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(300))
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebhookDelivery(Base):
    """One event for one endpoint, written in the transaction of the change (the webhook outbox)."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(40))  # webhook-id: the same on every attempt
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)  # the JSON body, exactly as signed
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|delivering|retrying|succeeded|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retry_from: Mapped[datetime] = mapped_column(UTCDateTime)  # the retry span counts from here (or a redelivery)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a process is delivering it until then
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_webhook_deliveries_status_next_attempt", "status", "next_attempt_at"),)


class WebhookAttempt(Base):
    """The delivery log: one row per attempt (time, status code or error, duration)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    duration_ms: Mapped[int] = mapped_column(Integer)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # after a redelivery asked for by the producer


class OutboxMessage(Base):
    """Every email and SMS, whatever the transport (R-NOTE-1); failed sends stay and are retried (R-NOTE-2)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    to: Mapped[str] = mapped_column(String(254))
    to_key: Mapped[str] = mapped_column(String(254), index=True)  # lower-cased email / phone digits
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending|sent|failed|recorded
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),)


class AuditEvent(Base):
    """Who did what, when, from where (R-AUTH-10, R-MEM-6)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # success | failure
    actor_user_id: Mapped[int | None] = mapped_column(BigId, index=True)
    actor_username: Mapped[str | None] = mapped_column(String(64))
    # A delegate's events name the producer it acted for (R-DEL-9); None when the actor acted for themselves.
    on_behalf_of_user_id: Mapped[int | None] = mapped_column(BigId, index=True)
    # The API key the call was made with (issue 17); None for a signed-in person. No foreign key: audit rows outlive.
    api_key_id: Mapped[int | None] = mapped_column(BigId, index=True)
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)


# --- Book of business (R-BOOK-1, R-MEM-1) and reference data -----------------------------------------------
# Search keys (`*_key`) hold normalised values (lower-case names and email, phone digits) so lookups are
# exact or prefix matches on plain btree indexes. On PostgreSQL the name keys use the "C" collation, so a
# prefix is a range predicate on the index (quality.md S3).

CText = String(100).with_variant(postgresql.VARCHAR(100, collation="C"), "postgresql")
CEmail = String(254).with_variant(postgresql.VARCHAR(254, collation="C"), "postgresql")


class County(Base):
    """Counties by zip code, with the rating area used for premiums."""

    __tablename__ = "counties"

    zip_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    fips: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    rating_area: Mapped[int] = mapped_column(Integer)


class Network(Base):
    __tablename__ = "networks"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))


class Plan(Base):
    """A medical or dental plan offered in a state (on or off exchange)."""

    __tablename__ = "plans"

    plan_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    coverage: Mapped[str] = mapped_column(String(8))  # medical | dental
    metal_level: Mapped[str | None] = mapped_column(String(16))  # bronze, silver, gold, platinum, catastrophic
    network_type: Mapped[str] = mapped_column(String(4))  # HMO, POS, PPO, EPO
    requires_pcp: Mapped[bool] = mapped_column(Boolean)
    exchange: Mapped[str] = mapped_column(String(3))  # on | off
    state: Mapped[str] = mapped_column(String(2), index=True)
    network_code: Mapped[str] = mapped_column(ForeignKey("networks.code"))
    plan_year: Mapped[int] = mapped_column(Integer)
    group_number: Mapped[str] = mapped_column(String(12))
    tobacco_factor: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal(1))
    customer_service_phone: Mapped[str] = mapped_column(String(20))  # member services, printed on ID cards
    # Issue 15: pharmacy claims routing printed on the ID card (medical plans; none for dental)
    rx_bin: Mapped[str | None] = mapped_column(String(6))
    rx_pcn: Mapped[str | None] = mapped_column(String(10))
    rx_group: Mapped[str | None] = mapped_column(String(15))


class PlanRate(Base):
    """Monthly base rate (age 21, no tobacco) of a plan in a rating area (R-QUO-2)."""

    __tablename__ = "plan_rates"

    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(2), primary_key=True)
    rating_area: Mapped[int] = mapped_column(Integer, primary_key=True)
    base_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class MedicalGroup(Base):
    """Provider directory entry: a medical group with its PCP / PCPA / NPI numbers (R-PCP-2)."""

    __tablename__ = "medical_groups"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    medical_group_number: Mapped[str] = mapped_column(String(12), unique=True)
    medical_group_name: Mapped[str] = mapped_column(String(200))
    pcp_number: Mapped[str] = mapped_column(String(12), index=True)
    pcpa_number: Mapped[str] = mapped_column(String(12), index=True)
    npi: Mapped[str] = mapped_column(String(10), index=True)
    physician_name: Mapped[str] = mapped_column(String(200))
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean)
    address1: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(5), index=True)
    phone: Mapped[str] = mapped_column(String(20))


class MedicalGroupNetwork(Base):
    __tablename__ = "medical_group_networks"

    medical_group_id: Mapped[int] = mapped_column(ForeignKey("medical_groups.id", ondelete="CASCADE"), primary_key=True)
    network_code: Mapped[str] = mapped_column(ForeignKey("networks.code"), primary_key=True)


class Account(Base):
    """A client account: the primary insured's demographics and contact details (R-MEM-1).

    Only the last 4 of the SSN are kept here (R-MEM-7).
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_number: Mapped[str] = mapped_column(String(12), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_initial: Mapped[str | None] = mapped_column(String(1))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name_key: Mapped[str] = mapped_column(CText)
    last_name_key: Mapped[str] = mapped_column(CText)
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    ssn_last4: Mapped[str] = mapped_column(String(4))
    address1: Mapped[str] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(5))
    county: Mapped[str | None] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(CEmail)
    phone_home: Mapped[str | None] = mapped_column(String(10))
    phone_cell: Mapped[str | None] = mapped_column(String(10))
    phone_work: Mapped[str | None] = mapped_column(String(10))
    phone_spouse_cell: Mapped[str | None] = mapped_column(String(10))
    phone_fax: Mapped[str | None] = mapped_column(String(10))
    phone_details: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # extension / send_text per type
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Every member search is scoped to the producer first (R-BOOK-1, R-MEM-3): (producer_id, key).
        Index("ix_accounts_producer_ssn4_dob", "producer_id", "ssn_last4", "date_of_birth"),
        Index("ix_accounts_producer_dob", "producer_id", "date_of_birth"),
        Index("ix_accounts_producer_last_first", "producer_id", "last_name_key", "first_name_key"),
        Index("ix_accounts_producer_first", "producer_id", "first_name_key"),
        Index("ix_accounts_producer_email", "producer_id", "email_key"),
        Index("ix_accounts_producer_zip", "producer_id", "zip_code"),
        Index("ix_accounts_producer_phone_home", "producer_id", "phone_home"),
        Index("ix_accounts_producer_phone_cell", "producer_id", "phone_cell"),
        Index("ix_accounts_producer_phone_work", "producer_id", "phone_work"),
    )


class Policy(Base):
    """A medical or dental policy of an account (R-MEM-1). `producer_id` repeats the account's for scoped
    indexes."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    producer_number: Mapped[str] = mapped_column(String(9))  # writing producer number (Agent Unique ID)
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.plan_id"))
    product_name: Mapped[str] = mapped_column(String(200))
    coverage: Mapped[str] = mapped_column(String(8))  # medical | dental
    network_type: Mapped[str] = mapped_column(String(4))
    requires_pcp: Mapped[bool] = mapped_column(Boolean)
    exchange: Mapped[str] = mapped_column(String(3))  # on | off
    group_number: Mapped[str] = mapped_column(String(12))
    e_app_number: Mapped[str | None] = mapped_column(String(12))
    client_app_id: Mapped[str | None] = mapped_column(String(20))
    exchange_assigned_id: Mapped[str | None] = mapped_column(String(20))
    pending_application_id: Mapped[str | None] = mapped_column(String(6))
    grandfathered: Mapped[bool] = mapped_column(Boolean, default=False)
    temporary_plan: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16))  # Active | Grace Period | Termed
    coverage_effective_date: Mapped[date] = mapped_column(Date)
    paid_to_date: Mapped[date | None] = mapped_column(Date)
    termination_date: Mapped[date | None] = mapped_column(Date)
    app_signature_date: Mapped[date | None] = mapped_column(Date)
    eapp_start_date: Mapped[date | None] = mapped_column(Date)
    application_status: Mapped[str | None] = mapped_column(String(24))
    application_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    initial_payment_received: Mapped[bool] = mapped_column(Boolean, default=True)
    member_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The portal application an approval wrote this policy from (issue 14); None for the carrier's own book.
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"), index=True)

    __table_args__ = (
        Index("ix_policies_producer_account", "producer_id", "account_id"),
        Index("ix_policies_producer_e_app", "producer_id", "e_app_number"),
        Index("ix_policies_producer_client_app", "producer_id", "client_app_id"),
        Index("ix_policies_producer_exchange_id", "producer_id", "exchange_assigned_id"),
        Index("ix_policies_producer_pending_app", "producer_id", "pending_application_id"),
        Index("ix_policies_producer_number", "producer_id", "producer_number"),
    )


class Member(Base):
    """A covered person of an account: primary, spouse or child (R-MEM-1). `producer_id` repeats the account's
    (as `policies.producer_id` does) so the member reports start from the producer's own members."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    suffix: Mapped[str] = mapped_column(String(2))  # 01 primary, 02 spouse, 03.. children
    relationship: Mapped[str] = mapped_column(String(8))  # primary | spouse | child
    first_name: Mapped[str] = mapped_column(String(100))
    middle_initial: Mapped[str | None] = mapped_column(String(1))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))
    ssn_last4: Mapped[str | None] = mapped_column(String(4))

    __table_args__ = (
        # The member reports (R-REP-1 "approaching 65 / 26"): the producer's members born in a range (R-BOOK-1).
        Index("ix_members_producer_birth_relationship", "producer_id", "date_of_birth", "relationship"),
    )


class PolicyMember(Base):
    """Who a policy covers, with per-policy coverage dates."""

    __tablename__ = "policy_members"

    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True)
    coverage_start: Mapped[date] = mapped_column(Date)
    coverage_end: Mapped[date | None] = mapped_column(Date)


class PcpAssignment(Base):
    """PCP assignment history per member and policy; the current one has term date 9999-12-31 (R-PCP-6)."""

    __tablename__ = "pcp_assignments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    medical_group_id: Mapped[int] = mapped_column(ForeignKey("medical_groups.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    term_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(60))
    end_reason: Mapped[str | None] = mapped_column(String(60))  # why it ended (e.g. Asked Out, R-PCP-4)
    assigned_by: Mapped[str] = mapped_column(String(100))
    request_received_date: Mapped[date] = mapped_column(Date)
    change_id: Mapped[int | None] = mapped_column(BigId)  # the PCP change transaction (issue 5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_pcp_assignments_member_policy_term", "member_id", "policy_id", "term_date"),)


class ContactInfoChange(Base):
    """R-CIC-4: a pending change to the primary insured's phones and email, applied after a delay."""

    __tablename__ = "contact_info_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))  # pending | applied
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {"current": {...}, "updated": {...}}

    __table_args__ = (Index("ix_contact_info_changes_status_effective", "status", "effective_at"),)


class Prospect(Base):
    """A sales lead of a producer (R-PRO-1)."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_initial: Mapped[str | None] = mapped_column(String(1))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name_key: Mapped[str] = mapped_column(CText)
    last_name_key: Mapped[str] = mapped_column(CText)
    address1: Mapped[str | None] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    city_key: Mapped[str | None] = mapped_column(CText)
    state: Mapped[str] = mapped_column(String(2))
    zip_code: Mapped[str] = mapped_column(String(5))
    phone: Mapped[str | None] = mapped_column(String(10))
    cell_phone: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    email_key: Mapped[str | None] = mapped_column(CEmail)
    assigned_agent_number: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_prospects_producer_last", "producer_id", "last_name_key"),
        Index("ix_prospects_producer_first", "producer_id", "first_name_key"),
        Index("ix_prospects_producer_created", "producer_id", "created_at"),
    )


# --- Servicing: documents, e-questions, ID cards, PCP changes (R-DOC, R-EQ, R-ID, R-PCP) ----------------------


class Document(Base):
    """A submitted document (R-DOC-1..4): metadata only is readable; the content is never served back."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    document_type: Mapped[str] = mapped_column(String(60))
    account_number: Mapped[str | None] = mapped_column(String(12))
    e_app_number: Mapped[str | None] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    storage_key: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_documents_producer_submitted", "producer_id", "submitted_at"),)


class EQuestion(Base):
    """An e-question to the carrier (R-EQ-1..4)."""

    __tablename__ = "e_questions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))  # general | member_specific
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    client_first_name: Mapped[str | None] = mapped_column(String(100))
    client_middle_initial: Mapped[str | None] = mapped_column(String(1))
    client_last_name: Mapped[str | None] = mapped_column(String(100))
    client_id: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(16))  # In Progress | Responded
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_e_questions_producer_submitted", "producer_id", "submitted_at"),)


class IdCardRequest(Base):
    """A permanent (mailed) or temporary (PDF) ID card request for one policy (R-ID-1..5)."""

    __tablename__ = "id_card_requests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))  # temporary | permanent
    status: Mapped[str] = mapped_column(String(16))  # Generated (temporary) | Requested (permanent, to be mailed)
    source: Mapped[str] = mapped_column(String(16))  # producer | pcp_change
    pcp_change_id: Mapped[int | None] = mapped_column(BigId)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_id_card_requests_producer_requested", "producer_id", "requested_at"),)


class IdCardRequestItem(Base):
    """One card line: a member (PCP plans) or the primary insured (plans without a PCP), and a quantity."""

    __tablename__ = "id_card_request_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("id_card_requests.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)


class PcpChange(Base):
    """A finished PCP change transaction (R-PCP-5..8): one provider, one effective date, several members."""

    __tablename__ = "pcp_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    medical_group_id: Mapped[int] = mapped_column(ForeignKey("medical_groups.id"))
    effective_date: Mapped[date] = mapped_column(Date)
    term_date: Mapped[date] = mapped_column(Date)
    warnings_accepted: Mapped[list[str] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_pcp_changes_producer_created", "producer_id", "created_at"),)


class PcpChangeMember(Base):
    __tablename__ = "pcp_change_members"

    change_id: Mapped[int] = mapped_column(ForeignKey("pcp_changes.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(60))
    previous_assignment_id: Mapped[int | None] = mapped_column(BigId)
    new_assignment_id: Mapped[int] = mapped_column(BigId)


class IdempotencyKey(Base):
    """A remembered answer to a POST sent with `Idempotency-Key` (api.md conventions, R-ENR-18)."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(300))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),)


# --- Reports, quotes, enrollment, payments (R-REP, R-QUO, R-ENR, R-PAY) -----------------------------------------


class SavedReport(Base):
    """A saved report definition ("View My Custom Reports", R-REP-3)."""

    __tablename__ = "saved_reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    report_type: Mapped[str] = mapped_column(String(40))
    # Fixed dates, or a rolling window around the day the report runs (days_before / days_after), or neither
    # (policy_status has no range): exactly one form per report type (domain.reports.check_definition).
    date_from: Mapped[date | None] = mapped_column(Date)
    date_to: Mapped[date | None] = mapped_column(Date)
    days_before: Mapped[int | None] = mapped_column(Integer)
    days_after: Mapped[int | None] = mapped_column(Integer)
    filters: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quote(Base):
    """A saved quote (R-QUO-1..3): who, where, when, and the selected plans."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prospect_id: Mapped[int | None] = mapped_column(ForeignKey("prospects.id", ondelete="SET NULL"))
    zip_code: Mapped[str] = mapped_column(String(5))
    county: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    rating_area: Mapped[int] = mapped_column(Integer)
    effective_date: Mapped[date] = mapped_column(Date)
    coverage: Mapped[str] = mapped_column(String(16))  # medical | dental | medical_dental
    household: Mapped[dict[str, Any]] = mapped_column(JSONType)  # applicant, spouse, dependents
    selected_medical_plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.plan_id"))
    selected_dental_plan_id: Mapped[str | None] = mapped_column(ForeignKey("plans.plan_id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_quotes_producer_created", "producer_id", "created_at"),)


class Application(Base):
    """An off-exchange Individual & Family application (R-ENR-1..18), saved section by section.

    Sections are JSON documents; SSNs inside them are stored encrypted (R-MEM-7). `version` gives
    optimistic concurrency: a save with a stale version is refused (409).
    """

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quotes.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # incomplete | submitted | failed
    version: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str | None] = mapped_column(String(2))
    producer_number: Mapped[str | None] = mapped_column(String(9))
    effective_date: Mapped[date | None] = mapped_column(Date)
    sections: Mapped[dict[str, Any]] = mapped_column(JSONType)
    record_number: Mapped[str | None] = mapped_column(String(12), unique=True)
    client_app_id: Mapped[str | None] = mapped_column(String(20), unique=True)
    date_submitted: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    payment_status: Mapped[str | None] = mapped_column(String(16))
    monthly_premium: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    applicant_first_name: Mapped[str | None] = mapped_column(String(100))
    applicant_last_name: Mapped[str | None] = mapped_column(String(100))
    applicant_last_name_key: Mapped[str | None] = mapped_column(CText)
    applicant_date_of_birth: Mapped[date | None] = mapped_column(Date)
    applicant_ssn_last4: Mapped[str | None] = mapped_column(String(4))
    # What member search shows for a submitted application (record type "Application", R-ENR-15)
    product_name: Mapped[str | None] = mapped_column(String(300))
    coverage: Mapped[str | None] = mapped_column(String(8))
    member_count: Mapped[int | None] = mapped_column(Integer)
    # The carrier's decision (issue 14): approved (written into the book: the account below, its policies carry
    # application_id) or declined (failed, with the reason).
    decision: Mapped[str | None] = mapped_column(String(8))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(300))
    account_number: Mapped[str | None] = mapped_column(String(12))
    # Set when a new effective date took the chosen plans out of the offer or changed their premium; cleared when
    # the plans section is saved again (app/domain/repricing.py, issue 14)
    plans_review: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_applications_producer_status_updated", "producer_id", "status", "updated_at"),
        Index("ix_applications_producer_last_name", "producer_id", "applicant_last_name_key"),
    )


class Payment(Base):
    """A binder payment (R-PAY-1..5): only a processor token and the last 4 digits are kept."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(16))  # card | bank_account
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    payment_date: Mapped[date] = mapped_column(Date)
    autopay: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12))  # Pending | Successful | Declined | Cancelled
    processor_token: Mapped[str] = mapped_column(String(64))
    last4: Mapped[str] = mapped_column(String(4))
    account_type: Mapped[str | None] = mapped_column(String(12))
    # R-PAY-2 (issue 15): the bank account autopay draws from (the binder's own, or one given beside a card)
    autopay_token: Mapped[str | None] = mapped_column(String(64))
    autopay_last4: Mapped[str | None] = mapped_column(String(4))
    autopay_account_type: Mapped[str | None] = mapped_column(String(12))
    confirmation_number: Mapped[str] = mapped_column(String(20), unique=True)
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# One live payment per application (issue 12 #1; app/domain/payments.py LIVE_STATUSES): a second Pending or
# Successful payment of an application is refused by the database too (migration 0008).
_LIVE_PAYMENT = Payment.status.in_(("Pending", "Successful"))
Index(
    "uq_payments_application_live",
    Payment.application_id,
    unique=True,
    sqlite_where=_LIVE_PAYMENT,
    postgresql_where=_LIVE_PAYMENT,
)


# Report indexes (R-REP-1, quality.md S4): the producer first, then the report's date.
Index("ix_policies_producer_eapp_start", Policy.producer_id, Policy.eapp_start_date)
Index("ix_policies_producer_signature", Policy.producer_id, Policy.app_signature_date)
Index("ix_policies_producer_effective", Policy.producer_id, Policy.coverage_effective_date)
Index("ix_policies_producer_termination", Policy.producer_id, Policy.termination_date)
Index("ix_policies_producer_paid_to", Policy.producer_id, Policy.paid_to_date)
# Members by birth date across books: the enrollment gateway's duplicate-coverage check (has_active_coverage).
Index("ix_members_birth_relationship", Member.date_of_birth, Member.relationship)
# R-REP-3: saved-report names are unique per producer in any case; the service answers a race on it with 409.
Index("uq_saved_reports_producer_name", SavedReport.producer_id, func.lower(SavedReport.name), unique=True)
