"""Issue 14 through the API: GET /option-lists, and the data checks at section save (R-ENR-3, R-ENR-7, R-ENR-8,
R-ENR-9): the values the walk found accepted ("Klingon", race "Purple", county "Lake" for 60601, a dependent born
1990, a TX writing number on an IL application) are refused when saved, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from app.repositories.orm import Application
from tests.api.test_enrollments import (
    HOUSEHOLD,
    URL,
    applicant,
    general,
    put,
    reference,  # noqa: F401  (fixture)
    settings,  # noqa: F401  (fixture)
)
from tests.helpers import assert_problem

pytestmark = pytest.mark.usefixtures("reference")


async def _sections(app: Any, app_id: int) -> dict[str, Any]:
    async with app.state.ctx.uow() as uow:
        row = await uow.session.get(Application, app_id)
        assert row is not None
        return dict(row.sections)


async def _new(client: Any, producer: dict[str, str]) -> int:
    r = await client.post(URL, headers=producer)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_option_lists_serve_languages_race_and_ethnicity_and_the_closed_lists(client, producer) -> None:  # type: ignore[no-untyped-def]
    r = await client.get("/api/v1/option-lists", headers=producer)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {"code": "spa", "label": "Spanish"} in body["languages"]
    assert {"code": "black", "label": "Black or African American"} in body["races"]
    assert {"code": "puerto_rican", "label": "Puerto Rican"} in body["ethnicities"]
    assert [o["code"] for o in body["sexes"]] == ["female", "male"]
    assert {"code": "move", "label": "Permanent move"} in body["life_events"]
    assert set(body) >= {"phone_types", "form_types", "authorizations", "hra_types", "payment_options"}
    assert not any(o["code"] == "Klingon" for o in body["languages"])
    assert (await client.get("/api/v1/option-lists")).status_code == 401


async def test_language_and_race_outside_the_lists_are_422_and_not_stored(client, producer, app) -> None:  # type: ignore[no-untyped-def]
    app_id = await _new(client, producer)
    answers = {"primary": {"spoken_language": "Klingon", "race": ["Purple"]}}
    body = assert_problem(
        await put(client, producer, app_id, "household", {**HOUSEHOLD, "language_ethnicity": answers}), 422
    )
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("language_ethnicity.primary.spoken_language", "enrollment.option_invalid"),
        ("language_ethnicity.primary.race", "enrollment.option_invalid"),
    ]
    assert "GET /option-lists" in body["errors"][0]["message"]
    assert "household" not in await _sections(app, app_id)
    good = {
        "primary": {"spoken_language": "spa", "written_language": "eng", "ethnicity": ["mexican"], "race": ["white"]}
    }
    ok = await put(client, producer, app_id, "household", {**HOUSEHOLD, "language_ethnicity": good})
    assert ok.status_code == 200, ok.text
    assert ok.json()["sections"]["household"]["language_ethnicity"] == good
    assert (await _sections(app, app_id))["household"]["language_ethnicity"] == good


async def test_home_county_and_state_must_match_the_zip(client, producer, app) -> None:  # type: ignore[no-untyped-def]
    app_id = await _new(client, producer)
    home = applicant()["home_address"]
    body = assert_problem(
        await put(client, producer, app_id, "applicant", applicant(home_address={**home, "county": "Lake"})), 422
    )
    assert [(e["field"], e["code"], e["message"]) for e in body["errors"]] == [
        (
            "home_address.county",
            "enrollment.county_mismatch",
            "Lake is not a county of zip code 60699; choose Testcook.",
        )
    ]
    body = assert_problem(
        await put(client, producer, app_id, "applicant", applicant(home_address={**home, "state": "TX"})), 422
    )
    assert body["errors"][0]["code"] == "enrollment.state_mismatch"
    body = assert_problem(
        await put(client, producer, app_id, "applicant", applicant(home_address={**home, "zip_code": "00001"})), 422
    )
    assert body["errors"][0]["code"] == "enrollment.zip_unknown"
    assert "applicant" not in await _sections(app, app_id)


async def test_dependent_26_or_older_needs_disabled(client, producer, app) -> None:  # type: ignore[no-untyped-def]
    app_id = await _new(client, producer)
    adult = {"first_name": "Jo", "last_name": "Enroller", "date_of_birth": "1990-02-02", "sex": "male", "ssn": None}
    house = {**HOUSEHOLD, "dependents": [adult]}
    body = assert_problem(await put(client, producer, app_id, "household", house), 422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("dependents.0.date_of_birth", "enrollment.dependent_too_old")
    ]
    assert "Jo is 36" in body["errors"][0]["message"] and "disabled" in body["errors"][0]["message"]
    ok = await put(client, producer, app_id, "household", {**house, "dependents": [{**adult, "disabled": True}]})
    assert ok.status_code == 200, ok.text
    assert (await _sections(app, app_id))["household"]["dependents"][0]["disabled"] is True


async def test_writing_number_must_be_in_the_applicants_state_at_save(client, producer, app) -> None:  # type: ignore[no-untyped-def]
    app_id = await _new(client, producer)
    assert (await put(client, producer, app_id, "applicant", applicant())).status_code == 200  # lives in IL
    body = assert_problem(await put(client, producer, app_id, "general", general(producer_number="220002581")), 422)
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("producer_number", "enrollment.state_mismatch")]
    assert "is for TX but the applicant lives in IL" in body["errors"][0]["message"]
    assert "general" not in await _sections(app, app_id)
    ok = await put(client, producer, app_id, "general", general())
    assert ok.status_code == 200 and ok.json()["state"] == "IL" and ok.json()["producer_number"] == "220002580"
