"""Pages of reports and evidence packs: request a document or a pack, follow its progress,
download it; the public key for auditors."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlmodel import Session, col
from starlette.responses import Response

from isms.database import SessionDep
from isms.identity.deps import department_scope
from isms.identity.models import Role, User
from isms.identity.service import all_departments
from isms.web.forms import FormData, FormErrors, attempt, int_value, read_form
from isms.web.render import render, request_language
from privacy.deps import UiIncidentReader
from reports import jobs, routes
from reports.deps import UiReportUser
from reports.models import JobState
from risk.assets.models import Asset

router = APIRouter(prefix="/reports", include_in_schema=False)


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    return render(
        request,
        "reports/index.html",
        {
            "jobs": jobs.visible(session, user=user),
            "documents": [
                d for d in jobs.DOCUMENTS if scope is None or d not in ("soa", "management")
            ],
            "departments": [d for d in all_departments(session) if scope is None or d.id in scope],
            "is_department": user.role is Role.DEPARTMENT,
            "errors": errors or FormErrors(),
            "values": values or {},
            "running": (JobState.QUEUED, JobState.RUNNING),
        },
        status_code=status_code,
    )


@router.get("")
def index(request: Request, session: SessionDep, user: UiReportUser) -> Response:
    return _page(request, session, user)


def _date(value: str, name: str, errors: FormErrors) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.add(name, "validation.date_parsing")
        return None


@router.post("")
def request_job(
    request: Request,
    background: BackgroundTasks,
    session: SessionDep,
    user: UiReportUser,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    department_id = int_value(form.get("department_id"))
    asset_ids: list[int] = []
    scope = department_scope(user)
    for short_id in [s.strip() for s in str(form.get("assets") or "").split(",") if s.strip()]:
        query = select(col(Asset.id)).where(col(Asset.short_id) == short_id)
        if scope is not None:  # another department's object is as unknown as a missing one
            query = query.where(col(Asset.department_id).in_(scope))
        found = session.scalar(query)
        if found is None:
            errors.add("assets", "error.asset_short_id_unknown", short_id=short_id[:40])
        else:
            asset_ids.append(found)
    start = _date(str(form.get("period_start") or ""), "period_start", errors)
    end = _date(str(form.get("period_end") or ""), "period_end", errors)
    language = "en" if form.get("language") == "en" else "de"
    job: Any = None
    if not errors:
        job = attempt(
            session,
            errors,
            lambda: jobs.submit(
                session,
                user=user,
                document=str(form.get("document") or ""),
                department_id=department_id,
                asset_ids=asset_ids,
                kritis=form.get("kritis") == "ja",
                period_start=start,
                period_end=end,
                language=language,
            ),
            field_name="document",
        )
    if not job:
        return _page(request, session, user, errors=errors, values=form, status_code=400)
    background.add_task(
        jobs.start, request.app.state.engine, request.app.state.settings.data_dir, job.id or 0
    )
    return RedirectResponse(f"/reports?started={job.id}#job-{job.id}", status_code=303)


@router.get("/jobs/{job_id}/status")
def job_status(request: Request, session: SessionDep, user: UiReportUser, job_id: int) -> Response:
    """The status cell of one job (polled by the page's script; also a page of its own)."""
    return render(
        request,
        "reports/status.html",
        {
            "job": jobs.get(session, job_id=job_id, user=user),
            "running": (JobState.QUEUED, JobState.RUNNING),
        },
    )


@router.get("/jobs/{job_id}/download")
def download(request: Request, session: SessionDep, user: UiReportUser, job_id: int) -> Response:
    return routes.download(request, session, user, job_id)


@router.get("/public-key.pem")
def public_key(request: Request, user: UiReportUser) -> Response:
    return routes.public_key(request, user)


incident_router = APIRouter(include_in_schema=False)


@incident_router.get("/incidents/{incident_id}/meldung.pdf")
def notification_draft(
    request: Request, session: SessionDep, user: UiIncidentReader, incident_id: int
) -> Response:
    """The Art. 33 notification draft, linked from the incident page."""
    language = "en" if request_language(request) == "en" else "de"
    return routes.breach_draft(session, user, incident_id, language)


@incident_router.get("/dpias/{dpia_id}/dsfa.pdf")
def dpia_report(
    request: Request, session: SessionDep, user: UiIncidentReader, dpia_id: int
) -> Response:
    """The impact assessment as PDF, linked from its page."""
    language = "en" if request_language(request) == "en" else "de"
    return routes.dpia_report(session, user, dpia_id, language)


@incident_router.get("/processing-activities/{activity_id}/vvt.pdf")
def activity_report(
    request: Request, session: SessionDep, user: UiIncidentReader, activity_id: int
) -> Response:
    """One entry of the record of processing as PDF, linked from its page."""
    language = "en" if request_language(request) == "en" else "de"
    return routes.activity_report(session, user, activity_id, language)
