# ruff: noqa: E501 - one entry a line: the meanings are the API's own messages
"""The error catalog: every `code` a problem document (and each of its `errors[]`) can carry, with its status and
meaning. The contract lists these codes as enums (`Problem.code`, `FieldError.code`) and `/docs/errors` publishes the
table. A code the code base raises and this table lacks fails tests/contract/test_error_catalog.py, and every problem
an API test receives is checked against it (tests/conftest.py), so the catalog cannot drift from what is answered.

`meaning` is the message the API gives (with `…` where it names the value or the object).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    statuses: tuple[int, ...]
    meaning: str


# One vocabulary for field errors: what the request schema finds (pydantic's error types) is answered with the same
# plain codes a person reads in the rest of the API, with a message to act on (not the library's wording).
REQUEST_FIELD_CODES: dict[str, tuple[str, str]] = {
    "missing": ("required", "This field is required."),
    "extra_forbidden": ("unknown_field", "This field is not part of the request; remove it (check its spelling)."),
    "string_pattern_mismatch": ("invalid_format", "This value does not have the expected format."),
    "string_too_short": ("too_short", "This value is too short."),
    "string_too_long": ("too_long", "This value is too long."),
    "too_short": ("too_short", "This list has too few items."),
    "too_long": ("too_long", "This list has too many items."),
    "string_type": ("invalid_type", "Send this value as text."),
    "int_parsing": ("invalid_number", "Enter a whole number."),
    "int_type": ("invalid_number", "Enter a whole number."),
    "int_from_float": ("invalid_number", "Enter a whole number."),
    "float_parsing": ("invalid_number", "Enter a number."),
    "float_type": ("invalid_number", "Enter a number."),
    "decimal_parsing": ("invalid_number", "Enter a number."),
    "decimal_type": ("invalid_number", "Enter a number."),
    "decimal_max_digits": ("invalid_number", "This number has too many digits."),
    "decimal_max_places": ("invalid_number", "This number has too many decimal places."),
    "bool_parsing": ("invalid_type", "Enter true or false."),
    "bool_type": ("invalid_type", "Enter true or false."),
    "date_parsing": ("invalid_date", "Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": ("invalid_date", "Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": ("invalid_date", "Enter a date as YYYY-MM-DD, without a time."),
    "date_type": ("invalid_date", "Enter a date as YYYY-MM-DD."),
    "datetime_parsing": ("invalid_date", "Enter a date and time (ISO 8601, e.g. 2026-11-30T09:00:00Z)."),
    "datetime_from_date_parsing": ("invalid_date", "Enter a date and time (ISO 8601, e.g. 2026-11-30T09:00:00Z)."),
    "datetime_type": ("invalid_date", "Enter a date and time (ISO 8601, e.g. 2026-11-30T09:00:00Z)."),
    "enum": ("invalid_choice", "Choose one of the listed values."),
    "literal_error": ("invalid_choice", "Choose one of the listed values."),
    "greater_than": ("out_of_range", "This value is too small."),
    "greater_than_equal": ("out_of_range", "This value is too small."),
    "less_than": ("out_of_range", "This value is too large."),
    "less_than_equal": ("out_of_range", "This value is too large."),
    "list_type": ("invalid_type", "Send a list."),
    "dict_type": ("invalid_type", "Send an object."),
    "model_type": ("invalid_type", "Send an object."),
    "model_attributes_type": ("invalid_type", "Send an object."),
    "union_tag_invalid": ("invalid_choice", "Choose one of the listed kinds."),
    "union_tag_not_found": ("required", "Say which kind this is."),
    "value_error": ("invalid", "This value is not valid."),
    "assertion_error": ("invalid", "This value is not valid."),
    "uuid_parsing": ("invalid_format", "Enter a UUID."),
    "url_parsing": ("invalid_format", "Enter a URL."),
    "json_invalid": ("malformed_json", "The request body is not valid JSON."),
}
FALLBACK_FIELD_CODE = ("invalid", "This value is not valid.")

CATALOG: dict[str, ErrorCode] = {
    "quote.coverage_excludes_dental": ErrorCode(
        (422,), "This quote is for medical coverage only: no dental plan can be selected."
    ),
    "quote.coverage_excludes_medical": ErrorCode(
        (422,), "This quote is for dental coverage only: no medical plan can be selected."
    ),
    "password.contains_username": ErrorCode((422,), "The password can't contain your username."),
    "account_inactive": ErrorCode((403,), "This account is inactive. Please call Producer Services for help."),
    "account_locked": ErrorCode((423,), "Too many failed sign-ins (423)."),
    "account_pending": ErrorCode(
        (403,),
        "Your registration has not been activated yet. You will receive a Registration Activation email within 1 business day of your request.",
    ),
    "bad_request": ErrorCode((400,), "The request cannot be read at all (400), e.g. malformed JSON."),
    "body_not_allowed": ErrorCode((422,), "… … takes no request body; send none (or {})."),
    "cic.extension_invalid": ErrorCode((422,), "An extension is up to 6 digits."),
    "cic.no_change": ErrorCode((422,), "No change to the existing record"),
    "cic.not_primary": ErrorCode(
        (422,),
        "Only the primary insured's phone numbers and email can be changed here. Spouses and dependents change theirs through Blue Access for Members or customer service.",
    ),
    "cic.phone_invalid": ErrorCode((422,), "Enter a 10-digit phone number."),
    "cic.phone_type_invalid": ErrorCode((422,), "Phone type must be home, cellular, work or fax."),
    "cic.phone_type_repeated": ErrorCode((422,), "Only one … phone number."),
    "cic.phone_type_required": ErrorCode(
        (422,), "Select a phone type (home, cellular, work or fax) for every phone number."
    ),
    "cic.send_text_cell_only": ErrorCode((422,), "Texts can only go to a cellular phone."),
    "conflict": ErrorCode((409,), "The request conflicts with the current state (409)."),
    "content_too_large": ErrorCode((413,), "The request body is larger than the operation accepts."),
    "control_character": ErrorCode(
        (422,), "A text value contains a control character (NUL, escape, ...); send printable text."
    ),
    "delegate.mobile_invalid": ErrorCode((422,), "Enter a 10-digit mobile number."),
    "delegate.state_not_active": ErrorCode(
        (422,), "You are not active in …. A delegate can only be assigned states where you are active (…)."
    ),
    "delegate.states_required": ErrorCode((422,), "Assign the delegate to at least one state."),
    "delegate.username_invalid": ErrorCode((422,), "Username must be at least 7 characters, letters and numbers only."),
    "delegate.username_taken": ErrorCode(
        (409,), "This username is already in use (by a producer or a delegate). Choose another."
    ),
    "delegate_not_permitted": ErrorCode(
        (403,), "… Prospects are too: leave prospect_id out and enter the applicant yourself."
    ),
    "document.account_not_in_book": ErrorCode((422,), "The account number is not one of your book's accounts."),
    "document.account_number_invalid": ErrorCode(
        (422,), "An account number is 5 to 12 digits; leave it empty if there is none."
    ),
    "document.e_app_number_invalid": ErrorCode(
        (422,), "An e-app number is up to 20 digits; leave it empty if there is none."
    ),
    "document.e_app_number_not_in_book": ErrorCode((422,), "The e-app number is not one of your book's applications."),
    "document.field_repeated": ErrorCode((422,), "… was sent twice."),
    "document.field_too_long": ErrorCode((422,), "… is longer than … bytes."),
    "document.file_empty": ErrorCode((422,), "The file is empty. Choose the document's file again."),
    "document.file_extension_not_allowed": ErrorCode(
        (422,), "The file name ends in …; it must end in .pdf, .jpg, .jpeg, .png, .gif, .tif, .tiff or .bmp."
    ),
    "document.file_name_required": ErrorCode(
        (422,), "The file part has no file name; send it as a file (with a filename) such as scan.pdf."
    ),
    "document.file_required": ErrorCode((422,), "Choose a file to submit (form field 'file')."),
    "document.file_type_mismatch": ErrorCode(
        (422,), "The file's content is … but its name ends in .…. Rename the file or choose the right one."
    ),
    "document.file_type_not_allowed": ErrorCode(
        (422,), "The file's content is not a … file. Only these file types can be submitted."
    ),
    "document.malformed_body": ErrorCode((400,), "The multipart body cannot be parsed (400)."),
    "document.one_file_only": ErrorCode((422,), "Send one file per submission."),
    "document.too_large": ErrorCode((413,), "R-DOC-1: the file (or the body carrying it) is over the cap (413)."),
    "document.type_required": ErrorCode((422,), "Select a document type."),
    "document.type_unknown": ErrorCode((422,), "'…' is not a document type. Choose one of: …."),
    "document.unknown_field": ErrorCode(
        (422,), "'…' is not a field of this form; send file, document_type, account_number and e_app_number only."
    ),
    "document.unsupported_media_type": ErrorCode((415,), "The upload was not sent as multipart/form-data (415)."),
    "e_question.already_answered": ErrorCode((409,), "This e-question was already answered."),
    "e_question.client_id_invalid": ErrorCode(
        (422,), "The client ID is up to … letters and digits, as on the member's ID card."
    ),
    "e_question.client_not_in_book": ErrorCode(
        (422,),
        "Client ID … is not a client in your book of business. Use the account number, the member ID from the ID card (without the dash) or the policy's e-app number, or ask a general e-question.",
    ),
    "e_question.client_required": ErrorCode((422,), "A member-specific e-question needs …."),
    "e_question.deleted": ErrorCode((409,), "The producer deleted this e-question; it can no longer be answered."),
    "e_question.middle_initial_invalid": ErrorCode((422,), "The middle initial is one letter (or leave it empty)."),
    "e_question.name_too_long": ErrorCode((422,), "A name can be at most … characters."),
    "e_question.not_for_general": ErrorCode(
        (422,),
        "A general e-question is not about a member: leave the client fields out, or choose a member-specific e-question.",
    ),
    "e_question.question_required": ErrorCode((422,), "Enter your question."),
    "e_question.question_too_long": ErrorCode((422,), "The question can be at most … characters; it has …."),
    "e_question.response_required": ErrorCode((422,), "Enter the response."),
    "e_question.subject_required": ErrorCode((422,), "Enter a subject."),
    "e_question.subject_too_long": ErrorCode((422,), "The subject can be at most … characters."),
    "email_verification.expired": ErrorCode(
        (422,), "This verification link has expired (links last … days). Ask your producer to resend it."
    ),
    "email_verification.invalid": ErrorCode(
        (422,), "This verification link is not valid. Ask your producer to add you again."
    ),
    "email_verification.used": ErrorCode(
        (422,), "This verification link was already used. Sign in, or use Forgot Password."
    ),
    "enrollment.application_exists": ErrorCode(
        (409,),
        'An application was already started from this quote. Choose "new" to create a new application or "resume" to go to the incomplete application.',
    ),
    "enrollment.birth_in_future": ErrorCode((422,), "The date of birth is in the future."),
    "enrollment.consumer_choice_disclosure": ErrorCode(
        (422,), "Texas applicants must accept the Consumer Choice Disclosure."
    ),
    "enrollment.county_required": ErrorCode((422,), "Select the county."),
    "enrollment.delegate_state": ErrorCode((422,), "You are not assigned to …; choose a number in one of your states."),
    "enrollment.dental_form": ErrorCode((422,), "A dental-only application has no medical plan."),
    "enrollment.dental_required": ErrorCode((422,), "Select a dental plan."),
    "enrollment.effective_date_missing": ErrorCode((422,), "Calculate the effective date."),
    "enrollment.entries_required": ErrorCode((422,), "Add the details for each person."),
    "enrollment.entries_without_yes": ErrorCode((422,), "Answer yes to … to give details."),
    "enrollment.expired": ErrorCode((404,), "Application … expired 90 days after its last change."),
    "enrollment.guardian_required": ErrorCode(
        (422,), "A child-only application needs the parent or legal guardian's name and relationship."
    ),
    "enrollment.if_match": ErrorCode(
        (422,), 'If-Match must be the ETag of the application as read, e.g. "3" (or * for any version).'
    ),
    "enrollment.if_none_match": ErrorCode((422,), 'If-None-Match must be an ETag this API sent, e.g. "3" (or *).'),
    "enrollment.last_life_event": ErrorCode((422,), "A life event can only be deleted while more than one exists."),
    "enrollment.life_event_in_future": ErrorCode((422,), "… cannot be dated in the future."),
    "enrollment.life_event_outside_window": ErrorCode((422,), "… on … does not qualify today: it allows enrollment …."),
    "enrollment.life_event_required": ErrorCode(
        (422,), "A special enrollment application needs at least one life event and its date."
    ),
    "enrollment.medical_required": ErrorCode((422,), "Select a medical plan."),
    "enrollment.not_submitted": ErrorCode(
        (409,), "The application PDF is available once the application is submitted."
    ),
    "enrollment.nothing_to_resume": ErrorCode(
        (409,), 'There is no incomplete application for this quote to resume; choose "new" to start one.'
    ),
    "enrollment.outside_open_enrollment": ErrorCode(
        (422,),
        "Open enrollment is closed: this must be a special enrollment (SEP) application with a qualifying life event.",
    ),
    "enrollment.payment_option_required": ErrorCode((422,), "Choose pay now or pay later."),
    "enrollment.pcp_applicant_unknown": ErrorCode((422,), "There is no … on this application."),
    "enrollment.pcp_not_applicable": ErrorCode((422,), "PCPs are chosen only for HMO and POS plans."),
    "enrollment.pcp_out_of_network": ErrorCode((422,), "PCP … is not in …'s network."),
    "enrollment.pcp_unknown": ErrorCode((422,), "No PCP or medical group has number …."),
    "enrollment.pediatric_dental": ErrorCode(
        (422,), "Without a dental plan, attest that the children under 19 already have pediatric dental coverage."
    ),
    "enrollment.phone_invalid": ErrorCode((422,), "Enter a 10-digit phone number."),
    "enrollment.plan_on_exchange": ErrorCode(
        (422,), "On-exchange plans are enrolled on the exchange, not with this application."
    ),
    "enrollment.plan_unavailable": ErrorCode(
        (422,), "… is not offered in the applicant's county for the effective date."
    ),
    "enrollment.plan_unknown": ErrorCode((422,), "… is not a … plan."),
    "enrollment.plan_wrong_state": ErrorCode((422,), "… is not offered in …."),
    "enrollment.producer_number_unknown": ErrorCode(
        (422,), "Choose one of the producer's active writing producer numbers."
    ),
    "enrollment.section_missing": ErrorCode((422,), "Complete the … section."),
    "enrollment.sep_required": ErrorCode(
        (422,), "Outside open enrollment every application is a special enrollment (SEP): is_sep must stay true."
    ),
    "enrollment.ssn_invalid": ErrorCode((422,), "An SSN is 9 digits."),
    "enrollment.stale_version": ErrorCode(
        (412,), "This application was changed elsewhere (version …, you sent …). Reload it and save again."
    ),
    "enrollment.state_mismatch": ErrorCode(
        (422,), "The writing producer number is for … but the applicant lives in …."
    ),
    "enrollment.submitted": ErrorCode((409,), "A submitted application can no longer be changed."),
    "enrollment.terms_required": ErrorCode(
        (422,), "Assisting in person needs the client's acceptance of the Terms and Agreements."
    ),
    "enrollment.tobacco_date_future": ErrorCode((422,), "The date of last tobacco use cannot be in the future."),
    "enrollment.tobacco_date_required": ErrorCode((422,), "Give the date of last tobacco use."),
    "enrollment.too_many_dependents": ErrorCode((422,), "At most … dependents, the spouse included (… given)."),
    "enrollment.use_quote_enrollment": ErrorCode(
        (422,),
        "To start an application from quote …, enroll from the quote (Enroll in Selected Plans). A new application started here is blank, or filled from a client's account number.",
    ),
    "enrollment.zip_invalid": ErrorCode((422,), "Enter a 5-digit zip code."),
    "forbidden": ErrorCode((403,), "Signed in but not allowed (403)."),
    "forbidden_role": ErrorCode((403,), "This needs the … role; you are signed in as …."),
    "hashing_busy": ErrorCode((429,), "The sign-in service is busy. Please try again in a moment."),
    "id_card.member_not_on_policy": ErrorCode((422,), "This member is not covered by the selected policy."),
    "id_card.member_repeated": ErrorCode((422,), "Each member can be chosen once."),
    "id_card.members_required": ErrorCode(
        (422,), "This plan uses a PCP: choose the members who need a card (each gets their own)."
    ),
    "id_card.no_member_choice": ErrorCode(
        (422,), "This plan has no PCP: its cards carry the primary insured's name, so members are not chosen."
    ),
    "id_card.no_primary": ErrorCode((409,), "This policy has no primary insured on record; call Producer Services."),
    "id_card.not_temporary": ErrorCode((409,), "Permanent cards are mailed; only temporary cards have a PDF."),
    "id_card.one_per_member": ErrorCode(
        (422,), "Plans with a PCP get one card per family member; choose the members instead."
    ),
    "id_card.policy_termed": ErrorCode((422,), "This policy is terminated: ID cards cannot be ordered for it."),
    "id_card.quantity_range": ErrorCode((422,), "Order 1 to … cards at once."),
    "id_card.temporary_quantity": ErrorCode((422,), "A temporary card is one page; print it as often as needed."),
    "id_card.too_soon": ErrorCode(
        (422,),
        "Marketplace (on-exchange) ID cards are available 24 hours after the application was submitted: from … (in the producer's time zone).",
    ),
    "idempotency.in_progress": ErrorCode(
        (409,), "The first request with this Idempotency-Key is still being processed. Retry shortly."
    ),
    "idempotency.key_invalid": ErrorCode((422,), "Idempotency-Key must be at most 100 printable characters."),
    "idempotency.key_reused": ErrorCode(
        (422,), "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    ),
    "internal_error": ErrorCode((500,), "Something went wrong on our side. Quote the request id if you call us."),
    "invalid_credentials": ErrorCode((401,), "Credentials or token missing or wrong (401)."),
    "invalid_datetime": ErrorCode((422,), "… is not a valid date or timestamp."),
    "invalid_refresh_token": ErrorCode((401,), "The refresh token is not valid. Sign in again."),
    "invalid_token": ErrorCode((401,), "The access token is not valid. Sign in again."),
    "malformed_json": ErrorCode((400,), "The request body is not valid JSON."),
    "method_not_allowed": ErrorCode(
        (405,), "The path exists but does not answer this method; the Allow header lists the methods it does."
    ),
    "mfa_required": ErrorCode(
        (401,), "R-DEL-6: the password was right; now an OTP (or a remembered device) is needed."
    ),
    "mfa_token_invalid": ErrorCode(
        (401,), "This verification step has expired. Sign in again with your username and password."
    ),
    "not_allowed": ErrorCode((422,), "… is not a parameter of grant_type=…."),
    "not_authenticated": ErrorCode((401,), "Sign in first, then try again."),
    "not_found": ErrorCode((404,), "The object does not exist or is not yours (404, R-BOOK-1)."),
    "otp.burned": ErrorCode((422,), "Too many wrong codes. Request a new code."),
    "otp.expired": ErrorCode((422,), "This code has expired. Request a new code."),
    "otp.invalid": ErrorCode((422,), "A one-time passcode was wrong, expired, used or burned."),
    "otp.no_mobile": ErrorCode((422,), "There is no mobile number on this account; choose email."),
    "otp.none": ErrorCode((422,), "There is no active code for this request. Request a new code."),
    "otp.send_throttled": ErrorCode((429,), "A code was sent recently. You can request another in … seconds."),
    "otp.used": ErrorCode((422,), "This code was already used. Request a new code."),
    "password.current_wrong": ErrorCode((422,), "The current password is not correct."),
    "password.mismatch": ErrorCode((422,), "The passwords do not match."),
    "password.policy": ErrorCode(
        (422,), "The new password does not meet the password policy (length, character kinds, not a recent one)."
    ),
    "password.reused": ErrorCode((422,), "The password can't be any of your … previously used passwords."),
    "password.unchanged": ErrorCode((422,), "The new password must differ from the current one."),
    "password_change_required": ErrorCode(
        (403,), "Change your password first: this account must set a new password before anything else."
    ),
    "payment.agreement_required": ErrorCode((422,), "Agree that the payment may be taken from this payment method."),
    "payment.already_paid": ErrorCode((409,), "The binder payment was already made (payment …)."),
    "payment.autopay_bank_only": ErrorCode((422,), "Autopay is only available with a bank account."),
    "payment.bank_required": ErrorCode((422,), "Enter the bank account details."),
    "payment.card_expired": ErrorCode((422,), "The card has expired."),
    "payment.card_invalid": ErrorCode((422,), "The card number is not valid."),
    "payment.card_required": ErrorCode((422,), "Enter the card details."),
    "payment.date_past": ErrorCode((422,), "The payment date cannot be in the past."),
    "payment.exists": ErrorCode(
        (409,), "The application already has a payment; its id and status are in payment_id and payment_status."
    ),
    "payment.no_amount": ErrorCode((409,), "The application has no premium to pay."),
    "payment.not_pending": ErrorCode((409,), "This payment is already …."),
    "payment.not_submitted": ErrorCode((409,), "Payments are taken once the application is submitted."),
    "payment.routing_invalid": ErrorCode((422,), "The routing number is not valid."),
    "payment.terms_required": ErrorCode((422,), "Accept the Terms of Use and Privacy Statement."),
    "pcp.effective_date_past": ErrorCode((422,), "The effective date cannot be in the past."),
    "pcp.invalid": ErrorCode((422,), "The PCP change has errors; fix them and validate again."),
    "pcp.reason_invalid": ErrorCode((422,), "Choose a Provider Change Reason from the list."),
    "pcp.term_date_fixed": ErrorCode(
        (422,), "The term date defaults to and must stay 12/31/9999. For two PCPs over two periods, make two changes."
    ),
    "pcp.warnings_not_accepted": ErrorCode(
        (422,), "Accept the warnings (accept_warnings: true) or change the effective date."
    ),
    "pdf_busy": ErrorCode((429,), "Many documents are being prepared right now. Please try again in a moment."),
    "pdf_unavailable": ErrorCode((503,), "Documents cannot be prepared right now. Please try again in a moment."),
    "plans.county_ambiguous": ErrorCode(
        (422,), "There are … counties of that name (…): give the zip code or the state too."
    ),
    "plans.county_mismatch": ErrorCode((422,), "… County is not in zip code …; that zip code is in …."),
    "plans.county_required": ErrorCode((422,), "Zip code … spans … counties (…): choose the county."),
    "precondition_failed": ErrorCode(
        (412,), "A conditional request's precondition (`If-Match`) does not hold (412, RFC 9110 section 13.1.1)."
    ),
    "profile.field_not_editable": ErrorCode(
        (422,), "… cannot be changed in the portal. Please call Producer Services."
    ),
    "prospect.agent_number_invalid": ErrorCode(
        (422,), "Assign the prospect to an agent by their nine-digit producer number (Agent Unique ID)."
    ),
    "prospect.agent_number_not_yours": ErrorCode(
        (422,), "Assign the prospect to one of your own producer numbers (…)."
    ),
    "prospect.email_invalid": ErrorCode((422,), "Enter an email address like name@example.com."),
    "prospect.field_not_editable": ErrorCode((422,), "… cannot be changed."),
    "prospect.file_too_large": ErrorCode(
        (422,),
        "… prospects match; you can … at most … at once. Narrow the search (for example by state or last name) or select rows.",
    ),
    "prospect.ids_invalid": ErrorCode((422,), "… is not a prospect id."),
    "prospect.invalid_characters": ErrorCode(
        (422,), "… contains characters that are not allowed (control characters)."
    ),
    "prospect.middle_initial_invalid": ErrorCode((422,), "The middle initial is one letter."),
    "prospect.phone_invalid": ErrorCode((422,), "Search by a 10-digit phone number."),
    "prospect.required": ErrorCode((422,), "… is required."),
    "prospect.sort_invalid": ErrorCode(
        (422,), "Cannot sort by …. Sort by …; a leading '-' sorts descending, e.g. sort=last_name,-created_at."
    ),
    "prospect.state_invalid": ErrorCode((422,), "Enter a two-letter US state code, e.g. IL."),
    "prospect.too_long": ErrorCode((422,), "… can be at most … characters."),
    "prospect.too_many_ids": ErrorCode((422,), "Select at most … prospects at once."),
    "prospect.zip_code_invalid": ErrorCode((422,), "Enter a 5-digit zip code."),
    "quote.born_after_effective_date": ErrorCode((422,), "The … must be born before the effective date (…)."),
    "quote.county_mismatch": ErrorCode((422,), "… County is not in zip code …; choose one of …."),
    "quote.county_required": ErrorCode((422,), "Choose the county."),
    "quote.coverage_invalid": ErrorCode((422,), "Coverage must be medical, dental or medical_dental."),
    "quote.date_of_birth_invalid": ErrorCode((422,), "Check the …'s date of birth (…)."),
    "quote.delegate_state_not_assigned": ErrorCode(
        (403,),
        "You are not assigned to … (your states: …); you can quote only for homes in your states. Ask your producer to assign the state or to quote this client.",
    ),
    "quote.effective_date_not_first": ErrorCode((422,), "The effective date must be the first day of a month."),
    "quote.effective_date_past": ErrorCode(
        (422,), "The effective date … is in the past; choose the first of a coming month."
    ),
    "quote.mixed_exchange": ErrorCode(
        (422,),
        "Select medical and dental plans that are both on exchange or both off exchange: on-exchange plans are enrolled on the exchange, off-exchange plans through an application here.",
    ),
    "quote.name_invalid": ErrorCode((422,), "The applicant's … must be at most … printable characters."),
    "quote.name_required": ErrorCode((422,), "Enter the applicant's … (or quote for a prospect)."),
    "quote.no_plans_offered": ErrorCode(
        (422,), "No plans are offered in … County, … for … yet; choose an earlier effective date."
    ),
    "quote.no_selection": ErrorCode(
        (422,), "Select a medical and/or a dental plan before enrolling (PUT the quote's selection)."
    ),
    "quote.plan_unavailable": ErrorCode(
        (422,), "Plan … is not available for this quote's county and effective date; choose one from the quote's plans."
    ),
    "quote.plan_wrong_coverage": ErrorCode((422,), "… is a … plan; choose a … plan here."),
    "quote.sex_invalid": ErrorCode((422,), "Sex must be female or male."),
    "quote.too_many_dependents": ErrorCode((422,), "At most … dependents, the spouse included (… given)."),
    "quote.zip_invalid": ErrorCode((422,), "Enter a 5-digit zip code."),
    "quote.zip_unknown": ErrorCode((422,), "We offer no plans in zip code …."),
    "rate_limit_unavailable": ErrorCode(
        (503,),
        "Sign-in and account recovery are paused for a moment: the rate-limit store (Redis) does not answer. Try again in a few seconds; if it persists, tell the carrier's support desk.",
    ),
    "rate_limited": ErrorCode(
        (429,), "Too many sign-in or recovery attempts from this client. Wait a moment and try again."
    ),
    "refresh_token_reused": ErrorCode(
        (401,), "This refresh token was already used; every session it belongs to has been signed out."
    ),
    "registration.address_state_invalid": ErrorCode((422,), "Enter a US state code."),
    "registration.agent_unique_id_invalid": ErrorCode(
        (422,), "The Agent Unique ID is your nine-digit producer number."
    ),
    "registration.agent_unique_id_taken": ErrorCode(
        (409,), "Producer number … is already registered in …. Call Producer Services if this is yours."
    ),
    "registration.not_pending": ErrorCode((409,), "Registration … is already …."),
    "registration.reason_required": ErrorCode(
        (422,), "Say why the … registration is rejected; the producer receives the reason by email."
    ),
    "registration.reason_too_long": ErrorCode((422,), "Keep the reason to … characters."),
    "registration.state_not_pending": ErrorCode(
        (409,), "The … registration is already …; only a pending one can be activated or rejected."
    ),
    "registration.phone_invalid": ErrorCode((422,), "Enter a 10-digit phone number."),
    "registration.required": ErrorCode((422,), "First name is required."),
    "registration.state_already_registered": ErrorCode(
        (409,), "You are already registered in … with producer number …."
    ),
    "registration.state_duplicate": ErrorCode((422,), "The same state and Agent Unique ID appear twice."),
    "registration.state_not_offered": ErrorCode((422,), "Registration is available for … only."),
    "registration.state_required": ErrorCode((422,), "Register at least one state."),
    "registration.username_invalid": ErrorCode(
        (422,), "User Name must be 3 to 50 letters, digits, dots, dashes or underscores."
    ),
    "registration.username_taken": ErrorCode((409,), "This User Name is already in use. Please choose another."),
    "registration.zip_code_invalid": ErrorCode((422,), "Enter a 5-digit zip code."),
    "report.cursor_invalid": ErrorCode(
        (422,), "The paging cursor is not one this report issued (or the filters changed); start again without it."
    ),
    "report.date_invalid": ErrorCode((422,), "… … is not a date: use YYYY-MM-DD."),
    "report.date_out_of_range": ErrorCode((422,), "… must be between … and …."),
    "report.date_required": ErrorCode((422,), "… is required (YYYY-MM-DD)."),
    "report.file_too_large": ErrorCode(
        (422,), "This report has … rows; a file holds at most …. Shorten the From-To range or add a filter."
    ),
    "report.filter_invalid": ErrorCode((422,), "… contains control characters."),
    "report.filter_too_long": ErrorCode((422,), "… can be at most … characters."),
    "report.filter_unknown": ErrorCode((422,), "Unknown filter …; filters: …."),
    "report.producer_number_invalid": ErrorCode((422,), "The producer number is exactly nine digits."),
    "report.range_reversed": ErrorCode((422,), "The To date must be on or after the From date."),
    "report.range_too_long": ErrorCode((422,), "A report covers at most … days; shorten the From-To range."),
    "report.sort_invalid": ErrorCode(
        (422,), "Cannot sort this report by …. Sort by: …; a leading '-' sorts descending."
    ),
    "report.unknown_type": ErrorCode((404, 422), "There is no report …. Reports: …."),
    "saved_report.name_invalid": ErrorCode((422,), "The report name contains control characters."),
    "saved_report.name_required": ErrorCode((422,), "Give the report a name."),
    "saved_report.name_taken": ErrorCode((409,), "You already have a saved report named …; choose another name."),
    "saved_report.name_too_long": ErrorCode((422,), "A report name is at most … characters."),
    "saved_report.sort_invalid": ErrorCode((422,), "Cannot sort saved reports by …. Sort by: …."),
    "saved_report.too_many": ErrorCode((422,), "You can keep at most … saved reports; delete some first."),
    "search.criteria_required": ErrorCode(
        (422,), "Enter at least one search criterion (for example account number, or last 4 of SSN with date of birth)."
    ),
    "search.date_invalid": ErrorCode((422,), "… is not a date: use YYYY-MM-DD or MM/DD/YYYY."),
    "search.filter_conflict": ErrorCode(
        (422,), "filter_exchange and filter_product_type disagree: send filter_exchange only (on or off)."
    ),
    "search.digits": ErrorCode((422,), "… must be … digits."),
    "search.pending_application_id": ErrorCode((422,), "The pending application id is the six-character Billing ID."),
    "search.phone": ErrorCode((422,), "Enter a 10-digit phone number."),
    "search.zip_code": ErrorCode((422,), "Enter a 5-digit zip code."),
    "service_unavailable": ErrorCode((503,), "A dependency (the database) is down (503)."),
    "session_expired": ErrorCode((401,), "The session has expired. Sign in again."),
    "session_revoked": ErrorCode(
        (401,), "This session has ended (signed out, password changed or revoked). Sign in again."
    ),
    "sort.unknown_field": ErrorCode((422,), "Cannot sort by …. Sortable: …."),
    "token_expired": ErrorCode((401,), "The access token has expired. Refresh it or sign in again."),
    "too_deep": ErrorCode((422,), "The JSON body nests deeper than the API reads; flatten it."),
    "too_many_requests": ErrorCode((429,), "Rate limit or capacity exceeded (429)."),
    "unsupported_media_type": ErrorCode(
        (415,), "The body is not in the media type the operation reads (415, RFC 9110 section 15.5.16)."
    ),
    "validation_failed": ErrorCode((422,), "Input breaks a business rule (422)."),
    "carrier.already_decided": ErrorCode((409,), "Application … was already … by the carrier; it cannot be … now."),
    "carrier.awaiting_payment": ErrorCode(
        (409,),
        "Application … is waiting for its binder payment (status …); the carrier decides it once the payment succeeds or is cancelled to bill later.",
    ),
    "carrier.not_submitted": ErrorCode(
        (409,), "Application … is …, not submitted: the carrier decides submitted applications only."
    ),
    "carrier.plan_missing": ErrorCode((409,), "Plan … of application … is no longer in the catalogue."),
    "carrier.reason_required": ErrorCode(
        (422,), "Give the reason for declining: the producer sees it on the failed application."
    ),
    "carrier.reason_too_long": ErrorCode((422,), "The reason is at most … characters."),
    "enrollment.county_mismatch": ErrorCode((422,), "… is not a county of zip code …; choose …."),
    "enrollment.dependent_too_old": ErrorCode(
        (422,), "… is … on …: a dependent must be under … unless disabled (set disabled: true) or apply separately."
    ),
    "enrollment.option_invalid": ErrorCode((422,), "Give the answers as an object."),
    "enrollment.option_unknown_field": ErrorCode(
        (422,), "Known answers: spoken_language, written_language, ethnicity, race."
    ),
    "enrollment.unknown_person": ErrorCode((422,), "Answers are per person: …."),
    "enrollment.zip_unknown": ErrorCode((422,), "Zip code … is not in our service area."),
    "report.date_forms": ErrorCode((422,), "Give either date_from and date_to, or date_window - not both."),
    "report.dates_not_allowed": ErrorCode(
        (422,), "The … report covers your whole book: leave out date_from, date_to and date_window."
    ),
    "report.window_invalid": ErrorCode((422,), "A date window has days_before and days_after."),
    "otp.request_throttled": ErrorCode(
        (429,),
        "A code was requested moments ago (or too many this hour): wait the Retry-After seconds, then ask again.",
    ),
    "enrollment.plans_stale": ErrorCode(
        (422,),
        "The effective date changed after the plans were chosen: review the plans section (its warnings list what changed) and save it again.",
    ),
    "webhook.delivery_in_progress": ErrorCode(
        (409,), "This delivery is being sent right now; look at the log again in a moment."
    ),
    "webhook.delivery_not_found": ErrorCode((404,), "There is no delivery with this id in this endpoint's log."),
    "webhook.endpoint_disabled": ErrorCode((409,), "This endpoint is disabled; enable it first, then redeliver."),
    "webhook.https_required": ErrorCode((422,), "The URL must use https (production)."),
    "webhook.limit": ErrorCode((409,), "You have … webhook endpoints, the most allowed; delete one you no longer use."),
    "webhook.no_event_type": ErrorCode((422,), "Choose at least one event type: …."),
    "webhook.not_found": ErrorCode((404,), "There is no webhook endpoint with this id among yours."),
    "webhook.url_invalid": ErrorCode((422,), "Enter an absolute http(s) URL without user name, password or #fragment."),
    "webhook.url_not_public": ErrorCode(
        (422,),
        "The host … resolves to …, a loopback, private, link-local or metadata address; webhooks go to public addresses only.",
    ),
    "webhook.url_unresolvable": ErrorCode((422,), "The host … does not resolve to any address; check the URL."),
    "api_key.expiry": ErrorCode((422,), "A key expires after 1 to … days; create a new key when it runs out."),
    "api_key.limit": ErrorCode(
        (409,),
        "You have … active API keys, the most allowed. Revoke keys you no longer use (DELETE /api/v1/api-keys/{id}) and try again.",
    ),
    "api_key.name": ErrorCode((422,), "Give the key a name of 1 to … characters (e.g. the platform's)."),
    "api_key.no_scope": ErrorCode((422,), "Choose at least one scope from …."),
    "api_key.not_found": ErrorCode((404,), "There is no API key with this id among yours (a revoked key is gone)."),
    "api_key.unknown_scope": ErrorCode((422,), "Unknown scope(s) …; choose from …."),
    "api_key_expired": ErrorCode(
        (401,), "This API key has expired. Create a new key (POST /api/v1/api-keys) and use that instead."
    ),
    "api_key_not_permitted": ErrorCode(
        (403,),
        "… … cannot be called with an API key: administration, delegates, API keys, the profile and passwords need the producer to sign in (POST /api/v1/auth/token).",
    ),
    "api_key_owner_inactive": ErrorCode(
        (401,), "The producer account of this API key is not active. Please call Producer Services for help."
    ),
    "api_key_revoked": ErrorCode(
        (401,), "This API key was revoked. Create a new key (POST /api/v1/api-keys) and use that instead."
    ),
    "insufficient_scope": ErrorCode(
        (403,),
        "This API key lacks the scope '…' that … … needs. Create a key with that scope (POST /api/v1/api-keys), or call with a key that has it.",
    ),
    # the request-schema vocabulary (REQUEST_FIELD_CODES)
    "required": ErrorCode((422,), "This field is required."),
    "unknown_field": ErrorCode((422,), "This field is not part of the request; remove it (check its spelling)."),
    "invalid_format": ErrorCode((422,), "This value does not have the expected format."),
    "too_short": ErrorCode((422,), "This value (or list) is too short."),
    "too_long": ErrorCode((422,), "This value (or list) is too long."),
    "invalid_type": ErrorCode((422,), "This value is of the wrong kind (text, number, true/false, list, object)."),
    "invalid_number": ErrorCode((422,), "Enter a number (a whole number where the field says so)."),
    "invalid_date": ErrorCode((422,), "Enter a date as YYYY-MM-DD (or a date and time in ISO 8601)."),
    "invalid_choice": ErrorCode((422,), "Choose one of the listed values."),
    "out_of_range": ErrorCode((422,), "This value is outside the allowed range."),
    "invalid": ErrorCode((422,), "This value is not valid."),
}


HTTP_TITLES = {  # the `title` of a problem answered with each status (app/errors.py)
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Validation failed",
    423: "Locked",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def catalog_rows() -> list[tuple[str, str, str]]:
    """(code, statuses with their titles, meaning) for each code, in code order: the docs page and docs/errors.md."""
    return [
        (code, ", ".join(f"{s} {HTTP_TITLES.get(s, '')}".strip() for s in entry.statuses), entry.meaning)
        for code, entry in sorted(CATALOG.items())
    ]


def catalog_markdown() -> str:
    """docs/errors.md (generated: `portal openapi export` writes it; a test fails when it is stale)."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "# Error codes",
        "",
        "Every problem document (`application/problem+json`) carries one of these `code`s, and each entry of its",
        "`errors` array one of them too. Generated from `app/error_codes.py`; the running API serves the same table",
        "at `/docs/errors`. The meaning is the API's own message (`…` stands for the value or object it names).",
        "",
        "| code | status | meaning |",
        "|---|---|---|",
    ]
    lines += [f"| `{code}` | {statuses} | {cell(meaning)} |" for code, statuses, meaning in catalog_rows()]
    return "\n".join(lines) + "\n"
