"""Validated input and output shapes of users, departments and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from isms.identity.models import Role

Text200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
Username = Annotated[
    str,
    BeforeValidator(lambda value: value.strip().lower() if isinstance(value, str) else value),
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$"),
]
DepartmentCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Language = Annotated[str, StringConstraints(pattern=r"^(de|en)$")]


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_in: int


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: DepartmentCode
    name: Text200
    email: Email | None = None
    description: str = Field(default="", max_length=2000)
    parent_id: int | None = None


class DepartmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: DepartmentCode | None = None
    name: Text200 | None = None
    email: Email | None = None
    description: str | None = Field(default=None, max_length=2000)
    parent_id: int | None = None
    version: int | None = Field(default=None, description="Expected version; 409 if stale")


class DepartmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    email: str | None
    description: str
    parent_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    full_name: Text200
    email: Email | None = None
    role: Role
    department_ids: list[int] = Field(default_factory=list, max_length=100)
    password: Password
    language: Language = "de"


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    full_name: Text200 | None = None
    email: Email | None = None
    role: Role | None = None
    department_ids: list[int] | None = Field(default=None, max_length=100)
    is_active: bool | None = None
    language: Language | None = None
    password: Password | None = Field(default=None, description="Sets a new password")
    version: int | None = Field(default=None, description="Expected version; 409 if stale")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    is_active: bool
    language: str
    department_ids: list[int]
    last_login_at: datetime | None
    created_at: datetime
    version: int


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: Password
    new_password: Password
