"""Document submission schemas (R-DOC-1 .. R-DOC-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.domain.documents import DOCUMENT_TYPES, MAX_UPLOAD_BYTES


class DocumentRead(BaseModel):
    """A submission: the confirmation of an upload and a row of "View Submitted Documents"."""

    tracking_number: str = Field(
        description="Numeric tracking number to keep for your records (R-DOC-3)", examples=["195108"]
    )
    file_name: str = Field(description="The file's base name as you sent it")
    document_type: str = Field(description="Code from GET /api/v1/document-types", examples=["other_documents"])
    document_type_name: str = Field(examples=["Other Documents"])
    account_number: str | None
    e_app_number: str | None
    content_type: str = Field(description="The kind the content was found to be", examples=["application/pdf"])
    size_bytes: int
    submitted_at: datetime


class DocumentTypeRead(BaseModel):
    code: str = Field(examples=["new_business_application"])
    name: str = Field(examples=["New Business Application"])


# The upload is parsed from the request stream (R-DOC-1: capped while streaming), so FastAPI does not see a
# body parameter; this describes it for the OpenAPI document.
UPLOAD_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "document_type"],
    "additionalProperties": False,
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": f"PDF, JPG, JPEG, PNG, GIF, TIF, TIFF or BMP, at most {MAX_UPLOAD_BYTES:,} bytes; "
            "the content must match the name's extension",
        },
        "document_type": {
            "type": "string",
            "minLength": 1,
            "maxLength": 60,
            "description": "A code or a name from GET /api/v1/document-types: "
            + ", ".join(t.name for t in DOCUMENT_TYPES),
            "examples": ["new_business_application"],
        },
        "account_number": {
            "type": "string",
            "pattern": r"^(\d{5,12})?$",
            "description": "Optional; an account in your book of business",
        },
        "e_app_number": {"type": "string", "pattern": r"^\d{0,20}$", "description": "Optional; up to 20 digits"},
    },
}
UPLOAD_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": UPLOAD_FORM_SCHEMA}}},
}
