"""Tables of departments, users, memberships, revoked tokens and login throttling."""

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, Relationship, SQLModel

from isms.clock import utcnow


class Role(enum.StrEnum):
    """What a user may do; department users are further limited to their departments."""

    ISB = "isb"
    DPO = "dpo"
    DEPARTMENT = "department"
    AUDITOR = "auditor"
    ADMIN = "admin"


class UserDepartment(SQLModel, table=True):
    """Membership of a user in a department."""

    __tablename__ = "user_department"

    user_id: int = Field(foreign_key="user_account.id", primary_key=True, ondelete="CASCADE")
    department_id: int = Field(foreign_key="department.id", primary_key=True, ondelete="CASCADE")


def version_column() -> Column[int]:
    """The optimistic-concurrency counter; stale writes fail instead of overwriting."""
    return Column("version", Integer, nullable=False, default=1)


_department_version = version_column()
_user_version = version_column()


class Department(SQLModel, table=True):
    """An organisational unit (Organisationseinheit, Fachbereich) that owns objects."""

    __tablename__ = "department"
    __mapper_args__ = {"version_id_col": _department_version}

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200, unique=True)
    email: str | None = Field(default=None, max_length=254)
    description: str = Field(default="", max_length=2000)
    parent_id: int | None = Field(default=None, foreign_key="department.id", ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_department_version)


class User(SQLModel, table=True):
    """A person who logs in; role and departments decide what they see and change."""

    __tablename__ = "user_account"
    __mapper_args__ = {"version_id_col": _user_version}
    __audit_exclude__ = frozenset({"password_hash", "token_version", "last_login_at"})

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    role: Role = Field(
        sa_type=SAEnum(
            Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        )
    )
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    language: str = Field(default="de", max_length=5)
    token_version: int = 0
    last_login_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = Field(default=1, sa_column=_user_version)

    departments: list[Department] = Relationship(
        link_model=UserDepartment, sa_relationship_kwargs={"lazy": "selectin"}
    )

    @property
    def department_ids(self) -> list[int]:
        return sorted(d.id for d in self.departments if d.id is not None)


@dataclass(frozen=True)
class Principal:
    """A read-only snapshot of the logged-in user, safe to use after the session has ended."""

    id: int
    username: str
    full_name: str
    role: Role
    language: str
    department_names: tuple[str, ...]

    @classmethod
    def of(cls, user: User) -> "Principal":
        assert user.id is not None
        return cls(
            user.id,
            user.username,
            user.full_name,
            user.role,
            user.language,
            tuple(d.name for d in user.departments),
        )


class RevokedToken(SQLModel, table=True):
    """A token revoked by logout before it expired."""

    __tablename__ = "revoked_token"
    __audit__ = False

    jti: str = Field(primary_key=True, max_length=64)
    expires_at: datetime = Field(index=True)


class LoginThrottle(SQLModel, table=True):
    """Failed logins per user name within the current window."""

    __tablename__ = "login_throttle"
    __audit__ = False

    username: str = Field(primary_key=True, max_length=64)
    failures: int = 0
    window_started_at: datetime = Field(default_factory=utcnow)
    locked_until: datetime | None = None
