"""Pages of the Statement of Applicability: the derived table and the ISB's form per control."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlmodel import Session
from starlette.responses import Response

from controls.catalogs import service as catalogs
from controls.check.models import CheckStatus
from controls.deps import UiSoaEditor, UiSoaReader
from controls.soa import service
from controls.soa.models import Implementation
from isms.database import SessionDep
from isms.errors import DomainError, NotFound
from isms.identity.models import Role
from isms.web.forms import FormData, FormErrors, read_form, validate
from isms.web.render import render

router = APIRouter(prefix="/soa", include_in_schema=False)


class SoaForm(BaseModel):
    """The posted form of one Annex A control."""

    model_config = ConfigDict(extra="ignore")

    applicable: Literal["ja", "nein"]
    justification: str = Field(max_length=4000)
    override: Implementation | None = None
    override_reason: str = Field(default="", max_length=4000)
    version: int | None = None

    @field_validator("override", "version", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return value or None


def anchor(ref: str) -> str:
    """The id of a control's row: refs hold dots, which make awkward fragment ids."""
    return "soa-" + "".join(ch if ch.isalnum() else "-" for ch in ref)


def _sections(session: Session, rows: list[service.SoaRow]) -> list[dict[str, Any]]:
    """The rows grouped by their Annex A group (A5..A8), in document order."""
    catalog = service.soa_catalog(session)
    titles = {g.ref: g.title for g in catalogs.groups(session, catalog.id or 0)}
    sections: list[dict[str, Any]] = []
    for row in rows:
        if not sections or sections[-1]["ref"] != row.group:
            sections.append({"ref": row.group, "title": titles.get(row.group or ""), "rows": []})
        sections[-1]["rows"].append(row)
    return sections


@router.get("")
def soa_page(request: Request, session: SessionDep, user: UiSoaReader) -> Response:
    try:
        rows = service.rows(session)
    except NotFound as error:
        if error.message_key != "error.soa_catalog_missing":
            raise
        return render(request, "soa/list.html", {"missing": True, "sections": []})
    catalog = service.soa_catalog(session)
    return render(
        request,
        "soa/list.html",
        {
            "missing": False,
            "catalog": catalog,
            "sections": _sections(session, rows),
            "total": len(rows),
            "anchor": anchor,
            "statuses": list(CheckStatus),
            "is_isb": user.role is Role.ISB,
        },
    )


def _row(session: Session, ref: str) -> service.SoaRow:
    found = service.rows(session, ref=ref)
    if not found:
        raise NotFound("error.control_not_found", id=ref)
    return found[0]


def _form(
    request: Request,
    row: service.SoaRow,
    values: dict[str, Any],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "soa/form.html",
        {
            "row": row,
            "values": values,
            "errors": errors,
            "implementations": list(Implementation),
            "anchor": anchor,
        },
        status_code=status_code,
    )


@router.get("/{ref}")
def edit_page(request: Request, session: SessionDep, _: UiSoaEditor, ref: str) -> Response:
    row = _row(session, ref)
    values = {
        "applicable": "ja" if row.applicable else "nein",
        "justification": row.justification,
        "override": row.override.value if row.override else "",
        "override_reason": row.override_reason,
        "version": row.version,
    }
    return _form(request, row, values, FormErrors())


@router.post("/{ref}")
def update(
    request: Request,
    session: SessionDep,
    user: UiSoaEditor,
    ref: str,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    row = _row(session, ref)
    errors = FormErrors()
    payload = validate(SoaForm, form, errors)
    status_code = 400
    if payload is not None:
        try:
            with session.begin_nested():
                service.update(
                    session,
                    ref=ref,
                    applicable=payload.applicable == "ja",
                    justification=payload.justification,
                    override=payload.override,
                    override_reason=payload.override_reason,
                    version=payload.version,
                    actor=user.username,
                )
        except DomainError as error:
            errors.add(str(error.params.get("field", "form")), error.message_key, **error.params)
            status_code = error.status_code
    if errors:
        return _form(request, row, form, errors, status_code)
    return RedirectResponse(f"/soa?saved={quote(ref)}#{anchor(ref)}", status_code=303)
