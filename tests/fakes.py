"""An in-memory unit of work (issue 13): service unit tests without a database.

`FakeStore` holds the committed rows; `store.uow()` (the `AppContext.uow_factory` of `fake_context`) opens a
`FakeUnitOfWork` on it. A unit of work behaves like the SQL one as far as services can tell:

- objects it loads are its own copies (an identity map): changes are invisible elsewhere until `commit()`;
- leaving it without `commit()` discards everything it added or changed ("nothing half written");
- `add` then `flush` assigns ids and column defaults; queries see committed rows plus what this unit of work
  flushed (the SQL sessions do not autoflush), never objects added but not flushed.

The repositories are subclasses of the real ones (so the types match the port) overriding the methods the
tested services call, as list comprehensions over the store. A method not faked here fails loudly instead of
reaching for a database. `FakeUnitOfWork` builds one for every repository the port annotates
(tests/unit/services/test_fake_port.py fails when the port gains one the fake lacks).

Conditional UPDATE/DELETE statements (e.g. `IdempotencyRepository.take_over`) are faked over `FakeUnitOfWork.current`:
like the SQL statement under READ COMMITTED they see the newest committed version of a row, not this transaction's
possibly stale copy, so races between units of work come out as they do on the database.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import inspect

from app.adapters.hashing import PasswordHasher
from app.adapters.notifier import RecordingSmsGateway
from app.adapters.ratelimit import RateLimiter
from app.clock import FrozenClock
from app.config import Settings
from app.context import AppContext
from app.db import make_database
from app.domain.payments import LIVE_STATUSES, SUCCESSFUL, LivePaymentRefused
from app.outbox import OutboxDispatcher
from app.repositories.api_keys import ApiKeyRepository, KeyPrincipal
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
from app.repositories.idempotency import IN_PROGRESS, IdempotencyRepository
from app.repositories.members import ContactChangeRepository, MemberQueries
from app.repositories.orm import (
    Account,
    ApiKey,
    Application,
    AuditEvent,
    AuthSession,
    Base,
    ContactInfoChange,
    County,
    DelegateState,
    EmailVerification,
    IdCardRequestItem,
    IdempotencyKey,
    MedicalGroup,
    MedicalGroupNetwork,
    Member,
    MfaChallenge,
    OtpCode,
    OtpRequest,
    PasswordHistory,
    Payment,
    PcpAssignment,
    PcpChange,
    PcpChangeMember,
    Plan,
    PlanRate,
    Policy,
    PolicyMember,
    RefreshToken,
    RememberedDevice,
    SignInFailure,
    StateRegistration,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.repositories.outbox import OutboxRepository
from app.repositories.prospects import ProspectRepository
from app.repositories.quotes import QuoteRepository
from app.repositories.reports import ReportQueries, SavedReportRepository
from app.repositories.servicing import ServicingRepository
from app.repositories.tokens import RefreshTokenRepository, SessionCheckRepository
from app.repositories.uow import Role, UnitOfWork
from app.repositories.users import (
    AuthSessionRepository,
    RegistrationRepository,
    StateRegistrationRepository,
    UserRepository,
)
from app.repositories.webhooks import WebhookRepository
from app.security import TokenService

M = TypeVar("M", bound=Base)
Key = tuple[Any, ...]


# --- mapping helpers --------------------------------------------------------------------------------------------


def _columns(cls: type[Base]) -> list[str]:
    return [attr.key for attr in inspect(cls).column_attrs]


def _pk_attrs(cls: type[Base]) -> list[str]:
    mapper = inspect(cls)
    return [mapper.get_property_by_column(col).key for col in mapper.primary_key]


def _values(obj: Base) -> dict[str, Any]:
    return {k: copy.deepcopy(getattr(obj, k, None)) for k in _columns(type(obj))}


def _key(obj: Base) -> Key:
    return tuple(getattr(obj, k) for k in _pk_attrs(type(obj)))


def _apply_defaults(obj: Base) -> None:
    """The Python-side column defaults SQLAlchemy applies on INSERT."""
    for attr in inspect(type(obj)).column_attrs:
        column = attr.columns[0]
        if getattr(obj, attr.key, None) is None and column.default is not None and column.default.is_scalar:
            setattr(obj, attr.key, copy.deepcopy(column.default.arg))


def _autoincrement(cls: type[Base]) -> str | None:
    pks = inspect(cls).primary_key
    if len(pks) == 1 and pks[0].autoincrement in (True, "auto") and pks[0].type.python_type is int:
        return _pk_attrs(cls)[0]
    return None


# --- the store and the unit of work -----------------------------------------------------------------------------


class FakeStore:
    """Committed rows, by ORM class and primary key, as column values (never shared objects)."""

    def __init__(self) -> None:
        self.tables: dict[type[Base], dict[Key, dict[str, Any]]] = defaultdict(dict)
        self._last_id: dict[type[Base], int] = defaultdict(int)
        self.commits = 0

    def next_id(self, cls: type[Base]) -> int:
        self._last_id[cls] += 1
        return self._last_id[cls]

    def note_id(self, cls: type[Base], id_: int) -> None:
        """An id given explicitly: later generated ones come after it."""
        self._last_id[cls] = max(self._last_id[cls], id_)

    def seed(self, *objs: M) -> M:
        """Write rows as committed (ids and defaults assigned; a row with the same key is replaced); returns the
        last one. For arranging tests."""
        for obj in objs:
            _prepare_insert(self, obj)
            self.tables[type(obj)][_key(obj)] = _values(obj)
        return objs[-1]

    def rows(self, cls: type[M], **where: Any) -> list[M]:
        """Committed rows of `cls` matching `where` (column == value), as fresh objects, in key order."""
        out = [_materialise(cls, v) for _, v in sorted(self.tables[cls].items(), key=lambda kv: _sort_key(kv[0]))]
        return [o for o in out if all(getattr(o, k) == v for k, v in where.items())]

    def one(self, cls: type[M], **where: Any) -> M:
        found = self.rows(cls, **where)
        assert len(found) == 1, f"{len(found)} {cls.__name__} rows match {where}"
        return found[0]

    def get(self, cls: type[M], *key: Any) -> M | None:
        values = self.tables[cls].get(tuple(key))
        return None if values is None else _materialise(cls, values)

    def snapshot(self) -> dict[str, dict[Key, dict[str, Any]]]:
        """Every committed row, for "nothing was written" assertions: `assert store.snapshot() == before`."""
        return {cls.__name__: copy.deepcopy(rows) for cls, rows in self.tables.items() if rows}

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def reads(self, *, primary: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(self, role="read")


def _sort_key(key: Key) -> tuple[Any, ...]:
    return tuple((0, k) if isinstance(k, int) else (1, str(k)) for k in key)


def _materialise(cls: type[M], values: dict[str, Any]) -> M:
    return cls(**copy.deepcopy(values))


def _prepare_insert(store: FakeStore, obj: Base) -> None:
    _apply_defaults(obj)
    auto = _autoincrement(type(obj))
    if auto is not None:
        given = getattr(obj, auto, None)
        if given is None:
            setattr(obj, auto, store.next_id(type(obj)))
        else:
            store.note_id(type(obj), given)


class FakeUnitOfWork(UnitOfWork):
    """`UnitOfWork` on a `FakeStore`: an identity map of this transaction's objects, written back on commit."""

    def __init__(self, store: FakeStore, *, role: Role = "write") -> None:
        super().__init__()
        self.store = store
        self.role = role
        self._loaded: dict[tuple[type[Base], Key], Base] = {}  # committed rows loaded (and maybe changed) here
        self._inserted: dict[tuple[type[Base], Key], Base] = {}  # flushed, not committed
        self._pending: list[Base] = []  # added, not flushed
        self._deleted: set[tuple[type[Base], Key]] = set()
        self._written: set[tuple[type[Base], Key]] = set()  # loaded rows changed by a statement (see `current`)
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self.users = FakeUserRepository(self)
        self.registrations = FakeRegistrationRepository(self)
        self.state_registrations = FakeStateRegistrationRepository(self)
        self.auth_sessions = FakeAuthSessionRepository(self)
        self.refresh_tokens = FakeRefreshTokenRepository(self)
        self.outbox = FakeOutboxRepository(self)
        self.audit = FakeAuditRepository(self)
        self.delegates = FakeDelegateRepository(self)
        self.email_verifications = FakeEmailVerificationRepository(self)
        self.otp_codes = FakeOtpRepository(self)
        self.otp_requests = FakeOtpRequestRepository(self)
        self.mfa_challenges = FakeMfaChallengeRepository(self)
        self.devices = FakeRememberedDeviceRepository(self)
        self.password_history = FakePasswordHistoryRepository(self)
        self.prospects = FakeProspectRepository(self)
        self.contact_changes = FakeContactChangeRepository(self)
        self.servicing = FakeServicingRepository(self)
        self.applications = FakeApplicationRepository(self)
        self.payments = FakePaymentRepository(self)
        self.carrier = FakeCarrierRepository(self)
        self.quotes = FakeQuoteRepository(self)
        self.documents = FakeDocumentRepository(self)
        self.e_questions = FakeEQuestionRepository(self)
        self.idempotency = FakeIdempotencyRepository(self)
        self.members = FakeMemberQueries(self)
        self.reports = FakeReportQueries(self)
        self.saved_reports = FakeSavedReportRepository(self)
        self.session_checks = FakeSessionCheckRepository(self)
        self.api_keys = FakeApiKeyRepository(self)
        self.webhooks = FakeWebhookRepository(self)
        self._after_commit = []
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Like the SQL unit of work's close(): whatever was not committed is gone; loaded objects stay readable.
        self._pending.clear()
        self._inserted.clear()
        self._deleted.clear()
        self._written.clear()

    # -- the port ----------------------------------------------------------------------------------------------
    async def flush(self) -> None:
        self._flush()

    async def _commit(self) -> None:
        self._flush()
        tables = self.store.tables
        for (cls, key), obj in {**self._loaded, **self._inserted}.items():
            if (cls, key) not in self._deleted:
                tables[cls][key] = _values(obj)
        for cls, key in self._deleted:
            tables[cls].pop(key, None)
        self._loaded.update(self._inserted)
        self._inserted.clear()
        self._deleted.clear()
        self._written.clear()
        self.committed = True
        self.store.commits += 1

    # -- what the fake repositories use ------------------------------------------------------------------------
    def add(self, obj: M) -> M:
        self._pending.append(obj)
        return obj

    def delete(self, obj: Base) -> None:
        self._flush()
        self._deleted.add((type(obj), _key(obj)))

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for obj in pending:
            _prepare_insert(self.store, obj)
            ident = (type(obj), _key(obj))
            if ident in self._inserted or (ident not in self._deleted and ident[1] in self.store.tables[type(obj)]):
                raise AssertionError(f"duplicate key {ident[1]} for {type(obj).__name__}")
            self._inserted[ident] = obj

    def all(self, cls: type[M], where: Callable[[M], bool] | None = None) -> list[M]:
        """Every row of `cls` this transaction sees (committed, or flushed here), in primary key order."""
        seen: dict[Key, M] = {}
        for key, values in self.store.tables[cls].items():
            ident = (cls, key)
            if ident in self._deleted:
                continue
            obj = self._loaded.get(ident)
            if obj is None:
                obj = self._loaded[ident] = _materialise(cls, values)
            seen[key] = obj  # type: ignore[assignment]
        for (c, key), obj in self._inserted.items():
            if c is cls and (c, key) not in self._deleted:
                seen[key] = obj  # type: ignore[assignment]
        rows = [seen[k] for k in sorted(seen, key=_sort_key)]
        return [r for r in rows if where is None or where(r)]

    def first(self, cls: type[M], where: Callable[[M], bool]) -> M | None:
        found = self.all(cls, where)
        return found[0] if found else None

    def by_key(self, cls: type[M], *key: Any) -> M | None:
        return self.first(cls, lambda o: _key(o) == tuple(key))

    def current(self, cls: type[M], where: Callable[[M], bool] | None = None) -> list[M]:
        """The rows an UPDATE or DELETE ... WHERE of this transaction acts on: like `all`, but a committed row loaded
        here earlier first takes its newest committed values (another unit of work may have changed it since),
        unless this transaction changed it with a statement already (`wrote`). Matching rows a statement changes
        must be passed to `wrote`."""
        committed = self.store.tables[cls]
        for (c, key), obj in self._loaded.items():
            ident = (c, key)
            if c is cls and key in committed and ident not in self._written and ident not in self._inserted:
                for name, value in committed[key].items():
                    setattr(obj, name, copy.deepcopy(value))
        return self.all(cls, where)

    def wrote(self, obj: Base) -> None:
        """`obj` was changed by a statement of this transaction: `current` keeps this transaction's values."""
        self._written.add((type(obj), _key(obj)))


# --- repositories ------------------------------------------------------------------------------------------------


class _NoSession:
    """Stands in for the AsyncSession of a fake repository: a method not faked fails with a clear message."""

    def __init__(self, repo: object) -> None:
        self._repo = type(repo).__name__

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"{self._repo} reached for the database (session.{name}): fake that method")


class FakeRepository:
    model: type[Any]

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self.uow = uow
        self.session = _NoSession(self)

    async def get(self, id_: Any) -> Any:
        return self.uow.by_key(self.model, id_)

    def add(self, obj: Any) -> Any:
        return self.uow.add(obj)

    async def flush(self) -> None:
        self.uow._flush()

    @staticmethod
    def paged(rows: list[Any], page: int, page_size: int) -> tuple[list[Any], int]:
        return rows[(page - 1) * page_size : page * page_size], len(rows)


class FakeUserRepository(FakeRepository, UserRepository):
    async def get_by_username(self, username: str) -> User | None:
        return self.uow.first(User, lambda u: u.username == username)

    async def get_for_update(self, user_id: int) -> User | None:
        return self.uow.by_key(User, user_id)

    async def get_by_username_for_update(self, username: str) -> User | None:
        return await self.get_by_username(username)

    async def username_taken(self, username: str) -> bool:
        return await self.get_by_username(username) is not None

    async def sign_in_failure_for_update(self, username_hash: str, now: datetime) -> SignInFailure:
        row = self.uow.by_key(SignInFailure, username_hash)
        if row is None:
            row = self.uow.add(
                SignInFailure(username_hash=username_hash, failed_sign_ins=0, locked_at=None, last_failed_at=now)
            )
            self.uow._flush()
        return row

    async def delete_sign_in_failure(self, username_hash: str) -> bool:
        row = self.uow.by_key(SignInFailure, username_hash)
        if row is not None:
            self.uow.delete(row)
        return row is not None


class FakeRegistrationRepository(FakeRepository, RegistrationRepository):
    pass


class FakeStateRegistrationRepository(FakeRepository, StateRegistrationRepository):
    async def for_user(self, user_id: int) -> list[StateRegistration]:
        return self.uow.all(StateRegistration, lambda s: s.user_id == user_id)


class FakeAuthSessionRepository(FakeRepository, AuthSessionRepository):
    async def revoke_all_for_user(self, user_id: int, *, now: Any, reason: str) -> int:
        live = self.uow.all(AuthSession, lambda s: s.user_id == user_id and s.revoked_at is None)
        for s in live:
            s.revoked_at, s.revoked_reason = now, reason
        return len(live)


class FakeRefreshTokenRepository(FakeRepository, RefreshTokenRepository):
    async def get_by_hash_for_update(self, token_hash: str) -> tuple[RefreshToken, AuthSession] | None:
        token = self.uow.first(RefreshToken, lambda t: t.token_hash == token_hash)
        session = self.uow.by_key(AuthSession, token.session_id) if token else None
        return (token, session) if token and session else None

    async def mark_all_used(self, session_id: str, now: datetime) -> None:
        for t in self.uow.all(RefreshToken, lambda t: t.session_id == session_id and t.used_at is None):
            t.used_at = now


class FakeOutboxRepository(FakeRepository, OutboxRepository):
    pass


class FakeAuditRepository(FakeRepository, AuditRepository):
    async def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.uow.add(AuditEvent(**row))
        if self.uow.role == "read":  # the read role autocommits each statement
            await self.uow._commit()

    async def for_target(self, *, target_type: str, target_id: str, actions: Sequence[str]) -> list[AuditEvent]:
        rows = self.uow.all(
            AuditEvent,
            lambda e: (
                e.target_type == target_type
                and e.target_id == target_id
                and e.action in actions
                and e.outcome == "success"
            ),
        )
        return sorted(rows, key=lambda e: (e.occurred_at, e.id or 0))


class FakeProspectRepository(FakeRepository, ProspectRepository):
    pass


class FakeDelegateRepository(FakeRepository, DelegateRepository):
    def _mine_rows(self, producer_id: int) -> list[User]:
        return self.uow.all(
            User, lambda u: u.role == "delegate" and u.producer_id == producer_id and u.removed_at is None
        )

    async def list_for_producer(self, producer_id: int, *, page: int, page_size: int) -> tuple[list[User], int]:
        return self.paged(self._mine_rows(producer_id), page, page_size)

    async def get_for_producer(self, delegate_id: int, producer_id: int, *, for_update: bool = False) -> User | None:
        return next((u for u in self._mine_rows(producer_id) if u.id == delegate_id), None)

    async def get_active_delegate_by_username(self, username: str) -> User | None:
        return self.uow.first(User, lambda u: u.username == username and u.role == "delegate" and u.removed_at is None)

    async def states_for(self, delegate_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in delegate_ids}
        for s in sorted(self.uow.all(DelegateState, lambda s: s.delegate_id in out), key=lambda s: s.state):
            out[s.delegate_id].append(s.state)
        return out

    def add_state(self, delegate_id: int, state: str) -> None:
        self.uow.add(DelegateState(delegate_id=delegate_id, state=state))

    async def producer_active_states(self, producer_id: int) -> set[str]:
        return {
            s.state
            for s in self.uow.all(StateRegistration, lambda s: s.user_id == producer_id and s.status == "active")
        }


class FakeEmailVerificationRepository(FakeRepository, EmailVerificationRepository):
    async def get_by_hash_for_update(self, token_hash: str) -> EmailVerification | None:
        return self.uow.first(EmailVerification, lambda v: v.token_hash == token_hash)


class FakeOtpRepository(FakeRepository, OtpRepository):
    async def sends_since(
        self, user_id: int, since: datetime, *, purpose: str, challenge_id: int | None
    ) -> tuple[int, datetime | None]:
        sent = self.uow.all(OtpCode, lambda c: c.user_id == user_id and c.created_at >= since)
        flow = [c.created_at for c in sent if c.purpose == purpose and c.challenge_id == challenge_id]
        return len(sent), max(flow, default=None)

    async def latest_live(self, user_id: int, purpose: str, challenge_id: int | None) -> OtpCode | None:
        live = self.uow.all(
            OtpCode,
            lambda c: (
                c.user_id == user_id and c.purpose == purpose and c.used_at is None and c.challenge_id == challenge_id
            ),
        )
        return live[-1] if live else None

    async def supersede(self, user_id: int, purpose: str, now: datetime) -> None:
        for c in self.uow.all(OtpCode, lambda c: c.user_id == user_id and c.purpose == purpose and c.used_at is None):
            c.used_at = now


class FakeOtpRequestRepository(FakeRepository, OtpRequestRepository):
    async def times_since(self, identifier_hash: str, since: datetime) -> list[datetime]:
        return [
            r.created_at
            for r in self.uow.all(OtpRequest, lambda r: r.identifier_hash == identifier_hash)
            if r.created_at >= since
        ]

    async def record(self, identifier_hash: str, now: datetime, *, keep_since: datetime) -> None:
        self.add(OtpRequest(identifier_hash=identifier_hash, created_at=now))


class FakeMfaChallengeRepository(FakeRepository, MfaChallengeRepository):
    async def get_by_hash_for_update(self, token_hash: str) -> MfaChallenge | None:
        return self.uow.first(MfaChallenge, lambda c: c.token_hash == token_hash)


class FakeRememberedDeviceRepository(FakeRepository, RememberedDeviceRepository):
    async def get_live(self, user_id: int, token_hash: str, now: datetime) -> RememberedDevice | None:
        return self.uow.first(
            RememberedDevice,
            lambda d: (
                d.user_id == user_id and d.token_hash == token_hash and d.revoked_at is None and d.expires_at > now
            ),
        )

    async def revoke_all(self, user_id: int, now: datetime) -> int:
        live = self.uow.all(RememberedDevice, lambda d: d.user_id == user_id and d.revoked_at is None)
        for d in live:
            d.revoked_at = now
        return len(live)


class FakePasswordHistoryRepository(FakeRepository, PasswordHistoryRepository):
    async def recent_hashes(self, user_id: int, limit: int) -> list[str]:
        rows = self.uow.all(PasswordHistory, lambda h: h.user_id == user_id)
        rows.sort(key=lambda h: (h.created_at, h.id), reverse=True)
        return [h.password_hash for h in rows[:limit]]


class FakeContactChangeRepository(FakeRepository, ContactChangeRepository):
    async def account_for_update(self, producer_id: int, account_number: str) -> Account | None:
        return self.uow.first(Account, lambda a: a.account_number == account_number and a.producer_id == producer_id)

    async def members_of(self, account_id: int) -> list[Member]:
        return sorted(self.uow.all(Member, lambda m: m.account_id == account_id), key=lambda m: m.suffix)

    async def pending_for(self, account_id: int) -> list[ContactInfoChange]:
        rows = self.uow.all(ContactInfoChange, lambda c: c.account_id == account_id and c.status == "pending")
        return sorted(rows, key=lambda c: (c.requested_at, c.id))

    async def due(self, now: datetime, *, account_id: int | None = None, limit: int = 500) -> list[ContactInfoChange]:
        rows = self.uow.all(
            ContactInfoChange,
            lambda c: c.status == "pending" and c.effective_at <= now and account_id in (None, c.account_id),
        )
        return sorted(rows, key=lambda c: (c.effective_at, c.id))[:limit]

    def add(self, change: ContactInfoChange) -> None:
        self.uow.add(change)

    async def account_numbers(self, account_ids: Sequence[int]) -> dict[int, str]:
        return {i: a.account_number for i in account_ids if (a := self.uow.by_key(Account, i)) is not None}

    async def apply_to_account(self, account_id: int, values: dict[str, Any]) -> None:
        account = self.uow.by_key(Account, account_id)
        assert account is not None
        for name, value in values.items():
            setattr(account, name, value)


class FakeServicingRepository(FakeRepository, ServicingRepository):
    async def policy_in_book(
        self, producer_id: int, account_number: str, policy_id: int, *, for_update: bool = False
    ) -> tuple[Account, Policy, Plan] | None:
        account = await self.account_in_book(producer_id, account_number)
        policy = self.uow.by_key(Policy, policy_id)
        if account is None or policy is None or policy.account_id != account.id or policy.producer_id != producer_id:
            return None
        plan = self.uow.by_key(Plan, policy.plan_id)
        return None if plan is None else (account, policy, plan)

    async def account_in_book(self, producer_id: int, account_number: str) -> Account | None:
        return self.uow.first(Account, lambda a: a.account_number == account_number and a.producer_id == producer_id)

    async def covered_members(self, policy_id: int) -> list[tuple[Member, PolicyMember]]:
        out = []
        for pm in self.uow.all(PolicyMember, lambda pm: pm.policy_id == policy_id):
            member = self.uow.by_key(Member, pm.member_id)
            assert member is not None
            out.append((member, pm))
        return sorted(out, key=lambda row: row[0].suffix)

    async def members_by_id(self, ids: Sequence[int]) -> dict[int, Member]:
        return {m.id: m for m in self.uow.all(Member, lambda m: m.id in set(ids))}

    def _with_group(self, rows: list[PcpAssignment]) -> list[tuple[PcpAssignment, MedicalGroup]]:
        out = []
        for a in rows:
            group = self.uow.by_key(MedicalGroup, a.medical_group_id)
            assert group is not None
            out.append((a, group))
        return out

    async def pcp_history(
        self, policy_id: int, member_ids: Sequence[int] | None = None
    ) -> list[tuple[PcpAssignment, MedicalGroup]]:
        rows = self.uow.all(
            PcpAssignment, lambda a: a.policy_id == policy_id and (member_ids is None or a.member_id in member_ids)
        )
        return self._with_group(sorted(rows, key=lambda a: (a.member_id, a.effective_date, a.id)))

    async def member_pcp_history(self, account_id: int, member_id: int) -> list[tuple[PcpAssignment, MedicalGroup]]:
        policies = {p.id for p in self.uow.all(Policy, lambda p: p.account_id == account_id)}
        rows = self.uow.all(PcpAssignment, lambda a: a.policy_id in policies and a.member_id == member_id)
        return self._with_group(sorted(rows, key=lambda a: (a.effective_date, a.policy_id, a.id)))

    async def current_assignments_for_update(
        self, policy_id: int, member_ids: Sequence[int], on: date
    ) -> list[PcpAssignment]:
        return self.uow.all(
            PcpAssignment, lambda a: a.policy_id == policy_id and a.member_id in member_ids and a.term_date >= on
        )

    async def provider_by_number(self, number: str) -> tuple[MedicalGroup, list[str]] | None:
        group = self.uow.first(
            MedicalGroup, lambda g: number in (g.medical_group_number, g.pcp_number, g.pcpa_number, g.npi)
        )
        return None if group is None else (group, (await self.networks_for([group.id]))[group.id])

    async def networks_for(self, group_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {g: [] for g in group_ids}
        for n in sorted(
            self.uow.all(MedicalGroupNetwork, lambda n: n.medical_group_id in out), key=lambda n: n.network_code
        ):
            out[n.medical_group_id].append(n.network_code)
        return out

    def add(self, obj: Any) -> None:
        self.uow.add(obj)

    async def card_items(self, request_ids: Sequence[int]) -> dict[int, list[tuple[IdCardRequestItem, Member]]]:
        out: dict[int, list[tuple[IdCardRequestItem, Member]]] = {r: [] for r in request_ids}
        for item in self.uow.all(IdCardRequestItem, lambda i: i.request_id in out):
            member = self.uow.by_key(Member, item.member_id)
            assert member is not None
            out[item.request_id].append((item, member))
        return out

    async def pcp_change(self, producer_id: int, change_id: int) -> tuple[PcpChange, Account, MedicalGroup] | None:
        change = self.uow.by_key(PcpChange, change_id)
        if change is None or change.producer_id != producer_id:
            return None
        account, group = (
            self.uow.by_key(Account, change.account_id),
            self.uow.by_key(MedicalGroup, change.medical_group_id),
        )
        assert account is not None and group is not None
        return change, account, group

    async def pcp_change_members(self, change_ids: Sequence[int]) -> dict[int, list[tuple[PcpChangeMember, Member]]]:
        out: dict[int, list[tuple[PcpChangeMember, Member]]] = {c: [] for c in change_ids}
        rows = []
        for cm in self.uow.all(PcpChangeMember, lambda cm: cm.change_id in out):
            member = self.uow.by_key(Member, cm.member_id)
            assert member is not None
            rows.append((cm, member))
        for cm, member in sorted(rows, key=lambda r: r[1].suffix):
            out[cm.change_id].append((cm, member))
        return out


class FakeApplicationRepository(FakeRepository, ApplicationRepository):
    model = Application

    async def delete(self, app: Application) -> None:
        self.uow.delete(app)

    async def get_in_book(
        self, application_id: int, producer_id: int, *, for_update: bool = False
    ) -> Application | None:
        return self.uow.first(Application, lambda a: a.id == application_id and a.producer_id == producer_id)

    async def list_in_book(
        self, producer_id: int, *, statuses: Sequence[str], now: datetime, page: int, page_size: int
    ) -> tuple[list[Application], int]:
        rows = self.uow.all(
            Application,
            lambda a: (
                a.producer_id == producer_id
                and a.status in statuses
                and (a.status == "submitted" or a.expires_at > now)
            ),
        )
        rows.sort(key=lambda a: (a.updated_at, a.id), reverse=True)
        return self.paged(rows, page, page_size)

    async def incomplete_for_quote(self, producer_id: int, quote_id: int, now: datetime) -> Application | None:
        rows = self.uow.all(
            Application,
            lambda a: (
                a.producer_id == producer_id
                and a.quote_id == quote_id
                and a.status == "incomplete"
                and a.expires_at > now
            ),
        )
        return max(rows, key=lambda a: a.updated_at, default=None)

    async def producer_numbers(self, producer_id: int) -> dict[str, str]:
        rows = self.uow.all(StateRegistration, lambda s: s.user_id == producer_id and s.status == "active")
        return {s.agent_unique_id: s.state for s in rows}

    async def producer(self, producer_id: int) -> User | None:
        return self.uow.by_key(User, producer_id)

    async def delegate_states(self, delegate_id: int) -> frozenset[str]:
        return frozenset(s.state for s in self.uow.all(DelegateState, lambda s: s.delegate_id == delegate_id))

    async def plans(self, plan_ids: Sequence[str]) -> dict[str, Plan]:
        return {p.plan_id: p for p in self.uow.all(Plan, lambda p: p.plan_id in plan_ids)}

    async def rating_area(self, zip_code: str, county: str | None) -> tuple[str, int] | None:
        rows = self.uow.all(County, lambda c: c.zip_code == zip_code[:5])
        if county:
            wanted = county.lower().removesuffix(" county")
            rows = [r for r in rows if r.name.lower().removesuffix(" county") == wanted]
        return (rows[0].state, rows[0].rating_area) if len(rows) == 1 else None

    async def counties_for_zip(self, zip_code: str) -> tuple[tuple[str, str], ...]:
        rows = sorted(self.uow.all(County, lambda c: c.zip_code == zip_code[:5]), key=lambda c: c.name)
        return tuple((c.name, c.state) for c in rows)

    async def rates(self, plan_ids: Sequence[str], state: str, rating_area: int) -> dict[str, Any]:
        rows = self.uow.all(
            PlanRate, lambda r: r.plan_id in plan_ids and r.state == state and r.rating_area == rating_area
        )
        return {r.plan_id: r.base_rate for r in rows}

    async def provider_networks(self, numbers: Sequence[str]) -> dict[str, frozenset[str]]:
        out: dict[str, set[str]] = {}
        for g in self.uow.all(MedicalGroup, lambda g: g.medical_group_number in numbers or g.pcp_number in numbers):
            for n in self.uow.all(MedicalGroupNetwork, lambda n, gid=g.id: n.medical_group_id == gid):
                for number in (g.medical_group_number, g.pcp_number):
                    if number in numbers:
                        out.setdefault(number, set()).add(n.network_code)
        return {k: frozenset(v) for k, v in out.items()}

    async def has_active_coverage(self, *, first_name: str, last_name: str, date_of_birth: date, on: date) -> bool:
        for m in self.uow.all(
            Member,
            lambda m: (
                m.first_name.lower() == first_name.lower()
                and m.last_name.lower() == last_name.lower()
                and m.date_of_birth == date_of_birth
            ),
        ):
            for pm in self.uow.all(PolicyMember, lambda pm, mid=m.id: pm.member_id == mid):
                p = self.uow.by_key(Policy, pm.policy_id)
                if (
                    p is not None
                    and p.status in ("Active", "Grace Period")
                    and p.coverage_effective_date <= on
                    and (p.termination_date is None or p.termination_date >= on)
                ):
                    return True
        return False


class FakePaymentRepository(FakeRepository, PaymentRepository):
    model = Payment

    async def get_in_book(self, payment_id: int, producer_id: int, *, for_update: bool = False) -> Payment | None:
        return self.uow.first(Payment, lambda p: p.id == payment_id and p.producer_id == producer_id)

    async def live_for_application(self, application_id: int) -> Payment | None:
        return self.uow.first(Payment, lambda p: p.application_id == application_id and p.status in LIVE_STATUSES)

    async def successful_for_application(self, application_id: int) -> int | None:
        found = self.uow.first(Payment, lambda p: p.application_id == application_id and p.status == SUCCESSFUL)
        return None if found is None else found.id

    async def add_live(self, payment: Payment) -> Payment:
        # uq_payments_application_live: the database refuses a second Pending/Successful payment per application.
        if await self.live_for_application(payment.application_id) is not None:
            raise LivePaymentRefused("This conflicts with data that already exists (it may have just been created).")
        self.uow.add(payment)
        self.uow._flush()
        return payment


class FakeCarrierRepository(FakeRepository, CarrierRepository):
    model = Application

    async def application_for_decision(self, application_id: int, *, skip_locked: bool = False) -> Application | None:
        return self.uow.first(Application, lambda a: a.id == application_id)

    async def due_for_decision(
        self, *, submitted_before: datetime, payment_statuses: Sequence[str], limit: int = 100
    ) -> list[int]:
        rows = self.uow.all(
            Application,
            lambda a: (
                a.status == "submitted"
                and a.decision is None
                and a.payment_status in payment_statuses
                and a.date_submitted is not None
                and a.date_submitted <= submitted_before
            ),
        )
        return [a.id for a in sorted(rows, key=lambda a: (a.date_submitted, a.id))][:limit]

    async def account_in_book(self, producer_id: int, account_number: str) -> Account | None:
        return self.uow.first(Account, lambda a: a.account_number == account_number and a.producer_id == producer_id)

    async def members_of(self, account_id: int) -> list[Member]:
        return sorted(self.uow.all(Member, lambda m: m.account_id == account_id), key=lambda m: m.suffix)

    async def medical_groups_in_network(self, numbers: Sequence[str], network_code: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for g in self.uow.all(MedicalGroup, lambda g: g.medical_group_number in numbers or g.pcp_number in numbers):
            if self.uow.first(
                MedicalGroupNetwork, lambda n, gid=g.id: n.medical_group_id == gid and n.network_code == network_code
            ):
                for n in (g.medical_group_number, g.pcp_number):
                    if n in numbers:
                        out.setdefault(n, g.id)
        return out

    async def auto_assigned_group(self, network_code: str) -> int | None:
        groups = [
            g
            for g in self.uow.all(MedicalGroup, lambda g: g.accepting_new_patients)
            if self.uow.first(
                MedicalGroupNetwork, lambda n, gid=g.id: n.medical_group_id == gid and n.network_code == network_code
            )
        ]
        groups.sort(key=lambda g: g.medical_group_number)
        return groups[0].id if groups else None

    def add_row(self, row: Any) -> None:
        self.uow.add(row)

    async def policies_of_application(self, application_id: int) -> list[Policy]:
        return self.uow.all(Policy, lambda p: p.application_id == application_id)

    async def binder_paid(self, application_id: int, *, paid_to: date) -> None:
        for p in self.uow.current(
            Policy, lambda p: p.application_id == application_id and not p.initial_payment_received
        ):
            p.initial_payment_received, p.paid_to_date = True, paid_to
            self.uow.wrote(p)


class FakeIdempotencyRepository(FakeRepository, IdempotencyRepository):
    """The unique key (user_id, key) holds as in the database: `claim` is refused by a row this unit of work
    flushed or another one committed. `take_over`, `release` and `store_answer` are conditional statements and
    see the newest committed row (`FakeUnitOfWork.current`)."""

    model = IdempotencyKey

    async def find(self, user_id: int, key: str) -> IdempotencyKey | None:
        return self.uow.first(IdempotencyKey, lambda r: r.user_id == user_id and r.key == key)

    async def forget(self, record: IdempotencyKey) -> None:
        self.uow.delete(record)

    async def claim(
        self,
        *,
        user_id: int,
        key: str,
        method: str,
        path: str,
        request_hash: str,
        now: datetime,
        expires_at: datetime,
    ) -> bool:
        self.uow._flush()
        if self.uow.first(IdempotencyKey, lambda r: r.user_id == user_id and r.key == key) is not None:
            return False  # uq_idempotency_keys_user_key refused the row
        self.uow.add(
            IdempotencyKey(
                user_id=user_id,
                key=key,
                method=method,
                path=path,
                request_hash=request_hash,
                status_code=IN_PROGRESS,
                response_body=None,
                created_at=now,
                expires_at=expires_at,
            )
        )
        self.uow._flush()
        return True

    async def take_over(self, record_id: int, *, lapsed: datetime, now: datetime) -> bool:
        taken = self.uow.current(
            IdempotencyKey, lambda r: r.id == record_id and r.status_code == IN_PROGRESS and r.created_at <= lapsed
        )
        for row in taken:
            row.created_at = now
            self.uow.wrote(row)
        return len(taken) == 1

    async def release(self, user_id: int, key: str, *, claimed_at: datetime) -> None:
        for row in self.uow.current(
            IdempotencyKey,
            lambda r: (
                r.user_id == user_id and r.key == key and r.status_code == IN_PROGRESS and r.created_at == claimed_at
            ),
        ):
            self.uow.delete(row)

    async def store_answer(self, user_id: int, key: str, *, status_code: int, body: dict[str, Any]) -> None:
        for row in self.uow.current(IdempotencyKey, lambda r: r.user_id == user_id and r.key == key):
            row.status_code, row.response_body = status_code, copy.deepcopy(body)
            self.uow.wrote(row)


# Repositories no service under unit test uses yet: every method fails loudly until faked (see `_NoSession`).


class FakeQuoteRepository(FakeRepository, QuoteRepository):
    pass


class FakeDocumentRepository(FakeRepository, DocumentRepository):
    pass


class FakeEQuestionRepository(FakeRepository, EQuestionRepository):
    pass


class FakeMemberQueries(FakeRepository, MemberQueries):
    pass


class FakeReportQueries(FakeRepository, ReportQueries):
    pass


class FakeSavedReportRepository(FakeRepository, SavedReportRepository):
    pass


class FakeSessionCheckRepository(FakeRepository, SessionCheckRepository):
    pass


class FakeWebhookRepository(FakeRepository, WebhookRepository):
    model = WebhookEndpoint

    async def subscribed(self, user_id: int, event_type: str) -> list[WebhookEndpoint]:
        return self.uow.all(
            WebhookEndpoint, lambda e: e.user_id == user_id and e.enabled and event_type in e.event_types
        )

    async def count_for_user(self, user_id: int) -> int:
        return len(self.uow.all(WebhookEndpoint, lambda e: e.user_id == user_id))

    async def get_for_user(self, endpoint_id: int, user_id: int, *, for_update: bool = False) -> WebhookEndpoint | None:
        return self.uow.first(WebhookEndpoint, lambda e: e.id == endpoint_id and e.user_id == user_id)

    def add_delivery(self, delivery: WebhookDelivery) -> WebhookDelivery:
        return self.uow.add(delivery)


class FakeApiKeyRepository(FakeRepository, ApiKeyRepository):
    async def list_for_user(self, user_id: int, *, page: int, page_size: int) -> tuple[list[ApiKey], int]:
        live = self.uow.all(ApiKey, lambda k: k.user_id == user_id and k.revoked_at is None)
        rows = sorted(live, key=lambda k: -k.id)
        return self.paged(rows, page, page_size)

    async def get_for_user(self, key_id: int, user_id: int) -> ApiKey | None:
        return self.uow.first(ApiKey, lambda k: k.id == key_id and k.user_id == user_id and k.revoked_at is None)

    async def count_active(self, user_id: int, now: datetime) -> int:
        return len(self.uow.all(ApiKey, lambda k: k.user_id == user_id and k.revoked_at is None and k.expires_at > now))

    async def load_principal(self, lookup: str) -> KeyPrincipal | None:
        key = self.uow.first(ApiKey, lambda k: k.lookup == lookup)
        user = self.uow.by_key(User, key.user_id) if key else None
        if key is None or user is None:
            return None
        return KeyPrincipal(
            key_id=key.id,
            secret_hash=key.secret_hash,
            scopes=list(key.scopes),
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
            user_id=user.id,
            username=user.username,
            role=user.role,
            status=user.status,
            must_change_password=bool(user.must_change_password),
            first_name=user.first_name,
            last_name=user.last_name,
        )

    async def touch(self, key_id: int, *, now: datetime, not_after: datetime) -> None:
        for key in self.uow.current(ApiKey, lambda k: k.id == key_id):
            if key.last_used_at is None or key.last_used_at <= not_after:
                key.last_used_at = now
                self.uow.wrote(key)
        # the read role autocommits each statement
        if self.uow.role == "read":
            await self.uow._commit()


# --- the context -------------------------------------------------------------------------------------------------

START = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


class _UnsentEmail:
    """An email transport that is never called: the dispatcher is not started in service unit tests."""

    async def send(self, *, to: str, subject: str, body: str) -> None:
        raise AssertionError("service unit tests do not send email")


def cheap_hasher() -> PasswordHasher:
    """The real argon2id hasher with the cheapest parameters argon2 accepts."""
    return PasswordHasher(memory_kib=8, time_cost=1, parallelism=1, workers=1, queue_limit=16)


def fake_context(
    store: FakeStore | None = None, *, clock: FrozenClock | None = None, **settings: Any
) -> tuple[AppContext, FakeStore]:
    """An AppContext whose units of work are `FakeUnitOfWork`s on `store`. The database is never used: `ctx.db`
    is an engine on an in-memory SQLite URL that never connects (services under test reach data only through
    `ctx.uow()` / `ctx.reads()`)."""
    store = store or FakeStore()
    clock = clock or FrozenClock(START)
    config = Settings(  # type: ignore[call-arg]
        DATABASE_URL="sqlite+aiosqlite:///:memory:",
        log_level="WARNING",
        otp_failure_floor_seconds=0,
        gateway_delay_seconds=0,
        **{"pdf_processes": 0, **settings},
    )
    db = make_database(config)
    ctx = AppContext(
        settings=config,
        db=db,
        clock=clock,
        hasher=cheap_hasher(),
        tokens=TokenService(config.secret_key, config.access_token_minutes),
        outbox=OutboxDispatcher(
            sessionmaker=db.sessionmaker,
            email=_UnsentEmail(),
            sms=RecordingSmsGateway(),
            clock=clock,
            retry_seconds=60,
            max_attempts=config.outbox_max_attempts,
        ),
        auth_rate_limiter=RateLimiter(per_minute=0, burst=1),
        uow_factory=store.uow,
        reads_factory=store.reads,
    )
    return ctx, store
