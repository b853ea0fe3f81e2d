"""The composition root: the application's wired parts, built once at startup (`app.main.build_context`, in the
lifespan) and kept on `app.state.ctx`.

Services do not import it. Each service module declares the ports it uses as a Protocol composed from `app.ports`
(e.g. `app.services.pcp_changes.PcpPorts`); routers hand them this AppContext, which satisfies every one of them, and
service unit tests hand them the same AppContext on the fake unit of work (`tests/fakes.fake_context`).
`_satisfies_every_service` below has mypy prove it for each service module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.adapters.crypto import FieldCipher
from app.adapters.hashing import PasswordHasher
from app.adapters.pdf_pool import PdfPool
from app.adapters.ratelimit import AuthRateLimiter
from app.adapters.storage import CachedCheck, DocumentStorage, build_storage
from app.clock import Clock
from app.config import Settings
from app.db import Database
from app.domain.accounts import ADMIN_PASSWORD_POLICY, LockoutPolicy, PasswordPolicy, Role
from app.domain.delegates import DelegatePasswordPolicy
from app.outbox import OutboxDispatcher
from app.repositories.uow import SqlUnitOfWork, UnitOfWork, UnitOfWorkFactory
from app.security import TokenService
from app.webhooks import WebhookDispatcher


@dataclass
class AppContext:
    settings: Settings
    db: Database
    clock: Clock
    hasher: PasswordHasher
    tokens: TokenService
    outbox: OutboxDispatcher
    auth_rate_limiter: AuthRateLimiter
    # Issue 17: events to producers' webhook endpoints (None: built on first use from the other parts)
    _webhooks: WebhookDispatcher | None = None
    # The units of work services open. Default: SQL on `db`; service unit tests pass tests/fakes.FakeUnitOfWork.
    uow_factory: UnitOfWorkFactory | None = None
    reads_factory: UnitOfWorkFactory | None = None
    _cipher: FieldCipher | None = None
    _storage: DocumentStorage | None = None
    _pdf: PdfPool | None = None
    _storage_check: CachedCheck | None = None

    @property
    def pdf(self) -> PdfPool:
        """PDF rendering in PORTAL_PDF_PROCESSES worker processes (issue 19); the processes start on the first render
        and stop with the application (lifespan)."""
        if self._pdf is None:
            self._pdf = PdfPool.from_settings(self.settings)
        return self._pdf

    @property
    def storage(self) -> DocumentStorage:
        """Uploaded documents: the S3 bucket of PORTAL_STORAGE_URL, else the folder PORTAL_STORAGE_DIR (issue 18).
        Built on first use and kept (one S3 client, with its connection pool, per process)."""
        if self._storage is None:
            self._storage = build_storage(self.settings)
        return self._storage

    @property
    def storage_check(self) -> CachedCheck:
        """Readiness of the document storage (for /readyz), its answer kept PORTAL_STORAGE_READY_CACHE_SECONDS."""
        if self._storage_check is None:
            self._storage_check = CachedCheck(
                lambda: self.storage.check(), ttl=self.settings.storage_ready_cache_seconds
            )
        return self._storage_check

    @property
    def cipher(self) -> FieldCipher:
        """PHI field encryption (R-MEM-7), keyed from PORTAL_FIELD_ENCRYPTION_KEY."""
        if self._cipher is None:
            self._cipher = FieldCipher(self.settings.field_encryption_key)
        return self._cipher

    @property
    def webhooks(self) -> WebhookDispatcher:
        """Webhook events (issue 17): written in the caller's unit of work, delivered by a dispatcher per process."""
        if self._webhooks is None:
            self._webhooks = WebhookDispatcher(
                sessionmaker=self.db.sessionmaker,
                settings=self.settings,
                clock=self.clock,
                cipher=lambda: self.cipher,
                outbox=self.outbox,
            )
        return self._webhooks

    def uow(self) -> UnitOfWork:
        """A write unit of work: one transaction on the primary."""
        return self.uow_factory() if self.uow_factory else SqlUnitOfWork(self.db.sessionmaker)

    def reads(self, *, primary: bool = False) -> UnitOfWork:
        """A read unit of work on the AUTOCOMMIT read engine (hot read paths; statements stand alone). Its member and
        report queries go to the read replica when there is one, unless `primary` (a read right after a write)."""
        if self.reads_factory:
            return self.reads_factory()
        replica = None if primary else self.db.replica_sessionmaker
        return SqlUnitOfWork(
            self.db.read_sessionmaker, role="read", replica_sessionmaker=replica, commit_on_exit=self.db.reads_commit
        )

    @property
    def producer_password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(
            self.settings.producer_password_min,
            self.settings.producer_password_max,
            letters_and_digits_only=self.settings.producer_password_letters_and_digits_only,
        )

    @property
    def producer_lockout(self) -> LockoutPolicy:
        return LockoutPolicy(max_failures=self.settings.producer_max_failed_sign_ins, lock_minutes=None)

    @property
    def delegate_lockout(self) -> LockoutPolicy:
        """R-DEL-5: five wrong passwords lock for 30 minutes; it unlocks by itself."""
        return LockoutPolicy(
            max_failures=self.settings.delegate_max_failed_sign_ins, lock_minutes=self.settings.delegate_lock_minutes
        )

    def lockout_for(self, role: Role) -> LockoutPolicy:
        return self.delegate_lockout if role is Role.delegate else self.producer_lockout

    @property
    def delegate_password_policy(self) -> DelegatePasswordPolicy:
        return DelegatePasswordPolicy(self.settings.delegate_password_min, self.settings.delegate_password_max)

    def password_policy_for(self, role: Role) -> PasswordPolicy:
        return ADMIN_PASSWORD_POLICY if role is Role.admin else self.producer_password_policy


if TYPE_CHECKING:  # a static check only: at run time the composition root imports no service
    from app.services import (
        accounts,
        admin,
        api_keys,
        audit,
        auth,
        carrier,
        delegates,
        documents,
        e_questions,
        enrollments,
        id_cards,
        idempotency,
        members,
        payments,
        pcp_changes,
        prospects,
        quotes,
        reports,
        sessions,
        webhooks,
    )

    def _satisfies_every_service(
        ctx: AppContext,
    ) -> tuple[
        accounts.AccountPorts,
        admin.AdminPorts,
        api_keys.ApiKeyPorts,
        audit.AuditPorts,
        auth.AuthPorts,
        carrier.CarrierPorts,
        delegates.DelegatePorts,
        documents.DocumentPorts,
        e_questions.EQuestionPorts,
        enrollments.EnrollmentPorts,
        id_cards.IdCardPorts,
        idempotency.IdempotencyPorts,
        members.MemberPorts,
        payments.PaymentPorts,
        pcp_changes.PcpPorts,
        prospects.ProspectPorts,
        quotes.QuotePorts,
        reports.ReportPorts,
        sessions.SessionPorts,
        webhooks.WebhookPorts,
    ]:
        return (ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx, ctx)
