"""The application's wired parts, built once in the lifespan and kept on `app.state.ctx`."""

from __future__ import annotations

from dataclasses import dataclass

from app.adapters.crypto import FieldCipher
from app.adapters.hashing import PasswordHasher
from app.adapters.ratelimit import RateLimiter
from app.clock import Clock
from app.config import Settings
from app.db import Database
from app.domain.accounts import ADMIN_PASSWORD_POLICY, LockoutPolicy, PasswordPolicy, Role
from app.domain.delegates import DelegatePasswordPolicy
from app.outbox import OutboxDispatcher
from app.repositories.uow import UnitOfWork
from app.security import TokenService


@dataclass
class AppContext:
    settings: Settings
    db: Database
    clock: Clock
    hasher: PasswordHasher
    tokens: TokenService
    outbox: OutboxDispatcher
    auth_rate_limiter: RateLimiter
    _cipher: FieldCipher | None = None

    @property
    def cipher(self) -> FieldCipher:
        """PHI field encryption (R-MEM-7), keyed from PORTAL_FIELD_ENCRYPTION_KEY."""
        if self._cipher is None:
            self._cipher = FieldCipher(self.settings.field_encryption_key)
        return self._cipher

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db.sessionmaker)

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
