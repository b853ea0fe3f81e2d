"""E-Communication: e-questions (R-EQ-1 .. R-EQ-4), and the carrier's answer (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app.deps import Ctx, CurrentAdmin, CurrentProducer, ReqCtx, audit_read
from app.domain.e_questions import EQuestionDraft, EQuestionStatus, check_e_question
from app.errors import error_responses
from app.routers.idempotent import idempotent
from app.routers.paging import PAGED_RESPONSES, PageParams
from app.schemas.common import Page
from app.schemas.e_questions import (
    EQuestionAdminRead,
    EQuestionCreate,
    EQuestionRead,
    EQuestionResponseCreate,
    EQuestionRow,
)
from app.services import e_questions as e_question_service

# No router-level tags: the producer routes are "e-questions", the carrier's answer is "admin".
router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403))

EQuestionId = Annotated[int, Path(ge=1, le=2**62)]


def _read(view: e_question_service.EQuestionView) -> EQuestionRead:
    return EQuestionRead.model_validate(view.__dict__)


async def asked_question(body: EQuestionCreate) -> EQuestionDraft:
    """R-EQ-1/2: the e-question checked and trimmed (every problem at once), so a refused one never claims the
    request's Idempotency-Key. After the caller's role check."""
    return check_e_question(
        EQuestionDraft(
            kind=body.kind,
            subject=body.subject,
            question=body.question,
            client_first_name=body.client_first_name,
            client_middle_initial=body.client_middle_initial,
            client_last_name=body.client_last_name,
            client_id=body.client_id,
        )
    )


AskedQuestion = Annotated[EQuestionDraft, Depends(asked_question)]


def _same_question(question: EQuestionDraft) -> tuple[object, ...]:
    """Two e-questions are the same request when they ask the same, trimmed."""
    return ("e_question", question.__dict__)


@router.post(
    "/e-questions",
    operation_id="createEQuestion",
    summary="Submit an e-question",
    tags=["e-questions"],
    status_code=status.HTTP_201_CREATED,
    response_model=EQuestionRead,
    responses=error_responses(409, 422),
)
@idempotent(fingerprint=_same_question)
async def create_e_question(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, question: AskedQuestion) -> EQuestionRead:
    """R-EQ-1..3: general or member-specific; answers with an `EQU<digits>` tracking number, "In Progress"."""
    return _read(await e_question_service.create_e_question(ctx=ctx, producer=producer, question=question, request=req))


@router.get(
    "/e-questions",
    operation_id="listEQuestions",
    summary="My e-questions",
    tags=["e-questions"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("e_question.list")],
)
async def list_e_questions(ctx: Ctx, producer: CurrentProducer, paging: PageParams) -> Page[EQuestionRow]:
    """R-EQ-4: #, subject, status, submitted, responded, client id, client name, tracking number; newest first."""
    views, total = await e_question_service.list_e_questions(
        ctx=ctx, producer=producer, page=paging.page, page_size=paging.page_size
    )
    first = (paging.page - 1) * paging.page_size + 1
    items = [EQuestionRow.model_validate({**v.__dict__, "number": first + i}) for i, v in enumerate(views)]
    return paging.of(items, total)


@router.get(
    "/e-questions/{question_id}",
    operation_id="getEQuestion",
    summary="One e-question",
    tags=["e-questions"],
    responses=error_responses(404, 422),
    dependencies=[audit_read("e_question.read", target=("e_question", "question_id"))],
)
async def get_e_question(ctx: Ctx, producer: CurrentProducer, question_id: EQuestionId) -> EQuestionRead:
    """An e-question of yours with the carrier's response once there is one; anyone else's answers 404."""
    return _read(await e_question_service.get_e_question(ctx=ctx, producer=producer, question_id=question_id))


@router.delete(
    "/e-questions/{question_id}",
    operation_id="deleteEQuestion",
    summary="Delete an e-question",
    tags=["e-questions"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses=error_responses(404, 422),
)
async def delete_e_question(ctx: Ctx, req: ReqCtx, producer: CurrentProducer, question_id: EQuestionId) -> Response:
    """R-EQ-4: removes it from My E-Questions."""
    await e_question_service.delete_e_question(ctx=ctx, producer=producer, question_id=question_id, request=req)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- carrier staff -------------------------------------------------------------------------------------------


@router.get(
    "/admin/e-questions",
    operation_id="adminListEQuestions",
    summary="E-questions to answer",
    tags=["admin"],
    responses={**error_responses(422), **PAGED_RESPONSES},
    dependencies=[audit_read("e_question.admin_list", query=("status",))],
)
async def admin_list_e_questions(
    ctx: Ctx,
    admin: CurrentAdmin,
    paging: PageParams,
    status_filter: Annotated[
        EQuestionStatus | None, Query(alias="status", description="In Progress or Responded; all when absent")
    ] = None,
) -> Page[EQuestionAdminRead]:
    """Every producer's undeleted e-questions, oldest first."""
    views, total = await e_question_service.list_for_admin(
        ctx=ctx, status=status_filter, page=paging.page, page_size=paging.page_size
    )
    return paging.of([EQuestionAdminRead.model_validate(v.__dict__) for v in views], total)


@router.post(
    "/admin/e-questions/{question_id}/response",
    operation_id="adminRespondEQuestion",
    summary="Answer an e-question",
    tags=["admin"],
    responses=error_responses(404, 409, 422),
)
async def admin_respond(
    ctx: Ctx, req: ReqCtx, admin: CurrentAdmin, question_id: EQuestionId, body: EQuestionResponseCreate
) -> EQuestionAdminRead:
    """R-EQ-3: sets "Responded" and the time, once (again: 409); the producer is emailed that the answer is in."""
    view = await e_question_service.respond(
        ctx=ctx, admin=admin, question_id=question_id, response=body.response, request=req
    )
    return EQuestionAdminRead.model_validate(view.__dict__)
