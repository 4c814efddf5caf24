"""JSON API: tokens, the current user, users and departments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from isms.database import SessionDep
from isms.identity import auth, service
from isms.identity.deps import (
    AdminUser,
    CurrentUser,
    IdentityReader,
    client_addr,
    current_claims,
    department_scope,
)
from isms.identity.models import Role
from isms.identity.schemas import (
    DepartmentCreate,
    DepartmentRead,
    DepartmentUpdate,
    PasswordChange,
    Token,
    UserCreate,
    UserRead,
    UserUpdate,
)
from isms.pagination import PageDep, PageRead
from isms.security import TokenClaims

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
users_router = APIRouter(prefix="/api/v1/users", tags=["users"])
departments_router = APIRouter(prefix="/api/v1/departments", tags=["departments"])


@auth_router.post("/token", response_model=Token, summary="Log in (OAuth2 password flow)")
def login(
    request: Request, session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> Token:
    app = request.app
    user = auth.authenticate(
        session,
        app.state.settings,
        username=form.username,
        password=form.password,
        remote_addr=client_addr(request),
    )
    token, _claims = auth.issue_token(user, key=app.state.secret_key, settings=app.state.settings)
    return Token(access_token=token, expires_in=app.state.settings.access_token_minutes * 60)


@auth_router.get("/me", response_model=UserRead, summary="The current user")
def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke this token")
def logout(
    session: SessionDep, user: CurrentUser, claims: Annotated[TokenClaims, Depends(current_claims)]
) -> Response:
    auth.logout(session, user=user, claims=claims)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth_router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the own password (revokes all tokens)",
)
def change_password(session: SessionDep, user: CurrentUser, data: PasswordChange) -> Response:
    auth.change_own_password(
        session, user=user, current_password=data.current_password, new_password=data.new_password
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@users_router.get("", response_model=PageRead[UserRead], summary="List users")
def list_users(
    session: SessionDep,
    _: IdentityReader,
    page: PageDep,
    role: Role | None = None,
    department_id: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> PageRead[UserRead]:
    result = service.list_users(session, page=page, role=role, department_id=department_id, q=q)
    return PageRead(items=[UserRead.model_validate(u) for u in result.items], total=result.total)


@users_router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(session: SessionDep, _: AdminUser, data: UserCreate) -> UserRead:
    return UserRead.model_validate(service.create_user(session, data=data))


@users_router.get("/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, _: IdentityReader, user_id: int) -> UserRead:
    return UserRead.model_validate(service.get_user(session, user_id=user_id))


@users_router.patch("/{user_id}", response_model=UserRead)
def update_user(session: SessionDep, admin: AdminUser, user_id: int, data: UserUpdate) -> UserRead:
    user = service.get_user(session, user_id=user_id)
    return UserRead.model_validate(
        service.update_user(session, user=user, data=data, acting_user=admin)
    )


@users_router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(session: SessionDep, admin: AdminUser, user_id: int) -> Response:
    user = service.get_user(session, user_id=user_id)
    service.delete_user(session, user=user, acting_user=admin)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@departments_router.get("", response_model=PageRead[DepartmentRead], summary="List departments")
def list_departments(
    session: SessionDep,
    user: CurrentUser,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> PageRead[DepartmentRead]:
    result = service.list_departments(session, page=page, scope=department_scope(user), q=q)
    return PageRead(
        items=[DepartmentRead.model_validate(d) for d in result.items], total=result.total
    )


@departments_router.post("", response_model=DepartmentRead, status_code=status.HTTP_201_CREATED)
def create_department(session: SessionDep, _: AdminUser, data: DepartmentCreate) -> DepartmentRead:
    return DepartmentRead.model_validate(service.create_department(session, data=data))


@departments_router.get("/{department_id}", response_model=DepartmentRead)
def get_department(session: SessionDep, user: CurrentUser, department_id: int) -> DepartmentRead:
    department = service.get_department(
        session, department_id=department_id, scope=department_scope(user)
    )
    return DepartmentRead.model_validate(department)


@departments_router.patch("/{department_id}", response_model=DepartmentRead)
def update_department(
    session: SessionDep, _: AdminUser, department_id: int, data: DepartmentUpdate
) -> DepartmentRead:
    department = service.get_department(session, department_id=department_id)
    return DepartmentRead.model_validate(
        service.update_department(session, department=department, data=data)
    )


@departments_router.delete("/{department_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_department(session: SessionDep, _: AdminUser, department_id: int) -> Response:
    department = service.get_department(session, department_id=department_id)
    service.delete_department(session, department=department)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
