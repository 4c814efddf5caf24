"""Small factories that build test data through the real services."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from isms.audit.service import Actor, set_actor
from isms.database import session_scope
from isms.identity import service
from isms.identity.models import Department, Role, User
from isms.identity.schemas import DepartmentCreate
from isms.security import hash_password

PASSWORD = "Test-Passwort-2026!"
_HASH = hash_password(PASSWORD)  # hashed once: argon2id is slow by design
_counter = itertools.count(1)


def make_department(
    engine: Engine, *, code: str | None = None, name: str | None = None
) -> Department:
    n = next(_counter)
    with session_scope(engine) as session:
        set_actor(session, Actor(None, "test"))
        return service.create_department(
            session, data=DepartmentCreate(code=code or f"D{n}", name=name or f"Abteilung {n}")
        )


def make_user(
    engine: Engine,
    *,
    role: Role,
    username: str | None = None,
    departments: list[Department] | None = None,
    **fields: Any,
) -> User:
    n = next(_counter)
    with session_scope(engine) as session:
        set_actor(session, Actor(None, "test"))
        members = [session.get(Department, d.id) for d in departments or []]
        user = User(
            username=username or f"{role.value}{n}",
            full_name=fields.pop("full_name", f"Test {role.value} {n}"),
            role=role,
            password_hash=_HASH,
            departments=[d for d in members if d is not None],
            **fields,
        )
        session.add(user)
        session.flush()
        session.refresh(user)
        _ = user.departments
        return user


def token_for(client: TestClient, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def auth(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(client, username)}"}
