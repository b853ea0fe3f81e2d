"""Unit of work: the one way services reach the database.

`UnitOfWork` is the port services are written against: one transaction, the repositories on it, commit and
after-commit hooks. `SqlUnitOfWork` is the SQLAlchemy implementation, in one of two roles:

- **write** (`AppContext.uow()`): one transaction on the primary; rolls back unless committed (services own
  the commit);
- **read** (`AppContext.reads()`): a session on the AUTOCOMMIT read engine for the hot read paths (member
  search, client detail, reports, session checks): no BEGIN/COMMIT round trips, each statement stands alone.
  Behind PgBouncer (PORTAL_DB_PGBOUNCER) it is one transaction instead, committed when the unit of work ends.
  With a read replica (PORTAL_READ_DATABASE_URL) `members` and `reports` query the replica; the rest of the
  read role (audit rows, session and API-key checks) stays on the primary.

Tests of services use `tests/fakes.FakeUnitOfWork`, an in-memory implementation of the same port.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.repositories.api_keys import ApiKeyRepository
from app.repositories.audit import AuditRepository
from app.repositories.carrier import CarrierRepository
from app.repositories.delegates import (
    DelegateRepository,
    EmailVerificationRepository,
    MfaChallengeRepository,
    OtpRepository,
    OtpRequestRepository,
    PasswordHistoryRepository,
    RememberedDeviceRepository,
)
from app.repositories.documents import DocumentRepository
from app.repositories.e_questions import EQuestionRepository
from app.repositories.enrollments import ApplicationRepository, PaymentRepository
from app.repositories.idempotency import IdempotencyRepository
from app.repositories.members import ContactChangeRepository, MemberQueries
from app.repositories.outbox import OutboxRepository
from app.repositories.prospects import ProspectRepository
from app.repositories.quotes import QuoteRepository
from app.repositories.reports import ReportQueries, SavedReportRepository
from app.repositories.servicing import ServicingRepository
from app.repositories.tokens import RefreshTokenRepository, SessionCheckRepository
from app.repositories.users import (
    AuthSessionRepository,
    RegistrationRepository,
    StateRegistrationRepository,
    UserRepository,
)
from app.repositories.webhooks import WebhookRepository

Role = Literal["write", "read"]


class UnitOfWork(ABC):
    """The port: repositories of one transaction. Enter it, use the repositories, commit (or not)."""

    role: Role
    users: UserRepository
    registrations: RegistrationRepository
    state_registrations: StateRegistrationRepository
    auth_sessions: AuthSessionRepository
    refresh_tokens: RefreshTokenRepository
    outbox: OutboxRepository
    audit: AuditRepository
    delegates: DelegateRepository
    email_verifications: EmailVerificationRepository
    otp_codes: OtpRepository
    otp_requests: OtpRequestRepository
    mfa_challenges: MfaChallengeRepository
    devices: RememberedDeviceRepository
    password_history: PasswordHistoryRepository
    prospects: ProspectRepository
    contact_changes: ContactChangeRepository
    servicing: ServicingRepository
    applications: ApplicationRepository
    payments: PaymentRepository
    carrier: CarrierRepository
    quotes: QuoteRepository
    documents: DocumentRepository
    e_questions: EQuestionRepository
    idempotency: IdempotencyRepository
    members: MemberQueries
    reports: ReportQueries
    saved_reports: SavedReportRepository
    session_checks: SessionCheckRepository
    api_keys: ApiKeyRepository
    webhooks: WebhookRepository

    def __init__(self) -> None:
        self._after_commit: list[Callable[[], None]] = []

    @abstractmethod
    async def __aenter__(self) -> UnitOfWork: ...

    @abstractmethod
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    @abstractmethod
    async def _commit(self) -> None: ...

    @abstractmethod
    async def flush(self) -> None: ...

    async def commit(self) -> None:
        await self._commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this transaction has committed (e.g. wake the outbox dispatcher)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)


UnitOfWorkFactory = Callable[[], UnitOfWork]


# The repositories of a unit of work, made on first use (issue 19: making all thirty on every request cost more than
# a read's query building).
_ON_SESSION: dict[str, Callable[[AsyncSession], Any]] = {
    "users": UserRepository,
    "registrations": RegistrationRepository,
    "state_registrations": StateRegistrationRepository,
    "auth_sessions": AuthSessionRepository,
    "refresh_tokens": RefreshTokenRepository,
    "outbox": OutboxRepository,
    "audit": AuditRepository,
    "delegates": DelegateRepository,
    "email_verifications": EmailVerificationRepository,
    "otp_codes": OtpRepository,
    "otp_requests": OtpRequestRepository,
    "mfa_challenges": MfaChallengeRepository,
    "devices": RememberedDeviceRepository,
    "password_history": PasswordHistoryRepository,
    "prospects": ProspectRepository,
    "contact_changes": ContactChangeRepository,
    "servicing": ServicingRepository,
    "applications": ApplicationRepository,
    "payments": PaymentRepository,
    "carrier": CarrierRepository,
    "quotes": QuoteRepository,
    "documents": DocumentRepository,
    "e_questions": EQuestionRepository,
    "idempotency": IdempotencyRepository,
    "saved_reports": SavedReportRepository,
    "session_checks": SessionCheckRepository,
    "api_keys": ApiKeyRepository,
    "webhooks": WebhookRepository,
}
_ON_READS: dict[str, Callable[[AsyncSession], Any]] = {  # on the read replica, when there is one
    "members": MemberQueries,
    "reports": ReportQueries,
}


class SqlUnitOfWork(UnitOfWork):
    session: AsyncSession

    def __init__(
        self,
        sessionmaker: async_sessionmaker[Any],
        *,
        role: Role = "write",
        replica_sessionmaker: async_sessionmaker[Any] | None = None,
        commit_on_exit: bool = False,
    ) -> None:
        super().__init__()
        self._sessionmaker = sessionmaker
        self._replica_sessionmaker = replica_sessionmaker
        self.role = role
        # The read role on a transactional engine (PORTAL_DB_PGBOUNCER, app/db.py make_database): commit at the end.
        self._commit_on_exit = commit_on_exit
        self._replica: AsyncSession | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessionmaker()
        # Read role with a replica (issue 18): the lag-tolerant queries (member search, client detail, reports) read
        # there; everything else - audit inserts, session and API-key checks - stays on the primary's session.
        self._replica = self._replica_sessionmaker() if self._replica_sessionmaker else None
        self._after_commit = []
        return self

    def __getattr__(self, name: str) -> Any:
        """A repository (`users`, `members`, ...) on this unit of work's session, made the first time it is used."""
        make = _ON_SESSION.get(name)
        if make is not None:
            repository = make(self.session)
        elif (make := _ON_READS.get(name)) is not None:
            repository = make(self._replica or self.session)
        else:
            raise AttributeError(name)
        setattr(self, name, repository)
        return repository

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed and detaches objects without expiring them,
        # so what a service returns stays readable after the unit of work ends.
        try:
            if self._commit_on_exit and not isinstance(exc, DBAPIError):
                # What the read role wrote (audit rows) is kept, as an AUTOCOMMIT session keeps it, also when the use
                # case then refuses the request; not after a failed statement (the transaction is aborted).
                await self.session.commit()
        finally:
            await self.session.close()
            if self._replica is not None:
                await self._replica.close()

    async def _commit(self) -> None:
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()
