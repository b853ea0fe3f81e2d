"""Delegates and their secrets: verification links, one-time passcodes, MFA challenges, devices, history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import and_, case, delete, func, select, update

from app.repositories.base import RepositoryBase
from app.repositories.orm import (
    DelegateState,
    EmailVerification,
    MfaChallenge,
    OtpCode,
    OtpRequest,
    PasswordHistory,
    RememberedDevice,
    StateRegistration,
    User,
)


class DelegateRepository(RepositoryBase[User]):
    model = User

    def _mine(self, producer_id: int):  # type: ignore[no-untyped-def]
        # R-BOOK-1 / R-DEL-8: a producer only ever loads its own delegates; removed ones are gone.
        return select(User).where(User.role == "delegate", User.producer_id == producer_id, User.removed_at.is_(None))

    async def list_for_producer(self, producer_id: int, *, page: int, page_size: int) -> tuple[list[User], int]:
        return await self.page(self._mine(producer_id).order_by(User.id), page=page, page_size=page_size)

    async def get_for_producer(self, delegate_id: int, producer_id: int, *, for_update: bool = False) -> User | None:
        stmt = self._mine(producer_id).where(User.id == delegate_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_active_delegate_by_username(self, username: str) -> User | None:
        stmt = select(User).where(User.username == username, User.role == "delegate", User.removed_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def states_for(self, delegate_ids: Sequence[int]) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {i: [] for i in delegate_ids}
        if delegate_ids:
            stmt = (
                select(DelegateState.delegate_id, DelegateState.state)
                .where(DelegateState.delegate_id.in_(list(delegate_ids)))
                .order_by(DelegateState.state)
            )
            for did, state in (await self.session.execute(stmt)).all():
                out[did].append(state)
        return out

    def add_state(self, delegate_id: int, state: str) -> None:
        self.session.add(DelegateState(delegate_id=delegate_id, state=state))

    async def producer_active_states(self, producer_id: int) -> set[str]:
        stmt = select(StateRegistration.state).where(
            StateRegistration.user_id == producer_id, StateRegistration.status == "active"
        )
        return set((await self.session.execute(stmt)).scalars().all())


class EmailVerificationRepository(RepositoryBase[EmailVerification]):
    model = EmailVerification

    async def get_by_hash_for_update(self, token_hash: str) -> EmailVerification | None:
        stmt = select(EmailVerification).where(EmailVerification.token_hash == token_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()


class OtpRepository(RepositoryBase[OtpCode]):
    model = OtpCode

    async def sends_since(
        self, user_id: int, since: datetime, *, purpose: str, challenge_id: int | None
    ) -> tuple[int, datetime | None]:
        """How many codes went to this user since `since` (any flow: the hourly cap), and when the last code of
        this flow went (same purpose and challenge: the re-send interval)."""
        same_flow = and_(
            OtpCode.purpose == purpose,
            OtpCode.challenge_id.is_(None) if challenge_id is None else OtpCode.challenge_id == challenge_id,
        )
        stmt = select(func.count(), func.max(case((same_flow, OtpCode.created_at)))).where(
            OtpCode.user_id == user_id, OtpCode.created_at >= since
        )
        count, last = (await self.session.execute(stmt)).one()
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        return int(count), last

    async def latest_live(self, user_id: int, purpose: str, challenge_id: int | None) -> OtpCode | None:
        """The newest unused code for this purpose (older ones were superseded when it was sent)."""
        stmt = (
            select(OtpCode)
            .where(
                OtpCode.user_id == user_id,
                OtpCode.purpose == purpose,
                OtpCode.used_at.is_(None),
                OtpCode.challenge_id.is_(None) if challenge_id is None else OtpCode.challenge_id == challenge_id,
            )
            .order_by(OtpCode.id.desc())
            .limit(1)
            .with_for_update()
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def supersede(self, user_id: int, purpose: str, now: datetime) -> None:
        """A new code replaces every earlier unused one of the same purpose."""
        await self.session.execute(
            update(OtpCode)
            .where(and_(OtpCode.user_id == user_id, OtpCode.purpose == purpose, OtpCode.used_at.is_(None)))
            .values(used_at=now)
        )


class OtpRequestRepository(RepositoryBase[OtpRequest]):
    """Accepted `POST /auth/otp` requests per submitted user name (hashed), for the throttle (R-DEL-3)."""

    model = OtpRequest

    async def times_since(self, identifier_hash: str, since: datetime) -> list[datetime]:
        stmt = select(OtpRequest.created_at).where(
            OtpRequest.identifier_hash == identifier_hash, OtpRequest.created_at >= since
        )
        times = (await self.session.execute(stmt)).scalars().all()
        return [t if t.tzinfo is not None else t.replace(tzinfo=UTC) for t in times]

    async def record(self, identifier_hash: str, now: datetime, *, keep_since: datetime) -> None:
        """Count this request; drop the name's requests that left the window (the table stays small)."""
        await self.session.execute(
            delete(OtpRequest)
            .where(OtpRequest.identifier_hash == identifier_hash, OtpRequest.created_at < keep_since)
            .execution_options(synchronize_session=False)
        )
        self.add(OtpRequest(identifier_hash=identifier_hash, created_at=now))


class MfaChallengeRepository(RepositoryBase[MfaChallenge]):
    model = MfaChallenge

    async def get_by_hash_for_update(self, token_hash: str) -> MfaChallenge | None:
        stmt = select(MfaChallenge).where(MfaChallenge.token_hash == token_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()


class RememberedDeviceRepository(RepositoryBase[RememberedDevice]):
    model = RememberedDevice

    async def get_live(self, user_id: int, token_hash: str, now: datetime) -> RememberedDevice | None:
        stmt = select(RememberedDevice).where(
            RememberedDevice.user_id == user_id,
            RememberedDevice.token_hash == token_hash,
            RememberedDevice.revoked_at.is_(None),
            RememberedDevice.expires_at > now,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def revoke_all(self, user_id: int, now: datetime) -> int:
        result = await self.session.execute(
            update(RememberedDevice)
            .where(RememberedDevice.user_id == user_id, RememberedDevice.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class PasswordHistoryRepository(RepositoryBase[PasswordHistory]):
    model = PasswordHistory

    async def recent_hashes(self, user_id: int, limit: int) -> list[str]:
        stmt = (
            select(PasswordHistory.password_hash)
            .where(PasswordHistory.user_id == user_id)
            .order_by(PasswordHistory.created_at.desc(), PasswordHistory.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars().all())
