"""JSON API of the periodic reviews."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from isms.database import SessionDep
from isms.identity.deps import department_scope
from isms.pagination import PageDep, PageRead
from reviews import generation, service
from reviews.deps import ReviewAnswerer, ReviewDecider, ReviewReader
from reviews.models import ReviewPolicy, ReviewTask, Subject, TaskState
from reviews.schemas import (
    PROPOSABLE,
    PolicyRead,
    PolicyUpdate,
    ReviewAnswer,
    ReviewDecision,
    ReviewRead,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"])
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
    session: SessionDep, user: ReviewDecider, task_id: int, data: ReviewDecision
) -> ReviewRead:
    task, policy = service.get_task(session, task_id=task_id, scope=None)
    service.accept(session, task=task, data=data, actor=user.username)
    return to_read(task, policy)


@router.post(
    "/reviews/{task_id}/return", response_model=ReviewRead, summary="Return with a comment"
)
def return_task(
    session: SessionDep, user: ReviewDecider, task_id: int, data: ReviewDecision
) -> ReviewRead:
    task, policy = service.get_task(session, task_id=task_id, scope=None)
    service.return_task(session, task=task, data=data, actor=user.username)
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
