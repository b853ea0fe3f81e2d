"""Document submission rules, pure (R-DOC-1 .. R-DOC-4): allowed file kinds by content and name, the form,
document types, tracking numbers. Standard library only; the HTTP and storage details live elsewhere.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.domain.errors import DomainError, ErrorCollector, ValidationFailed

# R-DOC-1: 10 MB (10,485,760 bytes) is the file cap; the body may carry a little more (part headers, fields).
MAX_UPLOAD_BYTES = 10_485_760
MULTIPART_OVERHEAD_BYTES = 64 * 1024
MAX_FIELD_BYTES = 1024
MAX_PARTS = 8
SNIFF_BYTES = 8
MAX_FILE_NAME = 255
# R-DOC-3: numeric tracking numbers in the carrier's range (the guide shows 194979 .. 195108).
TRACKING_OFFSET = 195_000

ACCOUNT_NUMBER_RE = re.compile(r"^\d{5,12}$")
E_APP_NUMBER_RE = re.compile(r"^\d{1,20}$")
FORM_FIELDS = ("file", "document_type", "account_number", "e_app_number")


@dataclass(frozen=True)
class FileKind:
    """An allowed file kind: what its content starts with and the names it may carry (R-DOC-1)."""

    name: str
    content_type: str
    extensions: tuple[str, ...]
    signatures: tuple[bytes, ...]


FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("PDF", "application/pdf", ("pdf",), (b"%PDF-",)),
    FileKind("JPEG", "image/jpeg", ("jpg", "jpeg"), (b"\xff\xd8\xff",)),
    FileKind("PNG", "image/png", ("png",), (b"\x89PNG\r\n\x1a\n",)),
    FileKind("GIF", "image/gif", ("gif",), (b"GIF87a", b"GIF89a")),
    FileKind("TIFF", "image/tiff", ("tif", "tiff"), (b"II*\x00", b"MM\x00*")),
    FileKind("BMP", "image/bmp", ("bmp",), (b"BM",)),
)
ALLOWED_EXTENSIONS = tuple(ext for kind in FILE_KINDS for ext in kind.extensions)
ALLOWED_LIST = "PDF, JPG, JPEG, PNG, GIF, TIF, TIFF or BMP"


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str


# R-DOC-2: the fixed list of the "Document Type" drop-down.
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("new_business_application", "New Business Application"),
    DocumentType("add_dependents", "Add Dependents"),
    DocumentType("hipaa_authorization_forms", "HIPAA Authorization Forms"),
    DocumentType("proof_of_special_enrollment", "Proof of Special Enrollment"),
    DocumentType("change_request", "Change Request"),
    DocumentType("termination_request", "Termination Request"),
    DocumentType("address_change", "Address Change"),
    DocumentType("payment_authorization", "Payment Authorization"),
    DocumentType("other_documents", "Other Documents"),
)
_TYPES_BY_KEY = {key: t for t in DOCUMENT_TYPES for key in (t.code, t.name.lower())}
_TYPE_NAMES = {t.code: t.name for t in DOCUMENT_TYPES}


class PayloadTooLarge(DomainError):
    """R-DOC-1: the file (or the body carrying it) is over the cap (413)."""

    code = "document.too_large"
    title = "Content too large"


class UnsupportedMediaType(DomainError):
    """The upload was not sent as multipart/form-data (415)."""

    code = "document.unsupported_media_type"
    title = "Unsupported media type"


class MalformedUpload(DomainError):
    """The multipart body cannot be parsed (400)."""

    code = "document.malformed_body"
    title = "Bad request"


def too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than {max_bytes:,} bytes ({max_bytes / 1_048_576:g} MB), the most the portal accepts. "
        "Reduce the scan resolution or compress the PDF and submit it again."
    )


def body_limit(max_file_bytes: int) -> int:
    """The most a request body may carry: the file cap plus room for part headers and the small fields."""
    return max_file_bytes + MULTIPART_OVERHEAD_BYTES


def sniff(head: bytes) -> FileKind | None:
    """R-DOC-1: the kind the content says it is (magic numbers), or None when it is none we accept."""
    for kind in FILE_KINDS:
        if any(head.startswith(sig) for sig in kind.signatures):
            return kind
    return None


def safe_file_name(raw: str) -> str:
    """The client's file name reduced to a base name: no folders, no control characters, at most 255 long."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".").strip()
    if len(name) > MAX_FILE_NAME:
        stem, dot, ext = name.rpartition(".")
        name = stem[: MAX_FILE_NAME - len(ext) - 1] + dot + ext if dot and len(ext) <= 10 else name[:MAX_FILE_NAME]
    return name


def extension_of(file_name: str) -> str:
    _stem, dot, ext = file_name.rpartition(".")
    return ext.lower() if dot else ""


def check_file(file_name: str, head: bytes, size: int) -> FileKind:
    """R-DOC-1: a non-empty file whose content and name both say PDF, JPEG, PNG, GIF, TIFF or BMP, and agree."""
    if size == 0:
        raise ValidationFailed(
            "The file is empty. Choose the document's file again.", code="document.file_empty", field="file"
        )
    ext = extension_of(file_name)
    kind = sniff(head)
    if kind is None:
        raise ValidationFailed(
            f"The file's content is not a {ALLOWED_LIST} file. Only these file types can be submitted.",
            code="document.file_type_not_allowed",
            field="file",
        )
    if ext not in ALLOWED_EXTENSIONS:
        shown = f".{ext}" if ext else "no extension"
        raise ValidationFailed(
            f"The file name ends in {shown}; it must end in .pdf, .jpg, .jpeg, .png, .gif, .tif, .tiff or .bmp.",
            code="document.file_extension_not_allowed",
            field="file",
        )
    if ext not in kind.extensions:
        raise ValidationFailed(
            f"The file's content is {kind.name} but its name ends in .{ext}. Rename the file or choose the right one.",
            code="document.file_type_mismatch",
            field="file",
        )
    return kind


def resolve_document_type(value: str) -> DocumentType:
    """R-DOC-2: a code or a name from the fixed list (names in any case)."""
    found = _TYPES_BY_KEY.get(value.strip()) or _TYPES_BY_KEY.get(value.strip().lower())
    if found is None:
        raise ValidationFailed(
            f"'{value[:60]}' is not a document type. Choose one of: {', '.join(t.name for t in DOCUMENT_TYPES)}.",
            code="document.type_unknown",
            field="document_type",
        )
    return found


def document_type_name(code: str) -> str:
    return _TYPE_NAMES.get(code, code)


@dataclass(frozen=True)
class FileFacts:
    """What the stream told us about the file part: the client's name, the first bytes and the size."""

    file_name: str
    head: bytes
    size: int


@dataclass(frozen=True)
class Submission:
    """A checked submission: the form's fields and the file's kind and safe name."""

    document_type: DocumentType
    account_number: str | None
    e_app_number: str | None
    file_name: str
    kind: FileKind


def check_submission(
    fields: dict[str, str],
    file: FileFacts | None,
    *,
    unknown: list[str] | None = None,
    too_long: list[str] | None = None,
) -> Submission:
    """R-DOC-1/2: a file of an allowed kind, a document type from the list; account number and e-app number
    optional (empty means not given). Every problem is reported at once, each with its field.
    """
    errors = ErrorCollector()
    too_long_fields = set(too_long or [])
    for name in unknown or []:
        errors.add(
            name[:60],
            "document.unknown_field",
            f"'{name[:60]}' is not a field of this form; send file, document_type, account_number and "
            "e_app_number only.",
        )
    for name in sorted(too_long_fields):
        errors.add(name, "document.field_too_long", f"{name} is longer than {MAX_FIELD_BYTES} bytes.")
    file_name = ""
    kind: FileKind | None = None
    if file is None:
        errors.add("file", "document.file_required", "Choose a file to submit (form field 'file').")
    else:
        file_name = safe_file_name(file.file_name)
        if not file_name:
            errors.add(
                "file",
                "document.file_name_required",
                "The file part has no file name; send it as a file (with a filename) such as scan.pdf.",
            )
        else:
            try:
                kind = check_file(file_name, file.head, file.size)
            except ValidationFailed as exc:
                errors.add("file", exc.code, exc.message)
    doc_type: DocumentType | None = None
    raw_type = fields.get("document_type", "").strip()
    if not raw_type:
        errors.add("document_type", "document.type_required", "Select a document type.")
    elif "document_type" not in too_long_fields:
        try:
            doc_type = resolve_document_type(raw_type)
        except ValidationFailed as exc:
            errors.add("document_type", exc.code, exc.message)
    account = fields.get("account_number", "").strip() or None
    if account is not None and "account_number" not in too_long_fields and not ACCOUNT_NUMBER_RE.match(account):
        errors.add(
            "account_number",
            "document.account_number_invalid",
            "An account number is 5 to 12 digits; leave it empty if there is none.",
        )
    e_app = fields.get("e_app_number", "").strip() or None
    if e_app is not None and "e_app_number" not in too_long_fields and not E_APP_NUMBER_RE.match(e_app):
        errors.add(
            "e_app_number",
            "document.e_app_number_invalid",
            "An e-app number is up to 20 digits; leave it empty if there is none.",
        )
    errors.raise_if_any()
    assert doc_type is not None and kind is not None
    return Submission(
        document_type=doc_type, account_number=account, e_app_number=e_app, file_name=file_name, kind=kind
    )


ACCOUNT_NOT_IN_BOOK = "Account {} is not in your book of business. Check the number, or leave it empty."
E_APP_NOT_IN_BOOK = "E-app number {} is not one of your applications or policies. Check the number, or leave it empty."


def e_app_references(e_app_number: str) -> tuple[str, str]:
    """What an e-app number names, as member search reads it (R-MEM-3): a policy's e-app number, or the record
    number of an application started in the portal (the same digits since issue 14, R-ENR-15)."""
    return e_app_number, e_app_number


def check_references_in_book(sub: Submission, *, account_in_book: bool, e_app_in_book: bool) -> None:
    """R-DOC-2 / R-BOOK-1 (issue 12, finding 10): an account number or e-app number given must be in the
    caller's book. Both are reported at once; the words are the same whether the number is someone else's or
    nobody's, so the answer tells nothing about other books."""
    errors = ErrorCollector()
    if sub.account_number is not None and not account_in_book:
        errors.add("account_number", "document.account_not_in_book", ACCOUNT_NOT_IN_BOOK.format(sub.account_number))
    if sub.e_app_number is not None and not e_app_in_book:
        errors.add("e_app_number", "document.e_app_number_not_in_book", E_APP_NOT_IN_BOOK.format(sub.e_app_number))
    errors.raise_if_any("The account number and the e-app number are not in your book of business.")


def tracking_number(row_id: int) -> str:
    """R-DOC-3: numeric, unique, increasing."""
    return str(TRACKING_OFFSET + row_id)
