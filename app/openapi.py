"""The OpenAPI document: problem-document error responses, the enrollment section bodies, and the links
between operations (`LINKS`)."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.config import Settings
from app.error_codes import HTTP_TITLES
from app.errors import PROBLEM_MEDIA_TYPE
from app.schemas.enrollments import SECTION_MODELS

API_DESCRIPTION = """
The JSON REST API behind the Retail Producer Portal: producers and their delegates manage prospects,
find clients, service members, run reports, quote and enroll.

**Try it:** click **Authorize**, sign in as `demoagent` / `Demo1234` (producer) or `admin` / `Admin123`.
Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `code`.
"""

TAGS = [
    {"name": "auth", "description": "Sign-in, tokens and account recovery"},
    {"name": "accounts", "description": "Producer registration and profile"},
    {"name": "delegates", "description": "My Delegates: assistants who quote and enroll for a producer"},
    {
        "name": "api-keys",
        "description": "Scoped API keys for platforms that integrate on a producer's behalf: "
        "`Authorization: Bearer ppk_...` (issue 17)",
    },
    {
        "name": "webhooks",
        "description": "Webhook endpoints: events POSTed to a producer's platform, signed per Standard Webhooks "
        "(issue 17); the `webhooks` section describes each event's payload",
    },
    {"name": "members", "description": "Member search, client detail, contact information changes"},
    {"name": "prospects", "description": "Sales leads: add, search, export, print"},
    {"name": "documents", "description": "E-Communication: submit documents, view the submission history"},
    {"name": "e-questions", "description": "E-Communication: questions to the carrier and their answers"},
    {"name": "id-cards", "description": "Permanent and temporary ID cards"},
    {"name": "providers", "description": "Provider directory: medical groups, PCP / PCPA / NPI numbers"},
    {"name": "pcp-changes", "description": "Primary care physician changes"},
    {"name": "reports", "description": "Create Report and View My Custom Reports: book-of-business reports, CSV/XLSX"},
    {"name": "enrollments", "description": "Off-exchange Individual & Family applications"},
    {"name": "payments", "description": "Binder payments"},
    {"name": "plans", "description": "Counties by zip code and the plans available there"},
    {"name": "quotes", "description": "Quote & Enroll: quotes, premiums, plan selection, enrolling from a quote"},
    {"name": "admin", "description": "Carrier staff: activations, unlocks, outbox, audit log"},
    {"name": "operations", "description": "Health, readiness and metrics"},
]


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


# OpenAPI links: how a response feeds the next call (Swagger UI shows them; Schemathesis' stateful phase
# chains operations along them). One row per link: (source operationId, status, target operationId,
# parameters, requestBody). The link is named after its target; parameters use runtime expressions.
_ID = "$response.body#/id"
_FIRST = "$response.body#/items/0/id"
_ETAG = "$response.header.ETag"
_Body = dict[str, Any] | None
LINKS: tuple[tuple[str, str, str, dict[str, str], _Body], ...] = (
    # auth
    ("signIn", "200", "refreshToken", {}, {"refresh_token": "$response.body#/refresh_token"}),
    ("refreshToken", "200", "refreshToken", {}, {"refresh_token": "$response.body#/refresh_token"}),
    ("register", "201", "adminActivateRegistration", {"registration_id": _ID}, None),
    # delegates
    ("createDelegate", "201", "getDelegate", {"delegate_id": _ID}, None),
    ("createDelegate", "201", "removeDelegate", {"delegate_id": _ID}, None),
    ("listDelegates", "200", "getDelegate", {"delegate_id": _FIRST}, None),
    ("removeDelegate", "204", "getDelegate", {"delegate_id": "$request.path.delegate_id"}, None),
    ("getDelegate", "200", "removeDelegate", {"delegate_id": _ID}, None),
    # members
    ("searchMembers", "200", "getClientDetail", {"account_number": "$response.body#/items/0/account_number"}, None),
    (
        "searchMembers",
        "200",
        "requestIdCards",
        {},
        {"account_number": "$response.body#/items/0/account_number", "policy_id": "$response.body#/items/0/policy_id"},
    ),
    ("getClientDetail", "200", "requestContactInfoChange", {"account_number": "$response.body#/account_number"}, None),
    (
        "getClientDetail",
        "200",
        "getPcpHistory",
        {
            "account_number": "$response.body#/account_number",
            "member_id": "$response.body#/policies/0/members/0/member_id",
        },
        None,
    ),
    ("getClientDetail", "200", "listIdCardRequests", {"account_number": "$response.body#/account_number"}, None),
    ("getClientDetail", "200", "listPcpChanges", {"account_number": "$response.body#/account_number"}, None),
    (
        "getClientDetail",
        "200",
        "changePcp",
        {},
        {
            "account_number": "$response.body#/account_number",
            "policy_id": "$response.body#/policies/0/policy_id",
            "members": [{"member_id": "$response.body#/policies/0/members/0/member_id"}],
        },
    ),
    ("requestContactInfoChange", "202", "getClientDetail", {"account_number": "$request.path.account_number"}, None),
    # prospects
    ("createProspect", "201", "getProspect", {"prospect_id": _ID}, None),
    ("createProspect", "201", "updateProspect", {"prospect_id": _ID}, None),
    ("createProspect", "201", "deleteProspect", {"prospect_id": _ID}, None),
    ("createProspect", "201", "listQuotes", {"prospect_id": _ID}, None),
    ("createProspect", "201", "createQuote", {}, {"prospect_id": _ID, "zip_code": "$response.body#/zip_code"}),
    ("listProspects", "200", "getProspect", {"prospect_id": _FIRST}, None),
    ("listProspects", "200", "updateProspect", {"prospect_id": _FIRST}, None),
    ("updateProspect", "200", "getProspect", {"prospect_id": _ID}, None),
    ("deleteProspect", "204", "getProspect", {"prospect_id": "$request.path.prospect_id"}, None),
    ("getProspect", "200", "updateProspect", {"prospect_id": _ID}, None),
    ("getProspect", "200", "deleteProspect", {"prospect_id": _ID}, None),
    ("getProspect", "200", "listQuotes", {"prospect_id": _ID}, None),
    # quotes
    ("createQuote", "201", "getQuote", {"quote_id": _ID}, None),
    ("createQuote", "201", "getQuotePlans", {"quote_id": _ID}, None),
    ("createQuote", "201", "selectQuotePlans", {"quote_id": _ID}, None),
    ("createQuote", "201", "enrollFromQuote", {"quote_id": _ID}, None),
    ("createQuote", "201", "startApplication", {}, {"quote_id": _ID}),
    ("listQuotes", "200", "getQuote", {"quote_id": _FIRST}, None),
    ("listQuotes", "200", "getQuotePlans", {"quote_id": _FIRST}, None),
    ("listQuotes", "200", "getProspect", {"prospect_id": "$response.body#/items/0/prospect_id"}, None),
    ("getQuote", "200", "getProspect", {"prospect_id": "$response.body#/prospect_id"}, None),
    ("getQuote", "200", "getQuotePlans", {"quote_id": _ID}, None),
    ("getQuote", "200", "selectQuotePlans", {"quote_id": _ID}, None),
    ("getQuote", "200", "enrollFromQuote", {"quote_id": _ID}, None),
    (
        "getQuotePlans",
        "200",
        "selectQuotePlans",
        {"quote_id": "$request.path.quote_id"},
        {"medical_plan_id": "$response.body#/items/0/plan_id"},
    ),
    ("selectQuotePlans", "200", "enrollFromQuote", {"quote_id": _ID}, None),
    ("enrollFromQuote", "201", "getApplication", {"application_id": "$response.body#/application_id"}, None),
    # enrollments and payments
    ("startApplication", "201", "getApplication", {"application_id": _ID}, None),
    (
        "startApplication",
        "201",
        "saveApplicationSection",
        {"application_id": _ID, "section": "general", "If-Match": _ETAG},
        None,
    ),
    ("startApplication", "201", "calculateEffectiveDate", {"application_id": _ID}, None),
    ("startApplication", "201", "submitApplication", {"application_id": _ID}, None),
    ("startApplication", "201", "deleteApplication", {"application_id": _ID}, None),
    ("listApplications", "200", "getApplication", {"application_id": _FIRST}, None),
    ("listApplications", "200", "getApplicationPdf", {"application_id": _FIRST}, None),
    ("getApplication", "200", "saveApplicationSection", {"application_id": _ID, "If-Match": _ETAG}, None),
    ("getApplication", "200", "capturePayment", {"application_id": _ID}, None),
    ("getApplication", "200", "getQuote", {"quote_id": "$response.body#/quote_id"}, None),
    ("saveApplicationSection", "200", "saveApplicationSection", {"application_id": _ID, "If-Match": _ETAG}, None),
    ("saveApplicationSection", "200", "submitApplication", {"application_id": _ID}, None),
    ("submitApplication", "200", "getApplication", {"application_id": "$request.path.application_id"}, None),
    ("submitApplication", "200", "getApplicationPdf", {"application_id": "$request.path.application_id"}, None),
    ("submitApplication", "200", "capturePayment", {"application_id": "$request.path.application_id"}, None),
    ("deleteApplication", "204", "getApplication", {"application_id": "$request.path.application_id"}, None),
    ("capturePayment", "201", "getPayment", {"payment_id": _ID}, None),
    ("capturePayment", "201", "submitPayment", {"payment_id": _ID}, None),
    ("capturePayment", "201", "cancelPayment", {"payment_id": _ID}, None),
    ("submitPayment", "200", "getPayment", {"payment_id": _ID}, None),
    ("cancelPayment", "200", "getPayment", {"payment_id": _ID}, None),
    ("getPayment", "200", "getApplication", {"application_id": "$response.body#/application_id"}, None),
    ("getPayment", "200", "submitPayment", {"payment_id": _ID}, None),
    ("getPayment", "200", "cancelPayment", {"payment_id": _ID}, None),
    # documents and e-questions
    ("uploadDocument", "201", "deleteDocument", {"tracking_number": "$response.body#/tracking_number"}, None),
    ("listDocuments", "200", "deleteDocument", {"tracking_number": "$response.body#/items/0/tracking_number"}, None),
    ("createEQuestion", "201", "getEQuestion", {"question_id": _ID}, None),
    ("createEQuestion", "201", "deleteEQuestion", {"question_id": _ID}, None),
    ("createEQuestion", "201", "adminRespondEQuestion", {"question_id": _ID}, None),
    ("listEQuestions", "200", "getEQuestion", {"question_id": _FIRST}, None),
    ("deleteEQuestion", "204", "getEQuestion", {"question_id": "$request.path.question_id"}, None),
    ("getEQuestion", "200", "deleteEQuestion", {"question_id": _ID}, None),
    # _ID cards and PCP changes
    ("requestIdCards", "201", "getIdCardRequest", {"request_id": _ID}, None),
    ("requestIdCards", "201", "getTemporaryIdCardPdf", {"request_id": _ID}, None),
    ("listIdCardRequests", "200", "getIdCardRequest", {"request_id": _FIRST}, None),
    ("listIdCardRequests", "200", "getTemporaryIdCardPdf", {"request_id": _FIRST}, None),
    (
        "listIdCardRequests",
        "200",
        "getClientDetail",
        {"account_number": "$response.body#/items/0/account_number"},
        None,
    ),
    ("getIdCardRequest", "200", "getTemporaryIdCardPdf", {"request_id": _ID}, None),
    ("getIdCardRequest", "200", "getClientDetail", {"account_number": "$response.body#/account_number"}, None),
    (
        "changePcp",
        "200",
        "changePcp",
        {},
        {  # the dry run validated: finish it
            "account_number": "$request.body#/account_number",
            "policy_id": "$request.body#/policy_id",
            "provider_number": "$request.body#/provider_number",
            "effective_date": "$request.body#/effective_date",
            "members": "$request.body#/members",
            "accept_warnings": True,
            "dry_run": False,
        },
    ),
    ("changePcp", "201", "getPcpChange", {"change_id": _ID}, None),
    ("changePcp", "201", "getIdCardRequest", {"request_id": "$response.body#/id_card_request_ids/0"}, None),
    ("listPcpChanges", "200", "getPcpChange", {"change_id": _FIRST}, None),
    ("listPcpChanges", "200", "getClientDetail", {"account_number": "$response.body#/items/0/account_number"}, None),
    ("getPcpChange", "200", "getClientDetail", {"account_number": "$response.body#/account_number"}, None),
    # reports
    ("createSavedReport", "201", "getSavedReport", {"report_id": _ID}, None),
    ("createSavedReport", "201", "runSavedReport", {"report_id": _ID}, None),
    ("createSavedReport", "201", "deleteSavedReport", {"report_id": _ID}, None),
    ("listSavedReports", "200", "getSavedReport", {"report_id": _FIRST}, None),
    ("listSavedReports", "200", "runSavedReport", {"report_id": _FIRST}, None),
    ("getSavedReport", "200", "runSavedReport", {"report_id": _ID}, None),
    ("getSavedReport", "200", "deleteSavedReport", {"report_id": _ID}, None),
    ("deleteSavedReport", "204", "getSavedReport", {"report_id": "$request.path.report_id"}, None),
    # admin
    ("adminListRegistrations", "200", "adminActivateRegistration", {"registration_id": _FIRST}, None),
    ("adminListUsers", "200", "adminUnlockUser", {"user_id": _FIRST}, None),
    ("adminListEQuestions", "200", "adminRespondEQuestion", {"question_id": _FIRST}, None),
    ("adminRespondEQuestion", "200", "adminListEQuestions", {"status": "$response.body#/status"}, None),
)


def _add_links(doc: dict[str, Any]) -> None:
    """Attach LINKS to their source responses; an unknown operation, status or parameter is a bug here."""
    ops = {op["operationId"]: op for item in doc.get("paths", {}).values() for op in item.values()}
    for source, status, target, parameters, body in LINKS:
        response = ops[source]["responses"][status]
        known = {p["name"] for p in ops[target].get("parameters", [])}
        unknown = set(parameters) - known
        if unknown or (body is not None and "requestBody" not in ops[target]):
            raise RuntimeError(f"link {source} {status} -> {target}: no such input {sorted(unknown) or 'body'}")
        link: dict[str, Any] = {"operationId": target}
        if parameters:
            link["parameters"] = parameters
        if body is not None:
            link["requestBody"] = body
        links = response.setdefault("links", {})
        if target in links:
            raise RuntimeError(f"link {source} {status} -> {target} is listed twice")
        links[target] = link


# Response headers the API sends (issue 16), declared once as `components/headers` and referenced from the responses
# that carry them. `X-Request-ID` is on every answer (app/observability.py RequestMiddleware) and `Retry-After` on
# every 429 and 503 (app/errors.py); the others only where a route writes them, listed in `SENT_HEADERS`.
HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "This request's id: the `X-Request-ID` sent (1-64 letters, digits, `.`, `_`, `-`) or one "
        "generated; problem documents repeat it as `request_id` and the server logs carry it",
        "required": True,
        "schema": {"type": "string"},
        "example": "9f1c2e7d4b6a48b0a1d3c5e7f9a0b2c4",
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again (RFC 9110 section 10.2.3)",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
        "example": 2,
    },
    "Location": {
        "description": "The path of the resource created (read it with GET)",
        "schema": {"type": "string"},
        "example": "/api/v1/prospects/42",
    },
    "ETag": {
        "description": 'The application\'s version as an entity tag (e.g. `"3"`): send it back as `If-Match` to save, '
        "or as `If-None-Match` to read (304 while it is current)",
        "schema": {"type": "string"},
        "example": '"3"',
    },
    "Content-Disposition": {
        "description": 'A download: `attachment; filename="<name>"`',
        "schema": {"type": "string"},
        "example": 'attachment; filename="application-1234.pdf"',
    },
}
EVERY_RESPONSE = ("X-Request-ID",)
RETRY_STATUSES = ("429", "503")
# (operationId, status) -> the headers its route writes besides the ones above (a route's own, more specific
# declaration of the same header is kept).
SENT_HEADERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("createProspect", "201"): ("Location",),
    ("createQuote", "201"): ("Location",),
    ("enrollFromQuote", "201"): ("Location",),
    ("createSavedReport", "201"): ("Location",),
    ("startApplication", "201"): ("ETag",),
    ("getApplication", "200"): ("ETag",),
    ("getApplication", "304"): ("ETag",),
    ("saveApplicationSection", "200"): ("ETag",),
    ("exportProspects", "200"): ("Content-Disposition",),
    ("printProspects", "200"): ("Content-Disposition",),
    ("runReport", "200"): ("Content-Disposition",),
    ("runSavedReport", "200"): ("Content-Disposition",),
    ("getTemporaryIdCardPdf", "200"): ("Content-Disposition",),
    ("getApplicationPdf", "200"): ("Content-Disposition",),
}


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/headers/{name}"}


def _declare_headers(doc: dict[str, Any]) -> None:
    """Reference `HEADERS` from every response that sends them; an unknown operation or status is a bug here."""
    doc.setdefault("components", {})["headers"] = {name: dict(header) for name, header in HEADERS.items()}
    ops = {op["operationId"]: op for item in doc.get("paths", {}).values() for op in item.values()}
    for (operation_id, status), names in SENT_HEADERS.items():
        response = ops[operation_id]["responses"][status]  # KeyError: SENT_HEADERS names a response that is not there
        headers = response.setdefault("headers", {})
        for name in names:
            headers.setdefault(name, _header_ref(name))
    for op in ops.values():
        for status, response in op["responses"].items():
            headers = response.setdefault("headers", {})
            if status in RETRY_STATUSES:
                headers.setdefault("Retry-After", _header_ref("Retry-After"))
            for name in EVERY_RESPONSE:
                headers.setdefault(name, _header_ref(name))
            response["headers"] = dict(sorted(headers.items()))


TOKEN_PATH = "/api/v1/auth/token"
METRICS_SCHEME = "MetricsToken"


def public_base_url(settings: Settings) -> str | None:
    """`PORTAL_PUBLIC_BASE_URL` when it was set, else None: its default (`make run`'s address) is a guess, and an
    absolute URL that is wrong for the host actually serving `/docs` would send Swagger UI's calls cross-origin."""
    if "public_base_url" not in settings.model_fields_set:
        return None
    return settings.public_base_url.rstrip("/") or None


def _servers_and_security(doc: dict[str, Any], base_url: str | None) -> None:
    """`servers`, the token URL, and the security of the operations that need no bearer token (issue 16).

    With a known public base URL both are absolute (Postman and other importers get a base URL and a token URL
    that work); without one `servers` is `/` and the token URL stays relative, resolved against the origin that
    serves the document, so the same contract works on any host (the committed `openapi/openapi.json`)."""
    if base_url:
        doc["servers"] = [{"url": base_url, "description": "This deployment (PORTAL_PUBLIC_BASE_URL)"}]
    else:
        doc["servers"] = [
            {
                "url": "/",
                "description": "The origin serving this document; a deployment that sets PORTAL_PUBLIC_BASE_URL "
                "publishes its absolute base URL here and in the token URL",
            }
        ]
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] = (base_url or "") + TOKEN_PATH
    schemes[METRICS_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "`PORTAL_METRICS_TOKEN`: GET /metrics needs it in production; demo mode serves metrics openly",
    }
    for item in doc.get("paths", {}).values():
        for op in item.values():
            if op.get("operationId") == "metrics":
                op["security"] = [{}, {METRICS_SCHEME: []}]  # optional: open in demo mode
            else:
                op.setdefault("security", [])  # public: sign-in, token, recovery, registration, health


SECTION_PATH = "/api/v1/enrollments/{application_id}/{section}"


def _section_operations(doc: dict[str, Any]) -> None:
    """Issue 16: one documented operation per section path, each with its own request schema (the one route
    `PUT /enrollments/{application_id}/{section}` serves them all; its own operation stays, for existing clients)."""
    generic = doc["paths"][SECTION_PATH]["put"]
    for section, model in SECTION_MODELS.items():
        op = copy.deepcopy(generic)
        words = section.replace("-", " ").title().replace(" ", "")
        op["operationId"] = f"save{words}Section"
        op["summary"] = f"Save the {section} section"
        op["description"] = f"The `{section}` section of `{generic['operationId']}`, with its own request schema."
        op["parameters"] = [p for p in op.get("parameters", []) if p.get("name") != "section"]
        for response in op["responses"].values():
            response.pop("links", None)  # the links stay on the generic operation (one set, not seven)
        op["requestBody"]["content"]["application/json"]["schema"] = {"$ref": f"#/components/schemas/{model.__name__}"}
        doc["paths"][SECTION_PATH.replace("{section}", section)] = {"put": op}
    generic["description"] = (
        generic.get("description", "")
        + "\n\nEach section also has its own operation (`saveGeneralSection`, ... `saveSignaturesSection`) whose "
        "request schema is that section's."
    )


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The generated document, with every error response described as a problem document."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=getattr(app.state, "documented_routes", app.routes),  # app.main: hot routes match first
        tags=app.openapi_tags,
        webhooks=app.webhooks.routes,
    )
    _servers_and_security(doc, public_base_url(app.state.settings))
    for item in doc.get("webhooks", {}).values():  # what a receiver answers (FastAPI would add its 422 here)
        for op in item.values():
            op["responses"] = {"200": {"description": "Received: answer any 2xx; anything else is retried"}}
            op["tags"] = ["webhooks"]
            # no auth scheme on the receiver's side: it checks the `webhook-signature` header (Standard Webhooks)
            op["security"] = []
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for model in SECTION_MODELS.values():  # bodies parsed per section (PUT /enrollments/{id}/{section})
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas.setdefault(model.__name__, schema)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path, item in doc.get("paths", {}).items():
        for _method, op in item.items():
            responses = op.setdefault("responses", {})
            wanted = {"503"}
            if path.startswith("/api/"):
                wanted |= {"422"} if op.get("parameters") or op.get("requestBody") else set()
            if op.get("requestBody"):
                wanted |= {"400", "413", "415", "422"}  # 415: app/http_semantics.py
            if op.get("security"):
                wanted |= {"401"}
            for status in sorted(wanted):
                responses.setdefault(status, {"description": HTTP_TITLES.get(int(status), "Error")})
            for status, resp in responses.items():
                if status.startswith(("4", "5")):
                    # A route may name a more specific problem schema (the token endpoint's TokenProblem).
                    resp["content"] = {
                        PROBLEM_MEDIA_TYPE: (resp.get("content") or {}).get(PROBLEM_MEDIA_TYPE)
                        or _problem_content()[PROBLEM_MEDIA_TYPE]
                    }
                    resp.setdefault("description", HTTP_TITLES.get(int(status), "Error"))
            op["responses"] = dict(sorted(responses.items()))
    _add_links(doc)
    _declare_headers(doc)
    _section_operations(doc)
    app.openapi_schema = doc
    return doc
