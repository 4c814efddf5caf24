"""The identity API: login, logout, password change, throttling, users and departments."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from isms.audit.models import AuditEvent
from isms.database import session_scope
from isms.identity.models import Role
from tests.factories import PASSWORD, auth, make_department, make_user, token_for


def _actions(engine: Engine) -> list[str]:
    with session_scope(engine, write=False) as session:
        return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]  # type: ignore[arg-type]


def test_login_returns_a_bearer_token_and_me_answers(client: TestClient, engine: Engine) -> None:
    department = make_department(engine, code="FW", name="Feuerwehr")
    make_user(engine, role=Role.DEPARTMENT, username="feuerwehr", departments=[department])
    response = client.post(
        "/api/v1/auth/token", data={"username": "Feuerwehr", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "feuerwehr"
    assert me.json()["department_ids"] == [department.id]
    assert "login" in _actions(engine)


def test_wrong_password_is_401_with_a_message_and_is_audited(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    response = client.post("/api/v1/auth/token", data={"username": "isb", "password": "falsch"})
    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized",
        "detail": "Benutzername oder Passwort ist falsch.",
    }
    assert _actions(engine)[-1] == "login_failed"


def test_unknown_user_fails_like_a_wrong_password(client: TestClient, engine: Engine) -> None:
    response = client.post("/api/v1/auth/token", data={"username": "niemand", "password": "x"})
    assert response.status_code == 401
    assert _actions(engine) == ["login_failed"]


def test_repeated_failures_are_throttled(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    for _ in range(5):
        assert (
            client.post(
                "/api/v1/auth/token", data={"username": "isb", "password": "falsch"}
            ).status_code
            == 401
        )
    locked = client.post("/api/v1/auth/token", data={"username": "isb", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Zu viele" in locked.json()["detail"]
    assert _actions(engine).count("login_failed") == 6


def test_logout_revokes_the_token(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.AUDITOR, username="auditor")
    headers = auth(client, "auditor")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/auth/me", headers=headers).status_code == 401
    assert "logout" in _actions(engine)


def test_password_change_revokes_every_token_and_checks_policy(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, role=Role.DPO, username="dpo")
    first, second = auth(client, "dpo"), auth(client, "dpo")
    weak = client.post(
        "/api/v1/auth/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": "kurz"},
    )
    assert weak.status_code == 400
    assert "12 Zeichen" in weak.json()["detail"]
    wrong = client.post(
        "/api/v1/auth/password",
        headers=first,
        json={"current_password": "falsch", "new_password": "Ein-neues-Passwort-42"},
    )
    assert wrong.status_code == 400
    ok = client.post(
        "/api/v1/auth/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": "Ein-neues-Passwort-42"},
    )
    assert ok.status_code == 204
    assert client.get("/api/v1/auth/me", headers=first).status_code == 401
    assert client.get("/api/v1/auth/me", headers=second).status_code == 401
    assert token_for(client, "dpo", "Ein-neues-Passwort-42")


def test_admin_manages_users_with_clear_errors(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ADMIN, username="admin")
    department = make_department(engine, code="SE", name="Stadtentwässerung")
    headers = auth(client, "admin")
    new = {
        "username": "Entwaesserung",
        "full_name": "Stadtentwässerung",
        "role": "department",
        "department_ids": [department.id],
        "password": "Kanalnetz-Pumpwerk-7",
    }
    created = client.post("/api/v1/users", headers=headers, json=new)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == "entwaesserung"
    assert user["department_ids"] == [department.id]
    assert "password" not in json.dumps(user)
    assert client.post("/api/v1/users", headers=headers, json=new).status_code == 409
    no_dept = client.post(
        "/api/v1/users", headers=headers, json=new | {"username": "x2", "department_ids": []}
    )
    assert no_dept.status_code == 400
    assert "Organisationseinheit" in no_dept.json()["detail"]
    unknown = client.post(
        "/api/v1/users", headers=headers, json=new | {"username": "x3", "department_ids": [999]}
    )
    assert unknown.status_code == 400
    assert "999" in unknown.json()["detail"]
    bad_role = client.post(
        "/api/v1/users", headers=headers, json=new | {"username": "x4", "role": "king"}
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["error"] == "validation_error"
    assert "Kanalnetz" not in bad_role.text, "submitted input (passwords) is never echoed"

    updated = client.patch(
        f"/api/v1/users/{user['id']}",
        headers=headers,
        json={"full_name": "SEH Leitstand", "version": user["version"]},
    )
    assert updated.status_code == 200
    assert updated.json()["version"] == user["version"] + 1
    stale = client.patch(
        f"/api/v1/users/{user['id']}",
        headers=headers,
        json={"full_name": "Veraltet", "version": user["version"]},
    )
    assert stale.status_code == 409
    assert "Version" in stale.json()["detail"]
    assert client.delete(f"/api/v1/users/{user['id']}", headers=headers).status_code == 204
    assert client.get(f"/api/v1/users/{user['id']}", headers=headers).status_code == 404


def test_admin_cannot_lock_themselves_out(client: TestClient, engine: Engine) -> None:
    admin = make_user(engine, role=Role.ADMIN, username="admin")
    headers = auth(client, "admin")
    assert (
        client.patch(
            f"/api/v1/users/{admin.id}", headers=headers, json={"is_active": False}
        ).status_code
        == 409
    )
    assert (
        client.patch(
            f"/api/v1/users/{admin.id}", headers=headers, json={"role": "auditor"}
        ).status_code
        == 409
    )
    assert client.delete(f"/api/v1/users/{admin.id}", headers=headers).status_code == 409


def test_departments_crud_and_conflicts(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.ADMIN, username="admin")
    headers = auth(client, "admin")
    parent = client.post(
        "/api/v1/departments", headers=headers, json={"code": "IUK", "name": "IuK"}
    ).json()
    child = client.post(
        "/api/v1/departments",
        headers=headers,
        json={"code": "RZ", "name": "Rechenzentrum", "parent_id": parent["id"]},
    )
    assert child.status_code == 201
    duplicate = client.post(
        "/api/v1/departments", headers=headers, json={"code": "IUK", "name": "Anders"}
    )
    assert duplicate.status_code == 409
    assert "IUK" in duplicate.json()["detail"]
    cycle = client.patch(
        f"/api/v1/departments/{parent['id']}",
        headers=headers,
        json={"parent_id": child.json()["id"]},
    )
    assert cycle.status_code == 409
    in_use = client.delete(f"/api/v1/departments/{parent['id']}", headers=headers)
    assert in_use.status_code == 409
    assert "Untereinheiten" in in_use.json()["detail"]
    bad_code = client.post(
        "/api/v1/departments", headers=headers, json={"code": "a b", "name": "X"}
    )
    assert bad_code.status_code == 422


def test_department_users_see_only_their_departments(client: TestClient, engine: Engine) -> None:
    own, other = (
        make_department(engine, code="VT", name="Verkehr"),
        make_department(engine, code="FW", name="Feuerwehr"),
    )
    make_user(engine, role=Role.DEPARTMENT, username="verkehr", departments=[own])
    headers = auth(client, "verkehr")
    listed = client.get("/api/v1/departments", headers=headers).json()
    assert listed == {"items": [listed["items"][0]], "total": 1}
    assert listed["items"][0]["code"] == "VT"
    assert client.get(f"/api/v1/departments/{own.id}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/departments/{other.id}", headers=headers).status_code == 404


def test_lists_paginate_sort_and_refuse_unknown_sort_fields(
    client: TestClient, engine: Engine
) -> None:
    make_user(engine, role=Role.ISB, username="isb")
    for i in range(7):
        make_department(engine, code=f"K{i}", name=f"Kammer {i}")
    headers = auth(client, "isb")
    page = client.get("/api/v1/departments?limit=3&offset=3&sort=-code", headers=headers).json()
    assert page["total"] == 7
    assert [d["code"] for d in page["items"]] == ["K3", "K2", "K1"]
    bad = client.get("/api/v1/departments?sort=secret", headers=headers)
    assert bad.status_code == 400
    assert "secret" in bad.json()["detail"]
    assert client.get("/api/v1/departments?limit=100000", headers=headers).status_code == 422


def test_denials_are_audited(client: TestClient, engine: Engine) -> None:
    make_user(engine, role=Role.AUDITOR, username="auditor")
    headers = auth(client, "auditor")
    assert (
        client.post(
            "/api/v1/departments", headers=headers, json={"code": "X", "name": "X"}
        ).status_code
        == 403
    )
    with session_scope(engine, write=False) as session:
        denial = session.scalars(select(AuditEvent).where(AuditEvent.action == "denied")).one()  # type: ignore[arg-type]
    assert denial.actor_name == "auditor"
    assert denial.object_id == "POST /api/v1/departments"
