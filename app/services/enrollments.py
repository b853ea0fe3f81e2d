"""Off-exchange Individual & Family applications (R-ENR-1 .. R-ENR-18)."""

from __future__ import annotations

from app.context import AppContext
from app.domain.accounts import Principal
from app.repositories.orm import Application, Quote
from app.repositories.uow import UnitOfWork


async def find_incomplete_for_quote(uow: UnitOfWork, *, producer_id: int, quote_id: int) -> Application | None:
    """R-QUO-4: the incomplete application already started from this quote, if any."""
    raise NotImplementedError


async def create_application_from_quote(uow: UnitOfWork, *, ctx: AppContext, principal: Principal,
                                        quote: Quote) -> Application:
    """R-ENR-1: start an application prefilled from the quote (applicant, household, plans, effective date,
    producer). Adds it to the caller's unit of work (flushed, not committed)."""
    raise NotImplementedError
