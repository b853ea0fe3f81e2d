"""User agents are column-sized in one place: where the request context is made (audit rows, sessions, devices)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.services.audit import USER_AGENT_LENGTH, RequestContext, event_row, stored_user_agent


def test_stored_user_agent_is_column_sized_and_none_when_absent() -> None:
    assert stored_user_agent("x" * 500) == "x" * USER_AGENT_LENGTH == "x" * 300
    assert stored_user_agent("curl/8.0") == "curl/8.0"
    assert stored_user_agent("") is None and stored_user_agent(None) is None


def test_the_request_context_holds_the_user_agent_as_stored() -> None:
    assert RequestContext(user_agent="y" * 301).user_agent == "y" * 300
    assert RequestContext(user_agent="").user_agent is None
    assert RequestContext(ip="1.2.3.4", user_agent="ua", request_id="r") == RequestContext("1.2.3.4", "ua", "r")


def test_audit_rows_store_that_user_agent() -> None:
    row = event_row(
        now=datetime(2026, 11, 22, tzinfo=UTC), request=RequestContext(user_agent="z" * 400), action="probe"
    )
    assert row["user_agent"] == "z" * 300
