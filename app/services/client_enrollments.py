"""Start an application from an existing client of the book (R-ENR-7, issue 14): `POST /enrollments
{"account_number": ...}`."""

from __future__ import annotations

from typing import Protocol

from app.domain.accounts import Principal, Role
from app.domain.client_prefill import ClientFacts, ClientPerson, prefill_sections
from app.domain.enrollments import Lifecycle, record_number
from app.domain.errors import Forbidden, NotFound
from app.domain.text import name_key
from app.ports import HasClock, HasSettings, HasUnitOfWork
from app.repositories.orm import Account, Application, Member
from app.services import audit
from app.services.audit import RequestContext

NOT_IN_BOOK = "No client with account number {} in your book of business."
DELEGATE_CLIENTS = (
    "Delegates cannot open a client's record, so they cannot start an application from one: "
    "start a blank application or one from a quote."
)


class ClientEnrollmentPorts(HasUnitOfWork, HasClock, HasSettings, Protocol):
    """What starting an application from a client uses."""


def check_may_start_from_client(principal: Principal) -> None:
    """R-DEL-9: client records are the producer's; a delegate is refused (403) like on every member route."""
    if principal.role is Role.delegate:
        raise Forbidden(DELEGATE_CLIENTS, code="delegate_not_permitted")


def _client(account: Account, members: list[Member]) -> ClientFacts:
    def person(m: Account | Member, relationship: str) -> ClientPerson:
        return ClientPerson(
            relationship, m.first_name, m.middle_initial, m.last_name, m.date_of_birth, m.sex, m.ssn_last4
        )

    return ClientFacts(
        account_number=account.account_number,
        primary=person(account, "primary"),
        address1=account.address1,
        address2=account.address2,
        city=account.city,
        state=account.state,
        zip_code=account.zip_code,
        county=account.county,
        email=account.email,
        phone_cell=account.phone_cell,
        phone_home=account.phone_home,
        phone_work=account.phone_work,
        members=[person(m, m.relationship) for m in members if m.relationship != "primary"],
    )


async def create_application_from_client(
    *, ctx: ClientEnrollmentPorts, principal: Principal, account_number: str, request: RequestContext
) -> Application:
    """R-ENR-1 / R-ENR-7: a new incomplete application prefilled with the client's applicant, home address,
    contact and household (the caller's own book only: another's account is a 404), audited as a read of the
    client's record and as the application's start, in one transaction."""
    check_may_start_from_client(principal)
    now = ctx.clock.now()
    async with ctx.uow() as uow:
        account = await uow.servicing.account_in_book(principal.book_id, account_number)
        if account is None:
            raise NotFound(NOT_IN_BOOK.format(account_number))
        client = _client(account, await uow.contact_changes.members_of(account.id))
        sections = prefill_sections(client, await uow.applications.producer_numbers(principal.book_id))
        app = Application(
            producer_id=principal.book_id,
            created_by_id=principal.user_id,
            quote_id=None,
            sections=sections,
            created_at=now,
        )
        Lifecycle.started(now, expiry_days=ctx.settings.application_expiry_days).apply_to(app)
        if "general" in sections:
            app.producer_number, app.state = sections["general"]["producer_number"], client.state
        primary = client.primary
        app.applicant_first_name, app.applicant_last_name = primary.first_name, primary.last_name
        app.applicant_last_name_key = name_key(primary.last_name) or None
        app.applicant_date_of_birth = primary.date_of_birth
        uow.applications.add(app)
        await uow.flush()
        app.record_number = record_number(app.id)
        for action, target_type, target_id, details in (
            ("member.enrollment_prefill", "account", account_number, {"application_id": app.id}),  # R-MEM-6
            ("enrollment.started", "application", app.id, {"account_number": account_number}),
        ):
            audit.record(
                uow,
                now=now,
                request=request,
                action=action,
                actor_user_id=principal.user_id,
                actor_username=principal.username,
                target_type=target_type,
                target_id=target_id,
                details=details,
            )
        await uow.commit()
        return app
