"""Issue 19: member search's fast handler answers exactly as the declared route does, in fewer statements.

`app.routers.fastpath`: the fast handler takes the common case (a producer's bearer token, a valid query string)
and hands everything else to the declared route. On PostgreSQL the first page is one statement (session check,
search, audit row); SQLite keeps three. Each case below runs through both handlers on the same data; status,
body, headers (`Link`, `Cache-Control`, the content type...: all but the request id and the length) and the audit
rows written must be the same (R-MEM-2/3/4/6).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select, update

from app.repositories.orm import AuditEvent, User
from app.routers import fastpath
from app.routers.members import search_members
from tests.api.test_members import book  # noqa: F401 - the fixture
from tests.helpers import bearer

SEARCH = "/api/v1/members"
AUDIT_FIELDS = ("action", "outcome", "actor_username", "on_behalf_of_user_id", "api_key_id", "target_id", "details")


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs (both engines)."""
    sent: list[str] = []
    seen: set[int] = set()
    db = app.state.ctx.db
    engines = [db.engine.sync_engine, db.read_engine.sync_engine]  # one may derive from the other: seen once

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
        if id(context) not in seen:
            seen.add(id(context))
            sent.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


@contextmanager
def declared_only() -> Iterator[None]:
    """The declared route alone, as before issue 19."""
    handler = fastpath._FAST.pop(search_members)
    try:
        yield
    finally:
        fastpath._FAST[search_members] = handler


@contextmanager
def fast_answers() -> Iterator[list[bool]]:
    """Whether the fast handler answered each request itself (True) or handed it on (False)."""
    handler = fastpath._FAST[search_members]
    answered: list[bool] = []

    async def watched(request: Any) -> Any:
        try:
            response = await handler(request)
        except Exception:  # a domain error raised by the fast handler is its answer too
            answered.append(True)
            raise
        answered.append(response is not None)
        return response

    fastpath._FAST[search_members] = watched
    try:
        yield answered
    finally:
        fastpath._FAST[search_members] = handler


async def audit_rows(app: Any, after: int) -> list[dict[str, Any]]:
    async with app.state.ctx.reads(primary=True) as reads:
        rows = (
            (await reads.session.execute(select(AuditEvent).where(AuditEvent.id > after).order_by(AuditEvent.id)))
            .scalars()
            .all()
        )
    return [{f: getattr(r, f) for f in AUDIT_FIELDS} for r in rows]


async def last_audit_id(app: Any) -> int:
    async with app.state.ctx.reads(primary=True) as reads:
        found = await reads.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    return int(found or 0)


async def answer(client: Any, app: Any, headers: dict[str, str], params: Any) -> dict[str, Any]:
    before = await last_audit_id(app)
    r = await client.get(SEARCH, params=params, headers=headers)
    body = r.json()
    if isinstance(body, dict):
        body.pop("request_id", None)  # the only part of a problem that differs per request
    return {
        "status": r.status_code,
        "body": body,
        "headers": {k: v for k, v in r.headers.items() if k not in ("x-request-id", "content-length")},
        "audit": await audit_rows(app, before),
    }


async def both_ways(client: Any, app: Any, headers: dict[str, str], params: Any) -> tuple[dict[str, Any], bool]:
    """The answer of the fast handler (and whether it answered itself) and the declared route's, compared."""
    with fast_answers() as answered:
        fast = await answer(client, app, headers, params)
    with declared_only():
        declared = await answer(client, app, headers, params)
    assert fast == declared, params
    return fast, answered == [True]


async def test_issue_19_r_mem_2_3_4_6_fast_search_answers_as_the_declared_route(client, app, producer, book) -> None:  # noqa: F811
    jt = book["jt"]
    cases: list[tuple[Any, bool]] = [  # (query, answered by the fast handler itself)
        ({"account_number": jt.account_number}, True),
        ({"ssn_last4": "0412", "date_of_birth": "1961-07-13"}, True),
        ({"last_name": "a", "sort": "-coverage_effective_date,first_name", "page_size": 2}, True),
        ({"last_name": "a", "page_size": 2, "page": 2}, True),
        ({"last_name": "a", "page": 400}, True),  # past the end: the total still counted
        ({"last_name": "a", "filter_status": "grace period", "filter_exchange": "OFF"}, True),
        ({"last_name": "a", "filter_product_type": "on-exchange", "filter_coverage": "dental"}, True),
        ({"first_name": "jess", "filter_record_type": "application"}, True),
        ({"account_number": "000000000"}, True),  # nothing found: still audited
        ([("last_name", "zz"), ("last_name", "qte"), ("unknown", "x")], True),  # last value; unknown ignored
        ({"producer_last_name": "nobody", "last_name": "a"}, True),  # a name that is not the caller's: nothing
        ({}, True),  # no criterion: the domain's 422
        ({"filter_status": "sleeping", "last_name": "a"}, False),  # not in the list: the declared 422
        ({"page_size": 500, "last_name": "a"}, False),
        ({"date_of_birth": "x" * 11}, False),
    ]
    for params, fast in cases:
        result, answered = await both_ways(client, app, producer, params)
        assert answered is fast, params
        if result["status"] == 200:
            assert all(row["producer_name"].strip() for row in result["body"]["items"])
            assert [a["action"] for a in result["audit"]] == ["member.search"]
    found, _ = await both_ways(client, app, producer, {"account_number": jt.account_number})
    assert {r["account_number"] for r in found["body"]["items"]} == {jt.account_number}
    assert found["audit"][0]["details"]["accounts"] == [jt.account_number]
    assert found["audit"][0]["details"]["results"] == found["body"]["total"] == 2


async def test_issue_19_r_mem_6_refused_callers_get_the_declared_answer_and_audit(client, app, producer, book) -> None:  # noqa: F811
    params = {"account_number": book["jt"].account_number}
    admin = await bearer(client, "admin", "Admin123")
    result, answered = await both_ways(client, app, admin, params)  # a role that may not search
    assert result["status"] == 403 and not answered
    assert result["body"]["code"] == "forbidden_role" and not [a for a in result["audit"] if a["outcome"] == "success"]
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}):
        result, answered = await both_ways(client, app, headers, params)
        assert result["status"] == 401 and not answered and result["audit"] == []
    with fast_answers() as answered:  # a body on a read: whatever the declared route makes of it
        r = await client.request("GET", SEARCH, params=params, headers=producer, content=b'{"a": 1}')
    assert r.status_code == 200 and r.json()["total"] == 2 and answered == [False]

    # A session the user has since had to change the password of, or an inactive user: the checks of the
    # declared route, made by the one statement too on PostgreSQL.
    async with app.state.ctx.uow() as uow:
        await uow.session.execute(update(User).where(User.username == "demoagent").values(must_change_password=True))
        await uow.commit()
    result, answered = await both_ways(client, app, producer, params)
    assert result["status"] == 403 and result["body"]["code"] == "password_change_required" and not answered
    async with app.state.ctx.uow() as uow:
        await uow.session.execute(
            update(User).where(User.username == "demoagent").values(must_change_password=False, status="inactive")
        )
        await uow.commit()
    result, answered = await both_ways(client, app, producer, params)
    assert result["status"] == 401 and not answered

    # Signed out: refused at once by both.
    fresh = await bearer(client, "otheragent", "Other123")
    assert (await client.post("/api/v1/auth/logout", headers=fresh)).status_code == 204
    result, answered = await both_ways(client, app, fresh, params)
    assert result["status"] == 401 and result["body"]["code"] == "session_revoked" and not answered


async def test_issue_19_r_mem_6_first_page_is_one_statement_on_postgresql(client, app, producer, book) -> None:  # noqa: F811
    params = {"account_number": book["jt"].account_number}
    await client.get(SEARCH, params=params, headers=producer)  # warm: prepared statements, pools
    postgres = not app.state.ctx.settings.is_sqlite
    with statements(app) as sent:
        r = await client.get(SEARCH, params=params, headers=producer)
    assert r.status_code == 200 and r.json()["total"] == 2
    searches = [s for s in sent if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SELECT 1"))]
    if postgres:
        assert len(searches) == 1, searches  # session check, search and audit insert: one round trip
        assert "INSERT INTO audit_events" in searches[0] and "auth_sessions" in searches[0]
    else:
        assert len(searches) == 3, [s[:60] for s in searches]  # SQLite keeps the simple path
    with statements(app) as sent:
        r = await client.get(SEARCH, params={**params, "page": 2}, headers=producer)
    assert r.status_code == 200 and r.json()["items"] == []
    assert len([s for s in sent if "audit_events" in s]) == 1


async def test_issue_19_a_verified_token_is_checked_for_expiry_on_every_use(client, app, producer, book, clock) -> None:  # noqa: F811
    params = {"account_number": book["jt"].account_number}
    assert (await client.get(SEARCH, params=params, headers=producer)).status_code == 200
    clock.advance(minutes=app.state.ctx.settings.access_token_minutes + 1)
    r = await client.get(SEARCH, params=params, headers=producer)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"
