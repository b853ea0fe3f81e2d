"""Input hygiene, written once for every route (issue 12, findings 3 and 8).

Every query parameter, path, form field and JSON string is checked before any route sees it:
- NUL and the other C0 control characters (and DEL) are refused with 422 naming the field. Tab, CR and LF are
  allowed in bodies (a question's text may have line breaks; a field's own pattern refuses them where it must);
  query parameters and paths allow none.
- JSON nested deeper than a limit is refused with 422 (a deep document would exhaust the parser's or the
  validator's recursion and answer 500).

Pure functions over already-decoded values: the ASGI middleware in `app/observability.py` feeds them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

# C0 controls and DEL; tab (\x09), LF (\x0a) and CR (\x0d) are split out so bodies may keep them.
_CONTROL_STRICT = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BODY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A JSON text can carry a control character only as an escape (\u0000 .. \u001f, \u007f, \b, \f): raw ones are
# invalid JSON. Bodies without any of these (nearly all) are not walked for strings.
_JSON_CONTROL_ESCAPE = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u007[fF]|[bf])")


@dataclass(frozen=True)
class InputProblem:
    """Why an input is refused: the field (dotted path as in validation errors) and a sentence a person can act on."""

    field: str
    code: str
    message: str


def _control_problem(field: str) -> InputProblem:
    return InputProblem(
        field=field,
        code="control_character",
        message="must not contain control characters (such as NUL); remove them and try again",
    )


def check_path(path: str) -> InputProblem | None:
    if _CONTROL_STRICT.search(path):
        return _control_problem("path")
    return None


def check_query(query_string: bytes) -> InputProblem | None:
    if not query_string:
        return None
    text = query_string.decode("latin-1")
    if "%" not in text and not _CONTROL_STRICT.search(text):
        return None
    for key, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"):
        if _CONTROL_STRICT.search(key):
            return _control_problem("query")
        if _CONTROL_STRICT.search(value):
            return _control_problem(key)
    return None


def check_form(body: bytes) -> InputProblem | None:
    """application/x-www-form-urlencoded fields (sign-in)."""
    for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace"):
        if _CONTROL_STRICT.search(key):
            return _control_problem("body")
        if _CONTROL_BODY.search(value):
            return _control_problem(key)
    return None


def check_json(body: bytes, *, max_depth: int) -> InputProblem | None:
    """A JSON body: nesting depth and control characters in any string (keys included).

    Bodies that are not valid JSON are left to the route, which answers 400 `malformed_json`.
    """
    if not body or (body.count(b"[") + body.count(b"{") <= max_depth and not _JSON_CONTROL_ESCAPE.search(body)):
        return None
    try:
        doc = json.loads(body)
    except RecursionError:
        return _too_deep("body", max_depth)
    except ValueError:
        return None
    return _walk(doc, max_depth)


def _too_deep(field: str, max_depth: int) -> InputProblem:
    return InputProblem(
        field=field,
        code="too_deep",
        message=f"is nested more than {max_depth} levels deep; no field of this API needs that",
    )


def _walk(doc: Any, max_depth: int) -> InputProblem | None:
    """Iterative (a recursive walk is what a deep document would break)."""
    stack: list[tuple[Any, tuple[str, ...], int]] = [(doc, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        field = ".".join(path) or "body"
        if isinstance(value, str):
            if _CONTROL_BODY.search(value):
                return _control_problem(field)
        elif isinstance(value, dict | list):
            if depth >= max_depth:
                return _too_deep(field, max_depth)
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in items:
                if isinstance(key, str) and _CONTROL_STRICT.search(key):
                    return _control_problem(field)
                stack.append((child, (*path, str(key)), depth + 1))
    return None
