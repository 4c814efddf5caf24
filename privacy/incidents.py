"""The incident register: security incidents and personal-data breaches in one list, with the
times their legal deadlines run from and what was notified when. Every breach is documented,
also when it is not notified, with the reason (Art. 33(5)). Plain functions that flush, never
commit."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlmodel import Session, col

from isms.clock import utcnow
from isms.database import flush_or_conflict, next_ref
from isms.errors import Conflict, Forbidden, InvalidInput, NotFound
from isms.identity.service import check_version
from isms.pagination import Page, PageParams, apply_sort
from privacy import clocks
from privacy.models import (
    Incident,
    IncidentActivity,
    IncidentAsset,
    IncidentStatus,
    ProcessingActivity,
    RiskToRights,
    Severity,
)
from privacy.schemas import IncidentFields, IncidentUpdate
from risk.analysis.service import check_department
from risk.assets.models import Asset

SKEW = timedelta(minutes=5)  # clocks of the reporting machines differ a little
SORT = {
    "ref": col(Incident.id),
    "aware_at": col(Incident.aware_at),
    "severity": col(Incident.severity),
    "status": col(Incident.status),
    "updated_at": col(Incident.updated_at),
}


@dataclass(frozen=True)
class IncidentFilter:
    department_id: int | None = None
    status: IncidentStatus | None = None
    open: bool | None = None
    severity: Severity | None = None
    personal_data: bool | None = None
    kritis: bool | None = None
    asset_id: int | None = None
    q: str | None = None


def _visible(query: Any, scope: set[int] | None) -> Any:
    return query if scope is None else query.where(col(Incident.department_id).in_(scope))


def list_incidents(
    session: Session, *, page: PageParams, flt: IncidentFilter, scope: set[int] | None
) -> Page[Incident]:
    query = _visible(select(Incident), scope)
    for column, value in (
        (Incident.department_id, flt.department_id),
        (Incident.status, flt.status),
        (Incident.severity, flt.severity),
        (Incident.personal_data, flt.personal_data),
        (Incident.kritis, flt.kritis),
    ):
        if value is not None:
            query = query.where(col(column) == value)
    if flt.open is not None:
        closed = col(Incident.status) == IncidentStatus.CLOSED
        query = query.where(~closed if flt.open else closed)
    if flt.asset_id is not None:
        query = query.where(
            col(Incident.id).in_(
                select(col(IncidentAsset.incident_id)).where(
                    col(IncidentAsset.asset_id) == flt.asset_id
                )
            )
        )
    if flt.q:
        pattern = f"%{flt.q.lower()}%"
        query = query.where(
            or_(
                func.lower(col(Incident.title)).like(pattern),
                func.lower(col(Incident.ref)).like(pattern),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    ordered = apply_sort(query, page.sort or "-aware_at", SORT)
    items = list(session.scalars(ordered.limit(page.limit).offset(page.offset)))
    return Page(items=items, total=total)


def get_incident(session: Session, *, incident_id: int, scope: set[int] | None) -> Incident:
    incident = session.get(Incident, incident_id) if 0 < incident_id < 2**31 else None
    if incident is None or (scope is not None and incident.department_id not in scope):
        raise NotFound("error.incident_not_found", id=incident_id)
    return incident


def links(
    session: Session, incident_ids: list[int], scope: set[int] | None = None
) -> tuple[dict[int, list[Asset]], dict[int, list[int]]]:
    """The affected objects and processing activities of each incident; for a department user
    only those of their departments (the others stay linked, unseen)."""
    asset_query = (
        select(col(IncidentAsset.incident_id), Asset)
        .join(Asset, col(Asset.id) == col(IncidentAsset.asset_id))
        .where(col(IncidentAsset.incident_id).in_(incident_ids))
        .order_by(col(Asset.short_id))
    )
    activity_query = (
        select(col(IncidentActivity.incident_id), col(IncidentActivity.activity_id))
        .join(ProcessingActivity, col(ProcessingActivity.id) == col(IncidentActivity.activity_id))
        .where(col(IncidentActivity.incident_id).in_(incident_ids))
        .order_by(col(IncidentActivity.activity_id))
    )
    if scope is not None:
        asset_query = asset_query.where(col(Asset.department_id).in_(scope))
        activity_query = activity_query.where(col(ProcessingActivity.department_id).in_(scope))
    assets: dict[int, list[Asset]] = {i: [] for i in incident_ids}
    for incident_id, asset in session.execute(asset_query).all():
        assets[incident_id].append(asset)
    activities: dict[int, list[int]] = {i: [] for i in incident_ids}
    for incident_id, activity_id in session.execute(activity_query).all():
        activities[incident_id].append(activity_id)
    return assets, activities


def _order(data: IncidentFields, now: datetime) -> None:
    """Times in the order things happen, none in the future: a clear 400 naming the field."""
    if data.occurred_at and data.detected_at < data.occurred_at:
        raise InvalidInput("error.incident_detected_before_occurred", field="detected_at")
    if data.aware_at < data.detected_at:
        raise InvalidInput("error.incident_aware_before_detected", field="aware_at")
    for name in (
        "occurred_at",
        "detected_at",
        "aware_at",
        "authority_notified_at",
        "subjects_notified_at",
        "early_warning_at",
        "notification_at",
        "final_report_at",
    ):
        moment = getattr(data, name)
        if moment is not None and moment > now + SKEW:
            raise InvalidInput("error.incident_time_in_future", field=name)
    for name in (
        "authority_notified_at",
        "subjects_notified_at",
        "early_warning_at",
        "notification_at",
        "final_report_at",
    ):
        moment = getattr(data, name)
        if moment is not None and moment < data.aware_at:
            raise InvalidInput("error.incident_before_aware", field=name)
    stages = [
        ("early_warning_at", data.early_warning_at),
        ("notification_at", data.notification_at),
        ("final_report_at", data.final_report_at),
    ]
    known = [(n, m) for n, m in stages if m is not None]
    for (_, earlier), (name, later) in itertools.pairwise(known):
        if later < earlier:
            raise InvalidInput("error.incident_stage_order", field=name)


def _documented(data: IncidentFields, kritis: bool) -> None:
    """What a personal-data breach must record (Art. 33(5)): a breach not notified says why,
    a late notification gives the reasons for the delay (Art. 33(1)), a closed one was
    assessed; a KRITIS stage needs the one before it."""
    if data.personal_data:
        late = (
            data.authority_notified_at is not None
            and data.authority_notified_at > data.aware_at + clocks.NOTIFICATION
        )
        if late and not data.authority_reason:
            raise InvalidInput("error.incident_delay_reason", field="authority_reason")
        if (
            data.risk_to_rights is RiskToRights.NONE
            and data.authority_notified_at is None
            and not data.authority_reason
        ):
            raise InvalidInput("error.incident_not_notified_reason", field="authority_reason")
        if data.status is IncidentStatus.CLOSED:
            _closable_breach(data)
    elif data.authority_notified_at or data.subjects_notified_at:
        raise InvalidInput("error.incident_notified_without_breach", field="personal_data")
    if not kritis and (data.early_warning_at or data.notification_at or data.final_report_at):
        raise InvalidInput("error.incident_stage_without_kritis", field="kritis")
    # Each BSIG stage follows the one before it.
    if data.notification_at and not data.early_warning_at:
        raise InvalidInput("error.incident_stage_missing", field="early_warning_at")
    if data.final_report_at and not data.notification_at:
        raise InvalidInput("error.incident_stage_missing", field="notification_at")
    if kritis and data.status is IncidentStatus.CLOSED and not data.final_report_at:
        raise InvalidInput("error.incident_closed_open_deadline", field="final_report_at")


def _closable_breach(data: IncidentFields) -> None:
    """A breach is closed only when its notifications are done or their omission justified:
    closing must not hide a deadline that was missed."""
    if data.risk_to_rights is RiskToRights.UNASSESSED:
        raise InvalidInput("error.incident_closed_unassessed", field="risk_to_rights")
    if data.authority_notified_at is None and not data.authority_reason:
        raise InvalidInput("error.incident_closed_open_deadline", field="authority_notified_at")
    if (
        data.risk_to_rights is RiskToRights.HIGH
        and data.subjects_notified_at is None
        and not data.subjects_reason
    ):
        raise InvalidInput("error.incident_closed_open_deadline", field="subjects_notified_at")


# What only the ISB and the DPO decide: the assessment, the notifications, the close.
ASSESSMENT = (
    "risk_to_rights",
    "authority_notified_at",
    "authority_reason",
    "subjects_notified_at",
    "subjects_reason",
    "early_warning_at",
    "notification_at",
    "final_report_at",
)


def check_reporter(data: IncidentFields, incident: Incident | None) -> None:
    """Departments report incidents and keep their description up to date; the assessment,
    the notifications, the time of becoming aware (once recorded) and closing are the ISB's
    and the DPO's (403 naming the field)."""
    for name in ASSESSMENT:  # on a new incident, each must keep its default
        current = (
            getattr(incident, name)
            if incident is not None
            else IncidentFields.model_fields[name].default
        )
        if getattr(data, name) != current:
            raise Forbidden("error.incident_for_isb_dpo", field=name)
    if incident is not None and data.aware_at != incident.aware_at:
        raise Forbidden("error.incident_for_isb_dpo", field="aware_at")
    closing = data.status is IncidentStatus.CLOSED
    if closing and (incident is None or incident.status is not IncidentStatus.CLOSED):
        raise Forbidden("error.incident_for_isb_dpo", field="status")


def _check(
    session: Session, data: IncidentFields, scope: set[int] | None
) -> tuple[list[int], list[int], bool]:
    check_department(session, data.department_id, scope, field="department_id")
    _order(data, utcnow())
    asset_ids, activity_ids = sorted(set(data.asset_ids)), sorted(set(data.activity_ids))
    critical = False
    if asset_ids:
        # A department names its own objects (the ISB and the DPO any).
        asset_query = select(col(Asset.id), col(Asset.kritis_critical)).where(
            col(Asset.id).in_(asset_ids)
        )
        if scope is not None:
            asset_query = asset_query.where(col(Asset.department_id).in_(scope))
        found = dict(session.execute(asset_query).all())
        missing = [i for i in asset_ids if i not in found]
        if missing:
            ids = ", ".join(map(str, missing))
            raise InvalidInput("error.asset_unknown", field="asset_ids", ids=ids)
        critical = any(found.values())
    if activity_ids:
        activity_query = select(col(ProcessingActivity.id)).where(
            col(ProcessingActivity.id).in_(activity_ids)
        )
        if scope is not None:
            activity_query = activity_query.where(col(ProcessingActivity.department_id).in_(scope))
        found_activities = set(session.scalars(activity_query))
        missing = [i for i in activity_ids if i not in found_activities]
        if missing:
            ids = ", ".join(map(str, missing))
            raise InvalidInput("error.processing_activity_unknown", field="activity_ids", ids=ids)
    _documented(data, data.kritis or critical)  # a critical object makes it reportable
    return asset_ids, activity_ids, critical


_FIELDS = (
    "title",
    "description",
    "department_id",
    "severity",
    "status",
    "occurred_at",
    "detected_at",
    "aware_at",
    "actions",
    "personal_data",
    "risk_to_rights",
    "nature",
    "subject_categories",
    "subjects_count",
    "record_categories",
    "records_count",
    "consequences",
    "measures",
    "authority_notified_at",
    "authority_reason",
    "subjects_notified_at",
    "subjects_reason",
    "early_warning_at",
    "notification_at",
    "final_report_at",
)


def _apply(incident: Incident, data: IncidentFields, critical: bool, actor: str) -> None:
    for name in _FIELDS:
        setattr(incident, name, getattr(data, name))
    # A critical facility among the affected objects makes it reportable under the BSIG.
    incident.kritis = data.kritis or critical
    if incident.status is IncidentStatus.CLOSED and incident.closed_at is None:
        incident.closed_at = utcnow()
    elif incident.status is not IncidentStatus.CLOSED:
        incident.closed_at = None
    incident.updated_at = utcnow()
    incident.updated_by = actor


def _link(
    session: Session, incident_id: int, asset_ids: list[int], activity_ids: list[int]
) -> None:
    session.execute(delete(IncidentAsset).where(col(IncidentAsset.incident_id) == incident_id))
    session.execute(
        delete(IncidentActivity).where(col(IncidentActivity.incident_id) == incident_id)
    )
    session.add_all(IncidentAsset(incident_id=incident_id, asset_id=a) for a in asset_ids)
    session.add_all(IncidentActivity(incident_id=incident_id, activity_id=a) for a in activity_ids)


def create_incident(
    session: Session, *, data: IncidentFields, scope: set[int] | None, actor: str
) -> Incident:
    asset_ids, activity_ids, critical = _check(session, data, scope)
    incident = Incident(
        ref=next_ref(session, Incident, "SV"),
        title=data.title,
        department_id=data.department_id,
        detected_at=data.detected_at,
        aware_at=data.aware_at,
        created_by=actor,
    )
    _apply(incident, data, critical, actor)
    session.add(incident)
    flush_or_conflict(session, "error.incident_conflict", ref=incident.ref)
    _link(session, incident.id or 0, asset_ids, activity_ids)
    session.flush()
    return incident


def update_incident(
    session: Session,
    *,
    incident: Incident,
    data: IncidentUpdate,
    scope: set[int] | None,
    actor: str,
) -> Incident:
    check_version(incident.version, data.version)
    asset_ids, activity_ids, critical = _check(session, data, scope)
    if scope is not None:  # links a department does not see stay as they are
        hidden_assets, hidden_activities = _hidden_links(session, incident.id or 0, scope)
        asset_ids, activity_ids = asset_ids + hidden_assets, activity_ids + hidden_activities
        critical = critical or bool(
            session.scalar(
                select(func.count()).where(
                    col(Asset.id).in_(hidden_assets), col(Asset.kritis_critical)
                )
            )
        )
    _apply(incident, data, critical, actor)
    _link(session, incident.id or 0, asset_ids, activity_ids)
    session.flush()
    return incident


def _hidden_links(
    session: Session, incident_id: int, scope: set[int]
) -> tuple[list[int], list[int]]:
    assets = session.scalars(
        select(col(IncidentAsset.asset_id))
        .join(Asset, col(Asset.id) == col(IncidentAsset.asset_id))
        .where(col(IncidentAsset.incident_id) == incident_id, ~col(Asset.department_id).in_(scope))
    )
    activities = session.scalars(
        select(col(IncidentActivity.activity_id))
        .join(ProcessingActivity, col(ProcessingActivity.id) == col(IncidentActivity.activity_id))
        .where(
            col(IncidentActivity.incident_id) == incident_id,
            ~col(ProcessingActivity.department_id).in_(scope),
        )
    )
    return list(assets), list(activities)


def delete_incident(session: Session, *, incident: Incident) -> None:
    """An incident entered by mistake may go; a personal-data breach stays documented
    (Art. 33(5) GDPR: the documentation must let the authority verify compliance)."""
    if incident.personal_data:
        raise Conflict("error.incident_breach_kept", ref=incident.ref)
    session.delete(incident)
    session.flush()


@dataclass(frozen=True)
class DueClock:
    incident: Incident
    clock: clocks.Clock


def due_clocks(session: Session, *, scope: set[int] | None, now: datetime) -> list[DueClock]:
    """The deadlines still to be met on incidents that are not closed, most urgent first
    (overdue ones first, then by due time; deadlines without a fixed hour last)."""
    query = _visible(
        select(Incident).where(
            col(Incident.status) != IncidentStatus.CLOSED,
            col(Incident.personal_data) | col(Incident.kritis),
        ),
        scope,
    )
    found = [
        DueClock(incident, clock)
        for incident in session.scalars(query)
        for clock in clocks.clocks(incident, now)
        if clock.state in (clocks.ClockState.RUNNING, clocks.ClockState.OVERDUE)
    ]
    latest = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(found, key=lambda d: (d.clock.due or latest, d.incident.id or 0))
