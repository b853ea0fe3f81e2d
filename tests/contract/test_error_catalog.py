"""The error catalog (app/error_codes.py, issue 16): every code the code base can answer is in it with its status,
nothing in it is dead, the contract lists the codes as enums, and docs/errors.md and /docs/errors publish it.
(tests/conftest.py also checks every problem an API test receives against the catalog, which covers codes made at
run time.)"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from app.cli import openapi_document
from app.error_codes import CATALOG, REQUEST_FIELD_CODES, catalog_markdown
from app.errors import STATUS_OF
from tests.conftest import ROOT

APP = ROOT / "app"
# Codes made at run time rather than written as one literal where they are raised.
COMPOSED = {code for code, _ in REQUEST_FIELD_CODES.values()} | {
    "quote.coverage_excludes_medical",  # f"quote.coverage_excludes_{slot}" (app/domain/quotes.py)
    "quote.coverage_excludes_dental",
}


def _error_classes(trees: dict[Path, ast.Module]) -> dict[str, int]:
    """Every exception class of the app with the status it answers (STATUS_OF, through its bases)."""
    classes = {kind.__name__: status for kind, status in STATUS_OF.items()} | {"DomainError": 400}
    for _ in range(4):
        for tree in trees.values():
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in classes:
                    for base in node.bases:
                        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", None)
                        if name in classes:
                            classes[node.name] = classes[name]
    return classes


def literal_codes() -> dict[str, set[int | None]]:
    """code -> statuses, for each code written as a literal where an error is raised or collected in app/."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(APP.rglob("*.py"))}
    classes = _error_classes(trees)
    found: dict[str, set[int | None]] = defaultdict(set)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name in classes:
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id == "code"
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        found[stmt.value.value].add(classes[node.name])
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            keywords = {k.arg: k.value for k in node.keywords}
            code = keywords.get("code")
            if isinstance(code, ast.Constant) and isinstance(code.value, str):
                status = keywords.get("status")
                found[code.value].add(status.value if isinstance(status, ast.Constant) else classes.get(name or ""))
            # ErrorCollector.add(field, code, message) and FieldError(field, code, message): field errors (422)
            if name in ("add", "FieldError") and len(node.args) == 3:
                arg = node.args[1]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[arg.value].add(422)
    return found


def test_every_code_raised_in_the_code_base_is_in_the_catalog_with_its_status() -> None:
    missing, wrong_status = [], []
    for code, statuses in literal_codes().items():
        entry = CATALOG.get(code)
        if entry is None:
            missing.append(code)
        elif not {s for s in statuses if s is not None} <= set(entry.statuses):
            wrong_status.append((code, statuses, entry.statuses))
    assert not missing, f"add these codes to app/error_codes.py CATALOG: {sorted(missing)}"
    assert not wrong_status, wrong_status


def test_the_catalog_has_no_code_the_api_cannot_answer() -> None:
    source = "\n".join(path.read_text(encoding="utf-8") for path in APP.rglob("*.py") if path.name != "error_codes.py")
    dead = [code for code in CATALOG if code not in COMPOSED and f'"{code}"' not in source]
    assert not dead, f"remove these codes from app/error_codes.py (nothing answers them): {dead}"


def test_request_schema_errors_speak_the_catalogs_vocabulary() -> None:
    assert all(code in CATALOG for code, _ in REQUEST_FIELD_CODES.values())
    assert REQUEST_FIELD_CODES["missing"][0] == "required"


def test_the_contract_lists_the_codes_as_enums_and_declares_the_extra_members() -> None:
    schemas = openapi_document()["components"]["schemas"]
    problem = schemas["Problem"]["properties"]
    assert problem["code"]["enum"] == sorted(CATALOG)
    field_error = schemas["FieldErrorOut"]["properties"]
    assert field_error["code"]["enum"] == sorted(CATALOG)
    assert {"mfa_token", "current_version", "choices", "counties", "channels", "payment_id"} <= set(problem)
    assert "/docs/errors" in problem["code"]["description"]


def test_docs_errors_md_is_the_generated_catalog() -> None:
    committed = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert committed == catalog_markdown(), "docs/errors.md is stale: run `make openapi` and commit it"
    assert "| `payment.exists` | 409 Conflict |" in committed


async def test_docs_errors_page_lists_every_code_with_its_status(client) -> None:
    r = await client.get("/docs/errors")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]  # a page without scripts
    assert r.text.count("<tr><td><code>") == len(CATALOG)
    assert "<tr><td><code>payment.exists</code></td><td>409 Conflict</td>" in r.text


async def test_a_request_schema_error_names_every_field_in_the_catalogs_words(client) -> None:
    """One vocabulary: `required`, `invalid_format`, `unknown_field` ... with messages for people, not pydantic's."""
    r = await client.post("/api/v1/registrations", json={"npn": "12", "nickname": "x"})
    body = r.json()
    assert r.status_code == 422 and body["code"] == "validation_failed"
    by_field = {e["field"]: e for e in body["errors"]}
    assert by_field["first_name"] == {"field": "first_name", "code": "required", "message": "This field is required."}
    assert by_field["nickname"]["code"] == "unknown_field"
    assert all(e["code"] in CATALOG and "should" not in e["message"] for e in body["errors"]), body["errors"]
