"""Document rules, pure: file kinds by content and name, the form, tracking numbers (R-DOC-1 .. R-DOC-3)."""

from __future__ import annotations

import pytest

from app.domain.documents import (
    DOCUMENT_TYPES,
    MAX_UPLOAD_BYTES,
    FileFacts,
    PayloadTooLarge,
    body_limit,
    check_file,
    check_submission,
    resolve_document_type,
    safe_file_name,
    sniff,
    too_large,
    tracking_number,
)
from app.domain.errors import ValidationFailed

HEADS = {
    "PDF": b"%PDF-1.7\n",
    "JPEG": b"\xff\xd8\xff\xdb",
    "PNG": b"\x89PNG\r\n\x1a\n",
    "GIF": b"GIF89a",
    "TIFF": b"MM\x00*",
    "BMP": b"BM6\x00",
}


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.4", "PDF"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"\x89PNG\r\n\x1a\n", "PNG"),
        (b"GIF87a", "GIF"),
        (b"GIF89a", "GIF"),
        (b"II*\x00", "TIFF"),
        (b"MM\x00*", "TIFF"),
        (b"BM", "BMP"),
    ],
)
def test_r_doc_1_magic_numbers_name_the_kind(head: bytes, kind: str) -> None:
    found = sniff(head + b"rest")
    assert found is not None and found.name == kind


@pytest.mark.parametrize(
    "head", [b"PK\x03\x04", b"MZ\x90\x00", b"\x89PNG\r\n", b"GIF88a", b"%PDF", b"II*", b"", b"hello", b"<html>"]
)
def test_r_doc_1_anything_else_is_no_kind(head: bytes) -> None:
    assert sniff(head) is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("a.pdf", "PDF"),
        ("A.PDF", "PDF"),
        ("a.jpg", "JPEG"),
        ("a.jpeg", "JPEG"),
        ("a.png", "PNG"),
        ("a.gif", "GIF"),
        ("a.tif", "TIFF"),
        ("a.tiff", "TIFF"),
        ("a.bmp", "BMP"),
        ("scan.final.Png", "PNG"),
    ],
)
def test_r_doc_1_content_and_extension_agree(name: str, kind: str) -> None:
    assert check_file(name, HEADS[kind], 10).name == kind


def test_r_doc_1_mismatch_names_both_sides() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_file("card.pdf", HEADS["PNG"], 10)
    assert e.value.code == "document.file_type_mismatch" and e.value.field == "file"
    assert e.value.message.startswith("The file's content is PNG but its name ends in .pdf")


@pytest.mark.parametrize(
    ("name", "head", "code"),
    [
        ("a.exe", b"MZ\x90\x00", "document.file_type_not_allowed"),
        ("a.pdf", b"PK\x03\x04", "document.file_type_not_allowed"),
        ("a.exe", HEADS["PDF"], "document.file_extension_not_allowed"),
        ("noextension", HEADS["PDF"], "document.file_extension_not_allowed"),
        ("a.pdf", b"", "document.file_empty"),
    ],
)
def test_r_doc_1_refusals_have_a_code(name: str, head: bytes, code: str) -> None:
    with pytest.raises(ValidationFailed) as e:
        check_file(name, head, len(head))
    assert e.value.code == code


def test_r_doc_1_the_cap_is_10_mb_and_the_body_may_carry_a_little_more() -> None:
    assert MAX_UPLOAD_BYTES == 10_485_760
    assert MAX_UPLOAD_BYTES < body_limit(MAX_UPLOAD_BYTES) <= MAX_UPLOAD_BYTES + 128 * 1024
    err = too_large(MAX_UPLOAD_BYTES)
    assert isinstance(err, PayloadTooLarge) and err.code == "document.too_large" and "10,485,760" in err.message


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("scan.pdf", "scan.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\scan.png", "scan.png"),
        ("a\x00b\x07c.pdf", "abc.pdf"),
        ("  ..hidden.pdf ", "hidden.pdf"),
        ("dir/", ""),
        ("..", ""),
    ],
)
def test_r_doc_1_only_a_clean_base_name_is_kept(raw: str, safe: str) -> None:
    assert safe_file_name(raw) == safe


def test_r_doc_1_long_names_keep_their_extension() -> None:
    name = safe_file_name("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


def test_r_doc_2_types_by_code_or_name() -> None:
    names = {t.name for t in DOCUMENT_TYPES}
    assert {
        "New Business Application",
        "Add Dependents",
        "HIPAA Authorization Forms",
        "Proof of Special Enrollment",
        "Change Request",
        "Other Documents",
    } <= names
    assert resolve_document_type("add_dependents").name == "Add Dependents"
    assert resolve_document_type("hipaa authorization forms").code == "hipaa_authorization_forms"
    with pytest.raises(ValidationFailed) as e:
        resolve_document_type("Invoices")
    assert e.value.field == "document_type"


def test_r_doc_2_every_problem_of_the_form_at_once() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_submission({"account_number": "12", "e_app_number": "abc"}, None, unknown=["producer_id"])
    assert {(f.field, f.code) for f in e.value.errors} == {
        ("file", "document.file_required"),
        ("document_type", "document.type_required"),
        ("account_number", "document.account_number_invalid"),
        ("e_app_number", "document.e_app_number_invalid"),
        ("producer_id", "document.unknown_field"),
    }


def test_r_doc_2_an_oversized_field_is_named_once() -> None:
    with pytest.raises(ValidationFailed) as e:
        check_submission({"document_type": "x" * 1024}, FileFacts("x.pdf", HEADS["PDF"], 9), too_long=["document_type"])
    assert [(f.field, f.code) for f in e.value.errors] == [("document_type", "document.field_too_long")]


def test_r_doc_2_optional_numbers_empty_means_absent() -> None:
    sub = check_submission(
        {"document_type": "Other Documents", "account_number": " ", "e_app_number": ""},
        FileFacts("../x.PDF", HEADS["PDF"], 9),
    )
    assert (sub.account_number, sub.e_app_number, sub.file_name) == (None, None, "x.PDF")
    assert sub.kind.content_type == "application/pdf" and sub.document_type.code == "other_documents"
    sub = check_submission(
        {"document_type": "other_documents", "account_number": "730075112", "e_app_number": "1" * 20},
        FileFacts("x.pdf", HEADS["PDF"], 9),
    )
    assert (sub.account_number, sub.e_app_number) == ("730075112", "1" * 20)


def test_r_doc_3_tracking_numbers_are_numeric_and_follow_the_row() -> None:
    assert tracking_number(1) == "195001" and tracking_number(108) == "195108"
    assert int(tracking_number(2)) > int(tracking_number(1))
