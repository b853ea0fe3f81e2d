"""Isolation matrix (R-BOOK-1, R-DEL-9): for every resource with an id, another producer gets 404, an
anonymous caller 401, and the owner's delegate 403 where R-DEL-9 says so.

Adding a resource is one line in RESOURCES: a name, the method and path (with `{id}`), a maker that
creates the object in demoagent's book and returns its id, and the body to send, if any.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.test_delegates import add_delegate, mfa_sign_in, ready_delegate
from tests.api.test_quotes import make_on_exchange_quote, make_quote
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem, bearer

Maker = Callable[[Any, Any, dict[str, str]], Awaitable[str]]


async def make_delegate(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    return str((await add_delegate(client, producer))["id"])


async def make_account(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        fam = await make_family(uow, await producer_id(uow, "demoagent"))
        await uow.commit()
    return fam.account_number


async def make_prospect(client, app, producer) -> str:  # type: ignore[no-untyped-def]
    r = await client.post(
        "/api/v1/prospects",
        headers=producer,
        json={"first_name": "Pat", "last_name": "Prospect", "state": "IL", "zip_code": "60601"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@dataclass(frozen=True)
class Resource:
    name: str
    method: str
    path: str
    make: Maker
    body: dict[str, Any] | None = None
    delegate_forbidden: bool = True  # R-DEL-9: client management etc. is producers only


RESOURCES = [
    Resource("delegate", "GET", "/api/v1/delegates/{id}", make_delegate),
    Resource("delegate-remove", "DELETE", "/api/v1/delegates/{id}", make_delegate),
    Resource("client-detail", "GET", "/api/v1/members/{id}", make_account),
    Resource(
        "contact-change",
        "POST",
        "/api/v1/members/{id}/contact-info-changes",
        make_account,
        {"email": "changed@example.com"},
    ),
    Resource("prospect", "GET", "/api/v1/prospects/{id}", make_prospect),
    Resource("prospect-update", "PATCH", "/api/v1/prospects/{id}", make_prospect, {"city": "Peoria"}),
    Resource("prospect-delete", "DELETE", "/api/v1/prospects/{id}", make_prospect),
    # Saved reports (R-REP-3); the maker lives with the report tests.
    Resource(
        "saved-report",
        "GET",
        "/api/v1/saved-reports/{id}",
        __import__("tests.api.test_reports", fromlist=["make_saved_report"]).make_saved_report,
    ),
    Resource(
        "saved-report-run",
        "GET",
        "/api/v1/saved-reports/{id}/run",
        __import__("tests.api.test_reports", fromlist=["make_saved_report"]).make_saved_report,
    ),
    Resource(
        "saved-report-delete",
        "DELETE",
        "/api/v1/saved-reports/{id}",
        __import__("tests.api.test_reports", fromlist=["make_saved_report"]).make_saved_report,
    ),
    # Documents (R-DOC-4) and e-questions (R-EQ-4); the makers live with their API tests.
    Resource(
        "document-delete",
        "DELETE",
        "/api/v1/documents/{id}",
        __import__("tests.api.test_documents", fromlist=["make_document"]).make_document,
    ),
    Resource(
        "e-question",
        "GET",
        "/api/v1/e-questions/{id}",
        __import__("tests.api.test_e_questions", fromlist=["make_e_question"]).make_e_question,
    ),
    Resource(
        "e-question-delete",
        "DELETE",
        "/api/v1/e-questions/{id}",
        __import__("tests.api.test_e_questions", fromlist=["make_e_question"]).make_e_question,
    ),
    Resource("quote", "GET", "/api/v1/quotes/{id}", make_quote, delegate_forbidden=False),
    Resource("quote-plans", "GET", "/api/v1/quotes/{id}/plans", make_quote, delegate_forbidden=False),
    Resource(
        "quote-selection",
        "PUT",
        "/api/v1/quotes/{id}/selection",
        make_quote,
        {"medical_plan_id": None, "dental_plan_id": None},
        delegate_forbidden=False,
    ),
    # R-ENR-2 / R-DEL-9: on-exchange enrollment is for producers only (the owner gets the exchange's URL)
    Resource("quote-enroll-on-exchange", "POST", "/api/v1/quotes/{id}/enrollments", make_on_exchange_quote, {}),
]
IDS = [r.name for r in RESOURCES]


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"access_token_minutes": 600})


async def call(client, res: Resource, object_id: str, headers: dict[str, str] | None):  # type: ignore[no-untyped-def]
    return await client.request(res.method, res.path.format(id=object_id), json=res.body, headers=headers or {})


@pytest.mark.parametrize("res", RESOURCES, ids=IDS)
async def test_r_book_1_another_producer_gets_404_and_the_owner_does_not(client, app, producer, res) -> None:
    object_id = await res.make(client, app, producer)
    other = await bearer(client, "otheragent", "Other123")
    body = assert_problem(await call(client, res, object_id, other), 404, "not_found")
    assert body["detail"]
    owner = await call(client, res, object_id, producer)
    assert owner.status_code < 400, owner.text


@pytest.mark.parametrize("res", RESOURCES, ids=IDS)
async def test_r_book_1_anonymous_gets_401(client, app, producer, res) -> None:
    object_id = await res.make(client, app, producer)
    assert_problem(await call(client, res, object_id, None), 401)


async def test_r_del_9_the_owners_delegate_gets_403_where_the_rule_says(client, app, producer, clock) -> None:
    admin = await bearer(client, "admin", "Admin123")
    delegate = await ready_delegate(client, admin, producer, clock)
    tokens = await mfa_sign_in(client, admin, delegate, clock)
    as_delegate = {"Authorization": f"Bearer {tokens['access_token']}"}
    for res in RESOURCES:
        object_id = await res.make(client, app, producer)
        r = await call(client, res, object_id, as_delegate)
        if res.delegate_forbidden:
            assert_problem(r, 403, "delegate_not_permitted")
        else:
            assert r.status_code < 400, (res.name, r.text)
