"""JSON API of reports and evidence packs: start a job, poll it, download the file; the
public key that signs the packs."""

import io
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from isms.database import SessionDep
from isms.errors import InvalidInput, NotFound
from isms.identity.deps import department_scope
from isms.identity.models import User
from privacy import dpia, incidents
from privacy import service as privacy_service
from privacy.deps import IncidentReader, PrivacyReader
from reports import context, jobs, pdf, signing
from reports.deps import ReportUser
from reports.models import JobState, ReportJob

router = APIRouter(prefix="/api/v1", tags=["reports"])
Document = Literal[
    "a1", "a2", "a3", "a4", "a5", "a6", "soa", "management", "ropa", "dpia", "breaches", "pack"
]


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: Document
    department_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    asset_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        default_factory=list, max_length=5000
    )
    kritis: bool = False
    period_start: date | None = None
    period_end: date | None = None
    language: Literal["de", "en"] = "de"


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    document: str
    department_id: int | None
    asset_ids: list[int]
    kritis: bool
    period_start: date | None
    period_end: date | None
    language: str
    state: JobState
    progress: int
    step: str
    error: str
    sha256: str
    size: int
    created_by: str
    created_at: datetime
    finished_at: datetime | None


@router.post(
    "/report-jobs",
    response_model=JobRead,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Build a reference document (PDF) or an evidence pack (ZIP) in the background",
)
def create_job(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: ReportUser,
    data: JobCreate,
) -> JobRead:
    job = jobs.submit(session, user=user, **data.model_dump())
    # started once the request's transaction is committed, so the worker finds the job
    background.add_task(
        jobs.start, request.app.state.engine, request.app.state.settings.data_dir, job.id or 0
    )
    return JobRead.model_validate(job)


@router.get("/report-jobs", response_model=list[JobRead], summary="Jobs (departments: their own)")
def list_jobs(session: SessionDep, user: ReportUser) -> list[JobRead]:
    return [JobRead.model_validate(j) for j in jobs.visible(session, user=user)]


@router.get("/report-jobs/{job_id}", response_model=JobRead, summary="Poll a job's progress")
def get_job(session: SessionDep, user: ReportUser, job_id: int) -> JobRead:
    return JobRead.model_validate(jobs.get(session, job_id=job_id, user=user))


@router.get(
    "/report-jobs/{job_id}/download",
    summary="The finished file",
    response_class=FileResponse,
    responses={404: {"description": "Unknown, not yours, or not finished"}},
)
def download(request: Request, session: SessionDep, user: ReportUser, job_id: int) -> Response:
    job: ReportJob = jobs.get(session, job_id=job_id, user=user)
    path = jobs.path_of(request.app.state.settings.data_dir, job)
    if job.state != JobState.DONE or not job.file_name or not path.is_file():
        raise NotFound("error.report_not_ready", id=job_id)
    media = "application/zip" if job.document == "pack" else "application/pdf"
    return FileResponse(path, media_type=media, filename=job.file_name)


def breach_draft(session: SessionDep, user: User, incident_id: int, language: str) -> Response:
    """The Art. 33 notification draft of a personal-data breach, as PDF."""
    scope = department_scope(user)
    incident = incidents.get_incident(session, incident_id=incident_id, scope=scope)
    if not incident.personal_data:
        raise InvalidInput("error.incident_not_a_breach", field="personal_data")
    document = context.build_breach_notification(session, incident, language, scope)
    return _pdf_download(document, f"{incident.ref}-meldung-art33.pdf")


def _pdf_download(document: Any, name: str, *, wide: bool = False) -> Response:
    """A document rendered in memory, as an attachment."""
    buffer = io.BytesIO()
    pdf.render(document, buffer, wide=wide)
    return Response(
        buffer.getvalue(),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def activity_report(session: SessionDep, user: User, activity_id: int, language: str) -> Response:
    """One entry of the record of processing as PDF (a department sees its own objects)."""
    scope = department_scope(user)
    found = privacy_service.get_activity(session, activity_id=activity_id, scope=scope)
    document = context.build_ropa(
        session, context.Scope(), language, activity_ids=(found.id or 0,), department_scope=scope
    )
    return _pdf_download(document, f"{found.ref}.pdf", wide=True)


@router.get(
    "/processing-activities/{activity_id}/report",
    summary="One entry of the record of processing (Art. 30 GDPR) as PDF",
    response_class=Response,
)
def get_activity_report(
    session: SessionDep,
    user: PrivacyReader,
    activity_id: int,
    language: Literal["de", "en"] = "de",
) -> Response:
    return activity_report(session, user, activity_id, language)


def dpia_report(session: SessionDep, user: User, dpia_id: int, language: str) -> Response:
    """One impact assessment as PDF (the department sees the measures of its own objects)."""
    scope = department_scope(user)
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=scope)
    document = context.build_dpias(
        session, context.Scope(), language, dpia_ids=(found.id or 0,), department_scope=scope
    )
    return _pdf_download(document, f"{found.ref}.pdf")


@router.get(
    "/dpias/{dpia_id}/report",
    summary="The impact assessment (Art. 35 GDPR) as PDF",
    response_class=Response,
)
def get_dpia_report(
    session: SessionDep,
    user: PrivacyReader,
    dpia_id: int,
    language: Literal["de", "en"] = "de",
) -> Response:
    return dpia_report(session, user, dpia_id, language)


@router.get(
    "/incidents/{incident_id}/notification-draft",
    summary="Draft of the notification to the supervisory authority (Art. 33 GDPR), as PDF",
    response_class=Response,
)
def notification_draft(
    session: SessionDep,
    user: IncidentReader,
    incident_id: int,
    language: Literal["de", "en"] = "de",
) -> Response:
    return breach_draft(session, user, incident_id, language)


@router.get(
    "/pack-public-key",
    summary="The public key (PEM) that verifies evidence packs; pin it",
    response_class=Response,
)
def public_key(request: Request, _: ReportUser) -> Response:
    pem = signing.public_key_pem(request.app.state.settings.data_dir)
    return Response(
        pem,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="isms-pack-key.pem"'},
    )
