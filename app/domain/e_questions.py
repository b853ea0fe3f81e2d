"""E-question rules, pure (R-EQ-1 .. R-EQ-4): what a general and a member-specific question need, tracking
numbers, the answer, and the email that tells the producer an answer is in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime
from enum import StrEnum

from app.domain.errors import Conflict, ErrorCollector, FieldError, ValidationFailed
from app.domain.messages import SIGN_OFF, Message

SUBJECT_MAX = 200
QUESTION_MAX = 1000  # R-EQ-2
RESPONSE_MAX = 4000
NAME_MAX = 100
CLIENT_ID_MAX = 20
TRACKING_PREFIX = "EQU"  # R-EQ-3
TRACKING_OFFSET = 30_000  # the guide's numbers run in the tens of thousands (EQU29960)

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9]{1,20}$")
CLIENT_FIELDS = ("client_first_name", "client_middle_initial", "client_last_name", "client_id")


class EQuestionKind(StrEnum):
    general = "general"
    member_specific = "member_specific"


class EQuestionStatus(StrEnum):
    in_progress = "In Progress"
    responded = "Responded"


@dataclass(frozen=True)
class EQuestionDraft:
    kind: EQuestionKind
    subject: str
    question: str
    client_first_name: str | None = None
    client_middle_initial: str | None = None
    client_last_name: str | None = None
    client_id: str | None = None


def check_e_question(draft: EQuestionDraft) -> EQuestionDraft:
    """R-EQ-1/2: subject and question always (question at most 1,000 characters); a member-specific question
    also names the client (first and last name, client id; middle initial optional, one letter). A general
    question carries no client fields. Returns the draft trimmed; every problem is reported at once.
    """
    cleaned, errors = _check_fields({f.name: getattr(draft, f.name) for f in fields(draft)})
    errors.raise_if_any()
    mi = cleaned["client_middle_initial"]
    return replace(
        draft,
        subject=cleaned["subject"] or "",
        question=cleaned["question"] or "",
        client_first_name=cleaned["client_first_name"],
        client_middle_initial=mi.upper() if mi else None,
        client_last_name=cleaned["client_last_name"],
        client_id=cleaned["client_id"],
    )


def e_question_field_errors(values: Mapping[str, object]) -> list[FieldError]:
    """R-EQ-1/2 on the fields sent only, as `check_e_question` applies them: for a body whose other fields the
    request schema refused (issue 16: one pass). Without a readable `kind` the client fields are not judged."""
    return _check_fields(values)[1].errors


def _check_fields(values: Mapping[str, object]) -> tuple[dict[str, str | None], ErrorCollector]:
    """R-EQ-1/2 on the fields present in `values`: their trimmed values (None: empty) and every problem."""
    errors = ErrorCollector()
    cleaned = {
        f: (str(values[f]).strip() or None) if values.get(f) is not None else None
        for f in ("subject", "question", *CLIENT_FIELDS)
    }
    subject, question = cleaned["subject"], cleaned["question"]
    if "subject" in values and not subject:
        errors.add("subject", "e_question.subject_required", "Enter a subject.")
    elif subject and len(subject) > SUBJECT_MAX:
        errors.add("subject", "e_question.subject_too_long", f"The subject can be at most {SUBJECT_MAX} characters.")
    if "question" in values and not question:
        errors.add("question", "e_question.question_required", "Enter your question.")
    elif question and len(question) > QUESTION_MAX:
        errors.add(
            "question",
            "e_question.question_too_long",
            f"The question can be at most {QUESTION_MAX:,} characters; it has {len(question):,}.",
        )
    kind = values.get("kind")
    if kind == EQuestionKind.general:
        for f in CLIENT_FIELDS:
            if cleaned[f] is not None:
                errors.add(
                    f,
                    "e_question.not_for_general",
                    "A general e-question is not about a member: leave the client fields out, or choose "
                    "a member-specific e-question.",
                )
    elif kind == EQuestionKind.member_specific:
        for f, label in (
            ("client_first_name", "the client's first name"),
            ("client_last_name", "the client's last name"),
            ("client_id", "the client ID"),
        ):
            if cleaned[f] is None:
                errors.add(f, "e_question.client_required", f"A member-specific e-question needs {label}.")
        for f in ("client_first_name", "client_last_name"):
            if cleaned[f] is not None and len(cleaned[f] or "") > NAME_MAX:
                errors.add(f, "e_question.name_too_long", f"A name can be at most {NAME_MAX} characters.")
        mi = cleaned["client_middle_initial"]
        if mi is not None and not (len(mi) == 1 and mi.isalpha()):
            errors.add(
                "client_middle_initial",
                "e_question.middle_initial_invalid",
                "The middle initial is one letter (or leave it empty).",
            )
        cid = cleaned["client_id"]
        if cid is not None and not CLIENT_ID_RE.match(cid):
            errors.add(
                "client_id",
                "e_question.client_id_invalid",
                f"The client ID is up to {CLIENT_ID_MAX} letters and digits, as on the member's ID card.",
            )
    return cleaned, errors


@dataclass(frozen=True)
class ClientReference:
    """What a member-specific question's client ID may name (R-EQ-1): the client's account number, a member ID
    as on the ID card (the account number and the member's two-digit suffix, R-ID-5, without the dash), or a
    policy's e-app number or client app id."""

    client_id: str
    member: tuple[str, str] | None  # (account number, suffix) when the ID can be a member ID


def client_reference(client_id: str) -> ClientReference:
    member = (client_id[:-2], client_id[-2:]) if client_id.isdigit() and len(client_id) > 2 else None
    return ClientReference(client_id, member)


def client_not_in_book(client_id: str) -> ValidationFailed:
    """R-BOOK-1 (issue 12, finding 10): a member-specific question is about a client of the caller's book. The
    words are the same whether the ID is another producer's client or nobody's."""
    return ValidationFailed(
        f"Client ID {client_id} is not a client in your book of business. Use the account number, the member ID "
        "from the ID card (without the dash) or the policy's e-app number, or ask a general e-question.",
        code="e_question.client_not_in_book",
        field="client_id",
    )


def tracking_number(row_id: int) -> str:
    """R-EQ-3: `EQU<digits>`, unique."""
    return f"{TRACKING_PREFIX}{TRACKING_OFFSET + row_id}"


def client_name(first: str | None, middle_initial: str | None, last: str | None) -> str | None:
    """R-EQ-4: "Jane Q Doe" for the list; None for a general question."""
    parts = [p for p in (first, middle_initial, last) if p]
    return " ".join(parts) or None


@dataclass(frozen=True)
class Answer:
    status: EQuestionStatus
    response: str
    responded_at: datetime


def answer(*, status: str, deleted: bool, response: str, now: datetime) -> Answer:
    """R-EQ-3: an answer sets "Responded" and the time; a question is answered once, and not after the
    producer deleted it."""
    if deleted:
        raise Conflict("The producer deleted this e-question; it can no longer be answered.", code="e_question.deleted")
    if status == EQuestionStatus.responded:
        raise Conflict("This e-question was already answered.", code="e_question.already_answered")
    text = response.strip()
    if not text:
        raise ValidationFailed("Enter the response.", code="e_question.response_required", field="response")
    return Answer(EQuestionStatus.responded, text, now)


def e_question_answered(first_name: str, tracking: str, subject: str) -> Message:
    """R-EQ-3: tells the producer an answer is in (the answer itself stays in the portal: it may hold PHI)."""
    return Message(
        "e_question_responded",
        f"Retail Producer Portal E-Question Response #{tracking}",
        f'Hello {first_name},\n\nYour E-Question #{tracking} ("{subject}") has been answered. Sign in to the '
        "Retail Producer Portal and open My E-Questions on the E-Communication tab to read the response.\n\n"
        + SIGN_OFF,
    )
