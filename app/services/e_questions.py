"""E-questions (R-EQ-1 .. R-EQ-4): producers ask and list; carrier staff answer; every step is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import uuid4

from app.domain.accounts import Principal
from app.domain.e_questions import (
    EQuestionDraft,
    EQuestionKind,
    EQuestionStatus,
    answer,
    client_name,
    client_not_in_book,
    client_reference,
    e_question_answered,
    tracking_number,
)
from app.domain.errors import NotFound
from app.domain.webhooks import EventType
from app.ports import HasClock, HasOutbox, HasUnitOfWork, HasWebhooks
from app.repositories.orm import EQuestion
from app.repositories.uow import UnitOfWork
from app.services import audit
from app.services.audit import RequestContext


class EQuestionPorts(HasUnitOfWork, HasClock, HasOutbox, HasWebhooks, Protocol):
    """What the e-question services use."""


NOT_FOUND = "No e-question {} among yours."


@dataclass(frozen=True)
class EQuestionView:
    id: int
    tracking_number: str
    kind: str
    subject: str
    question: str
    status: str
    submitted_at: datetime
    responded_at: datetime | None
    response: str | None
    client_id: str | None
    client_name: str | None
    client_first_name: str | None
    client_middle_initial: str | None
    client_last_name: str | None
    producer_id: int
    responded_by_id: int | None

    @classmethod
    def of(cls, q: EQuestion) -> EQuestionView:
        return cls(
            id=q.id,
            tracking_number=q.tracking_number,
            kind=q.kind,
            subject=q.subject,
            question=q.question,
            status=q.status,
            submitted_at=q.submitted_at,
            responded_at=q.responded_at,
            response=q.response,
            client_id=q.client_id,
            client_name=client_name(q.client_first_name, q.client_middle_initial, q.client_last_name),
            client_first_name=q.client_first_name,
            client_middle_initial=q.client_middle_initial,
            client_last_name=q.client_last_name,
            producer_id=q.producer_id,
            responded_by_id=q.responded_by_id,
        )


def _audit(
    uow: UnitOfWork,
    ctx: EQuestionPorts,
    request: RequestContext,
    action: str,
    actor: Principal,
    question: EQuestion,
    **details: object,
) -> None:
    audit.record_by(
        uow,
        actor,
        now=ctx.clock.now(),
        request=request,
        action=action,
        target_type="e_question",
        target_id=question.id,
        details={"tracking_number": question.tracking_number, **details},
    )


async def create_e_question(
    *, ctx: EQuestionPorts, producer: Principal, question: EQuestionDraft, request: RequestContext
) -> EQuestionView:
    """R-EQ-1..3: a checked e-question (`check_e_question`: the route refuses a bad one before anything else)
    stored "In Progress" with an `EQU<digits>` tracking number."""
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        questions = uow.e_questions
        if question.kind is EQuestionKind.member_specific and question.client_id is not None:
            if not await questions.client_in_book(producer.user_id, client_reference(question.client_id)):
                raise client_not_in_book(question.client_id)
        q = questions.add(
            EQuestion(
                tracking_number=f"new-{uuid4().hex[:16]}",
                producer_id=producer.user_id,
                asked_by_id=producer.user_id,
                kind=question.kind.value,
                subject=question.subject,
                question=question.question,
                client_first_name=question.client_first_name,
                client_middle_initial=question.client_middle_initial,
                client_last_name=question.client_last_name,
                client_id=question.client_id,
                status=EQuestionStatus.in_progress.value,
                submitted_at=now,
                responded_at=None,
                response=None,
                responded_by_id=None,
                deleted_at=None,
            )
        )
        await uow.flush()
        q.tracking_number = tracking_number(q.id)  # R-EQ-3
        _audit(uow, ctx, request, "e_question.created", producer, q, kind=question.kind.value)
        await uow.commit()
        return EQuestionView.of(q)


async def list_e_questions(
    *, ctx: EQuestionPorts, producer: Principal, page: int, page_size: int
) -> tuple[list[EQuestionView], int]:
    """R-EQ-4: "My E-Questions", newest first."""
    async with ctx.uow() as uow:
        rows, total = await uow.e_questions.list_for_producer(producer.user_id, page=page, page_size=page_size)
        return [EQuestionView.of(q) for q in rows], total


async def get_e_question(*, ctx: EQuestionPorts, producer: Principal, question_id: int) -> EQuestionView:
    async with ctx.uow() as uow:
        q = await uow.e_questions.get_for_producer(question_id, producer.user_id)
        if q is None:
            raise NotFound(NOT_FOUND.format(question_id))
        return EQuestionView.of(q)


async def delete_e_question(
    *, ctx: EQuestionPorts, producer: Principal, question_id: int, request: RequestContext
) -> None:
    """R-EQ-4: the row leaves "My E-Questions"."""
    async with ctx.uow() as uow:
        q = await uow.e_questions.get_for_producer(question_id, producer.user_id, for_update=True)
        if q is None:
            raise NotFound(NOT_FOUND.format(question_id))
        q.deleted_at = ctx.clock.now()
        _audit(uow, ctx, request, "e_question.deleted", producer, q)
        await uow.commit()


async def list_for_admin(
    *, ctx: EQuestionPorts, status: EQuestionStatus | None, page: int, page_size: int
) -> tuple[list[EQuestionView], int]:
    """The carrier's queue, oldest first."""
    async with ctx.uow() as uow:
        rows, total = await uow.e_questions.list_for_admin(
            status=status.value if status else None, page=page, page_size=page_size
        )
        return [EQuestionView.of(q) for q in rows], total


async def respond(
    *, ctx: EQuestionPorts, admin: Principal, question_id: int, response: str, request: RequestContext
) -> EQuestionView:
    """R-EQ-3: the answer sets "Responded" and the time, once; the producer is emailed that it is in."""
    async with ctx.uow() as uow:
        q = await uow.e_questions.get_for_update(question_id)
        if q is None:
            raise NotFound(f"No e-question {question_id}.")
        result = answer(status=q.status, deleted=q.deleted_at is not None, response=response, now=ctx.clock.now())
        q.status, q.response, q.responded_at, q.responded_by_id = (
            result.status.value,
            result.response,
            result.responded_at,
            admin.user_id,
        )
        producer = await uow.users.get(q.producer_id)
        if producer is not None and producer.email:
            ctx.outbox.enqueue_email(
                uow, to=producer.email, message=e_question_answered(producer.first_name, q.tracking_number, q.subject)
            )
        _audit(uow, ctx, request, "e_question.responded", admin, q, producer_id=q.producer_id)
        await ctx.webhooks.emit(
            uow,
            producer_id=q.producer_id,
            event_type=EventType.e_question_answered,
            data={
                "e_question_id": q.id,
                "tracking_number": q.tracking_number,
                "subject": q.subject,
                "responded_at": q.responded_at.isoformat() if q.responded_at else None,
            },
        )
        await uow.commit()
        return EQuestionView.of(q)
