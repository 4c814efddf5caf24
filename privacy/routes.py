"""JSON API of the record of processing activities and the incident register."""

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response, status

from isms.clock import utcnow
from isms.database import SessionDep
from isms.identity.deps import department_scope
from isms.identity.models import Role
from isms.pagination import PageDep, PageRead
from privacy import clocks, dpia, incidents, legal, service
from privacy.deps import (
    DpiaSigner,
    DpoOnly,
    IncidentManager,
    IncidentReader,
    IncidentReporter,
    PrivacyEditor,
    PrivacyReader,
)
from privacy.models import (
    ActivityStatus,
    Dpia,
    DpiaStatus,
    Incident,
    IncidentStatus,
    ProcessingActivity,
    Severity,
)
from privacy.schemas import (
    ActivityCreate,
    ActivityRead,
    ActivityUpdate,
    ClockRead,
    CriterionCreate,
    CriterionRead,
    CriterionUpdate,
    DataCategory,
    DpiaCreate,
    DpiaOpinion,
    DpiaRead,
    DpiaRiskRead,
    DpiaSignOff,
    DpiaUpdate,
    DueClockRead,
    IncidentCreate,
    IncidentRead,
    IncidentUpdate,
    Recipient,
    TomGroup,
    TomRead,
    TomRow,
    Transfer,
)
from risk.assets.models import Asset
from risk.assets.schemas import AssetRef

router = APIRouter(prefix="/api/v1/processing-activities", tags=["privacy"])
Text = Annotated[str | None, Query(max_length=100)]


def _ref(asset: Asset) -> AssetRef:
    return AssetRef(id=asset.id or 0, short_id=asset.short_id, name=asset.name)


def to_read(activity: ProcessingActivity, assets: list[Asset]) -> ActivityRead:
    return ActivityRead(
        id=activity.id or 0,
        ref=activity.ref,
        name=activity.name,
        department_id=activity.department_id,
        status=activity.status,
        controller=activity.controller,
        joint_controllers=activity.joint_controllers,
        dpo_contact=activity.dpo_contact,
        purposes=activity.purposes,
        legal_bases=list(activity.legal_bases),
        legal_basis_note=activity.legal_basis_note,
        special_categories=activity.special_categories,
        data_subjects=list(activity.data_subjects),
        data_categories=[DataCategory(**c) for c in activity.data_categories],
        recipients=[Recipient(**r) for r in activity.recipients],
        transfers=[Transfer(**t) for t in activity.transfers],
        tom_note=activity.tom_note,
        dpia_required=activity.dpia_required,
        dpia_reason=activity.dpia_reason,
        assets=[_ref(a) for a in assets],
        created_at=activity.created_at,
        updated_at=activity.updated_at,
        updated_by=activity.updated_by,
        version=activity.version,
    )


def _one(session: SessionDep, activity: ProcessingActivity, scope: set[int] | None) -> ActivityRead:
    assets = service.assets_of(session, [activity.id or 0], scope).get(activity.id or 0, [])
    return to_read(activity, assets)


def activity_filter(
    department_id: int | None = None,
    status: ActivityStatus | None = None,
    dpia_required: bool | None = None,
    special_categories: Annotated[bool | None, Query(description="Art. 9 data")] = None,
    asset_id: int | None = None,
    q: Text = None,
) -> service.ActivityFilter:
    return service.ActivityFilter(
        department_id=department_id,
        status=status,
        dpia_required=dpia_required,
        special_categories=special_categories,
        asset_id=asset_id,
        q=q or None,
    )


@router.get("", response_model=PageRead[ActivityRead], summary="The record of processing")
def list_activities(
    session: SessionDep,
    user: PrivacyReader,
    page: PageDep,
    flt: Annotated[service.ActivityFilter, Depends(activity_filter)],
) -> PageRead[ActivityRead]:
    result = service.list_activities(session, page=page, flt=flt, scope=department_scope(user))
    assets = service.assets_of(session, [a.id or 0 for a in result.items], department_scope(user))
    return PageRead(
        items=[to_read(a, assets.get(a.id or 0, [])) for a in result.items], total=result.total
    )


@router.post("", response_model=ActivityRead, status_code=status.HTTP_201_CREATED)
def create_activity(session: SessionDep, user: PrivacyEditor, data: ActivityCreate) -> ActivityRead:
    scope = department_scope(user)
    activity = service.create_activity(session, data=data, scope=scope, actor=user.username)
    return _one(session, activity, scope)


@router.get("/{activity_id}", response_model=ActivityRead)
def get_activity(session: SessionDep, user: PrivacyReader, activity_id: int) -> ActivityRead:
    scope = department_scope(user)
    activity = service.get_activity(session, activity_id=activity_id, scope=scope)
    return _one(session, activity, scope)


@router.put("/{activity_id}", response_model=ActivityRead)
def update_activity(
    session: SessionDep, user: PrivacyEditor, activity_id: int, data: ActivityUpdate
) -> ActivityRead:
    scope = department_scope(user)
    activity = service.get_activity(session, activity_id=activity_id, scope=scope)
    service.update_activity(session, activity=activity, data=data, scope=scope, actor=user.username)
    return _one(session, activity, scope)


@router.delete("/{activity_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_activity(session: SessionDep, user: PrivacyEditor, activity_id: int) -> Response:
    activity = service.get_activity(session, activity_id=activity_id, scope=department_scope(user))
    service.delete_activity(session, activity=activity)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{activity_id}/toms",
    response_model=TomRead,
    summary="The measures (Art. 32), derived from the Grundschutz-Check of the linked objects",
)
def get_toms(session: SessionDep, user: PrivacyReader, activity_id: int) -> TomRead:
    scope = department_scope(user)
    activity = service.get_activity(session, activity_id=activity_id, scope=scope)
    groups = service.toms(session, activity, scope)
    return TomRead(
        activity_id=activity.id or 0,
        note=activity.tom_note,
        groups=[
            TomGroup(
                goal=g.goal,
                implemented=g.implemented,
                open=g.open,
                rows=[
                    TomRow(
                        asset=_ref(r.asset) if r.asset else None,
                        ref=r.ref,
                        title=r.title,
                        status=r.status.value,
                        implementation=r.implementation,
                    )
                    for r in g.rows
                ],
            )
            for g in groups
        ],
    )


# Incidents and breaches

incidents_router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"])


def _clock(clock: clocks.Clock, now: datetime) -> ClockRead:
    left = clock.left(now)
    return ClockRead(
        deadline=clock.deadline,
        due=clock.due,
        done=clock.done,
        state=clock.state,
        seconds_left=None if left is None else int(left.total_seconds()),
    )


def incident_read(
    incident: Incident, assets: list[Asset], activity_ids: list[int], now: datetime
) -> IncidentRead:
    computed = ("id", "assets", "activity_ids", "clocks")
    values = {n: getattr(incident, n) for n in IncidentRead.model_fields if n not in computed}
    values.update(
        id=incident.id or 0,
        assets=[_ref(a) for a in assets],
        activity_ids=activity_ids,
        clocks=[_clock(c, now) for c in clocks.clocks(incident, now)],
    )
    return IncidentRead(**values)


def _incident(session: SessionDep, incident: Incident, scope: set[int] | None) -> IncidentRead:
    assets, activities = incidents.links(session, [incident.id or 0], scope)
    return incident_read(incident, assets[incident.id or 0], activities[incident.id or 0], utcnow())


def incident_filter(
    department_id: int | None = None,
    status: IncidentStatus | None = None,
    open: Annotated[bool | None, Query(description="Not closed")] = None,
    severity: Severity | None = None,
    personal_data: Annotated[bool | None, Query(description="Personal-data breaches")] = None,
    kritis: Annotated[bool | None, Query(description="Reportable under the BSIG")] = None,
    asset_id: int | None = None,
    q: Text = None,
) -> incidents.IncidentFilter:
    return incidents.IncidentFilter(
        department_id=department_id,
        status=status,
        open=open,
        severity=severity,
        personal_data=personal_data,
        kritis=kritis,
        asset_id=asset_id,
        q=q or None,
    )


@incidents_router.get("", response_model=PageRead[IncidentRead], summary="The incident register")
def list_incidents(
    session: SessionDep,
    user: IncidentReader,
    page: PageDep,
    flt: Annotated[incidents.IncidentFilter, Depends(incident_filter)],
) -> PageRead[IncidentRead]:
    result = incidents.list_incidents(session, page=page, flt=flt, scope=department_scope(user))
    ids = [i.id or 0 for i in result.items]
    assets, activities = incidents.links(session, ids, department_scope(user))
    now = utcnow()
    return PageRead(
        items=[
            incident_read(i, assets[i.id or 0], activities[i.id or 0], now) for i in result.items
        ],
        total=result.total,
    )


@incidents_router.get(
    "/deadlines",
    response_model=list[DueClockRead],
    summary="Deadlines still to be met, most urgent first (dashboard, reminders)",
)
def list_deadlines(session: SessionDep, user: IncidentReader) -> list[DueClockRead]:
    now = utcnow()
    return [
        DueClockRead(
            incident_id=d.incident.id or 0,
            ref=d.incident.ref,
            title=d.incident.title,
            clock=_clock(d.clock, now),
        )
        for d in incidents.due_clocks(session, scope=department_scope(user), now=now)
    ]


@incidents_router.post("", response_model=IncidentRead, status_code=status.HTTP_201_CREATED)
def create_incident(
    session: SessionDep, user: IncidentReporter, data: IncidentCreate
) -> IncidentRead:
    scope = department_scope(user)
    if user.role is Role.DEPARTMENT:
        incidents.check_reporter(data, None)
    incident = incidents.create_incident(session, data=data, scope=scope, actor=user.username)
    return _incident(session, incident, scope)


@incidents_router.get("/{incident_id}", response_model=IncidentRead)
def get_incident(session: SessionDep, user: IncidentReader, incident_id: int) -> IncidentRead:
    scope = department_scope(user)
    incident = incidents.get_incident(session, incident_id=incident_id, scope=scope)
    return _incident(session, incident, scope)


@incidents_router.put("/{incident_id}", response_model=IncidentRead)
def update_incident(
    session: SessionDep, user: IncidentReporter, incident_id: int, data: IncidentUpdate
) -> IncidentRead:
    scope = department_scope(user)
    incident = incidents.get_incident(session, incident_id=incident_id, scope=scope)
    if user.role is Role.DEPARTMENT:
        incidents.check_reporter(data, incident)
    incidents.update_incident(
        session, incident=incident, data=data, scope=scope, actor=user.username
    )
    return _incident(session, incident, scope)


@incidents_router.delete("/{incident_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_incident(session: SessionDep, user: IncidentManager, incident_id: int) -> Response:
    incident = incidents.get_incident(session, incident_id=incident_id, scope=None)
    incidents.delete_incident(session, incident=incident)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# Data protection impact assessments (Art. 35)

dpias_router = APIRouter(prefix="/api/v1/dpias", tags=["privacy"])
criteria_router = APIRouter(prefix="/api/v1/dpia-criteria", tags=["privacy"])


def dpia_read(dpia_: Dpia, activity: ProcessingActivity) -> DpiaRead:
    computed = (
        "activity_ref",
        "activity_name",
        "department_id",
        "risks",
        "consultation_required",
        "missing",
        "review_due",
    )
    values = {n: getattr(dpia_, n) for n in DpiaRead.model_fields if n not in computed}
    values.update(
        id=dpia_.id or 0,
        activity_ref=activity.ref,
        activity_name=activity.name,
        department_id=activity.department_id,
        risks=[
            DpiaRiskRead(
                **r,
                level=legal.rights_risk(r["likelihood"], r["severity"]),
                residual_level=legal.rights_risk(r["residual_likelihood"], r["residual_severity"]),
            )
            for r in dpia_.risks
        ],
        consultation_required=dpia.consultation_required(dpia_),
        missing=dpia.missing(dpia_),
        review_due=dpia.review_due(dpia_),
    )
    return DpiaRead(**values)


def _dpia(session: SessionDep, dpia_: Dpia) -> DpiaRead:
    return dpia_read(dpia_, dpia.activity_of(session, dpia_))


def dpia_filter(
    status: DpiaStatus | None = None,
    department_id: int | None = None,
    activity_id: int | None = None,
    review_due: Annotated[bool | None, Query(description="Review due now")] = None,
    q: Text = None,
) -> dpia.DpiaFilter:
    return dpia.DpiaFilter(
        status=status,
        department_id=department_id,
        activity_id=activity_id,
        review_due=review_due,
        q=q or None,
    )


@dpias_router.get("", response_model=PageRead[DpiaRead], summary="Impact assessments")
def list_dpias(
    session: SessionDep,
    user: PrivacyReader,
    page: PageDep,
    flt: Annotated[dpia.DpiaFilter, Depends(dpia_filter)],
) -> PageRead[DpiaRead]:
    result = dpia.list_dpias(session, page=page, flt=flt, scope=department_scope(user))
    activities = dpia.activities_of(session, result.items)
    return PageRead(
        items=[dpia_read(d, activities[d.activity_id]) for d in result.items], total=result.total
    )


@dpias_router.post(
    "",
    response_model=DpiaRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open the impact assessment of a processing activity with its threshold check",
)
def create_dpia(session: SessionDep, user: PrivacyEditor, data: DpiaCreate) -> DpiaRead:
    created = dpia.create_dpia(
        session, data=data, scope=department_scope(user), actor=user.username
    )
    return _dpia(session, created)


@dpias_router.get("/{dpia_id}", response_model=DpiaRead)
def get_dpia(session: SessionDep, user: PrivacyReader, dpia_id: int) -> DpiaRead:
    return _dpia(session, dpia.get_dpia(session, dpia_id=dpia_id, scope=department_scope(user)))


@dpias_router.put("/{dpia_id}", response_model=DpiaRead, summary="Threshold check and assessment")
def update_dpia(
    session: SessionDep, user: PrivacyEditor, dpia_id: int, data: DpiaUpdate
) -> DpiaRead:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=department_scope(user))
    dpia.update_dpia(session, dpia=found, data=data, actor=user.username)
    return _dpia(session, found)


@dpias_router.post(
    "/{dpia_id}/opinion", response_model=DpiaRead, summary="The DPO's opinion (Art. 35(2))"
)
def give_opinion(session: SessionDep, user: DpoOnly, dpia_id: int, data: DpiaOpinion) -> DpiaRead:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=None)
    dpia.give_opinion(session, dpia=found, data=data, actor=user.username)
    return _dpia(session, found)


@dpias_router.post(
    "/{dpia_id}/sign-off",
    response_model=DpiaRead,
    summary="The controller's sign-off, by the owning department",
)
def sign_off(session: SessionDep, user: DpiaSigner, dpia_id: int, data: DpiaSignOff) -> DpiaRead:
    found = dpia.get_dpia(session, dpia_id=dpia_id, scope=department_scope(user))
    dpia.sign_off(session, dpia=found, data=data, actor=user.username)
    return _dpia(session, found)


@dpias_router.delete("/{dpia_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_dpia(session: SessionDep, user: DpoOnly, dpia_id: int) -> Response:
    dpia.delete_dpia(session, dpia=dpia.get_dpia(session, dpia_id=dpia_id, scope=None))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _criterion(c: dpia.Criterion) -> CriterionRead:
    return CriterionRead(
        code=c.code,
        title=c.title,
        description=c.description,
        kind=c.kind,
        builtin=c.builtin,
        active=c.active,
    )


@criteria_router.get(
    "",
    response_model=list[CriterionRead],
    summary="Threshold criteria: Art. 35(3), WP 248 and those the DPO added",
)
def list_criteria(
    session: SessionDep, user: PrivacyReader, language: Literal["de", "en"] = "de"
) -> list[CriterionRead]:
    return [_criterion(c) for c in dpia.criteria(session, language)]


@criteria_router.post("", response_model=CriterionRead, status_code=status.HTTP_201_CREATED)
def add_criterion(session: SessionDep, user: DpoOnly, data: CriterionCreate) -> CriterionRead:
    added = dpia.add_criterion(session, data=data, actor=user.username)
    return _criterion(
        dpia.Criterion(added.code, added.title, added.description, added.kind, False, added.active)
    )


@criteria_router.put("/{code}", response_model=CriterionRead)
def update_criterion(
    session: SessionDep,
    user: DpoOnly,
    code: Annotated[str, Path(max_length=40)],
    data: CriterionUpdate,
) -> CriterionRead:
    changed = dpia.update_criterion(session, code=code, data=data)
    return _criterion(
        dpia.Criterion(
            changed.code, changed.title, changed.description, changed.kind, False, changed.active
        )
    )
