"""Refresh tokens and the per-request session check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update

from app.repositories.base import RepositoryBase
from app.repositories.orm import AuthSession, RefreshToken, User


class RefreshTokenRepository(RepositoryBase[RefreshToken]):
    model = RefreshToken

    async def get_by_hash_for_update(self, token_hash: str) -> tuple[RefreshToken, AuthSession] | None:
        stmt = (
            select(RefreshToken, AuthSession)
            .join(AuthSession, AuthSession.id == RefreshToken.session_id)
            .where(RefreshToken.token_hash == token_hash)
            .with_for_update()
        )
        row = (await self.session.execute(stmt)).first()
        return (row[0], row[1]) if row else None

    async def mark_all_used(self, session_id: str, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.session_id == session_id, RefreshToken.used_at.is_(None))
            .values(used_at=now)
        )


@dataclass(frozen=True)
class SessionPrincipal:
    user_id: int
    username: str
    role: str
    status: str
    must_change_password: bool
    first_name: str
    last_name: str
    session_id: str
    session_expires_at: datetime
    session_revoked: bool
    producer_id: int | None


_SESSION_PRINCIPAL = (
    select(
        User.id,
        User.username,
        User.role,
        User.status,
        User.must_change_password,
        User.first_name,
        User.last_name,
        AuthSession.id,
        AuthSession.expires_at,
        AuthSession.revoked_at,
        User.producer_id,
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.user_id == bindparam("user_id"))
)  # built once: it runs on every authenticated request


class SessionCheckRepository(RepositoryBase[AuthSession]):
    """The per-request session check (the read role: one statement, no transaction)."""

    model = AuthSession

    async def load_principal(self, session_id: str, user_id: int) -> SessionPrincipal | None:
        """One indexed (primary-key) query per request: is the session alive, who is it."""
        row = (await self.session.execute(_SESSION_PRINCIPAL, {"session_id": session_id, "user_id": user_id})).first()
        if row is None:
            return None
        return SessionPrincipal(
            user_id=row[0],
            username=row[1],
            role=row[2],
            status=row[3],
            must_change_password=bool(row[4]),
            first_name=row[5],
            last_name=row[6],
            session_id=row[7],
            session_expires_at=row[8],
            session_revoked=row[9] is not None,
            producer_id=row[10],
        )
