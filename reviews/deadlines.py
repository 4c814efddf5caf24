"""Reminders of the legal deadlines of incidents (GDPR Art. 33/34, BSIG reporting stages of
critical facilities): when a deadline starts, when little of it is left, and when it is
missed, the ISB and the DPO hear of it in the app and by mail. Planned every few minutes by the
scheduler; idempotent (one notice per user, incident, deadline, due time and stage), so a
corrected time gives a fresh reminder and nothing is sent twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from isms.clock import local_text, utcnow
from isms.database import insert_ignoring
from isms.i18n import translate
from isms.identity.models import Role, User
from isms.mail import MailError, send_mail
from isms.settings import Settings
from privacy import clocks, incidents
from privacy.models import Incident, IncidentStatus
from reviews.models import DeadlineNotice, DeadlineStage
from reviews.notify import Delivery

# "Little left": a quarter of the window, so 6 h of the 24 h early warning, 18 h of 72 h,
# about a week of the month for the final report.
SOON_SHARE = 0.25
WINDOWS = {
    clocks.Deadline.ART33: timedelta(hours=72),
    clocks.Deadline.BSIG_EARLY: timedelta(hours=24),
    clocks.Deadline.BSIG_NOTIFICATION: timedelta(hours=72),
    clocks.Deadline.BSIG_FINAL: timedelta(days=30),
}
UNIQUE = ["user_id", "incident_id", "deadline", "due_key", "stage"]


def stage(clock: clocks.Clock, now: datetime) -> DeadlineStage:
    """The most urgent stage a running or missed deadline is in now."""
    if clock.state is clocks.ClockState.OVERDUE:
        return DeadlineStage.OVERDUE
    left = clock.left(now)
    window = WINDOWS.get(clock.deadline)
    if left is not None and window is not None and left <= window * SOON_SHARE:
        return DeadlineStage.SOON
    return DeadlineStage.RUNNING


def _handlers(session: Session) -> list[int]:
    """Who handles incidents against the clock: the active ISB and DPO users."""
    query = select(col(User.id)).where(
        col(User.is_active), col(User.role).in_([Role.ISB, Role.DPO])
    )
    return [user_id for user_id in session.scalars(query) if user_id is not None]


def plan(session: Session, *, now: datetime | None = None) -> int:
    """Create the notices that are due now; returns how many were new."""
    now = now or utcnow()
    users = _handlers(session)
    rows: list[dict[str, Any]] = []
    for due in incidents.due_clocks(session, scope=None, now=now):
        reached = stage(due.clock, now)
        key = due.clock.due.isoformat() if due.clock.due else "-"
        rows += [
            {
                "user_id": user_id,
                "incident_id": due.incident.id,
                "deadline": due.clock.deadline.value,
                "due_at": due.clock.due,
                "due_key": key,
                "stage": reached.value,
                "created_at": now,
                "mail_error": "",
            }
            for user_id in users
        ]
    if not rows:
        return 0
    counted = select(func.count()).select_from(DeadlineNotice)
    before = session.scalar(counted) or 0
    insert_ignoring(session, DeadlineNotice.__table__, rows, UNIQUE)  # type: ignore[attr-defined]
    return (session.scalar(counted) or 0) - before


def _text(language: str, notice: DeadlineNotice, incident: Incident, base: str) -> tuple[str, str]:
    deadline = translate(language, f"clock.deadline.{notice.deadline}")
    label = f"{incident.ref} {incident.title}"
    subject = translate(
        language, f"mail.deadline.subject.{notice.stage.value}", deadline=deadline, label=label
    )
    due = local_text(notice.due_at) or translate(language, "clock.without_delay")
    body = "\n".join(
        [
            translate(language, "mail.review.greeting"),
            "",
            translate(
                language,
                f"mail.deadline.line.{notice.stage.value}",
                deadline=deadline,
                label=label,
                due=due,
            ),
            f"{base}/incidents/{incident.id}",
            "",
            translate(language, "mail.deadline.footer", url=f"{base}/incidents"),
        ]
    )
    return subject, body


def deliver(session: Session, settings: Settings) -> Delivery:
    """Mail the notices not mailed yet, one mail each (deadlines are not for a digest); to
    users who still handle incidents, about incidents not closed since."""
    if not settings.smtp_host:
        return Delivery(0, 0)
    pending = session.execute(
        select(DeadlineNotice, Incident, User)
        .join(Incident, col(Incident.id) == col(DeadlineNotice.incident_id))
        .join(User, col(User.id) == col(DeadlineNotice.user_id))
        .where(col(DeadlineNotice.mailed_at).is_(None))
        .order_by(col(DeadlineNotice.id))
    ).all()
    handlers = set(_handlers(session))
    base = settings.public_url.rstrip("/")
    now = utcnow()
    sent = failed = 0
    for notice, incident, user in pending:
        reason = ""
        if user.id not in handlers:
            reason = "recipient no longer concerned"
        elif not _still_due(incident, notice, now):
            reason = "deadline met or changed since"
        elif not user.email:
            reason = "no e-mail address"
        if reason:
            notice.mailed_at, notice.mail_error = utcnow(), reason
            continue
        language = user.language if user.language in ("de", "en") else "de"
        subject, body = _text(language, notice, incident, base)
        try:
            send_mail(settings, to=[user.email or ""], subject=subject, body=body)
        except MailError as exc:
            failed += 1
            notice.mail_error = str(exc)[:300]
            continue
        sent += 1
        notice.mailed_at, notice.mail_error = utcnow(), ""
    session.flush()
    return Delivery(sent, failed)


def _still_due(incident: Incident, notice: DeadlineNotice, now: datetime) -> bool:
    """Whether the deadline the notice is about still runs (or is missed) with the same due
    time: a notification made, an incident closed or a corrected time since stop the mail."""
    if incident.status == IncidentStatus.CLOSED:
        return False
    for clock in clocks.clocks(incident, now):
        if clock.deadline.value == notice.deadline:
            key = clock.due.isoformat() if clock.due else "-"
            running = clock.state in (clocks.ClockState.RUNNING, clocks.ClockState.OVERDUE)
            return running and key == notice.due_key
    return False


def list_notices(
    session: Session, *, user: User, unread_only: bool = False, limit: int = 50
) -> list[tuple[DeadlineNotice, Incident]]:
    query = (
        select(DeadlineNotice, Incident)
        .join(Incident, col(Incident.id) == col(DeadlineNotice.incident_id))
        .where(col(DeadlineNotice.user_id) == user.id)
        .order_by(col(DeadlineNotice.id).desc())
        .limit(limit)
    )
    if unread_only:
        query = query.where(col(DeadlineNotice.read_at).is_(None))
    return [(n, i) for n, i in session.execute(query)]


def mark_read(session: Session, *, user: User) -> int:
    notices = session.scalars(
        select(DeadlineNotice).where(
            col(DeadlineNotice.user_id) == user.id, col(DeadlineNotice.read_at).is_(None)
        )
    ).all()
    now = utcnow()
    for notice in notices:
        notice.read_at = now
    session.flush()
    return len(notices)
