"""Admin pages for users and departments (admins write; ISB and auditors read)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from isms.database import SessionDep
from isms.identity import service
from isms.identity.deps import UiAdminUser, UiIdentityReader
from isms.identity.models import Role, User
from isms.identity.schemas import DepartmentCreate, DepartmentUpdate, UserCreate, UserUpdate
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, attempt, list_value, read_form, validate
from isms.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
PAGE_SIZE = 50


def _page(offset: int) -> PageParams:
    return PageParams(limit=PAGE_SIZE, offset=max(0, offset))


def _blank_to_none(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: (None if k in names and v == "" else v) for k, v in data.items()}


# --- users -------------------------------------------------------------------------------


@router.get("/users")
def users_page(
    request: Request,
    session: SessionDep,
    user: UiIdentityReader,
    offset: Annotated[int, Query(ge=0)] = 0,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    page = service.list_users(session, page=_page(offset), q=q or None)
    departments = {d.id: d for d in service.all_departments(session)}
    return render(
        request,
        "admin/users.html",
        {
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "q": q or "",
            "departments": departments,
            "can_edit": user.role is Role.ADMIN,
        },
    )


def _user_form(
    request: Request,
    session: Any,
    *,
    target: User | None,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/user_form.html",
        {
            "target": target,
            "values": values,
            "errors": errors,
            "roles": list(Role),
            "departments": service.all_departments(session),
        },
        status_code=status_code,
    )


def _user_data(form: FormData) -> dict[str, Any]:
    data = _blank_to_none(dict(form), "email", "password")
    data["department_ids"] = list_value(form, "department_ids")
    return data


@router.get("/users/new")
def new_user_page(request: Request, session: SessionDep, _: UiAdminUser) -> Response:
    return _user_form(
        request,
        session,
        target=None,
        values={"role": "department", "language": "de"},
        errors=FormErrors(),
    )


@router.post("/users/new")
def create_user(
    request: Request,
    session: SessionDep,
    _: UiAdminUser,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    data = _user_data(form)
    payload = validate(UserCreate, data, errors)
    created = payload and attempt(
        session, errors, lambda: service.create_user(session, data=payload)
    )
    if not created:
        return _user_form(
            request, session, target=None, values=data, errors=errors, status_code=400
        )
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.get("/users/{user_id}")
def edit_user_page(request: Request, session: SessionDep, _: UiAdminUser, user_id: int) -> Response:
    target = service.get_user(session, user_id=user_id)
    values = {
        "full_name": target.full_name,
        "email": target.email or "",
        "role": target.role.value,
        "language": target.language,
        "is_active": target.is_active,
        "department_ids": [str(i) for i in target.department_ids],
        "version": target.version,
    }
    return _user_form(request, session, target=target, values=values, errors=FormErrors())


@router.post("/users/{user_id}")
def update_user(
    request: Request,
    session: SessionDep,
    admin: UiAdminUser,
    user_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    target = service.get_user(session, user_id=user_id)
    errors = FormErrors()
    data = _user_data(form)
    data["is_active"] = form.get("is_active") == "on"
    payload = validate(UserUpdate, data, errors)
    updated = payload and attempt(
        session,
        errors,
        lambda: service.update_user(session, user=target, data=payload, acting_user=admin),
    )
    if not updated:
        return _user_form(
            request, session, target=target, values=data, errors=errors, status_code=400
        )
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/users/{user_id}/delete")
def delete_user(
    request: Request,
    session: SessionDep,
    admin: UiAdminUser,
    user_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    target = service.get_user(session, user_id=user_id)
    service.delete_user(session, user=target, acting_user=admin)
    return RedirectResponse("/admin/users?deleted=1", status_code=303)


# --- departments -------------------------------------------------------------------------


@router.get("/departments")
def departments_page(
    request: Request,
    session: SessionDep,
    user: UiIdentityReader,
    offset: Annotated[int, Query(ge=0)] = 0,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    page = service.list_departments(session, page=_page(offset), q=q or None)
    return render(
        request,
        "admin/departments.html",
        {
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "q": q or "",
            "can_edit": user.role is Role.ADMIN,
        },
    )


def _department_form(
    request: Request,
    session: Any,
    *,
    target: Any,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "admin/department_form.html",
        {
            "target": target,
            "values": values,
            "errors": errors,
            "departments": [
                d for d in service.all_departments(session) if target is None or d.id != target.id
            ],
        },
        status_code=status_code,
    )


@router.get("/departments/new")
def new_department_page(request: Request, session: SessionDep, _: UiAdminUser) -> Response:
    return _department_form(request, session, target=None, values={}, errors=FormErrors())


@router.post("/departments/new")
def create_department(
    request: Request,
    session: SessionDep,
    _: UiAdminUser,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    data = _blank_to_none(dict(form), "email", "parent_id")
    payload = validate(DepartmentCreate, data, errors)
    created = payload and attempt(
        session, errors, lambda: service.create_department(session, data=payload)
    )
    if not created:
        return _department_form(
            request, session, target=None, values=data, errors=errors, status_code=400
        )
    return RedirectResponse("/admin/departments?saved=1", status_code=303)


@router.get("/departments/{department_id}")
def edit_department_page(
    request: Request, session: SessionDep, _: UiAdminUser, department_id: int
) -> Response:
    target = service.get_department(session, department_id=department_id)
    values = {
        "code": target.code,
        "name": target.name,
        "email": target.email or "",
        "description": target.description,
        "parent_id": target.parent_id or "",
        "version": target.version,
    }
    return _department_form(request, session, target=target, values=values, errors=FormErrors())


@router.post("/departments/{department_id}")
def update_department(
    request: Request,
    session: SessionDep,
    _: UiAdminUser,
    department_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    target = service.get_department(session, department_id=department_id)
    errors = FormErrors()
    data = _blank_to_none(dict(form), "email", "parent_id")
    payload = validate(DepartmentUpdate, data, errors)
    updated = payload and attempt(
        session, errors, lambda: service.update_department(session, department=target, data=payload)
    )
    if not updated:
        return _department_form(
            request, session, target=target, values=data, errors=errors, status_code=400
        )
    return RedirectResponse("/admin/departments?saved=1", status_code=303)


@router.post("/departments/{department_id}/delete")
def delete_department(
    request: Request,
    session: SessionDep,
    _: UiAdminUser,
    department_id: int,
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    target = service.get_department(session, department_id=department_id)
    service.delete_department(session, department=target)
    return RedirectResponse("/admin/departments?deleted=1", status_code=303)
