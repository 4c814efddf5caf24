"""Pages of the evidence store: list with search, upload, detail, download."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlmodel import Session
from starlette.responses import Response

from controls.deps import UiCheckEditor, UiCheckReader
from controls.evidence import routes, service, storage
from controls.evidence.models import Evidence
from isms.database import SessionDep
from isms.errors import DomainError, NotFound
from isms.identity.deps import department_scope
from isms.identity.models import Department, Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, read_form
from isms.web.render import render, request_language

router = APIRouter(prefix="/evidence", include_in_schema=False)
PAGE_SIZE = 50
MAX_UPLOAD_BYTES = storage.DEFAULT_MAX_BYTES
KIB = 1024
GERMAN_DATE = "%d.%m.%Y"


def _date(value: str | None) -> date | None:
    """A date as a date field sends it (ISO), or typed the German way where it is plain text."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.strptime(value, GERMAN_DATE).date()
    except ValueError:
        return None


def _size(size: int, language: str) -> str:
    """A file size for people: bytes, KB or MB with the language's decimal mark."""
    if size < KIB:
        return f"{size} B"
    if size < KIB * KIB:
        text, unit = f"{size / KIB:.1f}", "KB"
    else:
        text, unit = f"{size / (KIB * KIB):.1f}", "MB"
    return f"{text.replace('.', ',') if language == 'de' else text} {unit}"


def _kind(media_type: str) -> str:
    """The type as the extension people know (PDF, DOCX, ...)."""
    extensions = storage.ALLOWED.get(media_type)
    return extensions[0].lstrip(".").upper() if extensions else media_type


def _departments(session: Session, user: User) -> list[Department]:
    """The departments user may file evidence under (department users: their own)."""
    scope = department_scope(user)
    return [d for d in all_departments(session) if scope is None or d.id in scope]


def _describe(request: Request, items: list[Evidence], session: Session) -> list[dict[str, Any]]:
    language = request_language(request)
    names = {d.id: d.name for d in all_departments(session)}
    today = date.today()
    return [
        {
            "evidence": e,
            "kind": _kind(e.media_type),
            "size": _size(e.size, language),
            "expired": e.valid_until < today,
            "department": names.get(e.department_id) if e.department_id else None,
        }
        for e in items
    ]


def _list_page(
    request: Request,
    session: Session,
    user: User,
    *,
    offset: int = 0,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    params = {
        "q": (request.query_params.get("q") or "")[:100],
        "expires_before": (request.query_params.get("expires_before") or "")[:10],
    }
    page = service.list_evidence(
        session,
        page=PageParams(limit=PAGE_SIZE, offset=offset),
        scope=department_scope(user),
        q=params["q"].strip() or None,
        expires_before=_date(params["expires_before"]),
    )
    uploaded = None
    if status_code == 200 and (request.query_params.get("uploaded") or "").isdigit():
        try:
            uploaded = service.get(
                session,
                evidence_id=int(request.query_params["uploaded"]),
                scope=department_scope(user),
            )
        except NotFound:
            uploaded = None
    return render(
        request,
        "evidence/list.html",
        {
            "page": page,
            "rows": _describe(request, page.items, session),
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "uploaded": uploaded,
            "can_upload": user.role in (Role.ISB, Role.DEPARTMENT),
            "departments": _departments(session, user),
            "department_optional": user.role is not Role.DEPARTMENT,
            "values": values or {},
            "errors": errors or FormErrors(),
            "max_mb": MAX_UPLOAD_BYTES // (KIB * KIB),
        },
        status_code=status_code,
    )


@router.get("")
def list_page(
    request: Request,
    session: SessionDep,
    user: UiCheckReader,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    return _list_page(request, session, user, offset=offset)


def _upload_fields(form: FormData, errors: FormErrors) -> tuple[date | None, int | None]:
    """valid_until and department_id from the form; problems go to errors."""
    raw_date = str(form.get("valid_until") or "").strip()
    valid_until = _date(raw_date)
    if not raw_date:
        errors.add("valid_until", "validation.missing")
    elif valid_until is None:
        errors.add("valid_until", "validation.date_parsing")
    raw_department = str(form.get("department_id") or "").strip()
    department_id = int(raw_department) if raw_department.isdigit() else None
    if raw_department and department_id is None:
        errors.add("department_id", "validation.int_parsing")
    for name, limit in (("title", 300), ("description", 4000)):
        if len(str(form.get(name) or "")) > limit:
            errors.add(name, "validation.string_too_long", max_length=limit)
    return valid_until, department_id


@router.post("/upload")
def upload(
    request: Request,
    session: SessionDep,
    user: UiCheckEditor,
    form: Annotated[FormData, Depends(read_form)],
    parts: routes.FileParts,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "validation.missing")
    elif parts > 1:  # only the last would be stored
        errors.add("file", "validation.too_long")
    valid_until, department_id = _upload_fields(form, errors)
    scope = department_scope(user)
    if department_id is None and scope:
        department_id = min(scope)
    status_code = 400
    evidence = None
    if not errors and file is not None and valid_until is not None:
        try:
            with session.begin_nested():
                evidence = service.upload(
                    session,
                    data_dir=request.app.state.settings.data_dir,
                    stream=file.file,
                    filename=file.filename or "",
                    title=str(form.get("title") or ""),
                    valid_until=valid_until,
                    department_id=department_id,
                    description=str(form.get("description") or ""),
                    actor=user.username,
                    scope=scope,
                    max_bytes=MAX_UPLOAD_BYTES,
                )
        except DomainError as error:
            errors.add(str(error.params.get("field", "file")), error.message_key, **error.params)
            status_code = error.status_code
    if evidence is None:
        return _list_page(
            request, session, user, values=form, errors=errors, status_code=status_code
        )
    return RedirectResponse(f"/evidence?uploaded={evidence.id}", status_code=303)


@router.get("/{evidence_id}")
def detail_page(
    request: Request, session: SessionDep, user: UiCheckReader, evidence_id: int
) -> Response:
    evidence = service.get(session, evidence_id=evidence_id, scope=department_scope(user))
    return render(
        request,
        "evidence/detail.html",
        {
            "row": _describe(request, [evidence], session)[0],
            "links": service.links(session, evidence_id),
        },
    )


@router.get("/{evidence_id}/download")
def download(
    request: Request, session: SessionDep, user: UiCheckReader, evidence_id: int
) -> StreamingResponse:
    # The API's download: the same checks, content-disposition attachment and nosniff.
    return routes.download(request, session, user, evidence_id)
