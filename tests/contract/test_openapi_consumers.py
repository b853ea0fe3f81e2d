"""What generators, linters and importers need from the contract (issue 16): servers and the token URL, the
security of public operations, and `required` that says exactly which fields a client must send or will get.
`make contract` runs the real consumers (Redocly, Spectral, openapi-typescript, tsc --strict) over the file."""

from __future__ import annotations

from typing import Any

from app.cli import openapi_document
from app.schemas.common import Problem

# The members a problem carries only where they apply (mfa_token, current_version, choices ...; app/schemas/common.py)
PROBLEM_OPTIONAL = {name for name, field in Problem.model_fields.items() if not field.is_required()}

# Response fields that really may be missing from an answer: problem members added only when they apply, and
# report rows serialized with `response_model_exclude_unset` (member columns only on member-level reports).
MAY_BE_ABSENT = {
    "Problem": PROBLEM_OPTIONAL,
    "TokenProblem": PROBLEM_OPTIONAL | {"error_description"},
    "ReportRowRead": {
        "status",
        "member_id",
        "member_first_name",
        "member_last_name",
        "relationship",
        "date_of_birth",
        "birthday",
        "turning_age",
        "phone",  # issue 15: term, policy status and payment reports only
        "email",
    },
    "ReportPageRead": {"date_window"},  # saved reports with a rolling window only
    # issue 16: a section is there once saved (or prefilled), absent before
    "ApplicationSectionsRead": {
        "general",
        "applicant",
        "household",
        "plans",
        "other-coverage",
        "signatures",
        "prefill",
    },
}


def _refs(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if value.startswith("#/components/schemas/"):  # not the response headers' refs
                    found.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)
    return found


def _closure(schemas: dict[str, Any], names: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_refs(schemas.get(name, {}), set()))
    return seen


def test_the_committed_contract_names_no_deployment() -> None:
    doc = openapi_document()
    assert [s["url"] for s in doc["servers"]] == ["/"]
    assert doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == (
        "/api/v1/auth/token"
    )


def test_a_public_base_url_makes_servers_and_the_token_url_absolute() -> None:
    doc = openapi_document("https://producers.example.com/")
    assert [s["url"] for s in doc["servers"]] == ["https://producers.example.com"]
    flow = doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
    assert flow["tokenUrl"] == "https://producers.example.com/api/v1/auth/token"


def test_every_operation_states_its_security() -> None:
    doc = openapi_document()
    public = set()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert "security" in op, (method, path)
            if op["security"] == []:
                public.add(op["operationId"])
    assert {"signIn", "refreshToken", "forgotUsername", "resetPassword", "register", "healthz", "readyz"} <= public
    assert not {"searchMembers", "createProspect", "logout"} & public
    assert doc["paths"]["/metrics"]["get"]["security"] == [{}, {"MetricsToken": []}]


def test_response_fields_are_required_unless_they_may_be_absent() -> None:
    doc = openapi_document()
    schemas = doc["components"]["schemas"]
    inputs: set[str] = set()
    outputs: set[str] = set()
    for item in doc["paths"].values():
        for op in item.values():
            _refs([op.get("parameters", []), op.get("requestBody", {})], inputs)
            _refs(op.get("responses", {}), outputs)
    only_out = _closure(schemas, outputs) - _closure(schemas, inputs)
    optional = {}
    for name in sorted(only_out):
        schema = schemas[name]
        missing = set(schema.get("properties", {})) - set(schema.get("required", []))
        if missing:
            optional[name] = missing
    assert optional == MAY_BE_ABSENT


def test_request_fields_with_defaults_are_not_required() -> None:
    schemas = openapi_document()["components"]["schemas"]
    for name in ("Body_signIn", "ProspectCreate"):
        schema = schemas[name]
        defaulted = {k for k, v in schema["properties"].items() if "default" in v}
        assert defaulted and not defaulted & set(schema.get("required", [])), name
