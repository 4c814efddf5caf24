"""JSON API of the Statement of Applicability."""

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from controls.deps import SoaEditor, SoaReader
from controls.soa import service
from controls.soa.models import Implementation
from isms.database import SessionDep

router = APIRouter(prefix="/api/v1/soa", tags=["soa"])


class MappedRead(BaseModel):
    ref: str
    relationship: str


class SoaRead(BaseModel):
    ref: str
    title: str
    title_de: str | None
    group: str | None
    applicable: bool
    justification: str
    derived: Implementation = Field(description="From the Grundschutz-Check via the BSI mapping")
    partial_coverage: bool = Field(description="Only intersecting mappings: at most teilweise")
    override: Implementation | None
    override_reason: str
    effective: Implementation | None = Field(description="None when not applicable")
    mapped: list[MappedRead]
    counts: dict[str, int] = Field(description="Check entries of the mapped controls by status")
    version: int


class SoaUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applicable: bool
    justification: str = Field(max_length=4000)
    override: Implementation | None = None
    override_reason: str = Field(default="", max_length=4000)
    version: int | None = None


def _read(row: service.SoaRow) -> SoaRead:
    return SoaRead(
        ref=row.control.ref,
        title=row.control.title,
        title_de=row.control.alt_titles.get("de"),
        group=row.group,
        applicable=row.applicable,
        justification=row.justification,
        derived=row.derived,
        partial_coverage=row.partial_coverage,
        override=row.override,
        override_reason=row.override_reason,
        effective=row.effective,
        mapped=[MappedRead(ref=m.ref, relationship=m.relationship) for m in row.mapped],
        counts=row.counts,
        version=row.version,
    )


@router.get("", response_model=list[SoaRead], summary="The Statement of Applicability")
def list_soa(session: SessionDep, _: SoaReader) -> list[SoaRead]:
    return [_read(r) for r in service.rows(session)]


@router.put("/{ref}", response_model=SoaRead, summary="Applicability, justification, override")
def update_soa(session: SessionDep, user: SoaEditor, ref: str, data: SoaUpdate) -> SoaRead:
    service.update(
        session,
        ref=ref,
        applicable=data.applicable,
        justification=data.justification,
        override=data.override,
        override_reason=data.override_reason,
        version=data.version,
        actor=user.username,
    )
    return _read(service.rows(session, ref=ref)[0])
