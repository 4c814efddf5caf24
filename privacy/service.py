"""The record of processing activities (Art. 30 GDPR): entries kept by the DPO and the owning
departments, linked to the objects that carry them, with the measures (Art. 32) derived from the
Grundschutz-Check of those objects. Plain functions that flush, never commit."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlmodel import Session, col

from controls.catalogs.models import Control
from controls.check.models import CheckEntry, CheckStatus
from isms.clock import utcnow
from isms.database import flush_or_conflict, next_ref
from isms.errors import Conflict, InvalidInput, NotFound
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from privacy import dpia, legal
from privacy.models import (
    ActivityStatus,
    Dpia,
    Incident,
    IncidentActivity,
    ProcessingActivity,
    ProcessingAsset,
)
from privacy.schemas import ActivityFields, ActivityUpdate
from risk.analysis.service import check_department
from risk.assets.models import Asset

SORT = {
    "ref": col(ProcessingActivity.id),
    "name": col(ProcessingActivity.name),
    "status": col(ProcessingActivity.status),
    "updated_at": col(ProcessingActivity.updated_at),
}
DONE = (CheckStatus.JA, CheckStatus.ENTBEHRLICH)


@dataclass(frozen=True)
class ActivityFilter:
    department_id: int | None = None
    status: ActivityStatus | None = None
    dpia_required: bool | None = None
    special_categories: bool | None = None
    asset_id: int | None = None
    q: str | None = None


def _visible(query: Any, scope: set[int] | None) -> Any:
    if scope is not None:
        query = query.where(col(ProcessingActivity.department_id).in_(scope))
    return query


def list_activities(
    session: Session, *, page: PageParams, flt: ActivityFilter, scope: set[int] | None
) -> Page[ProcessingActivity]:
    query = _visible(select(ProcessingActivity), scope)
    if flt.department_id is not None:
        query = query.where(col(ProcessingActivity.department_id) == flt.department_id)
    if flt.status is not None:
        query = query.where(col(ProcessingActivity.status) == flt.status)
    if flt.dpia_required is not None:
        query = query.where(col(ProcessingActivity.dpia_required) == flt.dpia_required)
    if flt.special_categories is not None:
        query = query.where(col(ProcessingActivity.special_categories) == flt.special_categories)
    if flt.asset_id is not None:
        query = query.where(
            col(ProcessingActivity.id).in_(
                select(col(ProcessingAsset.activity_id)).where(
                    col(ProcessingAsset.asset_id) == flt.asset_id
                )
            )
        )
    if flt.q:
        pattern = f"%{flt.q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(ProcessingActivity.name)).like(pattern),
                func.lower(col(ProcessingActivity.ref)).like(pattern),
                func.lower(col(ProcessingActivity.purposes)).like(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = apply_sort(query, page.sort or "ref", SORT)
    items = list(session.scalars(ordered.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total)


def get_activity(
    session: Session, *, activity_id: int, scope: set[int] | None
) -> ProcessingActivity:
    activity = session.get(ProcessingActivity, activity_id) if 0 < activity_id < 2**31 else None
    if activity is None or (scope is not None and activity.department_id not in scope):
        raise NotFound("error.processing_activity_not_found", id=activity_id)
    return activity


def assets_of(
    session: Session, activity_ids: list[int], scope: set[int] | None = None
) -> dict[int, list[Asset]]:
    """The objects carrying each activity, by short id; for a department user only those of
    their departments (the DPO may link others, which stay linked, unseen)."""
    query = (
        select(col(ProcessingAsset.activity_id), Asset)
        .join(Asset, col(Asset.id) == col(ProcessingAsset.asset_id))
        .where(col(ProcessingAsset.activity_id).in_(activity_ids))
        .order_by(col(Asset.short_id))
    )
    if scope is not None:
        query = query.where(col(Asset.department_id).in_(scope))
    rows = session.execute(query).all()
    found: dict[int, list[Asset]] = defaultdict(list)
    for activity_id, asset in rows:
        found[activity_id].append(asset)
    return found


def _check(session: Session, data: ActivityFields, scope: set[int] | None) -> list[int]:
    """Whatever the schema cannot see: the department, the objects, the legal bases together,
    processors without a contract, transfers without a safeguard, a DPIA without a reason."""
    check_department(session, data.department_id, scope, field="department_id")
    for field_name, key in legal.problems(
        [b.value for b in data.legal_bases], data.special_categories
    ):
        raise InvalidInput(key, field=field_name)
    for number, recipient in enumerate(data.recipients, start=1):
        if recipient.kind == "auftragsverarbeiter" and not recipient.contract:
            raise InvalidInput(
                "error.privacy_processor_contract", field="recipients", number=number
            )
    if data.dpia_required and not data.dpia_reason:
        raise InvalidInput("error.privacy_dpia_reason", field="dpia_reason")
    wanted = sorted(set(data.asset_ids))
    if not wanted:
        return []
    # Departments link their own objects; the DPO links any.
    query = select(col(Asset.id)).where(col(Asset.id).in_(wanted))
    if scope is not None:
        query = query.where(col(Asset.department_id).in_(scope))
    found = set(session.scalars(query))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(
            "error.asset_unknown", field="asset_ids", ids=", ".join(map(str, missing))
        )
    return wanted


def _apply(activity: ProcessingActivity, data: ActivityFields, actor: str) -> None:
    activity.name = data.name
    activity.department_id = data.department_id
    activity.status = data.status
    activity.controller = data.controller
    activity.joint_controllers = data.joint_controllers
    activity.dpo_contact = data.dpo_contact
    activity.purposes = data.purposes
    activity.legal_bases = sorted({b.value for b in data.legal_bases})
    activity.legal_basis_note = data.legal_basis_note
    activity.special_categories = data.special_categories
    activity.data_subjects = list(data.data_subjects)
    activity.data_categories = [c.model_dump() for c in data.data_categories]
    activity.recipients = [r.model_dump() for r in data.recipients]
    activity.transfers = [t.model_dump() for t in data.transfers]
    activity.tom_note = data.tom_note
    activity.dpia_required = data.dpia_required
    activity.dpia_reason = data.dpia_reason
    activity.updated_at = utcnow()
    activity.updated_by = actor


def _link(session: Session, activity_id: int, asset_ids: list[int]) -> None:
    session.execute(delete(ProcessingAsset).where(col(ProcessingAsset.activity_id) == activity_id))
    session.add_all(ProcessingAsset(activity_id=activity_id, asset_id=a) for a in asset_ids)


def create_activity(
    session: Session, *, data: ActivityFields, scope: set[int] | None, actor: str
) -> ProcessingActivity:
    asset_ids = _check(session, data, scope)
    activity = ProcessingActivity(
        ref=next_ref(session, ProcessingActivity, "VVT"),
        name=data.name,
        department_id=data.department_id,
        controller=data.controller,
        dpo_contact=data.dpo_contact,
        purposes=data.purposes,
    )
    _apply(activity, data, actor)
    session.add(activity)
    flush_or_conflict(session, "error.processing_activity_conflict", ref=activity.ref)
    _link(session, activity.id or 0, asset_ids)
    session.flush()
    return activity


def update_activity(
    session: Session,
    *,
    activity: ProcessingActivity,
    data: ActivityUpdate,
    scope: set[int] | None,
    actor: str,
) -> ProcessingActivity:
    check_version(activity.version, data.version)
    asset_ids = _check(session, data, scope)
    before = (_content(activity), _linked(session, activity))
    if scope is not None:  # objects of other departments the DPO linked stay linked
        asset_ids += list(
            session.scalars(
                select(col(ProcessingAsset.asset_id))
                .join(Asset, col(Asset.id) == col(ProcessingAsset.asset_id))
                .where(
                    col(ProcessingAsset.activity_id) == activity.id,
                    ~col(Asset.department_id).in_(scope),
                )
            )
        )
    _apply(activity, data, actor)
    if before != (_content(activity), sorted(set(asset_ids))):
        dpia.activity_changed(session, activity, actor)
    _link(session, activity.id or 0, asset_ids)
    session.flush()
    return activity


# What the processing is: a change of any of it calls for the review of its DPIA
_CONTENT = tuple(
    name
    for name in ActivityFields.model_fields
    if name not in ("asset_ids", "status", "dpia_required", "dpia_reason", "tom_note")
)


def _content(activity: ProcessingActivity) -> tuple[Any, ...]:
    return tuple(getattr(activity, name) for name in _CONTENT)


def _linked(session: Session, activity: ProcessingActivity) -> list[int]:
    return sorted(
        session.scalars(
            select(col(ProcessingAsset.asset_id)).where(
                col(ProcessingAsset.activity_id) == activity.id
            )
        )
    )


def delete_activity(session: Session, *, activity: ProcessingActivity) -> None:
    assessment = session.scalars(select(Dpia).where(col(Dpia.activity_id) == activity.id)).first()
    if assessment is not None:  # the assessment documents the processing: it goes first
        raise Conflict("error.processing_activity_has_dpia", ref=assessment.ref)
    concerned = session.scalars(
        select(col(Incident.ref))
        .join(IncidentActivity, col(IncidentActivity.incident_id) == col(Incident.id))
        .where(col(IncidentActivity.activity_id) == activity.id)
        .order_by(col(Incident.id))
    ).all()
    if concerned:  # an incident's record names it: end it instead (status "eingestellt")
        raise Conflict("error.processing_activity_in_incidents", refs=", ".join(concerned))
    session.delete(activity)
    session.flush()


# The measures (Art. 30(1)(g) with Art. 32(1)), derived from the check


@dataclass
class TomRow:
    asset: Asset | None
    ref: str
    title: str
    status: CheckStatus
    implementation: str


@dataclass
class TomGroup:
    goal: str
    rows: list[TomRow] = field(default_factory=list)

    @property
    def implemented(self) -> int:
        return sum(1 for r in self.rows if r.status in DONE)

    @property
    def open(self) -> int:
        return len(self.rows) - self.implemented


def toms(
    session: Session, activity: ProcessingActivity, scope: set[int] | None = None
) -> list[TomGroup]:
    """The modelled requirements of the objects that carry the activity, as the check has them
    now, grouped by the goals of Art. 32(1) a-d (every goal listed, also when empty); a
    department user sees those of their own departments' objects, as in the check itself."""
    carried = assets_of(session, [activity.id or 0], scope).get(activity.id or 0, [])
    assets = {a.id: a for a in carried}
    groups = {goal: TomGroup(goal) for goal in legal.ART32_GOALS}
    if not assets:
        return list(groups.values())
    rows = session.execute(
        select(
            col(CheckEntry.asset_id),
            col(CheckEntry.control_ref),
            col(Control.title),
            col(CheckEntry.practice),
            col(CheckEntry.status),
            col(CheckEntry.implementation),
            col(CheckEntry.justification),
        )
        .join(Control, col(Control.id) == col(CheckEntry.control_id))
        .where(col(CheckEntry.asset_id).in_(list(assets)), col(CheckEntry.modelled))
        .order_by(col(CheckEntry.practice), col(CheckEntry.sort_order), col(CheckEntry.asset_id))
    ).all()
    for asset_id, ref, title, practice, status, implementation, reason in rows:
        goal = legal.art32_goal(practice, title)
        groups[goal].rows.append(
            TomRow(assets.get(asset_id), ref, title, status, implementation or reason)
        )
    return list(groups.values())
