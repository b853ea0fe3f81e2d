"""Standard HTTP semantics shared by the routes (issue 16): request media types (415) and entity tags for
conditional requests (`If-Match` 412, `If-None-Match` 304).

Request bodies: an operation that reads JSON accepts `application/json` (any parameters, e.g. `charset`) and
`application/*+json`; a body without a `Content-Type` is read as JSON too (RFC 9110 section 8.3 lets the
recipient examine the data; bearer tokens, not cookies, so no cross-site form can ride on it). Any other media
type is refused with 415 before the body is looked at. The sign-in form (`/auth/token`) accepts
`application/x-www-form-urlencoded` and `multipart/form-data`. Document uploads check their own media type.
"""

from __future__ import annotations

import email.message
import re
from typing import Any, Literal

from fastapi import Request

from app.domain.errors import UnsupportedContentType

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def declared_media_type(route: Any) -> str | None:
    """The media type an operation reads its body in: its body model's (JSON or a form), or the one documented
    in `openapi_extra` by a route that reads its body itself (application sections, uploads)."""
    body_field = getattr(route, "body_field", None)
    if body_field is not None:
        return str(getattr(body_field.field_info, "media_type", JSON))
    content = ((getattr(route, "openapi_extra", None) or {}).get("requestBody") or {}).get("content") or {}
    if JSON in content:
        return JSON
    return next(iter(content), None)


def media_type_of(content_type: str) -> str:
    """`type/subtype` of a Content-Type value, lower-cased, parameters dropped (`text/plain` when unparsable)."""
    message = email.message.Message()
    message["content-type"] = content_type
    return message.get_content_type()


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # read as JSON: see the module docstring
    media = media_type_of(content_type)
    maintype, _, subtype = media.partition("/")
    return maintype == "application" and (subtype == "json" or subtype.endswith("+json"))


def _has_body(request: Request) -> bool:
    return request.headers.get("content-length", "0") != "0" or "transfer-encoding" in request.headers


async def require_declared_media_type(request: Request) -> None:
    """415 for a body in a media type the operation does not read (before its body is validated, before auth)."""
    if request.method not in _BODY_METHODS or not _has_body(request):
        return
    declared = declared_media_type(request.scope.get("route"))
    content_type = request.headers.get("content-type")
    if declared == JSON and not is_json(content_type):
        raise UnsupportedContentType(
            f"This operation reads JSON: send the body as 'Content-Type: {JSON}' (not {content_type!r}).",
            extra={"accepted_media_types": [JSON, "application/*+json"]},
        )
    if declared == FORM and (not content_type or media_type_of(content_type) not in (FORM, MULTIPART)):
        raise UnsupportedContentType(
            f"This operation reads a form: send the body as 'Content-Type: {FORM}'"
            + (f" (not {content_type!r})." if content_type else "."),
            extra={"accepted_media_types": [FORM, MULTIPART]},
        )


# --- entity tags (RFC 9110 section 8.8.3) ---------------------------------------------------------------------

# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; a bare version number (`3`) is accepted too, as it always was.
_TAG = r'(?:W/)?(?:"[\x21\x23-\x7e\x80-\xff]*"|[0-9]+)'
_TAG_LIST = re.compile(rf"\s*{_TAG}(?:\s*,\s*{_TAG})*\s*")
_ONE_TAG = re.compile(r"(?:W/)?(?:\"([\x21\x23-\x7e\x80-\xff]*)\"|([0-9]+))")


def parse_entity_tags(value: str) -> Literal["*"] | list[str] | None:
    """`*`, or the opaque tags of a list (weak or strong, quotes removed), or None when it is not a valid list.

    Weak tags compare like strong ones: our tags are exact versions, and a compressing proxy may weaken them on
    the way to the client."""
    if value.strip() == "*":
        return "*"
    if not _TAG_LIST.fullmatch(value):
        return None
    return [quoted or bare for quoted, bare in _ONE_TAG.findall(value)]


def etag(version: int) -> str:
    return f'"{version}"'
