"""Plain service functions for departments and users; they flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.errors import Conflict, InvalidInput, NotFound
from isms.identity.auth import set_password
from isms.identity.models import Department, Role, User, UserDepartment
from isms.identity.schemas import DepartmentCreate, DepartmentUpdate, UserCreate, UserUpdate
from isms.pagination import Page, PageParams, apply_sort
from isms.security import hash_password, password_problem


def check_version(current: int, expected: int | None) -> None:
    """Refuse a write based on a stale read (optimistic concurrency)."""
    if expected is not None and expected != current:
        raise Conflict("error.stale_version", expected=expected, current=current)


def _flush(session: Session, conflict_key: str, **params: object) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict_key, **params) from exc


# --- departments -------------------------------------------------------------------------

DEPARTMENT_SORT = {
    "code": col(Department.code),
    "name": col(Department.name),
    "id": col(Department.id),
}


def get_department(
    session: Session, *, department_id: int, scope: set[int] | None = None
) -> Department:
    """A department; one outside the caller's scope is reported as not found."""
    department = session.get(Department, department_id)
    if department is None or (scope is not None and department_id not in scope):
        raise NotFound("error.department_not_found", id=department_id)
    return department


def list_departments(
    session: Session, *, page: PageParams, scope: set[int] | None = None, q: str | None = None
) -> Page[Department]:
    query = select(Department)
    if scope is not None:
        query = query.where(col(Department.id).in_(scope))
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Department.name)).like(like),
                func.lower(col(Department.code)).like(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = apply_sort(query, page.sort or "code", DEPARTMENT_SORT).order_by(col(Department.id))
    return Page(
        items=list(session.scalars(query.limit(page.limit).offset(page.offset))), total=total
    )


def all_departments(session: Session) -> Sequence[Department]:
    return session.scalars(select(Department).order_by(col(Department.name))).all()


def _check_parent(session: Session, department: Department | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    parent = session.get(Department, parent_id)
    if parent is None:
        raise InvalidInput("error.parent_department_unknown", id=parent_id)
    seen: set[int] = set()
    while parent is not None and department is not None:
        if parent.id == department.id or parent.id in seen:
            raise Conflict("error.department_cycle")
        seen.add(parent.id or 0)
        parent = session.get(Department, parent.parent_id) if parent.parent_id else None


def create_department(session: Session, *, data: DepartmentCreate) -> Department:
    _check_parent(session, None, data.parent_id)
    department = Department(**data.model_dump())
    session.add(department)
    _flush(session, "error.department_exists", code=data.code, name=data.name)
    return department


def update_department(
    session: Session, *, department: Department, data: DepartmentUpdate
) -> Department:
    check_version(department.version, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    if "parent_id" in changes:
        _check_parent(session, department, changes["parent_id"])
    for key, value in changes.items():
        if key in {"code", "name"} and value is None:
            raise InvalidInput("error.field_required", field=key)
        setattr(department, key, value)
    department.updated_at = utcnow()
    session.add(department)
    _flush(session, "error.department_exists", code=department.code, name=department.name)
    return department


def delete_department(session: Session, *, department: Department) -> None:
    members = session.scalar(
        select(func.count())
        .select_from(UserDepartment)
        .where(col(UserDepartment.department_id) == department.id)
    )
    children = session.scalar(
        select(func.count()).where(col(Department.parent_id) == department.id)
    )
    if members or children:
        raise Conflict("error.department_in_use", members=members or 0, children=children or 0)
    session.delete(department)
    _flush(session, "error.department_in_use", members=0, children=0)


# --- users -------------------------------------------------------------------------------

USER_SORT = {
    "username": col(User.username),
    "full_name": col(User.full_name),
    "role": col(User.role),
    "id": col(User.id),
}


def get_user(session: Session, *, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_not_found", id=user_id)
    return user


def get_user_by_username(session: Session, *, username: str) -> User | None:
    return session.scalars(select(User).where(col(User.username) == username.lower())).first()


def list_users(
    session: Session,
    *,
    page: PageParams,
    role: Role | None = None,
    department_id: int | None = None,
    q: str | None = None,
) -> Page[User]:
    query = select(User)
    if role is not None:
        query = query.where(col(User.role) == role)
    if department_id is not None:
        query = query.where(
            col(User.id).in_(
                select(col(UserDepartment.user_id)).where(
                    col(UserDepartment.department_id) == department_id
                )
            )
        )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(User.username)).like(like),
                func.lower(col(User.full_name)).like(like),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = apply_sort(query, page.sort or "username", USER_SORT).order_by(col(User.id))
    return Page(
        items=list(session.scalars(query.limit(page.limit).offset(page.offset))), total=total
    )


def _departments(session: Session, ids: list[int]) -> list[Department]:
    unique = sorted(set(ids))
    found = list(session.scalars(select(Department).where(col(Department.id).in_(unique))))
    missing = sorted(set(unique) - {d.id for d in found})
    if missing:
        raise InvalidInput("error.department_unknown", ids=", ".join(map(str, missing)))
    return found


def _check_role_departments(role: Role, departments: list[Department]) -> None:
    if role is Role.DEPARTMENT and not departments:
        raise InvalidInput("error.department_role_needs_department")


def create_user(session: Session, *, data: UserCreate) -> User:
    problem = password_problem(data.password, data.username)
    if problem:
        raise InvalidInput(problem)
    if get_user_by_username(session, username=data.username):
        raise Conflict("error.user_exists", username=data.username)
    departments = _departments(session, data.department_ids)
    _check_role_departments(data.role, departments)
    user = User(
        username=data.username,
        full_name=data.full_name,
        email=data.email,
        role=data.role,
        language=data.language,
        password_hash=hash_password(data.password),
        departments=departments,
    )
    session.add(user)
    _flush(session, "error.user_exists", username=data.username)
    return user


def update_user(session: Session, *, user: User, data: UserUpdate, acting_user: User) -> User:
    check_version(user.version, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version", "password", "department_ids"})
    if user.id == acting_user.id and (
        changes.get("is_active") is False or changes.get("role") not in (None, user.role)
    ):
        raise Conflict("error.cannot_demote_self")
    for key, value in changes.items():
        if key in {"full_name", "role", "is_active", "language"} and value is None:
            raise InvalidInput("error.field_required", field=key)
        setattr(user, key, value)
    if data.department_ids is not None:
        user.departments = _departments(session, data.department_ids)
    _check_role_departments(user.role, user.departments)
    if data.password is not None:
        set_password(user, data.password)
    if changes.get("is_active") is False:
        user.token_version += 1
    user.updated_at = utcnow()
    session.add(user)
    _flush(session, "error.user_exists", username=user.username)
    return user


def delete_user(session: Session, *, user: User, acting_user: User) -> None:
    if user.id == acting_user.id:
        raise Conflict("error.cannot_delete_self")
    session.delete(user)
    _flush(session, "error.user_in_use")
