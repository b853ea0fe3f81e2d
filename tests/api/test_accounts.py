"""Registration, profile, password change and another state (R-AUTH-1, 2, 6, 7, 8)."""

from __future__ import annotations

from sqlalchemy import select

from app.repositories.orm import AuditEvent, Registration, StateRegistration, User
from tests.helpers import (
    assert_problem,
    bearer,
    outbox,
    register_and_activate,
    registration,
    state_registration,
    token,
)


async def test_r_auth_1_registration_is_pending_until_an_admin_activates(client, demo, app) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = registration(
        state_registrations=[state_registration(state="IL"), state_registration(state="TX", address_state="TX")]
    )
    r = await client.post("/api/v1/registrations", json=payload)
    assert r.status_code == 201 and r.json()["status"] == "pending"
    reg_id = r.json()["id"]
    async with app.state.ctx.uow() as uow:
        user = (await uow.session.execute(select(User).where(User.username == payload["username"]))).scalar_one()
        assert user.status == "pending" and user.role == "producer"
        assert user.password_hash.startswith("$argon2id$") and payload["password"] not in user.password_hash
        srs = (
            (await uow.session.execute(select(StateRegistration).where(StateRegistration.user_id == user.id)))
            .scalars()
            .all()
        )
        assert sorted(s.state for s in srs) == ["IL", "TX"] and {s.status for s in srs} == {"pending"}
    assert_problem(
        await client.post(
            "/api/v1/auth/token", data={"username": payload["username"], "password": payload["password"]}
        ),
        403,
        "account_pending",
    )
    pending = (await client.get("/api/v1/admin/registrations", headers=admin)).json()
    mine = next(i for i in pending["items"] if i["id"] == reg_id)
    assert mine["user"]["username"] == payload["username"] and mine["kind"] == "new_account"
    assert len(mine["state_registrations"]) == 2

    act = await client.post(f"/api/v1/admin/registrations/{reg_id}/activate", headers=admin)
    assert act.status_code == 200 and act.json()["status"] == "active"
    assert {s["status"] for s in act.json()["state_registrations"]} == {"active"}
    assert_problem(
        await client.post(f"/api/v1/admin/registrations/{reg_id}/activate", headers=admin),
        409,
        "registration.not_pending",
    )
    mails = await outbox(client, admin, payload["state_registrations"][0]["email"])
    activation = [m for m in mails if m["subject"] == "Retail Producer Portal Registration Activation"]
    assert len(activation) == 1
    assert "your registration request has been activated" in activation[0]["body"]
    signed = await token(client, payload["username"], payload["password"])
    assert signed["access_token"]


async def test_r_auth_1_admin_activates_or_rejects_each_state_with_a_reason_emailed(client, demo, app) -> None:
    """Issue 15: registration activation per state registration; `/activate` still activates what is left."""
    admin = await bearer(client, "admin", "Admin123")
    payload = registration(
        state_registrations=[
            state_registration(state="IL"),
            state_registration(state="TX", address_state="TX"),
            state_registration(state="OK", address_state="OK"),
        ]
    )
    r = await client.post("/api/v1/registrations", json=payload)
    reg_id = r.json()["id"]
    listed = (await client.get("/api/v1/admin/registrations", headers=admin)).json()["items"]
    srs = {s["state"]: s["id"] for s in next(i for i in listed if i["id"] == reg_id)["state_registrations"]}
    url = f"/api/v1/admin/registrations/{reg_id}/state-registrations"

    # a rejection needs a reason the producer can read
    problem = assert_problem(
        await client.post(f"{url}/{srs['TX']}/decision", json={"decision": "reject"}, headers=admin),
        422,
        "registration.reason_required",
    )
    assert problem["errors"][0]["field"] == "reason" and "TX" in problem["detail"]
    rejected = await client.post(
        f"{url}/{srs['TX']}/decision",
        json={"decision": "reject", "reason": "  The TX license on file has expired.  "},
        headers=admin,
    )
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert body["status"] == "pending"  # IL and OK still wait
    tx = next(s for s in body["state_registrations"] if s["state"] == "TX")
    assert (tx["status"], tx["decision_reason"]) == ("rejected", "The TX license on file has expired.")
    assert_problem(
        await client.post(f"{url}/{srs['TX']}/decision", json={"decision": "activate"}, headers=admin),
        409,
        "registration.state_not_pending",
    )
    assert_problem(
        await client.post(f"{url}/999999/decision", json={"decision": "activate"}, headers=admin), 404, "not_found"
    )
    # activating one state activates the new account: the producer can sign in
    il = await client.post(
        f"{url}/{srs['IL']}/decision", json={"decision": "activate", "reason": "Welcome aboard."}, headers=admin
    )
    assert il.status_code == 200 and il.json()["status"] == "pending"
    signed = await token(client, payload["username"], payload["password"])
    assert signed["access_token"]

    emails = [sr["email"] for sr in payload["state_registrations"]]  # IL, TX, OK
    mails = [m for e in dict.fromkeys(emails) for m in await outbox(client, admin, e)]
    tx_mail = next(m for m in mails if m["subject"] == "Retail Producer Portal Registration Not Approved - TX")
    assert "Your registration for TX (producer number" in tx_mail["body"]
    assert "Reason: The TX license on file has expired." in tx_mail["body"]
    il_mail = next(m for m in mails if m["subject"] == "Retail Producer Portal Registration Activation - IL")
    assert "Reason: Welcome aboard." in il_mail["body"]

    # the all-at-once activation activates what is left (OK), keeps TX rejected, and emails about OK only
    act = await client.post(f"/api/v1/admin/registrations/{reg_id}/activate", headers=admin)
    assert act.status_code == 200 and act.json()["status"] == "active"
    assert {s["state"]: s["status"] for s in act.json()["state_registrations"]} == {
        "IL": "active",
        "TX": "rejected",
        "OK": "active",
    }
    mails = [m for e in dict.fromkeys(emails) for m in await outbox(client, admin, e)]
    [rest] = [m for m in mails if m["subject"] == "Retail Producer Portal Registration Activation"]
    assert "activated (OK)" in rest["body"]
    async with app.state.ctx.uow() as uow:
        rows = (
            (await uow.session.execute(select(StateRegistration).where(StateRegistration.registration_id == reg_id)))
            .scalars()
            .all()
        )
        assert {s.state: (s.status, s.decision_reason) for s in rows} == {
            "IL": ("active", "Welcome aboard."),
            "TX": ("rejected", "The TX license on file has expired."),
            "OK": ("active", None),
        }
        events = (
            (await uow.session.execute(select(AuditEvent).where(AuditEvent.target_id == str(reg_id)))).scalars().all()
        )
        assert sorted(e.action for e in events if e.action.startswith("admin.")) == [
            "admin.registration_activated",
            "admin.state_registration_activated",
            "admin.state_registration_rejected",
        ]


async def test_a_registration_whose_every_state_is_rejected_is_rejected(client, demo, app) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = registration(state_registrations=[state_registration(state="IL")])
    reg_id = (await client.post("/api/v1/registrations", json=payload)).json()["id"]
    listed = (await client.get("/api/v1/admin/registrations", headers=admin)).json()["items"]
    [sr] = next(i for i in listed if i["id"] == reg_id)["state_registrations"]
    r = await client.post(
        f"/api/v1/admin/registrations/{reg_id}/state-registrations/{sr['id']}/decision",
        json={"decision": "reject", "reason": "No appointment with the carrier in IL."},
        headers=admin,
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    rejected = (await client.get("/api/v1/admin/registrations", params={"status": "rejected"}, headers=admin)).json()
    assert reg_id in [i["id"] for i in rejected["items"]]
    assert_problem(
        await client.post(
            "/api/v1/auth/token", data={"username": payload["username"], "password": payload["password"]}
        ),
        403,
        "account_pending",
    )
    assert_problem(
        await client.post(f"/api/v1/admin/registrations/{reg_id}/activate", headers=admin),
        409,
        "registration.not_pending",
    )


async def test_r_auth_1_invalid_registration_lists_every_problem(client) -> None:
    payload = registration(
        password="abc",
        password_confirmation="abd",
        state_registrations=[state_registration(agent_unique_id="12345", state="CA")],
    )
    body = assert_problem(await client.post("/api/v1/registrations", json=payload), 422, "validation_failed")
    fields = {e["field"] for e in body["errors"]}
    assert {
        "password",
        "password_confirmation",
        "state_registrations.0.agent_unique_id",
        "state_registrations.0.state",
    } <= fields


async def test_r_auth_1_missing_fields_are_named(client) -> None:
    payload = registration()
    del payload["first_name"]
    payload["state_registrations"][0].pop("email")
    body = assert_problem(await client.post("/api/v1/registrations", json=payload), 422, "validation_failed")
    assert {"first_name", "state_registrations.0.email"} <= {e["field"] for e in body["errors"]}
    assert all(e["code"] == "required" for e in body["errors"])


async def test_r_auth_1_unknown_fields_are_refused(client) -> None:
    body = assert_problem(await client.post("/api/v1/registrations", json=registration(status="active")), 422)
    assert body["errors"][0]["field"] == "status" and body["errors"][0]["code"] == "unknown_field"


async def test_r_auth_2_usernames_are_unique_across_producers_and_admins(client, demo, app) -> None:
    for taken in ("admin", "demoagent"):
        body = assert_problem(
            await client.post("/api/v1/registrations", json=registration(username=taken)),
            409,
            "registration.username_taken",
        )
        assert body["errors"][0]["field"] == "username"
    async with app.state.ctx.uow() as uow:
        # only the demo data's three registrations: the refused ones wrote nothing
        assert len((await uow.session.execute(select(Registration))).scalars().all()) == 3


async def test_r_auth_1_a_producer_number_already_registered_in_the_state_is_refused(client, demo) -> None:
    payload = registration(state_registrations=[state_registration(state="IL", agent_unique_id="220002580")])
    assert_problem(await client.post("/api/v1/registrations", json=payload), 409, "registration.agent_unique_id_taken")


async def test_r_auth_6_edit_profile_changes_editable_fields(client, demo, app) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    me = (await client.get("/api/v1/me", headers=auth)).json()
    il = next(s for s in me["state_registrations"] if s["state"] == "IL")
    r = await client.patch(
        "/api/v1/me",
        headers=auth,
        json={
            "state_registrations": [
                {
                    "id": il["id"],
                    "company_name": "Demo & Sons",
                    "address1": "200 W Adams St",
                    "city": "Chicago",
                    "zip_code": "60606",
                    "phone": "312-555-0111",
                    "email": "new@agency.example",
                }
            ]
        },
    )
    assert r.status_code == 200, r.text
    updated = next(s for s in r.json()["state_registrations"] if s["id"] == il["id"])
    assert (updated["company_name"], updated["address1"], updated["zip_code"], updated["email"]) == (
        "Demo & Sons",
        "200 W Adams St",
        "60606",
        "new@agency.example",
    )
    again = (await client.get("/api/v1/me", headers=auth)).json()
    assert next(s for s in again["state_registrations"] if s["id"] == il["id"])["phone"] == "312-555-0111"


async def test_r_auth_6_name_and_producer_number_are_immutable_and_nothing_changes(client, demo) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    me = (await client.get("/api/v1/me", headers=auth)).json()
    il = next(s for s in me["state_registrations"] if s["state"] == "IL")
    body = assert_problem(
        await client.patch(
            "/api/v1/me",
            headers=auth,
            json={
                "first_name": "Changed",
                "state_registrations": [{"id": il["id"], "agent_unique_id": "111111111", "company_name": "Sneaky"}],
            },
        ),
        422,
        "validation_failed",
    )
    assert {e["field"] for e in body["errors"]} == {"first_name", "state_registrations.0.agent_unique_id"}
    assert {e["code"] for e in body["errors"]} == {"profile.field_not_editable"}
    after = (await client.get("/api/v1/me", headers=auth)).json()
    assert after == me  # nothing changed, not even the editable company name


async def test_r_auth_6_another_producers_state_registration_is_404(client, demo) -> None:
    other = await bearer(client, "otheragent", "Other123")
    mine = await bearer(client, "demoagent", "Demo1234")
    demo_reg = (await client.get("/api/v1/me", headers=mine)).json()["state_registrations"][0]["id"]
    assert_problem(
        await client.patch(
            "/api/v1/me", headers=other, json={"state_registrations": [{"id": demo_reg, "company_name": "Hijack"}]}
        ),
        404,
    )


async def test_r_auth_6_bad_edited_values_are_422(client, demo) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    reg = (await client.get("/api/v1/me", headers=auth)).json()["state_registrations"][0]["id"]
    body = assert_problem(
        await client.patch(
            "/api/v1/me",
            headers=auth,
            json={"state_registrations": [{"id": reg, "zip_code": "ABCDE", "phone": "12345"}]},
        ),
        422,
    )
    assert {e["field"] for e in body["errors"]} == {"state_registrations.0.zip_code", "state_registrations.0.phone"}


async def test_r_auth_7_change_password_revokes_every_session(client, demo) -> None:
    a = await token(client, "demoagent", "Demo1234")
    b = await token(client, "demoagent", "Demo1234")
    auth_a = {"Authorization": f"Bearer {a['access_token']}"}
    auth_b = {"Authorization": f"Bearer {b['access_token']}"}
    r = await client.put(
        "/api/v1/me/password",
        headers=auth_a,
        json={"current_password": "Demo1234", "new_password": "Newpw987", "new_password_confirmation": "Newpw987"},
    )
    assert r.status_code == 204
    for auth in (auth_a, auth_b):
        assert_problem(await client.get("/api/v1/me", headers=auth), 401, "session_revoked")
    assert_problem(await client.post("/api/v1/auth/refresh", json={"refresh_token": b["refresh_token"]}), 401)
    assert_problem(await client.post("/api/v1/auth/token", data={"username": "demoagent", "password": "Demo1234"}), 401)
    assert (await token(client, "demoagent", "Newpw987"))["access_token"]


async def test_r_auth_7_wrong_current_or_weak_new_password_is_422(client, demo) -> None:
    auth = await bearer(client, "demoagent", "Demo1234")
    body = assert_problem(
        await client.put(
            "/api/v1/me/password",
            headers=auth,
            json={"current_password": "Nope1234", "new_password": "sh0rt!", "new_password_confirmation": "sh0rt!"},
        ),
        422,
    )
    assert {e["code"] for e in body["errors"]} == {"password.current_wrong", "password.policy"}
    body = assert_problem(
        await client.put(
            "/api/v1/me/password",
            headers=auth,
            json={"current_password": "Demo1234", "new_password": "Demo1234", "new_password_confirmation": "Demo1234"},
        ),
        422,
    )
    assert body["errors"][0]["code"] == "password.unchanged"
    assert (await client.get("/api/v1/me", headers=auth)).status_code == 200  # nothing revoked


async def test_r_auth_8_register_another_state_pending_until_activated(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    auth = await bearer(client, "otheragent", "Other123")
    r = await client.post(
        "/api/v1/me/state-registrations",
        headers=auth,
        json=state_registration(state="TX", address_state="TX", zip_code="75201", agent_unique_id="330003690"),
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    assert r.json()["state_registration"]["state"] == "TX"
    me = (await client.get("/api/v1/me", headers=auth)).json()
    assert {(s["state"], s["status"]) for s in me["state_registrations"]} == {("IL", "active"), ("TX", "pending")}
    pending = (await client.get("/api/v1/admin/registrations", headers=admin)).json()["items"]
    item = next(i for i in pending if i["id"] == r.json()["id"])
    assert item["kind"] == "additional_state"
    await client.post(f"/api/v1/admin/registrations/{item['id']}/activate", headers=admin)
    me = (await client.get("/api/v1/me", headers=auth)).json()
    assert {(s["state"], s["status"]) for s in me["state_registrations"]} == {("IL", "active"), ("TX", "active")}


async def test_r_auth_8_a_state_already_registered_with_the_same_number_is_rejected(client, demo) -> None:
    auth = await bearer(client, "otheragent", "Other123")
    body = assert_problem(
        await client.post(
            "/api/v1/me/state-registrations",
            headers=auth,
            json=state_registration(state="IL", agent_unique_id="330003690"),
        ),
        409,
        "registration.state_already_registered",
    )
    assert "already registered in IL" in body["detail"]
    # another number in the same state is fine (a producer can hold several numbers in a state)
    r = await client.post(
        "/api/v1/me/state-registrations", headers=auth, json=state_registration(state="IL", agent_unique_id="330003691")
    )
    assert r.status_code == 201


async def test_admins_cannot_use_producer_profile_endpoints(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    assert_problem(
        await client.post("/api/v1/me/state-registrations", headers=admin, json=state_registration()),
        403,
        "forbidden_role",
    )


async def test_register_and_activate_helper_round_trip(client, demo) -> None:
    admin = await bearer(client, "admin", "Admin123")
    payload = await register_and_activate(client, admin)
    me = await client.get("/api/v1/me", headers=await bearer(client, payload["username"], payload["password"]))
    assert me.json()["first_name"] == "Jessica" and me.json()["status"] == "active"
