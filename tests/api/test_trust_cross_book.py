"""Issue 12, finding 10: references in a request body must be in the caller's book, and a delegate's role holds
through quotes (R-BOOK-1, R-DOC-2, R-EQ-1, R-QUO-1, R-DEL-9).

A document's e-app number, an e-question's client and a quote's prospect were taken as given: otheragent could
file a document under demoagent's e-app number or ask about demoagent's client 730075112, and a delegate - who
may not open prospects - read a prospect's names through `POST /quotes {"prospect_id": N}`, and quoted outside
its states. Each test checks the answer and that nothing was stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.repositories.orm import Account, Document, EQuestion, Member, Policy, Quote
from tests.api.test_delegates import add_delegate, create_password, mfa_sign_in, verify_link
from tests.api.test_documents import PNG, upload
from tests.api.test_quotes import quote_body
from tests.factories import producer_id
from tests.helpers import assert_problem

API = "/api/v1"
CLIENT = "730075112"  # demoagent's client of api.md (Michael Alvarez)


@pytest.fixture
def settings(settings, tmp_path):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"storage_dir": str(tmp_path / "uploads"), "access_token_minutes": 600})


async def count(app, model, *where) -> int:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def demo_e_app(app) -> str:  # type: ignore[no-untyped-def]
    """An e-app number of a policy in demoagent's book."""
    async with app.state.ctx.uow() as uow:
        pid = await producer_id(uow, "demoagent")
        return str(
            (
                await uow.session.execute(
                    select(Policy.e_app_number)
                    .where(Policy.producer_id == pid, Policy.e_app_number.is_not(None))
                    .limit(1)
                )
            ).scalar_one()
        )


async def signed_in_delegate(client, admin, producer, clock, states: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    d = await add_delegate(client, producer, states=states)
    await verify_link(client, admin, d)
    await create_password(client, admin, d, clock=clock)
    return {"Authorization": f"Bearer {(await mfa_sign_in(client, admin, d, clock))['access_token']}"}


# --- documents: the e-app number ------------------------------------------------------------------------------


async def test_trust_10_document_under_another_books_e_app_number_is_refused(
    client, app, producer, other, settings
) -> None:
    e_app = await demo_e_app(app)
    body = assert_problem(await upload(client, other, e_app_number=e_app), 422, "document.e_app_number_not_in_book")
    assert body["errors"] == [
        {"field": "e_app_number", "code": "document.e_app_number_not_in_book", "message": body["detail"]}
    ]
    # A number that is nobody's answers in the same words: the answer tells nothing about other books.
    nobody = assert_problem(
        await upload(client, other, e_app_number="99999999"), 422, "document.e_app_number_not_in_book"
    )
    assert nobody["detail"] == body["detail"].replace(e_app, "99999999")
    # Both references wrong: both reported at once.
    both = assert_problem(await upload(client, other, e_app_number=e_app, account_number=CLIENT), 422)
    assert {e["field"] for e in both["errors"]} == {"account_number", "e_app_number"}
    assert await count(app, Document) == 0
    # The owner files it: a policy's e-app number, and the number of an application started in the portal.
    mine = await upload(client, producer, e_app_number=e_app, account_number=CLIENT)
    assert mine.status_code == 201, mine.text
    assert mine.json()["e_app_number"] == e_app
    application = (await client.post(f"{API}/enrollments", headers=producer)).json()
    number = application["record_number"].removeprefix("A-")
    started = await upload(client, producer, "card.png", PNG, e_app_number=number)
    assert started.status_code == 201, started.text
    assert_problem(await upload(client, other, e_app_number=number), 422, "document.e_app_number_not_in_book")
    assert await count(app, Document) == 2


# --- e-questions: the client ----------------------------------------------------------------------------------


def about(client_id: str) -> dict[str, Any]:
    return {
        "kind": "member_specific",
        "subject": "Claim status",
        "question": "Was the claim paid?",
        "client_first_name": "Michael",
        "client_last_name": "Alvarez",
        "client_id": client_id,
    }


async def test_trust_10_e_question_about_another_books_client_is_refused(client, app, producer, other) -> None:
    body = assert_problem(
        await client.post(f"{API}/e-questions", json=about(CLIENT), headers=other), 422, "e_question.client_not_in_book"
    )
    assert body["errors"][0]["field"] == "client_id" and CLIENT in body["detail"]
    nobody = assert_problem(
        await client.post(f"{API}/e-questions", json=about("123456789"), headers=other),
        422,
        "e_question.client_not_in_book",
    )
    assert nobody["detail"] == body["detail"].replace(CLIENT, "123456789")
    assert_problem(
        await client.post(f"{API}/e-questions", json=about(CLIENT + "01"), headers=other),
        422,
        "e_question.client_not_in_book",
    )
    assert await count(app, EQuestion) == 0
    # The owner asks by account number, by member ID (as on the ID card, without the dash) or by e-app number.
    async with app.state.ctx.uow() as uow:
        suffix = (
            await uow.session.execute(
                select(Member.suffix)
                .join(Account, Account.id == Member.account_id)
                .where(Account.account_number == CLIENT)
                .limit(1)
            )
        ).scalar_one()
    for client_id in (CLIENT, CLIENT + suffix, await demo_e_app(app)):
        r = await client.post(f"{API}/e-questions", json=about(client_id), headers=producer)
        assert r.status_code == 201, (client_id, r.text)
        assert r.json()["client_id"] == client_id
    assert await count(app, EQuestion) == 3
    # A general question names no client and is not checked.
    r = await client.post(
        f"{API}/e-questions",
        headers=other,
        json={"kind": "general", "subject": "Portal", "question": "Where are reports?"},
    )
    assert r.status_code == 201, r.text


# --- quotes: the prospect and the delegate's role ---------------------------------------------------------------


async def demo_prospect(client, producer) -> int:  # type: ignore[no-untyped-def]
    r = await client.post(
        f"{API}/prospects",
        headers=producer,
        json={"first_name": "Priscilla", "last_name": "Secretname", "state": "IL", "zip_code": "60601"},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def from_prospect(prospect_id: int, **overrides: Any) -> dict[str, Any]:
    """A quote whose applicant's names come from the prospect (R-QUO-1 "can come from a prospect")."""
    body = quote_body(prospect_id=prospect_id, **overrides)
    body["applicant"] = {**body["applicant"], "first_name": None, "last_name": None}
    return body


async def test_trust_10_delegate_cannot_read_a_prospect_through_a_quote(client, app, admin, producer, clock) -> None:
    prospect_id = await demo_prospect(client, producer)
    delegate = await signed_in_delegate(client, admin, producer, clock, ["IL"])
    assert_problem(await client.get(f"{API}/prospects/{prospect_id}", headers=delegate), 403, "delegate_not_permitted")
    r = await client.post(f"{API}/quotes", json=from_prospect(prospect_id), headers=delegate)
    body = assert_problem(r, 403, "delegate_not_permitted")
    assert "Priscilla" not in r.text and "Secretname" not in r.text and "prospect_id" in body["detail"]
    # Nor can it probe: a prospect id that is nobody's answers the same.
    assert (
        assert_problem(await client.post(f"{API}/quotes", json=from_prospect(10**9), headers=delegate), 403)["detail"]
        == body["detail"]
    )
    assert await count(app, Quote) == 0
    # The producer still quotes from its prospect, and the names come from it.
    mine = await client.post(f"{API}/quotes", json=from_prospect(prospect_id), headers=producer)
    assert mine.status_code == 201, mine.text
    assert (mine.json()["applicant"]["first_name"], mine.json()["prospect_id"]) == ("Priscilla", prospect_id)


async def test_trust_10_quote_with_another_books_prospect_is_404(client, app, producer, other) -> None:
    prospect_id = await demo_prospect(client, producer)
    r = await client.post(f"{API}/quotes", json=from_prospect(prospect_id), headers=other)
    assert_problem(r, 404)
    assert "Priscilla" not in r.text and "Secretname" not in r.text
    assert await count(app, Quote) == 0


async def test_trust_10_delegate_quotes_only_in_its_own_states(client, app, admin, producer, clock) -> None:
    texas = {"zip_code": "75201", "county": "Dallas"}
    il_only = await signed_in_delegate(client, admin, producer, clock, ["IL"])
    body = assert_problem(
        await client.post(f"{API}/quotes", json=quote_body(**texas), headers=il_only),
        403,
        "quote.delegate_state_not_assigned",
    )
    assert "TX" in body["detail"] and "IL" in body["detail"]
    assert await count(app, Quote) == 0
    r = await client.post(f"{API}/quotes", json=quote_body(), headers=il_only)  # Cook County, IL
    assert r.status_code == 201, r.text
    # A delegate assigned to Texas quotes there, as does the producer.
    both = await signed_in_delegate(client, admin, producer, clock, ["IL", "TX"])
    for headers in (both, producer):
        r = await client.post(f"{API}/quotes", json=quote_body(**texas), headers=headers)
        assert r.status_code == 201, r.text
        assert r.json()["state"] == "TX"
    assert await count(app, Quote) == 3
