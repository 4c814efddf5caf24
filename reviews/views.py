"""Pages of the periodic reviews: the inbox, one task with its answer or decision form, the
ISB's overview, the policy editor and the user's notifications."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.responses import Response

from controls.evidence import service as evidence_service
from controls.evidence import storage
from isms.clock import local_text
from isms.database import SessionDep
from isms.identity.deps import UiUser, department_scope
from isms.identity.models import Role, User
from isms.identity.service import all_departments
from isms.pagination import PageParams
from isms.web.forms import FormData, FormErrors, attempt, int_value, read_form, validate
from isms.web.render import render
from reviews import deadlines, notify, service
from reviews.deps import UiReviewAnswerer, UiReviewDecider, UiReviewReader, UiTaskDecider
from reviews.models import OPEN_STATES, Subject, TaskState
from reviews.schemas import PROPOSABLE, PolicyUpdate, ReviewAnswer, ReviewDecision

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
# What a proposed field offers in the form: a choice of values, a date, or free text.
CHOICES: dict[str, tuple[str, ...]] = {
    "confidentiality": ("normal", "hoch", "sehr hoch"),
    "integrity": ("normal", "hoch", "sehr hoch"),
    "availability": ("normal", "hoch", "sehr hoch"),
    "status": ("ja", "teilweise", "nein", "entbehrlich"),
}
DATES = {"target_date"}


@router.get("/reviews")
def inbox_page(
    request: Request,
    session: SessionDep,
    user: UiReviewReader,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    params = {
        k: request.query_params.get(k, "")[:20] for k in ("state", "overdue", "department_id")
    }
    states = {s.value for s in TaskState}
    flt = service.TaskFilter(
        state=TaskState(params["state"]) if params["state"] in states else None,
        open_only=params["state"] == "",
        overdue=params["overdue"] == "ja",
        department_id=int_value(params["department_id"]),
    )
    if params["state"] == "alle":
        flt = service.TaskFilter(overdue=flt.overdue, department_id=flt.department_id)
    scope = department_scope(user)
    page = service.list_tasks(
        session, page=PageParams(limit=PAGE_SIZE, offset=offset), flt=flt, scope=scope
    )
    return render(
        request,
        "reviews/list.html",
        {
            "page": page,
            "offset": offset,
            "limit": PAGE_SIZE,
            "params": params,
            "states": list(TaskState),
            "departments": [d for d in all_departments(session) if scope is None or d.id in scope],
            "today": date.today(),
            "is_isb": user.role is Role.ISB,
        },
    )


@router.get("/reviews/overview")
def overview_page(request: Request, session: SessionDep, user: UiReviewReader) -> Response:
    rows = service.overview(session, scope=department_scope(user))
    return render(
        request,
        "reviews/overview.html",
        {"rows": rows, "trend": service.trend(session, scope=department_scope(user))},
    )


def _policies(
    request: Request,
    session: Session,
    user: User,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "reviews/policies.html",
        {
            "policies": service.list_policies(session),
            "is_isb": user.role is Role.ISB,
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/reviews/policies")
def policies_page(request: Request, session: SessionDep, user: UiReviewReader) -> Response:
    return _policies(request, session, user)


@router.post("/reviews/policies/{policy_id}")
def save_policy(
    request: Request,
    session: SessionDep,
    user: UiReviewDecider,
    policy_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    policy = service.get_policy(session, policy_id=policy_id)
    errors = FormErrors()
    data: dict[str, Any] = {
        "title": str(form.get("title") or "").strip(),
        "interval_months": str(form.get("interval_months") or "").strip() or None,
        "lead_days": str(form.get("lead_days") or "").strip() or None,
        "active": form.get("active") == "ja",
        "version": str(form.get("version") or "") or None,
    }
    if data["interval_months"] is None:
        data.pop("interval_months")
    payload = validate(PolicyUpdate, data, errors)
    saved = payload and attempt(
        session,
        errors,
        lambda: service.update_policy(session, policy=policy, data=payload, actor=user.username),
    )
    if not saved:
        values = {**form, "policy_id": str(policy_id)}
        return _policies(request, session, user, errors=errors, values=values, status_code=400)
    return RedirectResponse(f"/reviews/policies?saved=1#policy-{policy_id}", status_code=303)


@router.get("/notifications")
def notifications_page(request: Request, session: SessionDep, user: UiUser) -> Response:
    return render(
        request,
        "reviews/notifications.html",
        {
            "notices": notify.list_notices(session, user=user, limit=200),
            "deadlines": [
                (n, i, local_text(n.due_at), local_text(n.created_at))
                for n, i in deadlines.list_notices(session, user=user, limit=200)
            ],
        },
    )


@router.post("/notifications/read")
def read_all(
    session: SessionDep, user: UiUser, _form: Annotated[FormData, Depends(read_form)]
) -> Response:
    notify.mark_read(session, user=user)
    deadlines.mark_read(session, user=user)
    return RedirectResponse("/notifications?saved=1", status_code=303)


def _task(
    request: Request,
    session: Session,
    user: User,
    task_id: int,
    *,
    errors: FormErrors | None = None,
    values: FormData | None = None,
    status_code: int = 200,
) -> Response:
    scope = department_scope(user)
    task, policy = service.get_task(session, task_id=task_id, scope=scope)
    evidence = []
    if task.subject in (Subject.EVIDENCE, Subject.KRITIS):
        evidence = evidence_service.list_evidence(
            session, page=PageParams(limit=200), scope=scope
        ).items
    can_answer = user.role in (Role.ISB, Role.DEPARTMENT) and task.state in OPEN_STATES
    return render(
        request,
        "reviews/detail.html",
        {
            "task": task,
            "policy": policy,
            "overdue": service.is_overdue(task),
            "next_review": service.next_review(policy, task),
            "proposable": PROPOSABLE[task.subject],
            "choices": CHOICES,
            "dates": DATES,
            "evidence": evidence,
            "requirements": service.open_requirements(session, task),
            "can_answer": can_answer,
            "can_decide": user.role is service.decider(task.subject)
            and task.state == TaskState.ANSWERED,
            "object_link": _object_link(task.subject, task.object_id),
            "errors": errors or FormErrors(),
            "values": values or {},
        },
        status_code=status_code,
    )


def _object_link(subject: Subject, object_id: int) -> str:
    return {
        Subject.PROTECTION: f"/assets/{object_id}",
        Subject.KRITIS: f"/assets/{object_id}",
        Subject.RISK: f"/risks/{object_id}",
        Subject.ACCEPTANCE: f"/risks/{object_id}",
        Subject.CHECK_GAP: f"/check/{object_id}",
        Subject.CHECK_GAPS: f"/assets/{object_id}" if object_id else "/check?domain=ja",
        Subject.EVIDENCE: f"/evidence/{object_id}",
        Subject.PROCESSING: f"/processing-activities/{object_id}",
        Subject.DPIA: f"/dpias/{object_id}",
    }[subject]


@router.get("/reviews/{task_id}")
def task_page(
    request: Request, session: SessionDep, user: UiReviewReader, task_id: int
) -> Response:
    return _task(request, session, user, task_id)


def _valid_until(form: FormData, errors: FormErrors) -> date | None:
    """The validity of a file sent with the answer, or None with the problem in errors."""
    raw = str(form.get("valid_until") or "").strip()
    try:
        valid_until = date.fromisoformat(raw) if raw else None
    except ValueError:
        valid_until = None
    if valid_until is None:
        errors.add("valid_until", "validation.missing" if not raw else "validation.date_parsing")
    return valid_until


def _upload(
    request: Request,
    session: Session,
    user: User,
    task: Any,
    form: FormData,
    file: UploadFile,
    valid_until: date,
    errors: FormErrors,
) -> int | None:
    """A new evidence file sent with the answer, stored like any upload; its id, or None with
    the problem in errors."""
    evidence = attempt(
        session,
        errors,
        lambda: evidence_service.upload(
            session,
            data_dir=request.app.state.settings.data_dir,
            stream=file.file,
            filename=file.filename or "",
            title=str(form.get("evidence_title") or task.object_label)[:300],
            valid_until=valid_until,
            department_id=task.department_id,
            actor=user.username,
            scope=department_scope(user),
            max_bytes=storage.DEFAULT_MAX_BYTES,
        ),
        field_name="file",
    )
    return evidence.id if evidence is not None else None


@router.post("/reviews/{task_id}/answer")
def answer(
    request: Request,
    session: SessionDep,
    user: UiReviewAnswerer,
    task_id: int,
    form: Annotated[FormData, Depends(read_form)],
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    scope = department_scope(user)
    task, _ = service.get_task(session, task_id=task_id, scope=scope)
    errors = FormErrors()
    with_file = bool(file and file.filename) and task.subject in (Subject.EVIDENCE, Subject.KRITIS)
    valid_until = _valid_until(form, errors) if with_file else None
    proposed = {
        name: str(form.get(f"proposed-{name}") or "").strip()
        for name in PROPOSABLE[task.subject]
        if str(form.get(f"proposed-{name}") or "").strip()
    }
    if form.get("unchanged") not in ("ja", "nein"):
        errors.add("unchanged", "error.field_required")
    data = {
        "unchanged": form.get("unchanged") == "ja",
        "proposed": proposed,
        "comment": str(form.get("comment") or ""),
        "evidence_id": int_value(form.get("evidence_id")),
        "version": str(form.get("version") or "") or None,
    }
    payload = validate(ReviewAnswer, data, errors)
    # the file is stored last, once the answer has passed every check: a refused answer must
    # not leave it in the store
    if payload and not errors and file is not None and valid_until is not None:
        checked = attempt(
            session,
            errors,
            lambda: service.check_answer(
                session, task=task, data=payload, evidence_scope=scope, with_file=True
            ),
        )
        if checked is not None:
            uploaded = _upload(request, session, user, task, form, file, valid_until, errors)
            payload = payload.model_copy(update={"evidence_id": uploaded})
    saved = (
        payload
        and not errors
        and attempt(
            session,
            errors,
            lambda: service.answer(
                session, task=task, data=payload, actor=user.username, evidence_scope=scope
            ),
        )
    )
    if not saved:
        session.rollback()  # nor the uploaded file's record
        return _task(request, session, user, task_id, errors=errors, values=form, status_code=400)
    return RedirectResponse(f"/reviews/{task_id}?saved=1", status_code=303)


@router.post("/reviews/{task_id}/decide")
def decide(
    request: Request,
    session: SessionDep,
    user: UiTaskDecider,
    task_id: int,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    task, _ = service.get_task(session, task_id=task_id, scope=None)
    errors = FormErrors()
    data = {
        "comment": str(form.get("decision_comment") or ""),
        "version": str(form.get("version") or "") or None,
    }
    payload = validate(ReviewDecision, data, errors)
    action = service.accept if form.get("decision") == "accept" else service.return_task
    saved = payload and attempt(
        session,
        errors,
        lambda: action(session, task=task, data=payload, actor=user.username, role=user.role),
        field_name="decision_comment",
    )
    if not saved:
        # whatever went wrong (the comment, the proposal, the object's own rules): it is shown
        # at the decision form, the only form on the page
        first = next(iter(errors.fields.values()))
        errors.fields = {"decision_comment": first}
        return _task(request, session, user, task_id, errors=errors, values=form, status_code=400)
    return RedirectResponse(f"/reviews/{task_id}?saved=1", status_code=303)


def dashboard_widget(session: Session, user: User) -> dict[str, Any]:
    """Open and overdue review tasks of the user's departments (all for the ISB)."""
    scope = department_scope(user)
    open_tasks = service.list_tasks(
        session, page=PageParams(limit=5), flt=service.TaskFilter(open_only=True), scope=scope
    )
    overdue = service.list_tasks(
        session, page=PageParams(limit=1), flt=service.TaskFilter(overdue=True), scope=scope
    ).total
    answered = service.list_tasks(
        session,
        page=PageParams(limit=1),
        flt=service.TaskFilter(state=TaskState.ANSWERED),
        scope=scope,
    ).total
    return {
        "open": open_tasks.total,
        "next": [t for t, _ in open_tasks.items],
        "overdue": overdue,
        "answered": answered,
        "today": date.today(),
    }
