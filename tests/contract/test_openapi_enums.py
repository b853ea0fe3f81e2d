"""Closed vocabularies are enums in the contract (issue 16): a string field or parameter named like a status, a kind
or an exchange lists its values, so a typo does not compile in a generated client."""

from __future__ import annotations

import re
from typing import Any

from app.cli import openapi_document

CLOSED_NAME = re.compile(r"(^|_)(status|type|kind|exchange|coverage|relationship|product_type|role|channel|outcome)$")

# (schema or operation, property or parameter) -> why the values are open.
OPEN: dict[tuple[str, str], str] = {
    ("Problem", "type"): "an RFC 9457 problem type URI",
    ("TokenProblem", "type"): "an RFC 9457 problem type URI",
    ("Representative", "relationship"): "free text the producer types on the signatures page (the guide's form)",
    ("DocumentRead", "document_type"): "a code of the reference list GET /document-types (carrier data)",
    ("DocumentReceivedData", "document_type"): "a code of the reference list GET /document-types (carrier data)",
    ("DocumentRead", "content_type"): "the media type the upload was found to be",
    ("MfaTokenResponse", "token_type"): "OAuth 2.0 token_type: always bearer, typed by RFC 6749 as a string",
    ("TokenResponse", "token_type"): "OAuth 2.0 token_type: always bearer, typed by RFC 6749 as a string",
    ("AuditEventRead", "target_type"): "the audited object's kind, open as the audit grows",
}


def _is_open_string(schema: dict[str, Any]) -> bool:
    """A string branch without `enum` / `const` (formats such as date or binary are not vocabularies)."""
    branches = schema.get("anyOf") or schema.get("oneOf") or [schema]
    for branch in branches:
        if "$ref" in branch or "enum" in branch or "const" in branch:
            continue
        if branch.get("type") == "string" and "format" not in branch:
            return True
        if branch.get("type") == "array" and _is_open_string(branch.get("items", {})):
            return True
    return False


def _closed_strings_without_enum() -> list[tuple[str, str]]:
    doc = openapi_document()
    found = []
    for name, schema in doc["components"]["schemas"].items():
        for prop, sub in (schema.get("properties") or {}).items():
            if CLOSED_NAME.search(prop) and _is_open_string(sub):
                found.append((name, prop))
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                if CLOSED_NAME.search(param["name"]) and _is_open_string(param.get("schema", {})):
                    found.append((op["operationId"], param["name"]))
    return sorted(found)


def _deref(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_closed_vocabularies_are_enums_in_the_contract() -> None:
    unlisted = [key for key in _closed_strings_without_enum() if key not in OPEN]
    assert unlisted == [], "a status/kind/type string without an enum: type it (Literal or StrEnum) or list it in OPEN"


def test_the_allow_list_names_only_open_strings() -> None:
    assert set(OPEN) <= set(_closed_strings_without_enum()), "OPEN lists a field that is an enum now: drop it"


def test_the_filters_that_were_strings_list_their_values() -> None:
    doc = openapi_document()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/members"]["get"]["parameters"]}

    def values(name: str) -> list[str]:
        schema = params[name]["schema"]
        branch = next(b for b in schema.get("anyOf", [schema]) if b.get("type") != "null")
        return _deref(doc, branch)["enum"]

    assert values("filter_exchange") == ["on", "off"]
    assert values("filter_product_type") == ["ON-EXCHANGE", "OFF-EXCHANGE"] and params["filter_product_type"].get(
        "deprecated"
    )
    assert values("filter_status") == ["Active", "Grace Period", "Termed", "Submitted"]
    assert values("filter_coverage") == ["medical", "dental"]
    listing = {p["name"]: p for p in doc["paths"]["/api/v1/enrollments"]["get"]["parameters"]}
    assert "deprecated" in listing["status"]["description"]
    history = doc["paths"]["/api/v1/members/{account_number}/members/{member_id}/pcp-history"]["get"]
    member_id = next(p for p in history["parameters"] if p["name"] == "member_id")
    assert member_id["schema"]["type"] == "string"  # as `member_id` in every answer
    row = doc["components"]["schemas"]["PaymentRead"]["properties"]["status"]
    assert "$ref" in row or "enum" in row
