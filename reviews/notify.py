"""Notifications of review tasks: new tasks, reminders 7 days before and on the due date, and
escalation to the ISB when overdue; in the app and by e-mail (one mail each, or a daily digest).
Planning is idempotent (one notice per user, task and kind); mails that fail are retried."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.database import insert_ignoring
from isms.i18n import translate
from isms.identity.models import Role, User, UserDepartment
from isms.mail import MailError, send_mail
from isms.settings import Settings
from reviews.models import (
    OPEN_STATES,
    PRIVACY_SUBJECTS,
    NoticeKind,
    ReviewNotice,
    ReviewTask,
    Subject,
)

REMINDER_DAYS = 7


def _recipients(session: Session) -> tuple[dict[int, list[int]], dict[Subject, list[int]]]:
    """Active department users per department, and the active users who decide each subject's
    reviews (the ISB; the DPO for the GDPR records)."""
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, department_id in session.execute(
        select(col(UserDepartment.user_id), col(UserDepartment.department_id))
        .join(User, col(User.id) == col(UserDepartment.user_id))
        .where(col(User.is_active), col(User.role) == Role.DEPARTMENT)
    ):
        members[department_id].append(user_id)
    by_role: dict[Role, list[int]] = defaultdict(list)
    for user_id, role in session.execute(
        select(col(User.id), col(User.role)).where(
            col(User.is_active), col(User.role).in_([Role.ISB, Role.DPO])
        )
    ):
        by_role[role].append(user_id)
    isb = by_role[Role.ISB]
    deciders = {s: by_role[Role.DPO] or isb if s in PRIVACY_SUBJECTS else isb for s in Subject}
    return members, deciders


def _kinds(due: date, today: date, sent: set[NoticeKind]) -> list[NoticeKind]:
    """What the department hears today: one notice a day at most, the most urgent that is
    still unsent (the new task first, then the reminder a week ahead, then the due date)."""
    if NoticeKind.NEW not in sent:
        return [NoticeKind.NEW]
    if today == due and NoticeKind.DUE not in sent:
        return [NoticeKind.DUE]
    if due - timedelta(days=REMINDER_DAYS) <= today < due and NoticeKind.REMINDER not in sent:
        return [NoticeKind.REMINDER]
    return []


def plan(session: Session, *, today: date | None = None) -> int:
    """Create the notices that are due today; returns how many were new."""
    today = today or date.today()
    members, deciders = _recipients(session)
    open_tasks = list(
        session.execute(
            select(
                col(ReviewTask.id),
                col(ReviewTask.department_id),
                col(ReviewTask.due_date),
                col(ReviewTask.subject),
            ).where(col(ReviewTask.state).in_(OPEN_STATES))
        )
    )
    sent: dict[int, set[NoticeKind]] = defaultdict(set)
    for task_id, kind in session.execute(
        select(col(ReviewNotice.task_id), col(ReviewNotice.kind))
        .join(ReviewTask, col(ReviewTask.id) == col(ReviewNotice.task_id))
        .where(col(ReviewTask.state).in_(OPEN_STATES))
        .distinct()
    ):
        sent[task_id].add(kind)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for task_id, department_id, due, subject in open_tasks:
        isb = deciders[subject]
        owners = (members.get(department_id) if department_id is not None else None) or isb
        for kind in _kinds(due, today, sent[task_id]):
            rows += [
                {"user_id": u, "task_id": task_id, "kind": kind.value, "created_at": now}
                for u in owners
            ]
        if today > due:
            rows += [
                {
                    "user_id": u,
                    "task_id": task_id,
                    "kind": NoticeKind.ESCALATION.value,
                    "created_at": now,
                }
                for u in isb
            ]
    return _insert(session, rows)


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert notices, skipping those that exist; returns how many were new."""
    if not rows:
        return 0
    counted = select(func.count()).select_from(ReviewNotice)
    before = session.scalar(counted) or 0
    table = ReviewNotice.__table__  # type: ignore[attr-defined]
    insert_ignoring(session, table, rows, ["user_id", "task_id", "kind"])
    return (session.scalar(counted) or 0) - before


def notify_now(session: Session, task: ReviewTask, kind: NoticeKind) -> int:
    """An event the other side should hear of at once: an answer (to the ISB) or a returned
    task (to the department)."""
    members, deciders = _recipients(session)
    isb = deciders[task.subject]
    if kind == NoticeKind.ANSWERED:
        users = isb
    else:
        users = (members.get(task.department_id) if task.department_id else None) or isb
    now = utcnow()
    return _insert(
        session,
        [{"user_id": u, "task_id": task.id, "kind": kind.value, "created_at": now} for u in users],
    )


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int


def _line(language: str, notice: ReviewNotice, task: ReviewTask, base: str) -> str:
    return translate(
        language,
        f"mail.review.line.{notice.kind.value}",
        label=task.object_label,
        due=task.due_date.strftime("%d.%m.%Y"),
        url=f"{base}/reviews/{task.id}",
    )


def deliver(session: Session, settings: Settings) -> Delivery:
    """Mail the notices not mailed yet (per notice, or one digest per user)."""
    if not settings.smtp_host:
        return Delivery(0, 0)
    pending = session.execute(
        select(ReviewNotice, ReviewTask, User)
        .join(ReviewTask, col(ReviewTask.id) == col(ReviewNotice.task_id))
        .join(User, col(User.id) == col(ReviewNotice.user_id))
        .where(col(ReviewNotice.mailed_at).is_(None))
        .order_by(col(ReviewNotice.user_id), col(ReviewNotice.id))
    ).all()
    members, deciders = _recipients(session)
    by_user: dict[int, list[tuple[ReviewNotice, ReviewTask, User]]] = defaultdict(list)
    for notice, task, user in pending:
        # Only to users who still may see the task: active, and in its department (or the one
        # who decides it).
        allowed = user.id in deciders[task.subject] or (
            task.department_id is not None and user.id in members.get(task.department_id, [])
        )
        if not allowed:
            notice.mailed_at, notice.mail_error = utcnow(), "recipient no longer concerned"
            session.add(notice)
            continue
        by_user[user.id or 0].append((notice, task, user))
    base = settings.public_url.rstrip("/")
    sent = failed = 0
    for items in by_user.values():
        user = items[0][2]
        language = user.language if user.language in ("de", "en") else "de"
        if not user.email:
            for notice, _, _ in items:
                notice.mailed_at, notice.mail_error = utcnow(), "no e-mail address"
                session.add(notice)
            continue
        batches = [items] if settings.mail_digest else [[item] for item in items]
        for batch in batches:
            lines = [_line(language, n, t, base) for n, t, _ in batch]
            if settings.mail_digest:
                subject = translate(language, "mail.review.digest_subject", count=len(batch))
            else:
                subject = translate(
                    language,
                    f"mail.review.subject.{batch[0][0].kind.value}",
                    label=batch[0][1].object_label,
                )
            body = "\n".join(
                [
                    translate(language, "mail.review.greeting"),
                    "",
                    *lines,
                    "",
                    translate(language, "mail.review.footer", url=f"{base}/reviews"),
                ]
            )
            try:
                send_mail(settings, to=[user.email], subject=subject, body=body)
            except MailError as exc:
                failed += len(batch)
                for notice, _, _ in batch:
                    notice.mail_error = str(exc)[:300]
                    session.add(notice)
                continue
            sent += len(batch)
            for notice, _, _ in batch:
                notice.mailed_at, notice.mail_error = utcnow(), ""
                session.add(notice)
    session.flush()
    return Delivery(sent, failed)


def list_notices(
    session: Session, *, user: User, unread_only: bool = False, limit: int = 50
) -> list[tuple[ReviewNotice, ReviewTask]]:
    query = (
        select(ReviewNotice, ReviewTask)
        .join(ReviewTask, col(ReviewTask.id) == col(ReviewNotice.task_id))
        .where(col(ReviewNotice.user_id) == user.id)
        .order_by(col(ReviewNotice.id).desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(col(ReviewNotice.read_at).is_(None))
    return [(n, t) for n, t in session.execute(query)]


def mark_read(session: Session, *, user: User, notice_ids: list[int] | None = None) -> int:
    query = select(ReviewNotice).where(
        col(ReviewNotice.user_id) == user.id, col(ReviewNotice.read_at).is_(None)
    )
    if notice_ids is not None:
        query = query.where(col(ReviewNotice.id).in_(notice_ids))
    notices = list(session.scalars(query))
    for notice in notices:
        notice.read_at = utcnow()
        session.add(notice)
    session.flush()
    return len(notices)
