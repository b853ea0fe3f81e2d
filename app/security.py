"""Tokens: JWT access tokens (fixed algorithm), opaque secrets stored only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from app.domain.errors import AuthenticationFailed

ALGORITHM = "HS256"  # allow-list of one
ISSUER = "producer-portal"


INVALID_TOKEN = "The access token is not valid. Sign in again."
VERIFIED_TOKENS_KEPT = 4096  # per process: one entry per live access token in use here


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    session_id: str
    role: str
    jti: str
    exp: int


class TokenService:
    def __init__(self, secret_key: str, access_minutes: int) -> None:
        self._key = secret_key
        self._access_minutes = access_minutes
        # Tokens whose signature and claims were checked (issue 19: PyJWT's parsing and HMAC cost ~0.1-0.2 ms of
        # a search). A token's claims are a function of its bytes and this process's key, so a token seen before
        # needs only its expiry checked against the clock again, which `decode_access` does on every call.
        self._verified: OrderedDict[str, AccessClaims] = OrderedDict()

    @property
    def access_seconds(self) -> int:
        return self._access_minutes * 60

    def issue_access(self, *, user_id: int, session_id: str, role: str, now: datetime) -> str:
        claims = {
            "sub": str(user_id),
            "sid": session_id,
            "role": role,
            "jti": uuid.uuid4().hex,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(minutes=self._access_minutes)).timestamp()),
            "iss": ISSUER,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode_access(self, token: str, *, now: datetime) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            self._verified[token] = claims
            if len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)
        # exp checked against the injectable clock, not the wall clock.
        if claims.exp <= int(now.timestamp()):
            raise AuthenticationFailed(
                "The access token has expired. Refresh it or sign in again.", code="token_expired"
            )
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                # Time claims are checked below against the injectable clock, never the wall clock.
                options={
                    "require": ["exp", "iat", "sub", "jti", "iss"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationFailed(INVALID_TOKEN, code="invalid_token") from exc
        try:
            return AccessClaims(
                user_id=int(claims["sub"]),
                session_id=str(claims["sid"]),
                role=str(claims["role"]),
                jti=str(claims["jti"]),
                exp=int(claims["exp"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise AuthenticationFailed(INVALID_TOKEN, code="invalid_token") from exc

    def hash_secret(self, secret: str) -> str:
        """Keyed SHA-256 of a high-entropy secret (refresh/device/link tokens): lookup by hash only."""
        return hmac.new(self._key.encode(), secret.encode(), hashlib.sha256).hexdigest()

    def matches(self, secret: str, stored_hash: str) -> bool:
        return hmac.compare_digest(self.hash_secret(secret), stored_hash)


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def new_session_id() -> str:
    return str(uuid.uuid4())
