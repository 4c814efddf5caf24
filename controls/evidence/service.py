"""Evidence: upload (checked and stored by content), list, read; flush, never commit."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from controls.evidence import storage
from controls.evidence.models import CheckEvidence, Evidence
from isms.errors import InvalidInput, NotFound
from isms.identity.models import Department
from isms.pagination import Page, PageParams

FOLDER = "evidence"  # under the data dir


def root(data_dir: Path) -> Path:
    return data_dir / FOLDER


def upload(
    session: Session,
    *,
    data_dir: Path,
    stream: BinaryIO,
    filename: str,
    title: str,
    valid_until: date,
    department_id: int | None,
    description: str = "",
    actor: str,
    scope: set[int] | None,
    max_bytes: int = storage.DEFAULT_MAX_BYTES,
) -> Evidence:
    """Store the file (deduplicated by content) and record it; a department user's evidence
    belongs to one of their departments."""
    title = title.strip() or storage.sanitise_name(filename)
    if valid_until < date.today():
        raise InvalidInput("error.evidence_expired_date", field="valid_until")
    if scope is not None and department_id not in scope:
        raise InvalidInput(
            "error.department_unknown", ids=str(department_id), field="department_id"
        )
    if department_id is not None and session.get(Department, department_id) is None:
        raise InvalidInput(
            "error.department_unknown", ids=str(department_id), field="department_id"
        )
    stored = storage.store(root(data_dir), stream, name=filename, max_bytes=max_bytes)
    evidence = Evidence(
        sha256=stored.sha256,
        size=stored.size,
        media_type=stored.media_type,
        original_name=stored.original_name[:200],
        title=title[:300],
        description=description.strip(),
        valid_until=valid_until,
        department_id=department_id,
        uploaded_by=actor,
    )
    session.add(evidence)
    session.flush()
    return evidence


def list_evidence(
    session: Session,
    *,
    page: PageParams,
    scope: set[int] | None,
    q: str | None = None,
    expires_before: date | None = None,
) -> Page[Evidence]:
    query = select(Evidence)
    if scope is not None:
        query = query.where(
            or_(col(Evidence.department_id).in_(scope), col(Evidence.department_id).is_(None))
        )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Evidence.title)).like(like),
                func.lower(col(Evidence.original_name)).like(like),
            )
        )
    if expires_before is not None:
        query = query.where(col(Evidence.valid_until) < expires_before)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = session.scalars(
        query.order_by(col(Evidence.uploaded_at).desc(), col(Evidence.id).desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return Page(items=list(items), total=total)


def get(session: Session, *, evidence_id: int, scope: set[int] | None) -> Evidence:
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or (
        scope is not None
        and evidence.department_id is not None
        and evidence.department_id not in scope
    ):
        raise NotFound("error.evidence_not_found", id=evidence_id)
    return evidence


def open_file(data_dir: Path, evidence: Evidence) -> BinaryIO:
    try:
        return storage.open_stored(root(data_dir), evidence.sha256)
    except FileNotFoundError as error:
        raise NotFound("error.evidence_file_missing", id=evidence.id or 0) from error


def links(session: Session, evidence_id: int) -> list[int]:
    return list(
        session.scalars(
            select(col(CheckEvidence.check_entry_id)).where(
                col(CheckEvidence.evidence_id) == evidence_id
            )
        )
    )
