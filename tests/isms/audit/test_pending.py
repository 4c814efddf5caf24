"""Events are collected during the transaction and appended to the chain just before commit."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select
from sqlmodel import Session, col

from isms.audit import service as audit_service
from isms.audit.chain import iter_events, verify_chain
from isms.audit.models import AuditEvent
from isms.audit.service import append_pending, record, record_regardless
from isms.database import flush_or_conflict, session_scope, writer
from isms.errors import Conflict
from isms.identity.models import Department


def _events(engine: Engine) -> list[tuple[str, str, str | None]]:
    """(action, object_type, department code or object id) of every committed event."""
    with session_scope(engine, write=False) as session:
        rows = session.scalars(select(AuditEvent).order_by(col(AuditEvent.seq)))
        return [(e.action, e.object_type, _code(e)) for e in rows]


def _code(audit_event: AuditEvent) -> str | None:
    if audit_event.object_type != "department":
        return audit_event.object_id
    data = json.loads(audit_event.after or audit_event.before or "{}")
    return str(data.get("code", audit_event.object_id))


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AuditEvent)) or 0


def _verified(engine: Engine) -> int:
    with engine.connect() as connection:
        count, broken = verify_chain(iter_events(connection))
    assert broken is None
    return count


def _department(code: str) -> Department:
    return Department(code=code, name=f"Amt {code}")


def test_events_reach_the_chain_only_on_commit(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_department("P1"))
        session.flush()
        record(session, action="export", object_type="report", object_id=7)
        session.add(_department("P2"))
        session.flush()
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
        assert _count(engine) == 0, "nothing in the chain before the commit"
    assert _events(engine) == [
        ("create", "department", "P1"),
        ("export", "report", "7"),
        ("create", "department", "P2"),
    ], "explicit and change events keep their order"
    assert _verified(engine) == 3


def test_a_rolled_back_savepoint_drops_its_events_a_released_one_keeps_them(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        session.add(_department("S1"))
        session.flush()
        with pytest.raises(RuntimeError), session.begin_nested():
            session.add(_department("S2"))
            session.flush()
            record(session, action="import", object_type="catalog", object_id="gone")
            raise RuntimeError("refused")
        with session.begin_nested():
            session.add(_department("S3"))
            with pytest.raises(RuntimeError), session.begin_nested():
                session.add(_department("S4"))
                session.flush()
                raise RuntimeError("inner refused")
            session.add(_department("S5"))
        session.add(_department("S6"))
    assert _events(engine) == [("create", "department", code) for code in ("S1", "S3", "S5", "S6")]
    assert _verified(engine) == 4


def test_a_failed_flush_in_a_savepoint_drops_the_savepoints_events(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_department("F1"))
        session.flush()
        with pytest.raises(Conflict), session.begin_nested():
            session.add(_department("F2"))
            session.flush()
            session.add(_department("F1"))  # the code is taken: the savepoint is rolled back
            flush_or_conflict(session, "error.conflict")
        session.add(_department("F3"))
    assert _events(engine) == [("create", "department", "F1"), ("create", "department", "F3")]


def test_a_full_rollback_or_a_close_without_commit_leaves_no_events(engine: Engine) -> None:
    with Session(writer(engine)) as session:
        session.add(_department("R1"))
        session.flush()
        record(session, action="login", object_type="user_account", object_id=1)
        session.rollback()
        session.add(_department("R2"))
        session.commit()
        session.add(_department("R3"))
        session.flush()
    with Session(writer(engine)) as session:
        session.add(_department("R4"))
        session.flush()
        session.close()  # the same session, used again afterwards
        session.add(_department("R5"))
        session.commit()
    assert _events(engine) == [("create", "department", "R2"), ("create", "department", "R5")]
    assert _verified(engine) == 2


def test_a_change_whose_commit_fails_leaves_no_events(engine: Engine) -> None:
    def refuse(_connection: Any) -> None:
        raise RuntimeError("commit refused")

    event.listen(engine, "commit", refuse)
    try:
        with pytest.raises(RuntimeError), session_scope(engine) as session:
            session.add(_department("C1"))
            record(session, action="login", object_type="user_account", object_id=1)
    finally:
        event.remove(engine, "commit", refuse)
    assert _events(engine) == []
    with session_scope(engine, write=False) as session:
        assert session.scalars(select(Department)).all() == []


def test_a_flush_after_the_append_is_still_audited(engine: Engine) -> None:
    with session_scope(engine) as session:

        @event.listens_for(session, "before_commit")
        def late_change(session: Session) -> None:
            # runs before or after the audit hook: either way its change is audited
            if not session.info.get("late"):
                session.info["late"] = True
                session.add(_department("L2"))

        session.add(_department("L1"))
    codes = sorted(code or "" for _, _, code in _events(engine))
    assert codes == ["L1", "L2"]
    assert _verified(engine) == 2


def test_events_kept_regardless_of_a_failed_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(_department("X1"))
        record_regardless(session, action="denied", object_type="route", object_id="/admin")
        raise RuntimeError("the request fails")
    assert _events(engine) == [("denied", "route", "/admin")]


def test_append_pending_lets_a_transaction_read_its_own_events(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(_department("A1"))
        append_pending(session)
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 1
        session.add(_department("A2"))
    assert _events(engine) == [("create", "department", "A1"), ("create", "department", "A2")]
    assert _verified(engine) == 2


def test_append_pending_refuses_inside_a_savepoint(engine: Engine) -> None:
    with session_scope(engine) as session, session.begin_nested():
        session.add(_department("N1"))
        with pytest.raises(RuntimeError):
            append_pending(session)
    assert _events(engine) == [("create", "department", "N1")]


def test_a_long_list_goes_into_the_chain_early_but_not_inside_a_savepoint(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_service, "MAX_PENDING", 2)
    with session_scope(engine) as session:
        with pytest.raises(RuntimeError), session.begin_nested():
            for code in ("M1", "M2", "M3"):
                session.add(_department(code))
                session.flush()
            assert _count(engine) == 0, "nothing appended inside a savepoint"
            raise RuntimeError("refused")
        session.add(_department("M4"))
        session.flush()
        session.add(_department("M5"))
        session.flush()  # two pending: appended in this transaction
        with session.begin_nested():
            session.add(_department("M6"))
            session.flush()
        session.add(_department("M7"))
    assert _events(engine) == [("create", "department", code) for code in ("M4", "M5", "M6", "M7")]
    assert _verified(engine) == 4


def test_the_chain_lock_is_not_held_until_the_commit(engine: Engine) -> None:
    """A transaction that has flushed a change and stays open does not hold up another writer
    (PostgreSQL; SQLite serialises all writers anyway)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite writers take the database lock at BEGIN")
    done = threading.Event()
    errors: list[BaseException] = []

    def other_writer() -> None:
        try:
            with session_scope(engine) as session:
                session.add(_department("B1"))
                session.flush()
            done.set()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with session_scope(engine) as first:
        first.add(_department("A1"))
        first.flush()
        record(first, action="login", object_type="user_account", object_id=1)
        thread = threading.Thread(target=other_writer)
        thread.start()
        finished = done.wait(timeout=10)
    thread.join(timeout=30)
    assert errors == []
    assert finished, "the second writer waited for the open transaction"
    assert _events(engine) == [
        ("create", "department", "B1"),
        ("create", "department", "A1"),
        ("login", "user_account", "1"),
    ]
    assert _verified(engine) == 3
