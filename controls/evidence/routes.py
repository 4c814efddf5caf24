"""JSON API of evidence files."""

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, BinaryIO
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from controls.deps import CheckEditor, CheckReader
from controls.evidence import service, storage
from controls.evidence.models import Evidence
from isms.database import SessionDep
from isms.identity.deps import department_scope
from isms.pagination import PageDep, PageRead

router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])
MAX_UPLOAD_BYTES = storage.DEFAULT_MAX_BYTES


async def file_parts(request: Request) -> int:
    """How many parts named `file` the (already parsed, cached) form has: FastAPI keeps only
    the last of several, so a second file would otherwise be dropped without a word."""
    content_type = request.headers.get("content-type", "").lower()
    if not content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        return 0
    return len((await request.form()).getlist("file"))


FileParts = Annotated[int, Depends(file_parts)]
ONE_FILE = {"loc": ("body", "file"), "msg": "one file per upload", "type": "too_long"}


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sha256: str
    size: int
    media_type: str
    original_name: str
    title: str
    description: str
    valid_until: date
    department_id: int | None
    uploaded_by: str
    uploaded_at: datetime


class EvidenceDetail(EvidenceRead):
    check_entry_ids: list[int]


@router.post(
    "",
    response_model=EvidenceRead,
    status_code=status.HTTP_201_CREATED,
    summary="Upload an evidence file (PDF, images, office documents, text, e-mail)",
)
def upload(
    request: Request,
    session: SessionDep,
    user: CheckEditor,
    file: Annotated[UploadFile, File()],
    valid_until: Annotated[date, Form()],
    parts: FileParts,
    title: Annotated[str, Form(max_length=300)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    department_id: Annotated[int | None, Form()] = None,
) -> Evidence:
    if parts > 1:
        raise RequestValidationError([ONE_FILE])
    scope = department_scope(user)
    if department_id is None and scope:
        department_id = min(scope)
    return service.upload(
        session,
        data_dir=request.app.state.settings.data_dir,
        stream=file.file,
        filename=file.filename or "",
        title=title,
        valid_until=valid_until,
        department_id=department_id,
        description=description,
        actor=user.username,
        scope=scope,
        max_bytes=MAX_UPLOAD_BYTES,
    )


@router.get("", response_model=PageRead[EvidenceRead])
def list_evidence(
    session: SessionDep,
    user: CheckReader,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=100)] = None,
    expires_before: date | None = None,
) -> PageRead[EvidenceRead]:
    result = service.list_evidence(
        session, page=page, scope=department_scope(user), q=q, expires_before=expires_before
    )
    return PageRead(
        items=[EvidenceRead.model_validate(e) for e in result.items], total=result.total
    )


@router.get("/{evidence_id}", response_model=EvidenceDetail)
def get_evidence(session: SessionDep, user: CheckReader, evidence_id: int) -> EvidenceDetail:
    evidence = service.get(session, evidence_id=evidence_id, scope=department_scope(user))
    return EvidenceDetail(
        **EvidenceRead.model_validate(evidence).model_dump(),
        check_entry_ids=service.links(session, evidence_id),
    )


@router.get("/{evidence_id}/download", summary="The file, as uploaded")
def download(
    request: Request, session: SessionDep, user: CheckReader, evidence_id: int
) -> StreamingResponse:
    evidence = service.get(session, evidence_id=evidence_id, scope=department_scope(user))
    handle = service.open_file(request.app.state.settings.data_dir, evidence)
    extension = (storage.ALLOWED.get(evidence.media_type) or ("",))[0]
    name = evidence.original_name
    if extension and not name.lower().endswith(extension):
        name = f"{name}{extension}"
    return StreamingResponse(
        _chunks(handle),
        media_type=evidence.media_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "x-content-type-options": "nosniff",
        },
    )


def _chunks(handle: BinaryIO) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(1024 * 1024):
            yield chunk
