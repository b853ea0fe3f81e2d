"""Issue 12, finding 10 (R-BOOK-1, R-DOC-2, R-EQ-1, R-DEL-9): the pure rules behind the cross-book checks."""

from __future__ import annotations

import pytest

from app.domain.documents import DOCUMENT_TYPES, FILE_KINDS, Submission, check_references_in_book, e_app_references
from app.domain.e_questions import client_not_in_book, client_reference
from app.domain.errors import Forbidden, ValidationFailed
from app.domain.quotes import check_delegate_prospect, check_delegate_state


def submission(account: str | None, e_app: str | None) -> Submission:
    return Submission(
        document_type=DOCUMENT_TYPES[0],
        account_number=account,
        e_app_number=e_app,
        file_name="scan.pdf",
        kind=FILE_KINDS[0],
    )


def test_trust_10_document_references_must_be_in_the_book() -> None:
    check_references_in_book(submission(None, None), account_in_book=False, e_app_in_book=False)  # none given
    check_references_in_book(submission("730075112", "123"), account_in_book=True, e_app_in_book=True)
    with pytest.raises(ValidationFailed) as e_app:
        check_references_in_book(submission("730075112", "123"), account_in_book=True, e_app_in_book=False)
    assert e_app.value.code == "document.e_app_number_not_in_book"
    assert [(f.field, f.code) for f in e_app.value.errors] == [("e_app_number", "document.e_app_number_not_in_book")]
    with pytest.raises(ValidationFailed) as both:
        check_references_in_book(submission("730075112", "123"), account_in_book=False, e_app_in_book=False)
    assert {f.field for f in both.value.errors} == {"account_number", "e_app_number"}


def test_trust_10_an_e_app_number_names_a_policy_or_a_portal_application() -> None:
    assert e_app_references("0000000042") == ("0000000042", "0000000042")  # issue 14: one digit format


def test_trust_10_an_e_question_client_id_is_an_account_member_or_policy_number() -> None:
    ref = client_reference("73007511201")
    assert ref.client_id == "73007511201" and ref.member == ("730075112", "01")
    assert client_reference("AB12").member is None  # not a member ID: letters
    assert client_reference("12").member is None  # too short to hold an account number and a suffix
    error = client_not_in_book("730075112")
    assert error.code == "e_question.client_not_in_book" and error.errors[0].field == "client_id"
    assert client_not_in_book("1").message == error.message.replace("730075112", "1")  # the same words for any ID


def test_trust_10_delegates_quote_without_prospects_and_only_in_their_states() -> None:
    check_delegate_prospect(None)
    with pytest.raises(Forbidden) as prospect:
        check_delegate_prospect(7)
    assert prospect.value.code == "delegate_not_permitted" and "7" not in prospect.value.message
    check_delegate_state("IL", frozenset({"IL"}))
    with pytest.raises(Forbidden) as state:
        check_delegate_state("TX", frozenset({"IL", "WI"}))
    assert state.value.code == "quote.delegate_state_not_assigned"
    assert "TX" in state.value.message and "IL, WI" in state.value.message
