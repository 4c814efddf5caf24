"""The audit trail: automatic capture, same transaction, hash chain, tamper detection."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import col

from isms.audit.chain import iter_events, verify_chain
from isms.audit.models import AuditEvent
from isms.audit.service import Actor, set_actor
from isms.cli import main
from isms.database import session_scope
from isms.identity import service
from isms.identity.models import Department, Role
from isms.identity.schemas import DepartmentCreate, DepartmentUpdate
from isms.settings import Settings
from tests.factories import make_department, make_user


def _events(engine: Engine) -> list[AuditEvent]:
    with session_scope(engine, write=False) as session:
        return list(session.scalars(select(AuditEvent).order_by(col(AuditEvent.seq))))


def _verify(engine: Engine) -> tuple[int, object]:
    with engine.connect() as connection:
        return verify_chain(iter_events(connection))


def test_create_update_delete_are_recorded_with_before_and_after(engine: Engine) -> None:
    with session_scope(engine) as session:
        set_actor(session, Actor(42, "isb", "10.0.0.1"))
        department = service.create_department(
            session, data=DepartmentCreate(code="FW", name="Feuerwehr")
        )
    with session_scope(engine) as session:
        set_actor(session, Actor(42, "isb"))
        stored = session.get(Department, department.id)
        assert stored is not None
        service.update_department(
            session, department=stored, data=DepartmentUpdate(name="Feuerwehr Hannover")
        )
    with session_scope(engine) as session:
        stored = session.get(Department, department.id)
        assert stored is not None
        service.delete_department(session, department=stored)

    create, update, delete = _events(engine)
    assert (create.action, create.object_type, create.object_id) == (
        "create",
        "department",
        str(department.id),
    )
    assert (create.actor_id, create.actor_name, create.remote_addr) == (42, "isb", "10.0.0.1")
    assert json.loads(create.after or "{}")["name"] == "Feuerwehr"
    assert create.before is None
    assert json.loads(update.before or "{}")["name"] == "Feuerwehr"
    assert json.loads(update.after or "{}")["name"] == "Feuerwehr Hannover"
    assert "code" not in json.loads(update.after or "{}"), "unchanged fields are not repeated"
    assert delete.action == "delete"
    assert json.loads(delete.before or "{}")["code"] == "FW"
    assert delete.actor_name == "system"
    assert _verify(engine) == (3, None)


def test_a_rolled_back_change_leaves_no_event(engine: Engine) -> None:
    def create_then_fail() -> None:
        with session_scope(engine) as session:
            service.create_department(session, data=DepartmentCreate(code="X", name="Verworfen"))
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert _events(engine) == []


def test_password_hashes_never_reach_the_trail(engine: Engine) -> None:
    make_user(engine, role=Role.ADMIN, username="admin1")
    (event,) = [e for e in _events(engine) if e.object_type == "user_account"]
    assert "password" not in (event.after or "")
    assert "argon2" not in (event.after or "")
    assert json.loads(event.after or "{}")["username"] == "admin1"


def test_membership_changes_are_recorded(engine: Engine) -> None:
    first, second = make_department(engine), make_department(engine)
    user = make_user(engine, role=Role.DEPARTMENT, departments=[first])
    from isms.identity.models import User
    from isms.identity.schemas import UserUpdate

    admin = make_user(engine, role=Role.ADMIN)
    with session_scope(engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None
        service.update_user(
            session, user=stored, data=UserUpdate(department_ids=[second.id]), acting_user=admin
        )
    last = [e for e in _events(engine) if e.action == "update" and e.object_type == "user_account"][
        -1
    ]
    assert json.loads(last.before or "{}")["departments"] == [str(first.id)]
    assert json.loads(last.after or "{}")["departments"] == [str(second.id)]


def test_verify_names_the_first_altered_event(engine: Engine) -> None:
    for i in range(5):
        make_department(engine, code=f"A{i}", name=f"Amt {i}")
    assert _verify(engine)[1] is None
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_event SET after = :a WHERE seq = 3"), {"a": '{"name":"gefälscht"}'}
        )
    _count, broken = _verify(engine)
    assert broken is not None
    assert broken.seq == 3
    assert "altered" in broken.reason


def test_verify_detects_a_removed_event(engine: Engine) -> None:
    for i in range(4):
        make_department(engine, code=f"B{i}", name=f"Bereich {i}")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    _, broken = _verify(engine)
    assert broken is not None
    assert broken.seq == 2
    assert "missing" in broken.reason


def test_verify_detects_a_rewritten_chain_link(engine: Engine) -> None:
    for i in range(3):
        make_department(engine, code=f"C{i}", name=f"Cluster {i}")
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE audit_event SET prev_hash = :h WHERE seq = 2"), {"h": "f" * 64}
        )
    _, broken = _verify(engine)
    assert broken is not None
    assert broken.seq == 2


def test_cli_audit_verify_exit_codes(
    engine: Engine,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ISMS_DATA_DIR", str(settings.data_dir))
    if settings.database_url:
        monkeypatch.setenv("ISMS_DATABASE_URL", settings.database_url)
    from isms.settings import get_settings

    get_settings.cache_clear()
    try:
        make_department(engine, code="V1", name="Verifiziert")
        make_department(engine, code="V2", name="Verifiziert 2")
        assert main(["audit", "verify"]) == 0
        assert "2 events verified" in capsys.readouterr().out
        with engine.begin() as connection:
            connection.execute(text("UPDATE audit_event SET actor_name = 'mallory' WHERE seq = 2"))
        assert main(["audit", "verify"]) == 1
        assert "#2" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


def test_concurrent_writers_keep_one_unbroken_chain(engine: Engine) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for i in range(8):
                make_department(engine, code=f"W{worker}-{i}", name=f"Worker {worker} {i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert _verify(engine) == (32, None)
