"""API keys (issue 17): create, list, read; the secret appears once, in the answer to create."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field

from app.domain.api_keys import DEFAULT_EXPIRY_DAYS, SCOPE_DESCRIPTIONS, KeyStatus, Scope
from app.schemas.common import ResponseModel, StrictModel

SCOPES_DOC = "; ".join(f"`{scope.value}`: {text}" for scope, text in SCOPE_DESCRIPTIONS.items())


class ApiKeyCreate(StrictModel):
    name: Annotated[
        str, Field(min_length=1, max_length=100, examples=["Acme CRM"], description="Tells your keys apart")
    ]
    scopes: Annotated[
        list[Scope],
        Field(
            min_length=1, max_length=len(Scope), examples=[["members:read", "prospects:write"]], description=SCOPES_DOC
        ),
    ]
    expires_in_days: Annotated[
        int | None,
        Field(
            default=None,
            examples=[90],
            description=f"Days until the key stops working: default {DEFAULT_EXPIRY_DAYS}, at most "
            "PORTAL_API_KEY_MAX_DAYS (365 unless configured)",
        ),
    ] = None


class ApiKeyRead(ResponseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_serialization_defaults_required=True)

    id: int
    name: str
    prefix: str = Field(description="The key's first characters (`ppk_` and its lookup part): not secret")
    scopes: list[Scope]
    status: KeyStatus = Field(description="`active`, or `expired` once past `expires_at` (revoked keys are not shown)")
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None = Field(description="When the key was last used (to the minute)")


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(
        description="The key, shown only this once: send it as `Authorization: Bearer ppk_...`. It is stored only as "
        "a hash; a lost key cannot be shown again (revoke it and create another)."
    )
