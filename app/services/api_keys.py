"""API keys (issue 17): producers create, list and revoke them; every call made with one is checked here.

Creating and revoking are audit-logged; every call made with a key writes an `api_key.call` row naming the key
(and every other row written during that call names it too, `audit.call_with_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from app.domain.accounts import AccountStatus, Principal, Role
from app.domain.api_keys import (
    INVALID_KEY,
    LAST_USED_RESOLUTION,
    MAX_ACTIVE_KEYS,
    KeyStatus,
    RouteAccess,
    check_route_access,
    check_usable,
    generate_key,
    key_matches,
    last_used_due,
    lookup_of,
    status_of,
    validate_key_request,
)
from app.domain.errors import AuthenticationFailed, Conflict, DomainError, NotFound
from app.ports import HasClock, HasReads, HasSettings, HasUnitOfWork
from app.repositories.orm import ApiKey
from app.services import audit
from app.services.audit import RequestContext


class ApiKeyPorts(HasUnitOfWork, HasReads, HasClock, HasSettings, Protocol):
    """What the API-key services use."""


KEY_NOT_FOUND = "There is no API key with this id among yours (a revoked key is gone)."


@dataclass(frozen=True)
class KeyView:
    """A key as listed: never its secret or hash."""

    id: int
    name: str
    prefix: str  # `ppk_<lookup>`: lets the producer tell keys apart, not secret
    scopes: list[str]
    status: KeyStatus
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class CreatedKey:
    key: KeyView
    secret: str  # shown once


def _view(row: ApiKey, now: datetime) -> KeyView:
    return KeyView(
        id=row.id,
        name=row.name,
        prefix=f"ppk_{row.lookup}",
        scopes=list(row.scopes),
        status=status_of(expires_at=row.expires_at, revoked_at=row.revoked_at, now=now),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def create_key(
    *,
    ctx: ApiKeyPorts,
    producer: Principal,
    request: RequestContext,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
) -> CreatedKey:
    """A new key for the producer; its secret is in the answer and nowhere else."""
    now = ctx.clock.now()
    wanted = validate_key_request(
        name=name, scopes=scopes, expires_in_days=expires_in_days, max_days=ctx.settings.api_key_max_days, now=now
    )
    new = generate_key()
    async with ctx.uow() as uow:
        if await uow.api_keys.count_active(producer.user_id, now) >= MAX_ACTIVE_KEYS:
            raise Conflict(
                f"You have {MAX_ACTIVE_KEYS} active API keys, the most allowed. Revoke keys you no longer use and "
                "try again.",
                code="api_key.limit",
            )
        row = uow.api_keys.add(
            ApiKey(
                user_id=producer.user_id,
                name=wanted.name,
                lookup=new.lookup,
                secret_hash=new.secret_hash,
                scopes=[s.value for s in wanted.scopes],
                created_at=now,
                expires_at=wanted.expires_at,
            )
        )
        await uow.flush()
        audit.record(
            uow,
            now=now,
            request=request,
            action="api_key.created",
            actor_user_id=producer.user_id,
            actor_username=producer.username,
            target_type="api_key",
            target_id=row.id,
            details={"scopes": list(row.scopes), "expires_at": row.expires_at.isoformat()},
        )
        await uow.commit()
    return CreatedKey(key=_view(row, now), secret=new.secret)


async def list_keys(*, ctx: ApiKeyPorts, producer: Principal, page: int, page_size: int) -> tuple[list[KeyView], int]:
    """The producer's keys, newest first, expired ones included (with their status); revoked ones are gone."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        rows, total = await uow.api_keys.list_for_user(producer.user_id, page=page, page_size=page_size)
    return [_view(r, now) for r in rows], total


async def get_key(*, ctx: ApiKeyPorts, producer: Principal, key_id: int) -> KeyView:
    async with ctx.uow() as uow:
        row = await uow.api_keys.get_for_user(key_id, producer.user_id)
    if row is None:
        raise NotFound(KEY_NOT_FOUND, code="api_key.not_found")
    return _view(row, ctx.clock.now())


async def revoke_key(*, ctx: ApiKeyPorts, producer: Principal, request: RequestContext, key_id: int) -> None:
    """Revoked at once: the next call made with the key is a 401. A revoked key is no longer listed or found (404);
    its row stays for the audit trail."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        row = await uow.api_keys.get_for_user(key_id, producer.user_id)
        if row is None:
            raise NotFound(KEY_NOT_FOUND, code="api_key.not_found")
        row.revoked_at = now
        audit.record(
            uow,
            now=now,
            request=request,
            action="api_key.revoked",
            actor_user_id=producer.user_id,
            actor_username=producer.username,
            target_type="api_key",
            target_id=row.id,
        )
        await uow.commit()


async def authenticate(
    *, ctx: ApiKeyPorts, token: str, request: RequestContext, method: str, path: str, required: RouteAccess | None
) -> Principal:
    """The caller behind a presented key, if the key is live and may call this route (else 401 or 403).

    One indexed query finds the key and its owner; the last-used time is written at most once a minute per key;
    the call is audited (`api_key.call`, outcome failure with the problem's code when refused) with the key's id.
    """
    lookup = lookup_of(token)
    now = ctx.clock.now()
    async with ctx.reads() as reads:
        row = await reads.api_keys.load_principal(lookup)
        if row is None or not key_matches(token, row.secret_hash):
            raise AuthenticationFailed(INVALID_KEY, code="invalid_token")
        check_usable(expires_at=row.expires_at, revoked_at=row.revoked_at, now=now)
        if row.status != AccountStatus.active.value or row.role != Role.producer.value:
            raise AuthenticationFailed(
                "The producer account of this API key is not active. Please call Producer Services for help.",
                code="api_key_owner_inactive",
            )
        refused: DomainError | None = None
        try:
            check_route_access(granted=frozenset(row.scopes), required=required, method=method, path=path)
        except DomainError as exc:
            refused = exc
        if last_used_due(row.last_used_at, now):
            await reads.api_keys.touch(row.key_id, now=now, not_after=now - LAST_USED_RESOLUTION)
        details: dict[str, object] = {"method": method, "route": path}
        if refused is not None:
            details["code"] = refused.code
        entry = audit.event_row(
            now=now,
            request=request,
            action="api_key.call",
            outcome="success" if refused is None else "failure",
            actor_user_id=row.user_id,
            actor_username=row.username,
            target_type="api_key",
            target_id=row.key_id,
            details=details,
        )
        entry["api_key_id"] = row.key_id
        await reads.audit.insert_rows([entry])
    if refused is not None:
        raise refused
    return Principal(
        user_id=row.user_id,
        username=row.username,
        role=Role.producer,
        first_name=row.first_name,
        last_name=row.last_name,
        session_id=f"api-key:{row.key_id}",
        must_change_password=row.must_change_password,
        api_key_id=row.key_id,
        scopes=frozenset(row.scopes),
    )
