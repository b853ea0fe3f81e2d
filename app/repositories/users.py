"""Users, registrations and state registrations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from app.repositories.base import RepositoryBase
from app.repositories.orm import AuthSession, Registration, SignInFailure, StateRegistration, User


class UserRepository(RepositoryBase[User]):
    model = User

    async def get_by_username(self, username: str) -> User | None:
        # R-AUTH-2: usernames are case sensitive; exact match.
        return (await self.session.execute(select(User).where(User.username == username))).scalar_one_or_none()

    async def get_for_update(self, user_id: int) -> User | None:
        stmt = select(User).where(User.id == user_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_by_username_for_update(self, username: str) -> User | None:
        stmt = select(User).where(User.username == username).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def username_taken(self, username: str) -> bool:
        stmt = select(func.count()).select_from(User).where(User.username == username)
        return bool((await self.session.execute(stmt)).scalar_one())

    async def usernames_for_producer(self, *, agent_unique_id: str, email: str) -> list[str]:
        """R-AUTH-4: producers with this producer number and email on file (any state registration)."""
        stmt = (
            select(User.username)
            .join(StateRegistration, StateRegistration.user_id == User.id)
            .where(
                User.role == "producer",
                StateRegistration.agent_unique_id == agent_unique_id,
                func.lower(StateRegistration.email) == email.lower(),
            )
            .distinct()
            .order_by(User.username)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def usernames_for_delegate_email(self, email: str) -> list[str]:
        stmt = (
            select(User.username)
            .where(User.role == "delegate", func.lower(User.email) == email.lower())
            .order_by(User.username)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def list_users(
        self, *, username: str | None, role: str | None, page: int, page_size: int
    ) -> tuple[list[User], int]:
        stmt = select(User).order_by(User.id)
        if username:
            stmt = stmt.where(User.username == username)
        if role:
            stmt = stmt.where(User.role == role)
        return await self.page(stmt, page=page, page_size=page_size)

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count()).select_from(User))).scalar_one())

    async def sign_in_failure_for_update(self, username_hash: str, now: datetime) -> SignInFailure:
        """The failure count of a submitted user name that matches no account, created at 0 and locked.

        Concurrent first failures of the same name both end on the one row (insert-or-nothing, then lock).
        """
        values = {"username_hash": username_hash, "failed_sign_ins": 0, "locked_at": None, "last_failed_at": now}
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(postgresql.insert(SignInFailure).values(**values).on_conflict_do_nothing())
        else:
            await self.session.execute(sqlite.insert(SignInFailure).values(**values).on_conflict_do_nothing())
        stmt = select(SignInFailure).where(SignInFailure.username_hash == username_hash).with_for_update()
        return (await self.session.execute(stmt)).scalar_one()

    async def delete_sign_in_failure(self, username_hash: str) -> bool:
        result = await self.session.execute(delete(SignInFailure).where(SignInFailure.username_hash == username_hash))
        return bool(getattr(result, "rowcount", 0))


class StateRegistrationRepository(RepositoryBase[StateRegistration]):
    model = StateRegistration

    async def for_user(self, user_id: int) -> list[StateRegistration]:
        stmt = select(StateRegistration).where(StateRegistration.user_id == user_id).order_by(StateRegistration.id)
        return list((await self.session.execute(stmt)).scalars().all())

    async def for_registration(self, registration_id: int) -> list[StateRegistration]:
        stmt = (
            select(StateRegistration)
            .where(StateRegistration.registration_id == registration_id)
            .order_by(StateRegistration.id)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def for_registrations(self, ids: Sequence[int]) -> dict[int, list[StateRegistration]]:
        out: dict[int, list[StateRegistration]] = {i: [] for i in ids}
        if not ids:
            return out
        stmt = (
            select(StateRegistration)
            .where(StateRegistration.registration_id.in_(list(ids)))
            .order_by(StateRegistration.id)
        )
        for sr in (await self.session.execute(stmt)).scalars():
            out[sr.registration_id].append(sr)
        return out

    async def taken(self, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which (state, agent_unique_id) pairs already belong to someone."""
        if not pairs:
            return set()
        stmt = select(StateRegistration.state, StateRegistration.agent_unique_id).where(
            or_(*(and_(StateRegistration.state == s, StateRegistration.agent_unique_id == a) for s, a in pairs))
        )
        return {(s, a) for s, a in (await self.session.execute(stmt)).all()}


class RegistrationRepository(RepositoryBase[Registration]):
    model = Registration

    async def get_for_update(self, registration_id: int) -> Registration | None:
        stmt = select(Registration).where(Registration.id == registration_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_with_users(
        self, *, status: str | None, page: int, page_size: int
    ) -> tuple[list[tuple[Registration, User]], int]:
        u = aliased(User)
        stmt: Any = select(Registration, u).join(u, u.id == Registration.user_id)
        if status:
            stmt = stmt.where(Registration.status == status)
        total = (
            await self.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
        ).scalar_one()
        stmt = stmt.order_by(Registration.created_at, Registration.id).limit(page_size).offset((page - 1) * page_size)
        rows = [(r, usr) for r, usr in (await self.session.execute(stmt)).all()]
        return rows, int(total)


class AuthSessionRepository(RepositoryBase[AuthSession]):
    model = AuthSession

    async def revoke_all_for_user(self, user_id: int, *, now: Any, reason: str) -> int:
        stmt = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)
