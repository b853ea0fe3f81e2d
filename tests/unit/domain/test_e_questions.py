"""E-question rules, pure (R-EQ-1 .. R-EQ-4)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.e_questions import (
    EQuestionDraft,
    EQuestionKind,
    EQuestionStatus,
    answer,
    check_e_question,
    client_name,
    e_question_answered,
    tracking_number,
)
from app.domain.errors import Conflict, ValidationFailed

NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)


def draft(kind: EQuestionKind = EQuestionKind.general, **kw: str | None) -> EQuestionDraft:
    values: dict = {"subject": "Having RPP Issues", "question": "Why?", **kw}
    return EQuestionDraft(kind=kind, **values)


def fields_of(exc: ValidationFailed) -> set[str]:
    return {e.field for e in exc.errors}


def test_r_eq_1_general_needs_subject_and_question() -> None:
    checked = check_e_question(draft(subject="  Hi  ", question=" Why? "))
    assert (checked.subject, checked.question, checked.client_id) == ("Hi", "Why?", None)
    with pytest.raises(ValidationFailed) as e:
        check_e_question(draft(subject=" ", question=""))
    assert fields_of(e.value) == {"subject", "question"}


def test_r_eq_1_general_question_has_no_client_fields() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_e_question(draft(client_first_name="Jane", client_id="123"))
    assert fields_of(e.value) == {"client_first_name", "client_id"}
    assert check_e_question(draft(client_first_name="", client_id=None)).client_first_name is None


def test_r_eq_1_member_specific_needs_first_last_and_client_id_middle_initial_optional() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_e_question(draft(EQuestionKind.member_specific))
    assert fields_of(e.value) == {"client_first_name", "client_last_name", "client_id"}
    ok = check_e_question(
        draft(
            EQuestionKind.member_specific,
            client_first_name=" Jane ",
            client_last_name="Doe",
            client_id="1231231234",
            client_middle_initial="q",
        )
    )
    assert (ok.client_first_name, ok.client_middle_initial, ok.client_id) == ("Jane", "Q", "1231231234")
    assert (
        check_e_question(
            draft(EQuestionKind.member_specific, client_first_name="Jane", client_last_name="Doe", client_id="1")
        ).client_middle_initial
        is None
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("client_middle_initial", "AB"), ("client_middle_initial", "1"), ("client_id", "12-34"), ("client_id", "1" * 21)],
)
def test_r_eq_1_bad_client_values(field: str, value: str) -> None:
    base = {"client_first_name": "Jane", "client_last_name": "Doe", "client_id": "123", field: value}
    with pytest.raises(ValidationFailed) as e:
        check_e_question(draft(EQuestionKind.member_specific, **base))
    assert fields_of(e.value) == {field}


def test_r_eq_2_question_at_most_1000_characters() -> None:
    assert len(check_e_question(draft(question="x" * 1000)).question) == 1000
    with pytest.raises(ValidationFailed) as e:
        check_e_question(draft(question="x" * 1001))
    assert e.value.code == "e_question.question_too_long" and fields_of(e.value) == {"question"}
    assert "1,000" in e.value.message


def test_r_eq_3_tracking_number_is_equ_digits() -> None:
    assert tracking_number(1) == "EQU30001"
    assert tracking_number(5).startswith("EQU") and tracking_number(5)[3:].isdigit()


def test_r_eq_3_answer_once_sets_responded_and_the_time() -> None:
    result = answer(status="In Progress", deleted=False, response="  Done. ", now=NOW)
    assert (result.status, result.response, result.responded_at) == (EQuestionStatus.responded, "Done.", NOW)
    with pytest.raises(Conflict) as e:
        answer(status="Responded", deleted=False, response="Again", now=NOW)
    assert e.value.code == "e_question.already_answered"
    with pytest.raises(Conflict) as e:
        answer(status="In Progress", deleted=True, response="Late", now=NOW)
    assert e.value.code == "e_question.deleted"
    with pytest.raises(ValidationFailed):
        answer(status="In Progress", deleted=False, response="   ", now=NOW)


def test_r_eq_3_the_email_says_an_answer_is_in_without_the_answer() -> None:
    msg = e_question_answered("Dana", "EQU30001", "Needs ID Card")
    assert msg.template == "e_question_responded" and "EQU30001" in msg.subject
    assert "Hello Dana" in msg.body and "My E-Questions" in msg.body


def test_r_eq_4_client_name_for_the_list() -> None:
    assert client_name("Jane", "Q", "Doe") == "Jane Q Doe"
    assert client_name("Jane", None, "Doe") == "Jane Doe"
    assert client_name(None, None, None) is None
