"""The committed OpenAPI document equals the one the app generates (regenerate: `make openapi`)."""

from __future__ import annotations

import json

from app.cli import openapi_document, render_openapi
from tests.conftest import ROOT


def test_committed_openapi_matches_the_app() -> None:
    committed = (ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
    assert committed == render_openapi(), "openapi/openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_has_an_id_a_tag_a_summary_and_problem_errors() -> None:
    doc = openapi_document()
    ids = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            ids.append(op["operationId"])
            assert op.get("tags") and op.get("summary"), (method, path)
            assert "__" not in op["operationId"], op["operationId"]
            errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
            assert "503" in errors, (method, path)
            for status, resp in errors.items():
                assert list(resp["content"]) == ["application/problem+json"], (method, path, status)
            if op.get("requestBody"):
                assert {"400", "413", "422"} <= set(errors), (method, path)
            if op.get("security"):
                assert "401" in errors, (method, path)
    assert len(ids) == len(set(ids))
    assert json.dumps(doc).count("HTTPValidationError") == 0


def test_the_token_endpoint_drives_swagger_authorize() -> None:
    doc = openapi_document()
    scheme = doc["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
