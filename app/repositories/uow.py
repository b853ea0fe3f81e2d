"""Unit of work: one transaction; rolls back unless committed (services own it)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.repositories.audit import AuditRepository
from app.repositories.delegates import (
    DelegateRepository,
    EmailVerificationRepository,
    MfaChallengeRepository,
    OtpRepository,
    PasswordHistoryRepository,
    RememberedDeviceRepository,
)
from app.repositories.enrollments import ApplicationRepository, PaymentRepository
from app.repositories.members import ContactChangeRepository
from app.repositories.outbox import OutboxRepository
from app.repositories.prospects import ProspectRepository
from app.repositories.servicing import ServicingRepository
from app.repositories.tokens import RefreshTokenRepository
from app.repositories.users import (
    AuthSessionRepository,
    RegistrationRepository,
    StateRegistrationRepository,
    UserRepository,
)


class UnitOfWork:
    session: AsyncSession

    def __init__(self, sessionmaker: async_sessionmaker[Any]) -> None:
        self._sessionmaker = sessionmaker
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessionmaker()
        self.users = UserRepository(self.session)
        self.registrations = RegistrationRepository(self.session)
        self.state_registrations = StateRegistrationRepository(self.session)
        self.auth_sessions = AuthSessionRepository(self.session)
        self.refresh_tokens = RefreshTokenRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.audit = AuditRepository(self.session)
        self.delegates = DelegateRepository(self.session)
        self.email_verifications = EmailVerificationRepository(self.session)
        self.otp_codes = OtpRepository(self.session)
        self.mfa_challenges = MfaChallengeRepository(self.session)
        self.devices = RememberedDeviceRepository(self.session)
        self.password_history = PasswordHistoryRepository(self.session)
        self.prospects = ProspectRepository(self.session)
        self.contact_changes = ContactChangeRepository(self.session)
        self.servicing = ServicingRepository(self.session)
        self.applications = ApplicationRepository(self.session)
        self.payments = PaymentRepository(self.session)
        self._after_commit = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back whatever was not committed and detaches objects without expiring them,
        # so what a service returns stays readable after the unit of work ends.
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    async def flush(self) -> None:
        await self.session.flush()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this transaction has committed (e.g. wake the outbox dispatcher)."""
        if callback not in self._after_commit:
            self._after_commit.append(callback)
