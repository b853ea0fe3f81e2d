"""API keys (issue 17): the producer's list, and the per-request lookup of a presented key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, update

from app.repositories.base import RepositoryBase
from app.repositories.orm import ApiKey, User


@dataclass(frozen=True)
class KeyPrincipal:
    """A presented key's row and its owner, as the per-request check reads them."""

    key_id: int
    secret_hash: str
    scopes: list[str]
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    user_id: int
    username: str
    role: str
    status: str
    must_change_password: bool
    first_name: str
    last_name: str


_KEY_PRINCIPAL = (
    select(
        ApiKey.id,
        ApiKey.secret_hash,
        ApiKey.scopes,
        ApiKey.expires_at,
        ApiKey.revoked_at,
        ApiKey.last_used_at,
        User.id,
        User.username,
        User.role,
        User.status,
        User.must_change_password,
        User.first_name,
        User.last_name,
    )
    .join(User, User.id == ApiKey.user_id)
    .where(ApiKey.lookup == bindparam("lookup"))
)  # built once: it runs on every call made with a key (the unique index on `lookup`)

_TOUCH = (
    update(ApiKey)
    .where(
        ApiKey.id == bindparam("key_id"),
        or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= bindparam("not_after")),
    )
    .values(last_used_at=bindparam("now"))
    .execution_options(synchronize_session=False)
)


class ApiKeyRepository(RepositoryBase[ApiKey]):
    model = ApiKey

    async def list_for_user(self, user_id: int, *, page: int, page_size: int) -> tuple[list[ApiKey], int]:
        """The producer's keys that are not revoked (revoked rows stay for the audit trail, out of sight)."""
        stmt = select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None)).order_by(ApiKey.id.desc())
        return await self.page(stmt, page=page, page_size=page_size)

    async def get_for_user(self, key_id: int, user_id: int) -> ApiKey | None:
        """The key if it is this producer's and not revoked (a query that cannot return another producer's key)."""
        stmt = select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def count_active(self, user_id: int, now: datetime) -> int:
        stmt = select(func.count()).where(
            ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None), ApiKey.expires_at > now
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def load_principal(self, lookup: str) -> KeyPrincipal | None:
        """One indexed query per call: the key with this lookup part, and its owner."""
        row = (await self.session.execute(_KEY_PRINCIPAL, {"lookup": lookup})).first()
        if row is None:
            return None
        return KeyPrincipal(
            key_id=row[0],
            secret_hash=row[1],
            scopes=list(row[2] or []),
            expires_at=row[3],
            revoked_at=row[4],
            last_used_at=row[5],
            user_id=row[6],
            username=row[7],
            role=row[8],
            status=row[9],
            must_change_password=bool(row[10]),
            first_name=row[11],
            last_name=row[12],
        )

    async def touch(self, key_id: int, *, now: datetime, not_after: datetime) -> None:
        """Set the last-used time unless another call (any process) set one after `not_after`."""
        await self.session.execute(_TOUCH, {"key_id": key_id, "now": now, "not_after": not_after})
