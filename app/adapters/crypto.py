"""Field encryption for PHI kept at rest (R-MEM-7: full SSNs in applications)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class FieldCipher:
    """Fernet (AES-128-CBC + HMAC-SHA256) keyed from PORTAL_FIELD_ENCRYPTION_KEY.

    Older keys may be listed after the current one (comma-separated) so data written before a key
    rotation still decrypts; new values are always written with the first key.
    """

    def __init__(self, keys: str) -> None:
        secrets = [k.strip() for k in keys.split(",") if k.strip()]
        if not secrets:
            raise ValueError("a field-encryption key is required")
        self._fernet = MultiFernet([Fernet(self._derive(s)) for s in secrets])

    @staticmethod
    def _derive(secret: str) -> bytes:
        digest = hashlib.sha256(b"producer-portal/field-encryption/v1:" + secret.encode()).digest()
        return base64.urlsafe_b64encode(digest)

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise ValueError("cannot decrypt: wrong key or damaged value") from exc
