"""Logging in and out: password check, login throttling, token issue and revocation."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import joinedload
from sqlmodel import Session, col

from isms.audit.service import Actor, record, set_actor
from isms.clock import utcnow
from isms.database import run_regardless
from isms.errors import InvalidInput, TooManyRequests, Unauthorized
from isms.identity.models import LoginThrottle, RevokedToken, User
from isms.security import (
    TokenClaims,
    create_access_token,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from isms.settings import Settings

log = logging.getLogger("isms.auth")


def _throttle_remaining(session: Session, username: str) -> int:
    """Seconds the user name is still locked out, or 0."""
    row = session.get(LoginThrottle, username)
    if row is None or row.locked_until is None:
        return 0
    remaining = (row.locked_until - utcnow()).total_seconds()
    return max(0, int(remaining) + 1)


def _count_failure(
    session: Session, settings: Settings, *, username: str, remote_addr: str | None
) -> None:
    now = utcnow()
    window = timedelta(minutes=settings.login_window_minutes)
    row = session.get(LoginThrottle, username) or LoginThrottle(username=username, failures=0)
    if now - row.window_started_at > window:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures >= settings.login_max_failures:
        row.locked_until = now + window
    session.add(row)
    record(
        session,
        action="login_failed",
        object_type="user_account",
        object_id=username,
        after={"failures": row.failures, "locked": row.locked_until is not None},
        actor=Actor(None, username, remote_addr),
    )
    log.warning(
        "failed login for user %r from %s (%d in window)", username, remote_addr, row.failures
    )


def register_failure(
    session: Session, settings: Settings, *, username: str, remote_addr: str | None
) -> None:
    """Count and audit a failed login; kept although the request itself fails."""
    run_regardless(
        session,
        lambda own: _count_failure(own, settings, username=username, remote_addr=remote_addr),
    )


def authenticate(
    session: Session, settings: Settings, *, username: str, password: str, remote_addr: str | None
) -> User:
    """The active user with these credentials; throttled after repeated failures."""
    username = username.strip().lower()[:64]
    locked_for = _throttle_remaining(session, username)
    if locked_for:
        register_failure(session, settings, username=username, remote_addr=remote_addr)
        raise TooManyRequests("error.login_locked", retry_after=locked_for)
    user = session.scalars(select(User).where(col(User.username) == username)).first()
    valid = verify_password(password, user.password_hash if user else None)
    if not (user and valid and user.is_active):
        register_failure(session, settings, username=username, remote_addr=remote_addr)
        raise Unauthorized("error.login_failed")
    session.execute(delete(LoginThrottle).where(col(LoginThrottle.username) == username))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    actor = Actor(user.id, user.username, remote_addr)
    set_actor(session, actor)
    record(session, action="login", object_type="user_account", object_id=user.id, actor=actor)
    return user


def issue_token(user: User, *, key: str, settings: Settings) -> tuple[str, TokenClaims]:
    assert user.id is not None
    return create_access_token(
        user_id=user.id,
        token_version=user.token_version,
        key=key,
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        minutes=settings.access_token_minutes,
    )


def token_owner(session: Session, claims: TokenClaims) -> User | None:
    """The user a token names, with their departments, unless the token was revoked: one
    query (it runs on every request)."""
    revoked = exists().where(col(RevokedToken.jti) == claims.jti)
    row = (
        session.execute(
            select(User, revoked)
            .options(joinedload(User.departments))  # type: ignore[arg-type]
            .where(col(User.id) == claims.user_id)
        )
        .unique()
        .first()
    )
    if row is None or row[1]:
        return None
    user: User = row[0]
    return user


def logout(session: Session, *, user: User, claims: TokenClaims) -> None:
    """Revoke the presented token and forget revocations that expired anyway."""
    session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) < utcnow()))
    if session.get(RevokedToken, claims.jti) is None:
        session.add(RevokedToken(jti=claims.jti, expires_at=claims.expires_at))
    record(session, action="logout", object_type="user_account", object_id=user.id)


def set_password(user: User, password: str) -> None:
    """Check the policy, store the new hash and revoke every token issued before."""
    problem = password_problem(password, user.username)
    if problem:
        raise InvalidInput(problem)
    user.password_hash = hash_password(password)
    user.token_version += 1
    user.updated_at = utcnow()


def change_own_password(
    session: Session, *, user: User, current_password: str, new_password: str
) -> None:
    if not verify_password(current_password, user.password_hash):
        raise InvalidInput("error.current_password_wrong")
    set_password(user, new_password)
    session.add(user)
    record(session, action="password_change", object_type="user_account", object_id=user.id)
