"""Issue 15 "Messages speak to people": no message names an API path or a rule tag; the `code` carries that.

Scans the string literals of app/ that can reach a person (error details, success messages, emails), leaving out
docstrings, OpenAPI descriptions, route paths and the examples of the Link header.
"""

from __future__ import annotations

import re
import tokenize
from pathlib import Path

from app.deps import NOT_SIGNED_IN
from app.domain.accounts import PASSWORD_CHANGE_REQUIRED_MESSAGE
from app.domain.quotes import DELEGATE_ON_EXCHANGE
from app.services.client_enrollments import DELEGATE_CLIENTS

APP = Path(__file__).resolve().parents[2] / "app"
MACHINE_WORDS = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) /api/v1|\(R-[A-Z]+-\d|\bR-[A-Z]+-\d+[,)]")
NOT_OURS: set[str] = set()  # (API-key messages were once left out; they speak to people too now)


def _message_literals(path: Path) -> list[tuple[int, str]]:
    with path.open() as f:
        tokens = list(tokenize.generate_tokens(f.readline))
    found = []
    for i, tok in enumerate(tokens):
        if tok.type != tokenize.STRING or tok.string.lstrip("rbfRBF").startswith(('"""', "'''")):
            continue
        before = "".join(t.string for t in tokens[max(0, i - 4) : i])
        if "description" in before or "summary" in before:
            continue
        found.append((tok.start[0], tok.string))
    return found


def test_issue_15_messages_name_no_api_paths_or_rule_tags() -> None:
    offenders = [
        f"{path.relative_to(APP.parent)}:{line}: {text[:80]}"
        for path in sorted(APP.rglob("*.py"))
        if path.name not in NOT_OURS and path.name != "error_codes.py"  # the catalog's meanings document the rules
        for line, text in _message_literals(path)
        if MACHINE_WORDS.search(text)
    ]
    assert offenders == []


def test_issue_15_rewritten_messages_say_what_to_do() -> None:
    assert PASSWORD_CHANGE_REQUIRED_MESSAGE == (
        "You signed in with a temporary password. Change your password before doing anything else, entering the "
        "temporary password as your current password."
    )
    assert DELEGATE_ON_EXCHANGE.startswith("Delegates cannot enroll clients in on-exchange plans. Ask your producer")
    assert DELEGATE_CLIENTS.endswith("start a blank application or one from a quote.")  # no stray "({})"
    assert NOT_SIGNED_IN == "Sign in first, then try again."
