"""R-PRO-4 "Save and create proposal": what happens to a prospect saved with `create_proposal: true`.

The prospect service calls the hook inside its own unit of work, so whatever the hook writes commits
(or rolls back) together with the prospect. Until the quotes feature exists, the default hook answers
a prefill for `POST /api/v1/quotes`; the quotes feature replaces it with a hook that creates the quote
in the same transaction, by changing what `get_proposal_hook()` returns (tests swap it through
`app.dependency_overrides[get_proposal_hook]`).
"""

from __future__ import annotations

from typing import Any, Protocol

from app.domain.accounts import Principal
from app.repositories.orm import Prospect
from app.repositories.uow import UnitOfWork


class ProposalHook(Protocol):
    async def create_for_prospect(
        self, *, uow: UnitOfWork, producer: Principal, prospect: Prospect
    ) -> dict[str, Any] | None:
        """Start a proposal for a just-saved (flushed, not committed) prospect; the answer's `proposal`."""
        ...


class QuotePrefillHook:
    """Default: no quote is stored yet; answer what the quote screen needs to start from this prospect."""

    async def create_for_prospect(
        self, *, uow: UnitOfWork, producer: Principal, prospect: Prospect
    ) -> dict[str, Any] | None:
        return {
            "prospect_id": prospect.id,
            "zip_code": prospect.zip_code,
            "state": prospect.state,
            "applicant": {"first_name": prospect.first_name, "last_name": prospect.last_name},
            "next": "POST /api/v1/quotes",
        }


_DEFAULT_HOOK = QuotePrefillHook()


async def get_proposal_hook() -> ProposalHook:
    """The hook in use (also a FastAPI dependency, so tests can override it)."""
    return _DEFAULT_HOOK
