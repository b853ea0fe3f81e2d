"""Off-exchange applications and binder payments (R-ENR-1..18, R-PAY-1..5). Producers and their delegates
(R-DEL-9), scoped to the producer's book."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, Response, status
from pydantic import BeforeValidator, ValidationError

from app.deps import PHI_FREE, Ctx, ProducerOrDelegate, ReqCtx, audit_read, audited_by_service
from app.domain import vocabulary as vocab
from app.domain.errors import BadRequest, FieldError, ValidationFailed, merge_field_errors
from app.domain.option_lists import OPTION_LISTS
from app.domain.repricing import PlansReview
from app.domain.vocabulary import canonical
from app.errors import check_facts, error_responses, field_path, request_field_error
from app.http_semantics import etag, parse_entity_tags
from app.routers.idempotent import idempotent
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.enrollments import (
    SECTION_MODELS,
    ApplicationCreate,
    ApplicationListRow,
    ApplicationRead,
    ApplicationSectionsRead,
    CarrierDecisionRead,
    EffectiveDateRead,
    OptionListsRead,
    PaymentCreate,
    PaymentRead,
    PaymentSubmit,
    PremiumsRead,
    SectionWarningRead,
    SubmissionRead,
)
from app.schemas.field_checks import CheckFacts, domain_field_errors
from app.services import client_enrollments
from app.services import enrollments as enrollment_service
from app.services import payments as payment_service

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403))
AppId = Annotated[int, Path(ge=1, le=2**62)]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        description='The application\'s version as read (its ETag, e.g. `"3"`), or `*` (any version): save only if '
        "it is still current, else 412 with `current_version`. Without it the save is unconditional.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        max_length=200,
        description="The ETag you hold (or `*`): 304 Not Modified, with no body, while it is still current",
    ),
]
PDF = "application/pdf"
Section = Annotated[str, Path(pattern="^(general|applicant|household|plans|other-coverage|signatures)$")]


def carrier_decision(a: Any, policy_ids: list[int]) -> CarrierDecisionRead | None:
    """Issue 14: the carrier's decision as the application shows it (null while undecided)."""
    if a.decision is None or a.decided_at is None:
        return None
    return CarrierDecisionRead(
        decision=a.decision,
        decided_at=a.decided_at,
        reason=a.decision_reason,
        account_number=a.account_number,
        policy_ids=[str(p) for p in policy_ids],
        effective_date=a.effective_date,
    )


def _read(view: enrollment_service.ApplicationView) -> ApplicationRead:
    a = view.app
    medical, dental = view.premiums
    total = None if medical is None and dental is None else (medical or Decimal(0)) + (dental or Decimal(0))
    return ApplicationRead(
        id=a.id,
        record_number=a.record_number or "",
        e_app_number=a.record_number or "",
        status=vocab.ApplicationStatus(a.status),
        version=a.version,
        state=a.state,
        producer_name=view.producer_name,
        producer_number=a.producer_number,
        date_submitted=a.date_submitted,
        effective_date=a.effective_date,
        monthly_premium=a.monthly_premium,
        applicant_name=" ".join(x for x in (a.applicant_first_name, a.applicant_last_name) if x) or None,
        product_names=view.product_names,
        client_app_id=a.client_app_id,
        payment_status=vocab.maybe(vocab.ApplicationPaymentStatus, a.payment_status),
        failure_reason=a.failure_reason,
        quote_id=a.quote_id,
        created_at=a.created_at,
        updated_at=a.updated_at,
        expires_at=None if a.status == "submitted" else a.expires_at,
        sections=ApplicationSectionsRead.model_validate(enrollment_service.public_sections(a.sections)),
        premiums=PremiumsRead(medical_premium=medical, dental_premium=dental, total_monthly_premium=total),
        decision=carrier_decision(a, view.policy_ids),
        warnings=_warnings(PlansReview.from_json(a.plans_review)),
    )


def _warnings(review: PlansReview | None) -> list[SectionWarningRead]:
    return [SectionWarningRead.model_validate(review)] if review else []


def _etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def _versions(if_match: str | None) -> frozenset[int] | None:
    """The versions an `If-Match` accepts; None when any will do (no header, or `*`: the application exists).

    A well-formed tag that is no version can never match (412); a value that is no entity-tag list is a 422."""
    if not if_match or not if_match.strip():
        return None
    tags = parse_entity_tags(if_match)
    if tags is None:
        raise ValidationFailed(
            'If-Match must be the ETag of the application as read, e.g. "3" (or * for any version).',
            code="enrollment.if_match",
            field="If-Match",
        )
    if tags == "*":
        return None
    return frozenset(int(t) for t in tags if t.isdigit() and len(t) < 19)


def _not_modified(if_none_match: str | None, version: int) -> bool:
    """RFC 9110 section 13.1.2: a GET whose `If-None-Match` names the current ETag (weakly) or `*` is answered 304."""
    if not if_none_match or not if_none_match.strip():
        return False
    tags = parse_entity_tags(if_none_match)
    if tags is None:
        raise ValidationFailed(
            'If-None-Match must be an ETag this API sent, e.g. "3" (or *).',
            code="enrollment.if_none_match",
            field="If-None-Match",
        )
    return tags == "*" or str(version) in tags


async def blank_application(
    principal: ProducerOrDelegate, body: Annotated[ApplicationCreate | None, Body()] = None
) -> str | None:
    """POST /enrollments starts a blank application, or one from a client of the book (`account_number`, issue 14):
    a quote_id is refused (rather than silently ignored, issue 12, #11), and so is a delegate's account_number
    (R-DEL-9), before the request's Idempotency-Key is claimed. After the caller's role check. Answers the account
    number to start from, if any."""
    if body is not None and body.quote_id is not None:
        raise ValidationFailed(
            f"To start an application from quote {body.quote_id}, enroll from the quote (Enroll in Selected "
            "Plans). A new application started here is blank, or filled from a client's account number.",
            code="enrollment.use_quote_enrollment",
            field="quote_id",
        )
    account_number = body.account_number if body is not None else None
    if account_number is not None:
        client_enrollments.check_may_start_from_client(principal)
    return account_number


StartFrom = Annotated[str | None, Depends(blank_application)]


def _version_etag(answer: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{answer.get("version")}"'}


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not modified: the `If-None-Match` ETag is still current (no body)",
        "headers": {"ETag": {"description": "The application's version", "schema": {"type": "string"}}},
    }
}


@router.post(
    "/enrollments",
    operation_id="startApplication",
    summary="Start a new application",
    status_code=status.HTTP_201_CREATED,
    tags=["enrollments"],
    responses=error_responses(404, 409, 422),
)
@idempotent(
    headers=_version_etag,
    fingerprint=lambda account_number: ("/api/v1/enrollments", *([account_number] if account_number else [])),
)
async def start_application(
    ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, account_number: StartFrom
) -> ApplicationRead:
    """R-ENR-1: blank ("Start New Application", send `{}`), or from a client of your book (send `account_number`:
    the applicant, address, contact and household are prefilled, R-ENR-7; another producer's client is a 404);
    to start from a quote use POST /quotes/{id}/enrollments."""
    if account_number is None:
        app = await enrollment_service.create_application(ctx=ctx, principal=principal, request=req)
    else:
        app = await client_enrollments.create_application_from_client(
            ctx=ctx, principal=principal, account_number=account_number, request=req
        )
    return _read(await enrollment_service.get_application(ctx=ctx, principal=principal, application_id=app.id))


@router.get(
    "/option-lists",
    operation_id="listOptionLists",
    summary="Option lists of the application",
    tags=["enrollments"],
    dependencies=[PHI_FREE],
)
async def list_option_lists(principal: ProducerOrDelegate) -> OptionListsRead:
    """Issue 14, R-ENR-8: languages, race and ethnicity (the federal standard categories) and the other closed
    lists of the application; section saves refuse codes outside them."""
    return OptionListsRead.model_validate({name: list(options) for name, options in OPTION_LISTS.items()})


@router.get(
    "/enrollments",
    operation_id="listApplications",
    summary="Applications",
    tags=["enrollments"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("enrollment.list", query=("status",))],
)
async def list_applications(
    ctx: Ctx,
    principal: ProducerOrDelegate,
    paging: PageParams,
    status_: Annotated[
        Literal["incomplete", "submitted", "failed", "completed"] | None,
        BeforeValidator(lambda value: canonical(value, ("incomplete", "submitted", "failed", "completed"))),
        Query(
            alias="status",
            description="incomplete, submitted or failed, as the applications' `status`; `completed` is the "
            "deprecated spelling of submitted (still accepted)",
        ),
    ] = None,
) -> Page[ApplicationListRow]:
    """Submitted, incomplete ("Save & Exit") and failed applications; expired ones drop off (R-ENR-16)."""
    views, total = await enrollment_service.list_applications(
        ctx=ctx, principal=principal, status=status_, page=paging.page, page_size=paging.page_size
    )
    items = [
        ApplicationListRow(
            id=v.app.id,
            record_number=v.app.record_number or "",
            status=vocab.ApplicationStatus(v.app.status),
            client_app_id=v.app.client_app_id,
            state=v.app.state,
            applicant_name=" ".join(x for x in (v.app.applicant_first_name, v.app.applicant_last_name) if x) or None,
            date_submitted=v.app.date_submitted,
            effective_date=v.app.effective_date,
            producer_name=v.producer_name,
            producer_number=v.app.producer_number,
            expiration_date=None if v.app.status == "submitted" else v.app.expires_at,
            last_modified=v.app.updated_at,
            failure_reason=v.app.failure_reason,
            payment_status=vocab.maybe(vocab.ApplicationPaymentStatus, v.app.payment_status),
            decision=vocab.maybe(vocab.Decision, v.app.decision),
        )
        for v in views
    ]
    return paging.of(items, total)


@router.get(
    "/enrollments/{application_id}",
    operation_id="getApplication",
    response_model=ApplicationRead,
    summary="Application details",
    tags=["enrollments"],
    responses={**NOT_MODIFIED, **error_responses(404)},
    dependencies=[audit_read("enrollment.read", target=("application", "application_id"))],
)
async def get_application(
    ctx: Ctx,
    principal: ProducerOrDelegate,
    application_id: AppId,
    response: Response,
    if_none_match: IfNoneMatch = None,
) -> ApplicationRead | Response:
    """R-ENR-17: status, state, producer, record number, premium, products, client app id, payment status.

    The `ETag` is the application's version; send it back as `If-None-Match` to get 304 while it is current."""
    view = await enrollment_service.get_application(ctx=ctx, principal=principal, application_id=application_id)
    if _not_modified(if_none_match, view.app.version):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(view.app.version)})
    _etag(response, view.app.version)
    return _read(view)


@router.delete(
    "/enrollments/{application_id}",
    operation_id="deleteApplication",
    summary="Delete an application",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["enrollments"],
    responses=error_responses(404, 409),
)
async def delete_application(ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, application_id: AppId) -> Response:
    """Incomplete or failed applications only."""
    await enrollment_service.delete_application(
        ctx=ctx, principal=principal, application_id=application_id, request=req
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/enrollments/{application_id}/{section}",
    operation_id="saveApplicationSection",
    summary="Save one section",
    tags=["enrollments"],
    responses=error_responses(404, 409, 412, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [{"$ref": f"#/components/schemas/{m.__name__}"} for m in SECTION_MODELS.values()]
                    }
                }
            },
        }
    },
)
async def save_section(
    ctx: Ctx,
    req: ReqCtx,
    principal: ProducerOrDelegate,
    application_id: AppId,
    section: Section,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> ApplicationRead:
    """Sections: general, applicant, household, plans, other-coverage, signatures. PUT replaces the section
    after validating it; send `If-Match` with the ETag you read to be told (412, with `current_version`) about a
    newer save instead of overwriting it (`*`: any version). Without `If-Match` the save is unconditional."""
    data = await enrollment_service_body(request, section, check_facts(ctx))
    view = await enrollment_service.save_section(
        ctx=ctx,
        principal=principal,
        application_id=application_id,
        name=section,
        data=data,
        expected_version=_versions(if_match),
        request=req,
    )
    _etag(response, view.app.version)
    return _read(view)


async def enrollment_service_body(request: Request, section: str, facts: CheckFacts) -> dict[str, Any]:
    """Parse and shape-check the section body with its own model (unknown fields refused); a refused body is also
    told the section's own field rules on the fields that passed (issue 16: one validation pass)."""
    try:
        raw = await request.json()
    except ValueError as exc:
        raise BadRequest("The request body is not valid JSON.", code="malformed_json") from exc
    try:
        model = SECTION_MODELS[section].model_validate(raw)
    except ValidationError as exc:
        errors = [
            FieldError(field_path(("body", *e["loc"])), **request_field_error(e))  # the catalog's vocabulary
            for e in exc.errors()
        ]
        errors = merge_field_errors(errors, domain_field_errors(SECTION_MODELS[section], raw, facts))
        raise ValidationFailed(f"The {section} section has missing or invalid fields.", errors=errors) from exc
    return model.model_dump(mode="json")


@router.post(
    "/enrollments/{application_id}/effective-date",
    operation_id="calculateEffectiveDate",
    summary="Calculate the effective date",
    tags=["enrollments"],
    responses=error_responses(404, 409, 422),
)
async def calculate_effective_date(
    ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, application_id: AppId
) -> EffectiveDateRead:
    """R-ENR-5: open enrollment or the life events' SEP rules, as of today; a new date re-prices the chosen plans
    and `warnings` lists what it changed."""
    result = await enrollment_service.calculate_effective(
        ctx=ctx, principal=principal, application_id=application_id, request=req
    )
    return EffectiveDateRead(effective_date=result.effective_date, warnings=_warnings(result.plans_review))


@router.post(
    "/enrollments/{application_id}/submit",
    operation_id="submitApplication",
    summary="Submit",
    tags=["enrollments"],
    responses=error_responses(404, 409, 422),
)
@idempotent()
async def submit_application(
    ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, application_id: AppId
) -> SubmissionRead:
    """R-ENR-15: every section validated (all problems at once); the carrier's answer is submitted or failed.
    R-ENR-18: a retry with the same Idempotency-Key returns the first answer."""
    app = await enrollment_service.submit(ctx=ctx, principal=principal, application_id=application_id, request=req)
    return SubmissionRead(
        status=app.status,  # type: ignore[arg-type]
        record_number=app.record_number or "",
        client_app_id=app.client_app_id,
        date_submitted=app.date_submitted,
        failure_reason=app.failure_reason,
        payment_status=vocab.maybe(vocab.ApplicationPaymentStatus, app.payment_status),
    )


@router.get(
    "/enrollments/{application_id}/pdf",
    operation_id="getApplicationPdf",
    summary="The application PDF",
    tags=["enrollments"],
    response_class=Response,
    responses={
        200: {
            "content": {PDF: {"schema": {"type": "string", "format": "binary"}}},
            "description": "The completed application",
        },
        **error_responses(404, 409, 429),
    },
    dependencies=[audited_by_service("member.application_pdf")],
)
async def application_pdf(ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, application_id: AppId) -> Response:
    """R-ENR-17: the completed application (SSNs masked)."""
    pdf, name = await enrollment_service.application_pdf(
        ctx=ctx, principal=principal, application_id=application_id, request=req
    )
    return Response(pdf, media_type=PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _payment(p: Any) -> PaymentRead:
    return PaymentRead(
        id=p.id,
        application_id=p.application_id,
        status=p.status,
        amount=p.amount,
        method=p.method,
        last4=p.last4,
        account_type=p.account_type,
        payment_date=p.payment_date,
        autopay=p.autopay,
        autopay_last4=p.autopay_last4,
        autopay_account_type=p.autopay_account_type,
        confirmation_number=p.confirmation_number,
        decline_reason=p.decline_reason,
        created_at=p.created_at,
        submitted_at=p.submitted_at,
    )


@router.post(
    "/enrollments/{application_id}/payments",
    operation_id="capturePayment",
    summary="Pay now: capture",
    status_code=status.HTTP_201_CREATED,
    tags=["payments"],
    responses=error_responses(404, 409, 422),
)
@idempotent()
async def capture_payment(
    ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, application_id: AppId, body: PaymentCreate
) -> PaymentRead:
    """R-PAY-1/2/5: card or bank account, terms of use; status Pending until submitted. One live payment per
    application: while one is Pending or Successful, 409 `payment.exists` names it (`payment_id`, `payment_status`)."""
    p = await payment_service.create_payment(
        ctx=ctx,
        principal=principal,
        application_id=application_id,
        method=body.method,
        card=body.card.model_dump() if body.card else None,
        bank=body.bank_account.model_dump() if body.bank_account else None,
        payment_date=body.payment_date,
        terms_accepted=body.terms_accepted,
        autopay=body.autopay,
        request=req,
    )
    return _payment(p)


@router.get(
    "/payments/{payment_id}",
    operation_id="getPayment",
    summary="A payment",
    tags=["payments"],
    responses=error_responses(404),
    dependencies=[audit_read("payment.read", target=("payment", "payment_id"))],
)
async def get_payment(ctx: Ctx, principal: ProducerOrDelegate, payment_id: AppId) -> PaymentRead:
    """R-PAY-4: the payment and its status."""
    return _payment(await payment_service.get_payment(ctx=ctx, principal=principal, payment_id=payment_id))


@router.post(
    "/payments/{payment_id}/submit",
    operation_id="submitPayment",
    summary="Submit payment and proceed",
    tags=["payments"],
    responses=error_responses(404, 409, 422),
)
@idempotent()
async def submit_payment(
    ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, payment_id: AppId, body: PaymentSubmit
) -> PaymentRead:
    """R-PAY-1: needs the payment agreement; Successful or Declined (test numbers decide)."""
    p = await payment_service.submit_payment(
        ctx=ctx, principal=principal, payment_id=payment_id, agreement=body.agreement, request=req
    )
    return _payment(p)


@router.post(
    "/payments/{payment_id}/cancel",
    operation_id="cancelPayment",
    summary="Cancel at review",
    tags=["payments"],
    responses=error_responses(404, 409),
)
async def cancel_payment(ctx: Ctx, req: ReqCtx, principal: ProducerOrDelegate, payment_id: AppId) -> PaymentRead:
    """R-PAY-3: no payment; the client is billed later and the application stays submitted."""
    return _payment(
        await payment_service.cancel_payment(ctx=ctx, principal=principal, payment_id=payment_id, request=req)
    )
