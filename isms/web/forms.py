"""Turning a posted HTML form into a validated model, with errors for the error summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from isms.errors import DomainError
from isms.web.render import CSRF_FIELD, check_csrf

M = TypeVar("M", bound=BaseModel)


@dataclass
class FormErrors:
    """Field name -> message key (plus params) for the error summary and inline messages."""

    fields: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    def add(self, field_name: str, key: str, /, **params: Any) -> None:
        self.fields.setdefault(field_name, (key, params))

    def __bool__(self) -> bool:
        return bool(self.fields)


async def read_form(request: Request) -> dict[str, Any]:
    """The posted form (CSRF-checked) as a dict; repeated fields become lists."""
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD) or ""))
    data: dict[str, Any] = {}
    for key in form:
        if key == CSRF_FIELD:
            continue
        values = [v for v in form.getlist(key) if isinstance(v, str)]
        data[key] = values if len(values) > 1 else (values[0] if values else "")
    return data


def list_value(data: dict[str, Any], name: str) -> list[str]:
    """A form field that may be posted several times (checkboxes), as a list."""
    value = data.get(name)
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def validate(model: type[M], data: dict[str, Any], errors: FormErrors) -> M | None:
    """The model built from data, or None with each field's problem added to errors."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for item in exc.errors():
            name = str(item["loc"][0]) if item["loc"] else "form"
            errors.add(
                name,
                f"validation.{item['type']}",
                **{
                    k: v
                    for k, v in (item.get("ctx") or {}).items()
                    if isinstance(v, str | int | float)
                },
            )
        return None


FormData = dict[str, Any]


def int_value(value: object) -> int | None:
    """A posted or queried id: plain ASCII digits that fit a database integer, else None (so
    "²", "-1" or 25 nines never reach the database)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def attempt(session: Any, errors: FormErrors, work: Any, *, field_name: str = "form") -> Any:
    """Run a service call in a savepoint; a domain error becomes a form error, not a failure."""
    try:
        with session.begin_nested():
            return work()
    except DomainError as exc:
        errors.add(str(exc.params.get("field", field_name)), exc.message_key, **exc.params)
        return None
