"""E-questions (R-EQ-1 .. R-EQ-4): producers load their own undeleted questions; admins load any to answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select

from app.domain.e_questions import ClientReference
from app.repositories.base import RepositoryBase
from app.repositories.orm import Account, EQuestion, Member, Policy


class EQuestionRepository(RepositoryBase[EQuestion]):
    model = EQuestion

    def _mine(self, producer_id: int) -> Select[Any]:
        # R-BOOK-1 / R-EQ-4: the producer's own questions; deleted rows have left "My E-Questions".
        return select(EQuestion).where(EQuestion.producer_id == producer_id, EQuestion.deleted_at.is_(None))

    async def list_for_producer(self, producer_id: int, *, page: int, page_size: int) -> tuple[list[EQuestion], int]:
        """R-EQ-4: newest first."""
        stmt = self._mine(producer_id).order_by(EQuestion.submitted_at.desc(), EQuestion.id.desc())
        return await self.page(stmt, page=page, page_size=page_size)

    async def get_for_producer(
        self, question_id: int, producer_id: int, *, for_update: bool = False
    ) -> EQuestion | None:
        stmt = self._mine(producer_id).where(EQuestion.id == question_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_for_update(self, question_id: int) -> EQuestion | None:
        """Carrier staff answer any producer's question."""
        stmt = select(EQuestion).where(EQuestion.id == question_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def list_for_admin(self, *, status: str | None, page: int, page_size: int) -> tuple[list[EQuestion], int]:
        """The answering queue: undeleted questions, oldest first, optionally by status."""
        stmt = select(EQuestion).where(EQuestion.deleted_at.is_(None))
        if status is not None:
            stmt = stmt.where(EQuestion.status == status)
        return await self.page(stmt.order_by(EQuestion.submitted_at, EQuestion.id), page=page, page_size=page_size)

    async def client_in_book(self, producer_id: int, ref: ClientReference) -> bool:
        """R-BOOK-1: the client ID names an account, a member or a policy of the producer's book."""
        account = select(Account.id).where(Account.producer_id == producer_id, Account.account_number == ref.client_id)
        policy = select(Policy.id).where(
            Policy.producer_id == producer_id,
            or_(Policy.e_app_number == ref.client_id, Policy.client_app_id == ref.client_id),
        )
        found = [account.exists(), policy.exists()]
        if ref.member is not None:
            account_number, suffix = ref.member
            found.append(
                select(Member.id)
                .join(Account, Account.id == Member.account_id)
                .where(
                    and_(
                        Member.producer_id == producer_id,
                        Member.suffix == suffix,
                        Account.producer_id == producer_id,
                        Account.account_number == account_number,
                    )
                )
                .exists()
            )
        return bool((await self.session.execute(select(or_(*found)))).scalar())
