"""Submitted documents (R-DOC-1 .. R-DOC-4): a producer only ever loads its own, undeleted submissions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from app.domain.documents import e_app_references
from app.repositories.base import RepositoryBase
from app.repositories.orm import Account, Application, Document, Policy


class DocumentRepository(RepositoryBase[Document]):
    model = Document

    def _mine(self, producer_id: int) -> Select[Any]:
        # R-BOOK-1 / R-DOC-4: the producer's own submissions; deleted rows have left the history.
        return select(Document).where(Document.producer_id == producer_id, Document.deleted_at.is_(None))

    async def list_for_producer(self, producer_id: int, *, page: int, page_size: int) -> tuple[list[Document], int]:
        """R-DOC-4: the history, newest first."""
        stmt = self._mine(producer_id).order_by(Document.submitted_at.desc(), Document.id.desc())
        return await self.page(stmt, page=page, page_size=page_size)

    async def get_for_producer(
        self, tracking_number: str, producer_id: int, *, for_update: bool = False
    ) -> Document | None:
        stmt = self._mine(producer_id).where(Document.tracking_number == tracking_number)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def account_in_book(self, producer_id: int, account_number: str) -> bool:
        """R-DOC-2: an account number given with a document must be the producer's own client."""
        stmt = select(Account.id).where(Account.account_number == account_number, Account.producer_id == producer_id)
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def e_app_in_book(self, producer_id: int, e_app_number: str) -> bool:
        """R-DOC-2 / R-BOOK-1: an e-app number given with a document must be one of the producer's policies or
        portal applications (indexes: policies (producer_id, e_app_number), applications' unique record number)."""
        policy_number, record_number = e_app_references(e_app_number)
        policy = select(Policy.id).where(Policy.producer_id == producer_id, Policy.e_app_number == policy_number)
        application = select(Application.id).where(
            Application.producer_id == producer_id, Application.record_number == record_number
        )
        return bool((await self.session.execute(select(or_(policy.exists(), application.exists())))).scalar())
