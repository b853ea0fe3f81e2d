"""The ports services take (issue 13): small Protocols, one per capability of the composition root.

A service module composes the capabilities it uses into its own Protocol and its functions take that, e.g.

    class PcpPorts(HasUnitOfWork, HasClock, HasSettings, IdCardPorts, Protocol): ...

    async def change_pcp(*, ctx: PcpPorts, ...) -> ...

so a signature says what a service may reach, and a service calling another composes the callee's Protocol.
`app.context.AppContext`, built once at startup, satisfies every one of them (mypy checks it where routers pass
it, and in `app/context.py`); service unit tests pass the same AppContext on the fake unit of work
(`tests/fakes.fake_context`).

Members are read-only properties: an implementation may hold a more specific type (the `PasswordHasher`
adapter for `Hasher`, the `OutboxDispatcher` for `Outbox`) and may be a plain attribute.

Composing: the callees' Protocols first, then the capabilities in the order they are declared below
(`UnitsOfWork` before `HasUnitOfWork` and `HasReads`), then `Protocol`; mypy reports an inconsistent method
resolution order otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ParamSpec, Protocol, TypeVar

from app.clock import Clock
from app.config import Settings
from app.domain.accounts import LockoutPolicy, PasswordPolicy, Role
from app.domain.delegates import DelegatePasswordPolicy
from app.domain.messages import Message
from app.domain.webhooks import EventType
from app.repositories.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")

# The adapters, as services use them.


class Hasher(Protocol):
    """Password hashing (argon2id in `app.adapters.hashing.PasswordHasher`) off the event loop."""

    def check_capacity(self) -> None:
        """Raise TooManyRequests when the hash pool is full (before any database work)."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, hashed: str | None) -> bool: ...


class Tokens(Protocol):
    """Access tokens and keyed hashes of opaque secrets (`app.security.TokenService`)."""

    @property
    def access_seconds(self) -> int: ...

    def issue_access(self, *, user_id: int, session_id: str, role: str, now: datetime) -> str: ...

    def hash_secret(self, secret: str) -> str: ...

    def matches(self, secret: str, stored_hash: str) -> bool: ...


class Outbox(Protocol):
    """Messages written in the caller's unit of work, sent after it commits (`app.outbox.OutboxDispatcher`)."""

    def enqueue_email(self, uow: UnitOfWork, *, to: str, message: Message) -> object: ...

    def enqueue_sms(self, uow: UnitOfWork, *, to: str, body: str, template: str) -> object: ...


class Webhooks(Protocol):
    """Webhook events written in the caller's unit of work, delivered after it commits (`app.webhooks`)."""

    async def emit(
        self, uow: UnitOfWork, *, producer_id: int, event_type: EventType, data: dict[str, object]
    ) -> int: ...

    async def check_target(self, url: str) -> str: ...

    def wake(self) -> None: ...


class PdfRenderer(Protocol):
    """PDF rendering in worker processes, bounded (issue 19, `app.adapters.pdf_pool.PdfPool`)."""

    def check_capacity(self) -> None:
        """Raise TooManyRequests when every render slot is taken (before any database work)."""

    async def render(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R: ...


class Cipher(Protocol):
    """PHI field encryption (R-MEM-7, `app.adapters.crypto.FieldCipher`)."""

    def encrypt(self, value: str) -> str: ...


# The capabilities services compose.


class HasUnitOfWork(Protocol):
    def uow(self) -> UnitOfWork:
        """A write unit of work: one transaction on the primary."""
        ...


class HasReads(Protocol):
    def reads(self, *, primary: bool = False) -> UnitOfWork:
        """A read unit of work on the AUTOCOMMIT read engine (statements stand alone); its member and report queries
        on the read replica if any, unless `primary` (a read right after a write)."""
        ...


class UnitsOfWork(HasUnitOfWork, HasReads, Protocol):
    """Both roles of the unit of work."""


class HasClock(Protocol):
    @property
    def clock(self) -> Clock: ...


class HasSettings(Protocol):
    @property
    def settings(self) -> Settings: ...


class HasHasher(Protocol):
    @property
    def hasher(self) -> Hasher: ...


class HasTokens(Protocol):
    @property
    def tokens(self) -> Tokens: ...


class HasLockoutPolicies(Protocol):
    """The sign-in lockout rules per role, from the settings (R-AUTH-3, R-DEL-5)."""

    @property
    def producer_lockout(self) -> LockoutPolicy: ...

    def lockout_for(self, role: Role) -> LockoutPolicy: ...


class HasOutbox(Protocol):
    @property
    def outbox(self) -> Outbox: ...


class HasWebhooks(Protocol):
    @property
    def webhooks(self) -> Webhooks: ...


class HasCipher(Protocol):
    @property
    def cipher(self) -> Cipher: ...


class HasPasswordPolicies(Protocol):
    """The password rules per role (producers and delegates from the settings, admins fixed)."""

    @property
    def producer_password_policy(self) -> PasswordPolicy: ...

    @property
    def delegate_password_policy(self) -> DelegatePasswordPolicy: ...

    def password_policy_for(self, role: Role) -> PasswordPolicy: ...


class HasPdf(Protocol):
    @property
    def pdf(self) -> PdfRenderer: ...
