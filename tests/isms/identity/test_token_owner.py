"""The user behind a token is read in one query on every request: the user, their departments
and whether the token was revoked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event

from isms.database import session_scope
from isms.identity.auth import token_owner
from isms.identity.models import RevokedToken, Role
from isms.security import TokenClaims
from tests.factories import make_department, make_user


def _claims(user_id: int, jti: str = "a" * 32) -> TokenClaims:
    return TokenClaims(user_id, jti, 1, datetime.now(UTC) + timedelta(minutes=5))


def test_one_query_reads_the_user_their_departments_and_the_revocation(engine: Engine) -> None:
    one, two = make_department(engine), make_department(engine)
    user = make_user(engine, role=Role.DEPARTMENT, departments=[one, two])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with session_scope(engine, write=False) as session:
            owner = token_owner(session, _claims(user.id or 0))
            assert owner is not None
            departments = owner.department_ids  # loaded with the user, no further query
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
    assert departments == sorted([one.id, two.id])


def test_a_revoked_token_or_an_unknown_user_has_no_owner(engine: Engine) -> None:
    user = make_user(engine, role=Role.ISB)
    with session_scope(engine) as session:
        session.add(RevokedToken(jti="b" * 32, expires_at=datetime.now(UTC) + timedelta(hours=1)))
    with session_scope(engine, write=False) as session:
        assert token_owner(session, _claims(user.id or 0, "b" * 32)) is None
        assert token_owner(session, _claims((user.id or 0) + 1000)) is None
        owner = token_owner(session, _claims(user.id or 0, "c" * 32))
        assert owner is not None and owner.username == user.username
