"""Review tasks: the inbox, answers by departments, the ISB's decision; accepted changes are
applied through the object's own service (and so audited). Flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import case, func, select
from sqlmodel import Session, col

from controls.catalogs.models import Control
from controls.check import service as check_service
from controls.check.models import CheckEntry, CheckStatus
from controls.check.schemas import CheckUpdate
from controls.evidence.models import CheckEvidence, Evidence
from isms.clock import utcnow
from isms.errors import Conflict, Forbidden, InvalidInput, NotFound
from isms.identity.models import Department, Role
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from privacy.models import Dpia, ProcessingActivity
from reviews import notify
from reviews.models import (
    OPEN_STATES,
    PRIVACY_SUBJECTS,
    NoticeKind,
    ReviewPolicy,
    ReviewTask,
    Schedule,
    Subject,
    TaskState,
)
from reviews.periods import calendar_period
from reviews.schemas import PROPOSABLE, PolicyUpdate, ReviewAnswer, ReviewDecision
from risk.analysis import service as risks
from risk.analysis.models import Risk
from risk.analysis.schemas import RiskUpdate
from risk.assets import service as assets
from risk.assets.models import Asset
from risk.assets.schemas import ProtectionInput, ProtectionUpdate

SORT = {
    "due_date": col(ReviewTask.due_date),
    "state": col(ReviewTask.state),
    "created_at": col(ReviewTask.created_at),
}


def is_overdue(task: ReviewTask, today: date | None = None) -> bool:
    return task.state in OPEN_STATES and task.due_date < (today or date.today())


def next_review(policy: ReviewPolicy, task: ReviewTask) -> date | None:
    """The due date of the object's next periodic review after this one."""
    if task.state != TaskState.ACCEPTED or policy.schedule != Schedule.PERIODIC:
        return None
    return calendar_period(policy.interval_months, task.due_date + timedelta(days=1)).due


@dataclass(frozen=True)
class TaskFilter:
    state: TaskState | None = None
    open_only: bool = False  # open or returned
    overdue: bool = False
    department_id: int | None = None
    policy_id: int | None = None
    subject: Subject | None = None
    q: str | None = None


def _filtered(query: Any, flt: TaskFilter, scope: set[int] | None) -> Any:
    if scope is not None:
        query = query.where(col(ReviewTask.department_id).in_(scope))
    for column, value in (
        (col(ReviewTask.state), flt.state),
        (col(ReviewTask.department_id), flt.department_id),
        (col(ReviewTask.policy_id), flt.policy_id),
        (col(ReviewTask.subject), flt.subject),
    ):
        if value is not None:
            query = query.where(column == value)
    if flt.open_only or flt.overdue:
        query = query.where(col(ReviewTask.state).in_(OPEN_STATES))
    if flt.overdue:
        query = query.where(col(ReviewTask.due_date) < date.today())
    if flt.q:
        query = query.where(func.lower(col(ReviewTask.object_label)).like(f"%{flt.q.lower()}%"))
    return query


def list_tasks(
    session: Session, *, page: PageParams, flt: TaskFilter, scope: set[int] | None
) -> Page[tuple[ReviewTask, ReviewPolicy]]:
    """The inbox: most urgent first (due date), chosen off the (department, state, due) index."""
    total = session.scalar(_filtered(select(func.count()).select_from(ReviewTask), flt, scope))
    chosen = _filtered(select(col(ReviewTask.id)), flt, scope)
    chosen = apply_sort(chosen, page.sort or "due_date", SORT).order_by(col(ReviewTask.id))
    chosen = chosen.limit(page.limit).offset(page.offset)
    rows: Any = (
        select(ReviewTask, ReviewPolicy)
        .join(ReviewPolicy, col(ReviewPolicy.id) == col(ReviewTask.policy_id))
        .where(col(ReviewTask.id).in_(chosen.scalar_subquery()))
    )
    query = apply_sort(rows, page.sort or "due_date", SORT).order_by(col(ReviewTask.id))
    return Page(items=[(t, p) for t, p in session.execute(query)], total=total or 0)


def get_task(
    session: Session, *, task_id: int, scope: set[int] | None
) -> tuple[ReviewTask, ReviewPolicy]:
    row = session.execute(
        _filtered(
            select(ReviewTask, ReviewPolicy)
            .join(ReviewPolicy, col(ReviewPolicy.id) == col(ReviewTask.policy_id))
            .where(col(ReviewTask.id) == task_id),
            TaskFilter(),
            scope,
        )
    ).first()
    if row is None:
        raise NotFound("error.review_not_found", id=task_id)
    return row[0], row[1]


LEVELS = ("normal", "hoch", "sehr hoch")  # vocabulary: the Schutzbedarf categories


def _check_proposal(session: Session, task: ReviewTask, proposed: dict[str, Any]) -> dict[str, Any]:
    """Only the subject's named fields, as text, valid for the object: checked when the
    department answers, so that the ISB can accept what was proposed."""
    allowed = PROPOSABLE[task.subject]
    unknown = sorted(set(proposed) - set(allowed))
    if unknown:
        raise InvalidInput(
            "error.review_field_unknown",
            field="proposed",
            fields=", ".join(unknown),
            allowed=", ".join(allowed) or "-",
        )
    cleaned: dict[str, Any] = {}
    for key, value in proposed.items():
        if not isinstance(value, str) or len(value) > 4000:
            raise InvalidInput("error.review_proposal_invalid", field="proposed", fields=key)
        cleaned[key] = value.strip()
    try:
        if task.subject == Subject.PROTECTION:
            levels = {k: v for k, v in cleaned.items() if k != "justification"}
            if not levels or any(v not in LEVELS for v in levels.values()):
                bad = sorted(k for k, v in levels.items() if v not in LEVELS) or ["level"]
                raise InvalidInput(
                    "error.review_proposal_invalid", field="proposed", fields=", ".join(bad)
                )
        elif task.subject == Subject.RISK:
            RiskUpdate(**cleaned)
            risk = session.get(Risk, task.object_id)
            if risk is not None:
                spec = risks.spec_of(risks.matrix_of(session, risk.matrix_id))
                spec.category(
                    cleaned.get("frequency", risk.frequency), cleaned.get("impact", risk.impact)
                )
        elif task.subject == Subject.CHECK_GAP:
            CheckUpdate(**cleaned)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(
            "error.review_proposal_invalid",
            field="proposed",
            fields=".".join(str(p) for p in first["loc"]),
        ) from exc
    return cleaned


def current_version(session: Session, task: ReviewTask) -> int | None:
    """The version of the task's object now (None when it has none or is gone)."""
    model: Any = {
        Subject.PROTECTION: Asset,
        Subject.KRITIS: Asset,
        Subject.RISK: Risk,
        Subject.ACCEPTANCE: Risk,
        Subject.CHECK_GAP: CheckEntry,
        Subject.PROCESSING: ProcessingActivity,
        Subject.DPIA: Dpia,
    }.get(task.subject)
    if model is None:
        return None
    found = session.get(model, task.object_id)
    return getattr(found, "version", None) if found is not None else None


@dataclass(frozen=True)
class OpenRequirement:
    entry_id: int
    ref: str
    title: str
    status: str
    target_date: date | None

    @property
    def overdue(self) -> bool:
        return self.target_date is not None and self.target_date < date.today()


MAX_REQUIREMENTS = 500


def open_requirements(session: Session, task: ReviewTask) -> list[OpenRequirement]:
    """The requirements a grouped task reviews: its object's entries teilweise or nein now,
    in the check's order (the information domain's when the object id is 0)."""
    if task.subject != Subject.CHECK_GAPS:
        return []
    on_object = (
        col(CheckEntry.asset_id) == task.object_id
        if task.object_id
        else col(CheckEntry.asset_id).is_(None)
    )
    rows = session.execute(
        select(
            col(CheckEntry.id),
            col(CheckEntry.control_ref),
            col(Control.title),
            col(CheckEntry.status),
            col(CheckEntry.target_date),
        )
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .where(
            on_object,
            col(CheckEntry.modelled),
            col(CheckEntry.status).in_([CheckStatus.TEILWEISE, CheckStatus.NEIN]),
        )
        .order_by(col(CheckEntry.sort_order), col(CheckEntry.id))
        .limit(MAX_REQUIREMENTS)
    )
    return [
        OpenRequirement(i, ref, title, CheckStatus(status).value, target)
        for i, ref, title, status, target in rows
    ]


def check_answer(
    session: Session,
    *,
    task: ReviewTask,
    data: ReviewAnswer,
    evidence_scope: set[int] | None,
    with_file: bool = False,
) -> dict[str, Any]:
    """Everything `answer` checks, changing nothing; the cleaned proposal. The form calls it
    before it stores a file sent with the answer (with_file), so that an answer refused for
    its content, a stale version or a task no longer open leaves no file in the store."""
    check_version(task.version, data.version)
    if task.state not in OPEN_STATES:
        raise Conflict(
            "error.review_not_open", id=task.id, state=f"review.state.{task.state.value}"
        )
    proposed = {} if data.unchanged else _check_proposal(session, task, data.proposed)
    if not data.unchanged and not proposed and not data.comment.strip():
        raise InvalidInput("error.review_answer_empty", field="proposed")
    no_evidence = data.evidence_id is None and not with_file
    if task.subject == Subject.EVIDENCE and no_evidence and not data.comment.strip():
        raise InvalidInput("error.review_needs_evidence", field="evidence_id")
    if data.evidence_id is not None:
        evidence = session.get(Evidence, data.evidence_id)
        if evidence is None or (
            evidence_scope is not None
            and evidence.department_id is not None
            and evidence.department_id not in evidence_scope
        ):
            raise InvalidInput(
                "error.evidence_unknown", field="evidence_id", ids=str(data.evidence_id)
            )
    return proposed


def answer(
    session: Session,
    *,
    task: ReviewTask,
    data: ReviewAnswer,
    actor: str,
    evidence_scope: set[int] | None,
) -> ReviewTask:
    """A department answers an open or returned task; a task that changed meanwhile is a 409."""
    proposed = check_answer(session, task=task, data=data, evidence_scope=evidence_scope)
    task.unchanged, task.proposed = data.unchanged, proposed
    task.comment, task.evidence_id = data.comment.strip(), data.evidence_id
    task.answered_by, task.answered_at = actor, utcnow()
    task.state = TaskState.ANSWERED
    notify.notify_now(session, task, NoticeKind.ANSWERED)
    # The answer is about the object as it is now; the ISB's acceptance checks against this.
    task.object_version = current_version(session, task)
    session.add(task)
    session.flush()
    return task


def decider(subject: Subject) -> Role:
    """Who decides the reviews of a subject: the DPO those of the GDPR records, the ISB the
    rest."""
    return Role.DPO if subject in PRIVACY_SUBJECTS else Role.ISB


def _may_decide(task: ReviewTask, role: Role | None) -> None:
    if role is not None and role != decider(task.subject):
        raise Forbidden("error.review_not_your_decision", role=decider(task.subject).value)


def return_task(
    session: Session,
    *,
    task: ReviewTask,
    data: ReviewDecision,
    actor: str,
    role: Role | None = None,
) -> ReviewTask:
    """The decider sends an answer back with a comment; the department answers again."""
    _may_decide(task, role)
    check_version(task.version, data.version)
    if task.state != TaskState.ANSWERED:
        raise Conflict("error.review_not_answered", id=task.id)
    if not data.comment.strip():
        raise InvalidInput("error.review_return_needs_comment", field="comment")
    task.state, task.decision_comment = TaskState.RETURNED, data.comment.strip()
    task.decided_by, task.decided_at = actor, utcnow()
    session.add(task)
    session.flush()
    notify.notify_now(session, task, NoticeKind.RETURNED)
    return task


def accept(
    session: Session,
    *,
    task: ReviewTask,
    data: ReviewDecision,
    actor: str,
    role: Role | None = None,
) -> ReviewTask:
    """The decider accepts the answer: proposed changes go through the object's own service."""
    _may_decide(task, role)
    check_version(task.version, data.version)
    if task.state != TaskState.ANSWERED:
        raise Conflict("error.review_not_answered", id=task.id)
    if task.proposed:
        _apply(session, task, actor)
    if task.subject == Subject.EVIDENCE and task.evidence_id:
        _carry_evidence_links(session, old=task.object_id, new=task.evidence_id)
    task.state, task.decision_comment = TaskState.ACCEPTED, data.comment.strip()
    task.decided_by, task.decided_at = actor, utcnow()
    session.add(task)
    session.flush()
    return task


def _stale(task: ReviewTask, version: int | None) -> None:
    """Changes proposed on an object that changed since the task was created are refused."""
    if task.object_version is not None and version is not None and version != task.object_version:
        raise Conflict("error.review_object_changed", label=task.object_label)


def _apply(session: Session, task: ReviewTask, actor: str) -> None:
    proposed = dict(task.proposed)
    try:
        if task.subject == Subject.PROTECTION:
            asset = assets.get(session, asset_id=task.object_id, scope=None)
            _stale(task, asset.version)
            reason = str(proposed.pop("justification", "") or task.comment)[:4000]
            overrides = assets.overrides_of(asset)
            update = {
                g: ProtectionInput(
                    level=level,
                    justification=reason,
                    override=overrides.get(g),
                    scenarios=[s for s in getattr(asset, f"{g[0]}_scenarios").split(",") if s],
                )
                for g, level in proposed.items()
            }
            assets.assess(session, asset=asset, data=ProtectionUpdate(**update))
        elif task.subject == Subject.RISK:
            risk = risks.get_risk(session, risk_id=task.object_id, scope=None).risk
            _stale(task, risk.version)
            risks.update_risk(
                session, risk=risk, data=RiskUpdate(**proposed), scope=None, actor=actor
            )
        elif task.subject == Subject.CHECK_GAP:
            row = check_service.get_entry(session, entry_id=task.object_id, scope=None)
            _stale(task, row.entry.version)
            check_service.update_entry(session, row=row, data=CheckUpdate(**proposed), scope=None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InvalidInput(
            "error.review_proposal_invalid",
            field="proposed",
            fields=".".join(str(p) for p in first["loc"]),
        ) from exc


def _carry_evidence_links(session: Session, *, old: int, new: int) -> None:
    """The renewed evidence stands where the old one stood."""
    linked = set(
        session.scalars(
            select(col(CheckEvidence.check_entry_id)).where(col(CheckEvidence.evidence_id) == old)
        )
    )
    present = set(
        session.scalars(
            select(col(CheckEvidence.check_entry_id)).where(col(CheckEvidence.evidence_id) == new)
        )
    )
    for entry_id in sorted(linked - present):
        session.add(CheckEvidence(check_entry_id=entry_id, evidence_id=new))
    session.flush()


# Policies


def list_policies(session: Session) -> list[ReviewPolicy]:
    return list(session.scalars(select(ReviewPolicy).order_by(col(ReviewPolicy.id))))


def get_policy(session: Session, *, policy_id: int) -> ReviewPolicy:
    policy = session.get(ReviewPolicy, policy_id)
    if policy is None:
        raise NotFound("error.review_policy_not_found", id=policy_id)
    return policy


def update_policy(
    session: Session, *, policy: ReviewPolicy, data: PolicyUpdate, actor: str
) -> ReviewPolicy:
    check_version(policy.version, data.version)
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    for key in ("title", "interval_months", "lead_days", "active", "condition"):
        if key in changes and changes[key] is None:
            raise InvalidInput("error.field_required", field=key)
    if "title" in changes and not changes["title"].strip():
        raise InvalidInput("error.field_required", field="title")
    if changes.get("interval_months", policy.interval_months) != policy.interval_months:
        # A new cadence starts now: its earlier periods are not caught up.
        policy.created_at = utcnow()
    if "condition" in changes:
        unknown = sorted(set(changes["condition"]) - {"min_level", "max_level"})
        if unknown or any(not 1 <= v <= 3 for v in changes["condition"].values()):
            raise InvalidInput("error.review_condition_invalid", field="condition")
    if policy.schedule == Schedule.DEADLINE:
        changes.pop("interval_months", None)
    for key, value in changes.items():
        setattr(policy, key, value.strip() if type(value) is str else value)
    policy.updated_by, policy.updated_at = actor, utcnow()
    session.add(policy)
    session.flush()
    return policy


# Overview


@dataclass(frozen=True)
class DepartmentStatus:
    department_id: int | None
    name: str
    total: int
    open: int
    answered: int
    accepted: int
    overdue: int

    @property
    def completion(self) -> float:
        return round(100 * self.accepted / self.total, 1) if self.total else 0.0


def overview(session: Session, *, scope: set[int] | None) -> list[DepartmentStatus]:
    """Per department: tasks, open, answered, accepted, overdue, completion rate. Counted per
    department and state in the database (a handful of rows), added up here."""
    today = date.today()
    overdue = case((col(ReviewTask.due_date) < today, 1), else_=0)
    query = select(
        col(ReviewTask.department_id), col(ReviewTask.state), func.count(), func.sum(overdue)
    ).group_by(col(ReviewTask.department_id), col(ReviewTask.state))
    if scope is not None:
        query = query.where(col(ReviewTask.department_id).in_(scope))
    sums: dict[int | None, dict[str, int]] = {}
    for department_id, state, count, late in session.execute(query):
        if state == TaskState.OBSOLETE:
            continue
        row = sums.setdefault(
            department_id, {"total": 0, "open": 0, "answered": 0, "accepted": 0, "overdue": 0}
        )
        row["total"] += count
        if state in OPEN_STATES:
            row["open"] += count
            row["overdue"] += int(late or 0)
        elif state == TaskState.ANSWERED:
            row["answered"] += count
        elif state == TaskState.ACCEPTED:
            row["accepted"] += count
    names = {
        d.id: d.name
        for d in session.scalars(select(Department).where(col(Department.id).in_(list(sums))))
    }
    rows = [
        DepartmentStatus(department_id, names.get(department_id, ""), **counts)
        for department_id, counts in sums.items()
    ]
    return sorted(rows, key=lambda r: (r.department_id is None, r.name))


@dataclass(frozen=True)
class TrendMonth:
    month: str  # YYYY-MM
    due: int  # tasks due in the month
    accepted: int  # of those, accepted
    overdue: int  # of those, still open after their due date


def trend(session: Session, *, scope: set[int] | None, months: int = 6) -> list[TrendMonth]:
    """The last months by due date: how many tasks were due and how many got done."""
    today = date.today()
    first = calendar_period(1, today).start
    for _ in range(months - 1):
        first = calendar_period(1, first - timedelta(days=1)).start
    query = select(col(ReviewTask.due_date), col(ReviewTask.state)).where(
        col(ReviewTask.due_date) >= first, col(ReviewTask.due_date) <= today
    )
    if scope is not None:
        query = query.where(col(ReviewTask.department_id).in_(scope))
    counts: dict[str, list[int]] = {}
    day = first
    while day <= today:
        counts[day.strftime("%Y-%m")] = [0, 0, 0]
        day = calendar_period(1, day).due + timedelta(days=1)
    for due, state in session.execute(query):
        bucket = counts.setdefault(due.strftime("%Y-%m"), [0, 0, 0])
        bucket[0] += 1
        bucket[1] += state == TaskState.ACCEPTED
        bucket[2] += state in OPEN_STATES and due < today
    return [TrendMonth(m, *v) for m, v in sorted(counts.items())]
