"""Who is calling: token checks for the API (bearer) and UI (cookie), and role requirements."""

import logging
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlmodel import Session

from isms.audit.service import Actor, record_regardless, set_actor
from isms.database import SessionDep
from isms.errors import Forbidden, Unauthorized
from isms.identity.auth import token_owner
from isms.identity.models import Principal, Role, User
from isms.security import TokenClaims, TokenError, decode_access_token

log = logging.getLogger("isms.access")
TOKEN_COOKIE = "isms_token"  # noqa: S105 (a cookie name)
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


class LoginRequired(Unauthorized):
    """A UI page needs a logged-in user: answered with a redirect to the login page."""


def client_addr(request: Request) -> str | None:
    return request.client.host if request.client else None


def authenticate_token(request: Request, session: Session, token: str | None) -> User:
    """The active user a valid, unrevoked token belongs to; Unauthorized otherwise."""
    if not token:
        raise Unauthorized("error.not_authenticated")
    settings = request.app.state.settings
    try:
        claims = decode_access_token(
            token,
            key=request.app.state.secret_key,
            issuer=settings.token_issuer,
            audience=settings.token_audience,
        )
    except TokenError as exc:
        log.info("rejected token from %s: %s", client_addr(request), exc)
        raise Unauthorized("error.token_invalid") from exc
    user = token_owner(session, claims)
    if user is None or not user.is_active or user.token_version != claims.token_version:
        raise Unauthorized("error.token_invalid")
    set_actor(session, Actor(user.id, user.username, client_addr(request)))
    request.state.user = Principal.of(user)
    request.state.claims = claims
    return user


def get_current_user(
    request: Request, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> User:
    return authenticate_token(request, session, token)


def get_ui_user(request: Request, session: SessionDep) -> User:
    try:
        return authenticate_token(request, session, request.cookies.get(TOKEN_COOKIE))
    except Unauthorized as exc:
        raise LoginRequired(exc.message_key) from exc


def get_optional_ui_user(request: Request, session: SessionDep) -> User | None:
    """The logged-in user of a public page, or None."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        return None
    try:
        return authenticate_token(request, session, token)
    except Unauthorized:
        return None


def current_claims(request: Request) -> TokenClaims:
    claims: TokenClaims = request.state.claims
    return claims


def deny(request: Request, session: Session, user: User, *, reason: str = "role") -> Forbidden:
    """Log and audit a permission denial (kept although the request fails); return the error."""
    record_regardless(
        session,
        action="denied",
        object_type="route",
        object_id=f"{request.method} {request.url.path}"[:120],
        after={"role": user.role.value, "reason": reason},
        actor=Actor(user.id, user.username, client_addr(request)),
    )
    log.info("denied %s %s to %s (%s)", request.method, request.url.path, user.username, reason)
    return Forbidden("error.forbidden")


def require_roles(*roles: Role, ui: bool = False) -> Callable[..., User]:
    """A dependency that lets only users with one of roles through (403 otherwise)."""
    getter = get_ui_user if ui else get_current_user

    def dependency(
        request: Request, session: SessionDep, user: Annotated[User, Depends(getter)]
    ) -> User:
        if user.role not in roles:
            raise deny(request, session, user)
        return user

    return dependency


def department_scope(user: User) -> set[int] | None:
    """The departments whose objects user may see; None means all."""
    if user.role is Role.DEPARTMENT:
        return set(user.department_ids)
    return None


CurrentUser = Annotated[User, Depends(get_current_user)]
UiUser = Annotated[User, Depends(get_ui_user)]

READ_ALL = (Role.ISB, Role.DPO, Role.AUDITOR, Role.ADMIN)
AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]
IdentityReader = Annotated[User, Depends(require_roles(Role.ADMIN, Role.ISB, Role.AUDITOR))]
UiAdminUser = Annotated[User, Depends(require_roles(Role.ADMIN, ui=True))]
UiIdentityReader = Annotated[
    User, Depends(require_roles(Role.ADMIN, Role.ISB, Role.AUDITOR, ui=True))
]
