"""R-PRO-4 "Save and create proposal": what happens to a prospect saved with `create_proposal: true`.

The prospect service calls the hook inside its own unit of work, so whatever the hook writes commits
(or rolls back) together with the prospect. The default hook creates the quote, prefilled from the prospect
(its names and zip code, R-QUO-1), with the details of the request's `quote`; tests swap it through
`app.dependency_overrides[get_proposal_hook]`.
"""

from __future__ import annotations

from typing import Protocol

from app.domain.accounts import Principal
from app.domain.quotes import ProspectNames, QuoteInput
from app.repositories.orm import Prospect
from app.repositories.uow import UnitOfWork
from app.services import quotes as quote_service
from app.services.audit import RequestContext
from app.services.quotes import QuotePorts, QuoteView


class ProposalHook(Protocol):
    async def create_for_prospect(
        self,
        *,
        uow: UnitOfWork,
        ctx: QuotePorts,
        producer: Principal,
        prospect: Prospect,
        quote: QuoteInput,
        request: RequestContext,
    ) -> QuoteView:
        """Start a proposal for a just-saved (flushed, not committed) prospect; the answer's `proposal`."""
        ...


class QuoteProposalHook:
    """Default: the quote of R-QUO-1 for the prospect, stored in the prospect's transaction."""

    async def create_for_prospect(
        self,
        *,
        uow: UnitOfWork,
        ctx: QuotePorts,
        producer: Principal,
        prospect: Prospect,
        quote: QuoteInput,
        request: RequestContext,
    ) -> QuoteView:
        return await quote_service.add_quote(
            uow=uow,
            ctx=ctx,
            principal=producer,
            prospect_id=prospect.id,
            names=ProspectNames(prospect.first_name, prospect.last_name),
            data=quote,
            request=request,
        )


_DEFAULT_HOOK = QuoteProposalHook()


async def get_proposal_hook() -> ProposalHook:
    """The hook in use (also a FastAPI dependency, so tests can override it)."""
    return _DEFAULT_HOOK
