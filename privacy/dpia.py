"""Data protection impact assessments (Art. 35 GDPR): the threshold check of a processing
activity, the assessment (description, necessity, the risks to the data subjects before and
after the measures), the DPO's opinion, the controller's sign-off, and the review when the
processing changes or the review date comes. Plain functions that flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.database import flush_or_conflict, next_ref
from isms.errors import Conflict, InvalidInput, NotFound
from isms.i18n import translate
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from privacy import legal
from privacy.models import Dpia, DpiaCriterion, DpiaStatus, ProcessingActivity
from privacy.schemas import (
    CriterionCreate,
    CriterionUpdate,
    DpiaCreate,
    DpiaOpinion,
    DpiaSignOff,
    DpiaUpdate,
)

REVIEW_EVERY = timedelta(days=365)
REVIEW_AT_MOST = timedelta(days=3 * 365)  # a later review is no review
SKEW = timedelta(minutes=5)
# What the assessment must hold before the DPO gives an opinion and the controller signs off
ASSESSMENT = ("description", "purposes", "necessity", "risks", "measures")
CONTENT = ("criteria", "threshold_note", *ASSESSMENT, "authority_consulted_at")
SORT = {
    "ref": col(Dpia.id),
    "status": col(Dpia.status),
    "review_on": col(Dpia.review_on),
    "updated_at": col(Dpia.updated_at),
}


# Threshold criteria: the built-in ones (Art. 35(3), WP 248) and those the DPO added


@dataclass(frozen=True)
class Criterion:
    code: str
    title: str
    description: str
    kind: str
    builtin: bool
    active: bool


def criteria(session: Session, language: str = "de") -> list[Criterion]:
    builtin = [
        Criterion(
            code,
            translate(language, f"dpia.criterion.{code}"),
            translate(language, f"dpia.criterion.{code}.text"),
            kind,
            builtin=True,
            active=True,
        )
        for code, kind in legal.THRESHOLD_CRITERIA.items()
    ]
    added = session.scalars(select(DpiaCriterion).order_by(col(DpiaCriterion.code)))
    return builtin + [
        Criterion(c.code, c.title, c.description, c.kind, builtin=False, active=c.active)
        for c in added
    ]


def add_criterion(session: Session, *, data: CriterionCreate, actor: str) -> DpiaCriterion:
    if data.code in legal.THRESHOLD_CRITERIA:
        raise Conflict("error.dpia_criterion_exists", field="code", code=data.code)
    criterion = DpiaCriterion(**data.model_dump(), created_by=actor)
    session.add(criterion)
    flush_or_conflict(session, "error.dpia_criterion_exists", field="code", code=data.code)
    return criterion


def update_criterion(session: Session, *, code: str, data: CriterionUpdate) -> DpiaCriterion:
    criterion = session.scalars(
        select(DpiaCriterion).where(col(DpiaCriterion.code) == code)
    ).first()
    if criterion is None:
        key = "error.dpia_criterion_builtin" if code in legal.THRESHOLD_CRITERIA else None
        if key:
            raise InvalidInput(key, field="code", code=code)
        raise NotFound("error.dpia_criterion_not_found", code=code)
    for name, value in data.model_dump().items():
        setattr(criterion, name, value)
    session.flush()
    return criterion


def _kinds(session: Session, codes: list[str], kept: list[str]) -> list[str]:
    """The kinds of the criteria that apply; an unknown code, or one switched off since (unless
    the assessment already had it), is refused naming the field."""
    added = {
        c.code: c
        for c in session.scalars(select(DpiaCriterion).where(col(DpiaCriterion.code).in_(codes)))
    }
    kinds = []
    for code in dict.fromkeys(codes):
        if code in legal.THRESHOLD_CRITERIA:
            kinds.append(legal.THRESHOLD_CRITERIA[code])
        elif code in added and (added[code].active or code in kept):
            kinds.append(added[code].kind)
        else:
            raise InvalidInput("error.dpia_criterion_unknown", field="criteria", code=code)
    return kinds


# The assessments


@dataclass(frozen=True)
class DpiaFilter:
    status: DpiaStatus | None = None
    department_id: int | None = None
    activity_id: int | None = None
    review_due: bool | None = None
    q: str | None = None


def review_due(dpia: Dpia, today: date | None = None) -> bool:
    """Whether the assessment needs its review now: the processing changed since the sign-off,
    or the review date has come."""
    if dpia.status == DpiaStatus.REVIEW:
        return True
    return (
        dpia.status == DpiaStatus.APPROVED
        and dpia.review_on is not None
        and dpia.review_on <= (today or date.today())
    )


def consultation_required(dpia: Dpia) -> bool:
    """A high risk remains after the measures: the supervisory authority must be consulted
    before the processing (Art. 36(1))."""
    return any(
        legal.rights_risk(r["residual_likelihood"], r["residual_severity"]) == legal.HIGH
        for r in dpia.risks
    )


def missing(dpia: Dpia) -> list[str]:
    """The fields the assessment still lacks before it can be signed off, in form order."""
    if not dpia.required:
        return []
    gaps = [name for name in ASSESSMENT if not getattr(dpia, name)]
    if not dpia.dpo_opinion:
        gaps.append("dpo_opinion")
    if consultation_required(dpia) and dpia.authority_consulted_at is None:
        gaps.append("authority_consulted_at")
    return gaps


def _in_scope(query: Any, scope: set[int] | None) -> Any:
    if scope is None:
        return query
    return query.where(
        col(Dpia.activity_id).in_(
            select(col(ProcessingActivity.id)).where(
                col(ProcessingActivity.department_id).in_(scope)
            )
        )
    )


def list_dpias(
    session: Session, *, page: PageParams, flt: DpiaFilter, scope: set[int] | None
) -> Page[Dpia]:
    query = _in_scope(select(Dpia), scope)
    if flt.status is not None:
        query = query.where(col(Dpia.status) == flt.status)
    if flt.activity_id is not None:
        query = query.where(col(Dpia.activity_id) == flt.activity_id)
    if flt.department_id is not None or flt.q:
        activities = select(col(ProcessingActivity.id))
        if flt.department_id is not None:
            activities = activities.where(
                col(ProcessingActivity.department_id) == flt.department_id
            )
        if flt.q:
            pattern = f"%{flt.q.lower()}%"
            activities = activities.where(
                or_(
                    func.lower(col(ProcessingActivity.name)).like(pattern),
                    func.lower(col(ProcessingActivity.ref)).like(pattern),
                )
            )
        condition: Any = col(Dpia.activity_id).in_(activities)
        if flt.q:
            condition = or_(condition, func.lower(col(Dpia.ref)).like(f"%{flt.q.lower()}%"))
        query = query.where(condition)
    if flt.review_due is not None:
        due = or_(
            col(Dpia.status) == DpiaStatus.REVIEW,
            (col(Dpia.status) == DpiaStatus.APPROVED) & (col(Dpia.review_on) <= date.today()),
        )
        query = query.where(due if flt.review_due else ~due)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = apply_sort(query, page.sort or "ref", SORT)
    items = list(session.scalars(ordered.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total)


def get_dpia(session: Session, *, dpia_id: int, scope: set[int] | None) -> Dpia:
    dpia = session.get(Dpia, dpia_id) if 0 < dpia_id < 2**31 else None
    if dpia is not None and scope is not None:
        activity = session.get(ProcessingActivity, dpia.activity_id)
        if activity is None or activity.department_id not in scope:
            dpia = None
    if dpia is None:
        raise NotFound("error.dpia_not_found", id=dpia_id)
    return dpia


def activities_of(session: Session, dpias: list[Dpia]) -> dict[int, ProcessingActivity]:
    """The processing activity of each assessment of a page, in one query."""
    ids = {d.activity_id for d in dpias}
    found = session.scalars(
        select(ProcessingActivity).where(col(ProcessingActivity.id).in_(ids))
    ).all()
    return {a.id or 0: a for a in found}


def activity_of(session: Session, dpia: Dpia) -> ProcessingActivity:
    activity = session.get(ProcessingActivity, dpia.activity_id)
    assert activity is not None  # the foreign key keeps it (RESTRICT)
    return activity


def _threshold(
    session: Session, dpia: Dpia, activity: ProcessingActivity, codes: list[str], note: str
) -> None:
    """Record the threshold check and carry its result into the record of processing."""
    kinds = _kinds(session, codes, dpia.criteria)
    dpia.criteria = list(dict.fromkeys(codes))
    dpia.threshold_note = note
    dpia.required = legal.dpia_required(kinds)
    reason = f"{dpia.ref}: {note}" if note else dpia.ref
    if activity.dpia_required != dpia.required or (dpia.required and not activity.dpia_reason):
        activity.dpia_required = dpia.required
        activity.dpia_reason = reason if dpia.required else ""


def create_dpia(session: Session, *, data: DpiaCreate, scope: set[int] | None, actor: str) -> Dpia:
    activity = session.get(ProcessingActivity, data.activity_id)
    if activity is None or (scope is not None and activity.department_id not in scope):
        raise InvalidInput("error.processing_activity_unknown", field="activity_id")
    existing = session.scalars(select(Dpia).where(col(Dpia.activity_id) == activity.id)).first()
    if existing is not None:
        raise Conflict("error.dpia_exists", field="activity_id", ref=existing.ref)
    dpia = Dpia(
        ref=next_ref(session, Dpia, "DSFA"),
        activity_id=activity.id or 0,
        purposes=activity.purposes,
        created_by=actor,
        updated_by=actor,
    )
    _threshold(session, dpia, activity, data.criteria, data.threshold_note)
    dpia.status = DpiaStatus.DRAFT if dpia.required else DpiaStatus.NOT_REQUIRED
    session.add(dpia)
    flush_or_conflict(session, "error.dpia_exists", field="activity_id", ref=dpia.ref)
    return dpia


def update_dpia(session: Session, *, dpia: Dpia, data: DpiaUpdate, actor: str) -> Dpia:
    """Change the threshold check or the assessment. A change of content after the DPO's
    opinion or the sign-off withdraws both: they were given on the earlier text (which the
    audit trail keeps)."""
    check_version(dpia.version, data.version)
    if data.authority_consulted_at and data.authority_consulted_at > utcnow() + SKEW:
        raise InvalidInput("error.incident_time_in_future", field="authority_consulted_at")
    before = {name: getattr(dpia, name) for name in CONTENT}
    _threshold(session, dpia, activity_of(session, dpia), data.criteria, data.threshold_note)
    dpia.description = data.description
    dpia.purposes = data.purposes
    dpia.necessity = data.necessity
    dpia.risks = [r.model_dump() for r in data.risks]
    dpia.measures = data.measures
    dpia.authority_consulted_at = data.authority_consulted_at
    changed = any(_differs(before[n], getattr(dpia, n)) for n in CONTENT)
    if changed and (dpia.dpo_opinion or dpia.signed_off_at):
        dpia.dpo_opinion, dpia.dpo_opinion_by, dpia.dpo_opinion_at = "", "", None
        dpia.signed_off_by, dpia.signed_off_at = "", None
    if not dpia.required:
        dpia.status = DpiaStatus.NOT_REQUIRED
    elif changed or dpia.status == DpiaStatus.NOT_REQUIRED:
        dpia.status = DpiaStatus.DRAFT
    dpia.updated_at = utcnow()
    dpia.updated_by = actor
    session.flush()
    return dpia


def _differs(old: Any, new: Any) -> bool:
    """Whether a value changed; times compared as instants (SQLite hands them back naive)."""
    if isinstance(old, datetime) and isinstance(new, datetime):
        return _utc(old) != _utc(new)
    return bool(old != new)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _complete(dpia: Dpia, *, sign_off: bool) -> None:
    """The assessment must be complete for the DPO's opinion; the sign-off also needs the
    opinion and, where a high risk remains, the authority consulted (which follows the
    opinion)."""
    if not dpia.required:
        raise InvalidInput("error.dpia_not_required", field="criteria")
    for name in missing(dpia):
        if sign_off or name in ASSESSMENT:
            raise InvalidInput("error.dpia_incomplete", field=name)


def give_opinion(session: Session, *, dpia: Dpia, data: DpiaOpinion, actor: str) -> Dpia:
    """The DPO's advice on the assessment (Art. 35(2)), once it is complete."""
    check_version(dpia.version, data.version)
    _complete(dpia, sign_off=False)
    if data.opinion != dpia.dpo_opinion and dpia.signed_off_at is not None:
        # the sign-off rested on the earlier opinion: the controller decides again
        dpia.signed_off_by, dpia.signed_off_at = "", None
        dpia.status = DpiaStatus.DRAFT
    dpia.dpo_opinion = data.opinion
    dpia.dpo_opinion_by = actor
    dpia.dpo_opinion_at = utcnow()
    dpia.updated_at = utcnow()
    dpia.updated_by = actor
    session.flush()
    return dpia


def sign_off(
    session: Session, *, dpia: Dpia, data: DpiaSignOff, actor: str, today: date | None = None
) -> Dpia:
    """The controller's approval: the assessment complete, the DPO heard, the authority
    consulted where a high risk remains; the next review a year on unless set."""
    check_version(dpia.version, data.version)
    _complete(dpia, sign_off=True)
    today = today or date.today()
    if data.review_on is not None and data.review_on <= today:
        raise InvalidInput("error.dpia_review_past", field="review_on")
    if data.review_on is not None and data.review_on > today + REVIEW_AT_MOST:
        raise InvalidInput("error.dpia_review_far", field="review_on")
    dpia.signed_off_by = actor
    dpia.signed_off_at = utcnow()
    dpia.review_on = data.review_on or today + REVIEW_EVERY
    dpia.review_reason = ""
    dpia.status = DpiaStatus.APPROVED
    dpia.updated_at = utcnow()
    dpia.updated_by = actor
    session.flush()
    return dpia


def activity_changed(session: Session, activity: ProcessingActivity, actor: str) -> None:
    """The processing changed: a signed-off assessment of it is due for review (Art. 35(11));
    the DPO's opinion was on the processing as it was, so the sign-off needs a new one."""
    dpia = session.scalars(select(Dpia).where(col(Dpia.activity_id) == activity.id)).first()
    if dpia is not None and dpia.status == DpiaStatus.APPROVED:
        dpia.status = DpiaStatus.REVIEW
        dpia.dpo_opinion, dpia.dpo_opinion_by, dpia.dpo_opinion_at = "", "", None
        dpia.review_reason = translate(
            "de",
            "dpia.review.changed",
            ref=activity.ref,
            who=actor,
            when=f"{date.today():%d.%m.%Y}",
        )
        dpia.updated_at = utcnow()
        dpia.updated_by = actor


def delete_dpia(session: Session, *, dpia: Dpia) -> None:
    """A draft or a check that found no DPIA needed may go; a signed-off assessment is the
    controller's documentation (Art. 35, 5(2)) and stays."""
    if dpia.signed_off_at is not None or dpia.status in (DpiaStatus.APPROVED, DpiaStatus.REVIEW):
        raise Conflict("error.dpia_kept", ref=dpia.ref)
    session.delete(dpia)
    session.flush()
