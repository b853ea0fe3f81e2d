"""E-question schemas (R-EQ-1 .. R-EQ-4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.domain.e_questions import (
    CLIENT_ID_MAX,
    NAME_MAX,
    QUESTION_MAX,
    RESPONSE_MAX,
    SUBJECT_MAX,
    EQuestionKind,
    EQuestionStatus,
)
from app.schemas.common import StrictModel

Name = Annotated[str | None, Field(max_length=NAME_MAX)]


class EQuestionCreate(StrictModel):
    """A general question needs subject and question only (client fields absent or null); a member-specific
    one also the client's first name, last name and client id (middle initial optional)."""

    kind: EQuestionKind
    subject: Annotated[str, Field(min_length=1, max_length=SUBJECT_MAX, examples=["Needs ID Card"])]
    question: Annotated[str, Field(min_length=1, max_length=QUESTION_MAX, description="At most 1,000 characters")]
    client_first_name: Name = None
    client_middle_initial: Annotated[str | None, Field(max_length=1, pattern=r"^[A-Za-z]?$")] = None
    client_last_name: Name = None
    client_id: Annotated[
        str | None, Field(max_length=CLIENT_ID_MAX, pattern=r"^[A-Za-z0-9]*$", examples=["1231231234"])
    ] = None


class EQuestionRead(BaseModel):
    id: int
    tracking_number: str = Field(examples=["EQU29960"])
    kind: EQuestionKind
    subject: str
    question: str
    status: EQuestionStatus = Field(description='"In Progress" until the carrier answers, then "Responded"')
    submitted_at: datetime
    responded_at: datetime | None
    response: str | None
    client_id: str | None
    client_name: str | None = Field(description="First name, middle initial and last name", examples=["Jane Doe"])
    client_first_name: str | None
    client_middle_initial: str | None
    client_last_name: str | None


class EQuestionRow(EQuestionRead):
    number: int = Field(description='The "#" column: position in the list, 1 = newest')


class EQuestionAdminRead(EQuestionRead):
    producer_id: int = Field(description="Who asked (the producer of record)")
    responded_by_id: int | None


class EQuestionResponseCreate(StrictModel):
    response: Annotated[str, Field(min_length=1, max_length=RESPONSE_MAX)]
