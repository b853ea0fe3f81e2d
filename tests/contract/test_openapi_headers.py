"""Response headers in the contract (issue 16): each header the API sends is declared on the responses that carry it,
once, as a `components/headers` entry the responses reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.cli import openapi_document
from app.openapi import HEADERS

DOC = openapi_document()
BINARY = {"type": "string", "format": "binary"}


def responses() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operationId, status, response) for every response of every operation."""
    for item in DOC["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                yield op["operationId"], status, response


def declaring(name: str) -> set[tuple[str, str]]:
    return {(op, status) for op, status, r in responses() if name in r.get("headers", {})}


def test_every_referenced_header_is_a_component() -> None:
    components = DOC["components"]["headers"]
    assert set(components) == set(HEADERS)
    for op, status, response in responses():
        for name, header in response.get("headers", {}).items():
            if "$ref" in header:
                assert header["$ref"] == f"#/components/headers/{name}", (op, status, name)
            else:  # a route's own, more specific declaration of the header
                assert header["description"] and header["schema"]["type"] == "string", (op, status, name)


def test_x_request_id_on_every_response() -> None:
    everything = {(op, status) for op, status, _ in responses()}
    assert declaring("X-Request-ID") == everything
    assert DOC["components"]["headers"]["X-Request-ID"]["required"] is True


def test_retry_after_on_every_429_and_503_and_nowhere_else() -> None:
    expected = {(op, status) for op, status, _ in responses() if status in ("429", "503")}
    assert len({s for _, s in expected}) == 2
    assert declaring("Retry-After") == expected
    assert DOC["components"]["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_location_on_the_201s_that_set_it() -> None:
    assert declaring("Location") == {
        ("createProspect", "201"),
        ("createQuote", "201"),
        ("enrollFromQuote", "201"),
        ("createSavedReport", "201"),
    }


def test_etag_where_the_application_version_is_sent() -> None:
    assert declaring("ETag") == {
        ("startApplication", "201"),
        ("getApplication", "200"),
        ("getApplication", "304"),
        ("saveApplicationSection", "200"),
        # issue 16: one documented operation per section path (the same route)
        *(
            (f"save{s}Section", "200")
            for s in ("General", "Applicant", "Household", "Plans", "OtherCoverage", "Signatures")
        ),
    }


def test_content_disposition_on_every_file_download() -> None:
    files = {
        (op, status)
        for op, status, r in responses()
        if any(media.get("schema") == BINARY for media in r.get("content", {}).values())
    }
    assert files == declaring("Content-Disposition")
    assert {op for op, _ in files} == {
        "exportProspects",
        "printProspects",
        "runReport",
        "runPolicyStatusReport",
        "runSavedReport",
        "getTemporaryIdCardPdf",
        "getApplicationPdf",
    }
