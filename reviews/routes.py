"""JSON API of the periodic reviews."""

from datetime import date, datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlmodel import col
from starlette.responses import Response

from isms.clock import utcnow
from isms.database import SessionDep
from isms.errors import NotFound
from isms.identity.deps import CurrentUser, department_scope
from isms.identity.models import Role, User
from isms.pagination import PageDep, PageRead
from reviews import calendar, deadlines, generation, notify, service
from reviews.deps import ReviewAnswerer, ReviewDecider, ReviewReader, TaskDecider
from reviews.models import OPEN_STATES, ReviewPolicy, ReviewTask, Subject, TaskState
from reviews.schemas import (
    PROPOSABLE,
    PolicyRead,
    PolicyUpdate,
    ReviewAnswer,
    ReviewDecision,
    ReviewRead,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"])
feed_router = APIRouter(tags=["reviews"])
Id = Annotated[int, Query(ge=1, le=2_147_483_647)]


def to_read(task: ReviewTask, policy: ReviewPolicy) -> ReviewRead:
    return ReviewRead(
        id=task.id or 0,
        policy=policy.name,
        policy_title=policy.title,
        subject=task.subject,
        object_id=task.object_id,
        object_label=task.object_label,
        period_key=task.period_key,
        department_id=task.department_id,
        due_date=task.due_date,
        overdue=service.is_overdue(task),
        state=task.state,
        unchanged=task.unchanged,
        proposed=dict(task.proposed),
        proposable=list(PROPOSABLE[task.subject]),
        comment=task.comment,
        evidence_id=task.evidence_id,
        answered_by=task.answered_by,
        answered_at=task.answered_at,
        decision_comment=task.decision_comment,
        decided_by=task.decided_by,
        decided_at=task.decided_at,
        next_review=service.next_review(policy, task),
        version=task.version,
    )


def task_filter(
    state: TaskState | None = None,
    open_only: Annotated[bool, Query(alias="open", description="Open or returned")] = False,
    overdue: bool = False,
    department_id: Id | None = None,
    policy_id: Id | None = None,
    subject: Subject | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> service.TaskFilter:
    return service.TaskFilter(
        state=state,
        open_only=open_only,
        overdue=overdue,
        department_id=department_id,
        policy_id=policy_id,
        subject=subject,
        q=q,
    )


@router.get(
    "/reviews",
    response_model=PageRead[ReviewRead],
    summary="Review tasks, most urgent first (department users: their departments')",
)
def list_reviews(
    session: SessionDep,
    user: ReviewReader,
    page: PageDep,
    flt: Annotated[service.TaskFilter, Depends(task_filter)],
) -> PageRead[ReviewRead]:
    result = service.list_tasks(session, page=page, flt=flt, scope=department_scope(user))
    return PageRead(items=[to_read(t, p) for t, p in result.items], total=result.total)


@router.get("/reviews/{task_id}", response_model=ReviewRead)
def get_review(session: SessionDep, user: ReviewReader, task_id: int) -> ReviewRead:
    return to_read(*service.get_task(session, task_id=task_id, scope=department_scope(user)))


@router.post(
    "/reviews/{task_id}/answer",
    response_model=ReviewRead,
    summary="Answer: unchanged, or proposed changes; a task changed meanwhile answers 409",
)
def answer(
    session: SessionDep, user: ReviewAnswerer, task_id: int, data: ReviewAnswer
) -> ReviewRead:
    scope = department_scope(user)
    task, policy = service.get_task(session, task_id=task_id, scope=scope)
    service.answer(session, task=task, data=data, actor=user.username, evidence_scope=scope)
    return to_read(task, policy)


@router.post(
    "/reviews/{task_id}/accept",
    response_model=ReviewRead,
    summary="Accept the answer; proposed changes are applied through the object's service",
)
def accept(
    session: SessionDep, user: TaskDecider, task_id: int, data: ReviewDecision
) -> ReviewRead:
    task, policy = service.get_task(session, task_id=task_id, scope=None)
    service.accept(session, task=task, data=data, actor=user.username, role=user.role)
    return to_read(task, policy)


@router.post(
    "/reviews/{task_id}/return", response_model=ReviewRead, summary="Return with a comment"
)
def return_task(
    session: SessionDep, user: TaskDecider, task_id: int, data: ReviewDecision
) -> ReviewRead:
    task, policy = service.get_task(session, task_id=task_id, scope=None)
    service.return_task(session, task=task, data=data, actor=user.username, role=user.role)
    return to_read(task, policy)


@router.get("/review-policies", response_model=list[PolicyRead])
def list_policies(session: SessionDep, _: ReviewReader) -> list[PolicyRead]:
    return [PolicyRead.model_validate(p) for p in service.list_policies(session)]


@router.patch("/review-policies/{policy_id}", response_model=PolicyRead)
def update_policy(
    session: SessionDep, user: ReviewDecider, policy_id: int, data: PolicyUpdate
) -> PolicyRead:
    policy = service.get_policy(session, policy_id=policy_id)
    service.update_policy(session, policy=policy, data=data, actor=user.username)
    return PolicyRead.model_validate(policy)


@router.post(
    "/review-policies/run",
    summary="Generate the due tasks now (idempotent); dry_run lists what would be created",
)
def run_now(
    session: SessionDep,
    _: ReviewDecider,
    dry_run: bool = False,
    policy: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> dict[str, dict[str, int]]:
    runs = generation.generate(session, names=policy or None, dry_run=dry_run)
    return {
        r.policy: {"due": r.due, "created": r.created, "would_create": len(r.would_create)}
        for r in runs
    }


# Notifications and the calendar feed


class NoticeRead(BaseModel):
    id: int
    kind: str
    task_id: int
    label: str
    due_date: date
    created_at: date
    read: bool


class ReadNotices(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(default=None, max_length=500, description="None: all")


@router.get("/notifications", response_model=list[NoticeRead], summary="My notifications")
def list_notices(session: SessionDep, user: CurrentUser, unread: bool = False) -> list[NoticeRead]:
    return [
        NoticeRead(
            id=n.id or 0,
            kind=n.kind.value,
            task_id=t.id or 0,
            label=t.object_label,
            due_date=t.due_date,
            created_at=n.created_at.date(),
            read=n.read_at is not None,
        )
        for n, t in notify.list_notices(session, user=user, unread_only=unread)
    ]


class DeadlineNoticeRead(BaseModel):
    id: int
    stage: str = Field(description="laeuft, bald, ueberfaellig")
    deadline: str
    due_at: datetime | None
    incident_id: int
    label: str
    created_at: datetime
    read: bool


@router.get(
    "/deadline-notifications",
    response_model=list[DeadlineNoticeRead],
    summary="My reminders of incident deadlines (GDPR Art. 33/34, BSIG)",
)
def list_deadline_notices(
    session: SessionDep, user: CurrentUser, unread: bool = False
) -> list[DeadlineNoticeRead]:
    return [
        DeadlineNoticeRead(
            id=n.id or 0,
            stage=n.stage.value,
            deadline=n.deadline,
            due_at=n.due_at,
            incident_id=i.id or 0,
            label=f"{i.ref} {i.title}",
            created_at=n.created_at,
            read=n.read_at is not None,
        )
        for n, i in deadlines.list_notices(session, user=user, unread_only=unread)
    ]


@router.post("/notifications/read", summary="Mark my notifications read (all, or the ids)")
def read_notices(session: SessionDep, user: CurrentUser, data: ReadNotices) -> dict[str, int]:
    return {"marked": notify.mark_read(session, user=user, notice_ids=data.ids)}


@router.get(
    "/review-calendar",
    summary="The URL of my calendar feed of review due dates (keep it private)",
)
def calendar_feed(request: Request, user: ReviewReader) -> dict[str, str]:
    token = calendar.feed_token(request.app.state.secret_key, user.id or 0, user.token_version)
    base = request.app.state.settings.public_url.rstrip("/")
    return {"url": f"{base}/calendar/{user.id}/{token}.ics"}


@feed_router.get(
    "/calendar/{user_id}/{token}.ics",
    summary="Calendar feed of review due dates (token in the URL instead of a login)",
    response_class=Response,
)
def calendar_ics(request: Request, session: SessionDep, user_id: int, token: str) -> Response:
    user = session.get(User, user_id) if 0 < user_id < 2**31 else None
    if (
        user is None
        or not user.is_active
        or user.role not in (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)
        or not calendar.token_matches(
            request.app.state.secret_key, user_id, user.token_version, token[:80]
        )
    ):
        raise NotFound("error.calendar_not_found")
    query = (
        select(ReviewTask)
        .where(col(ReviewTask.state).in_([*OPEN_STATES, TaskState.ANSWERED]))
        .order_by(col(ReviewTask.due_date), col(ReviewTask.id))
        .limit(2000)
    )
    scope = department_scope(user)
    if scope is not None:
        query = query.where(col(ReviewTask.department_id).in_(scope))
    settings = request.app.state.settings
    body = calendar.ics(
        session.scalars(query),
        name="ISMS",
        base_url=settings.public_url.rstrip("/"),
        host=urlsplit(settings.public_url).hostname or "isms",
        now=utcnow(),
    )
    return Response(body, media_type="text/calendar; charset=utf-8")
