"""JSON API of the risk analysis: threats, matrices, the threat overview, risks, measures and
the implementation plan."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, UploadFile, status
from starlette.responses import Response

from isms.database import SessionDep
from isms.errors import InvalidInput, PayloadTooLarge
from isms.identity.deps import department_scope
from isms.pagination import PageDep, PageParams, PageRead
from risk.analysis import measures, service, threats
from risk.analysis.deps import MeasureEditor, RiskAnalyst, RiskReader
from risk.analysis.matrix import BSI_200_3
from risk.analysis.models import Measure, MeasureStatus, RiskMatrix, RiskStatus, Treatment
from risk.analysis.schemas import (
    AcceptanceInput,
    AcceptanceRead,
    CandidateRead,
    HeatmapRead,
    MatrixCreate,
    MatrixRead,
    MeasureCreate,
    MeasureRead,
    MeasureUpdate,
    OverviewRowRead,
    OverviewUpdate,
    PlanItemRead,
    ReasonInput,
    RiskCreate,
    RiskDecision,
    RiskEventRead,
    RiskRead,
    RiskUpdate,
    ThreatCreate,
    ThreatRead,
    ThreatRef,
    ThreatUpdate,
    TreatmentInput,
)
from risk.assets import queries as asset_queries
from risk.assets import service as assets
from risk.assets.levels import LEVEL_TERMS, Level
from risk.assets.schemas import AssetRef

router = APIRouter(prefix="/api/v1", tags=["risk analysis"])
Text = Annotated[str | None, Query(max_length=100)]
MAX_THREATS_FILE = 2 * 1024 * 1024


# Threats


@router.get("/threats", response_model=list[ThreatRead], summary="Elementary and own threats")
def list_threats(session: SessionDep, _: RiskReader, q: Text = None) -> list[ThreatRead]:
    return [ThreatRead.model_validate(t) for t in threats.list_threats(session, q=q)]


@router.post(
    "/threats",
    response_model=ThreatRead,
    status_code=status.HTTP_201_CREATED,
    summary="An additional threat of the organisation",
)
def create_threat(session: SessionDep, _: RiskAnalyst, data: ThreatCreate) -> ThreatRead:
    threat = threats.create_threat(
        session, ref=data.ref, name=data.name, description=data.description
    )
    return ThreatRead.model_validate(threat)


@router.post(
    "/threats/import",
    summary="Import the elementary threats G 0.1-G 0.47 (the BSI's basethreats.csv)",
    responses={
        400: {"description": "Not the BSI's threat list; nothing was imported"},
        413: {"description": "The file is larger than 2 MB; nothing was imported"},
    },
)
def import_threats(
    request: Request, session: SessionDep, _: RiskAnalyst, file: UploadFile | None = None
) -> dict[str, int]:
    if file is not None:
        data = file.file.read(MAX_THREATS_FILE + 1)
        if len(data) > MAX_THREATS_FILE:
            raise PayloadTooLarge(
                "error.threats_file_too_large", max_mb=MAX_THREATS_FILE // (1024 * 1024)
            )
        changed = threats.import_threats(session, data)
    else:
        changed = threats.import_default_threats(session, request.app.state.settings.catalog_dir)
    return {"changed": changed, "total": len(threats.list_threats(session))}


@router.get("/threats/{threat_id}", response_model=ThreatRead)
def get_threat(session: SessionDep, _: RiskReader, threat_id: int) -> ThreatRead:
    return ThreatRead.model_validate(threats.get_threat(session, threat_id=threat_id))


@router.put("/threats/{threat_id}", response_model=ThreatRead, summary="Edit an own threat")
def update_threat(
    session: SessionDep, _: RiskAnalyst, threat_id: int, data: ThreatUpdate
) -> ThreatRead:
    threat = threats.get_threat(session, threat_id=threat_id)
    threats.update_threat(session, threat=threat, name=data.name, description=data.description)
    return ThreatRead.model_validate(threat)


@router.delete(
    "/threats/{threat_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an own threat no risk refers to",
)
def delete_threat(session: SessionDep, _: RiskAnalyst, threat_id: int) -> Response:
    threats.delete_threat(session, threat=threats.get_threat(session, threat_id=threat_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# The threat overview of an object


@router.get(
    "/assets/{asset_id}/threat-overview",
    response_model=list[OverviewRowRead],
    summary="Gefaehrdungsuebersicht: proposed from the modelled controls, as confirmed",
)
def get_overview(session: SessionDep, user: RiskReader, asset_id: int) -> list[OverviewRowRead]:
    asset = assets.get(session, asset_id=asset_id, scope=department_scope(user))
    return [_overview_row(r) for r in threats.overview(session, asset=asset)]


@router.put(
    "/assets/{asset_id}/threat-overview",
    response_model=list[OverviewRowRead],
    summary="Confirm the threat overview: the listed threats are relevant, the others not",
)
def put_overview(
    session: SessionDep, user: RiskAnalyst, asset_id: int, data: OverviewUpdate
) -> list[OverviewRowRead]:
    asset = assets.get(session, asset_id=asset_id, scope=None)
    rows = threats.decide_overview(
        session, asset=asset, relevant=data.relevant, notes=data.notes, actor=user.username
    )
    return [_overview_row(r) for r in rows]


def _overview_row(row: threats.OverviewRow) -> OverviewRowRead:
    t = row.threat
    return OverviewRowRead(
        threat=ThreatRef(id=t.id or 0, ref=t.ref, name=t.name),
        proposed=row.proposed,
        controls=row.controls,
        decided=row.decision is not None,
        relevant=row.relevant,
        note=row.decision.note if row.decision else "",
        decided_by=row.decision.decided_by if row.decision else None,
        risks=row.risks,
    )


@router.get(
    "/risk-analysis/candidates",
    response_model=PageRead[CandidateRead],
    summary="Objects that need a risk analysis: Schutzbedarf hoch/sehr hoch or no fitting controls",
)
def list_candidates(
    session: SessionDep, user: RiskReader, page: PageDep, pending: bool = False
) -> PageRead[CandidateRead]:
    result = service.candidates(
        session, page=page, scope=department_scope(user), pending_only=pending
    )
    return PageRead(
        items=[
            CandidateRead(
                asset=asset_queries.ref(c.asset),
                max_level=LEVEL_TERMS[Level(c.asset.max_level)] if c.asset.max_level else None,
                kritis_critical=c.asset.kritis_critical,
                high_protection=c.high_protection,
                no_fitting_controls=c.no_fitting_controls,
                risks=c.risks,
                overview_confirmed=c.overview_confirmed,
            )
            for c in result.items
        ],
        total=result.total,
    )


# Matrices


def _matrix_read(matrix: RiskMatrix | None) -> MatrixRead:
    if matrix is None:
        return MatrixRead(id=None, name=service.BSI_MATRIX_NAME, active=True, **BSI_200_3.as_dict())
    return MatrixRead(
        id=matrix.id,
        name=matrix.name,
        frequencies=matrix.frequencies,
        impacts=matrix.impacts,
        categories=matrix.categories,
        cells=matrix.cells,
        active=matrix.active,
    )


@router.get("/risk-matrices", response_model=list[MatrixRead], summary="Risk matrices")
def list_matrices(session: SessionDep, _: RiskReader) -> list[MatrixRead]:
    stored = service.list_matrices(session)
    return [_matrix_read(m) for m in stored] or [_matrix_read(None)]


@router.post(
    "/risk-matrices",
    response_model=MatrixRead,
    status_code=status.HTTP_201_CREATED,
    summary="A new matrix (e.g. 5x5) for new analyses; existing risks keep theirs",
)
def create_matrix(session: SessionDep, user: RiskAnalyst, data: MatrixCreate) -> MatrixRead:
    return _matrix_read(service.create_matrix(session, data=data, actor=user.username))


@router.post(
    "/risk-matrices/{matrix_id}/activate",
    response_model=MatrixRead,
    summary="Use this matrix for new analyses",
)
def activate_matrix(session: SessionDep, _: RiskAnalyst, matrix_id: int) -> MatrixRead:
    return _matrix_read(service.activate_matrix(session, matrix_id=matrix_id))


# Risks


def risk_filter(
    status: RiskStatus | None = None,
    open_only: Annotated[bool, Query(alias="open", description="All but geschlossen")] = False,
    category: Text = None,
    residual_category: Text = None,
    treatment: Treatment | None = None,
    department_id: int | None = None,
    asset_id: int | None = None,
    threat_id: int | None = None,
    matrix_id: int | None = None,
    frequency: Text = None,
    impact: Text = None,
    basis: Literal["gross", "residual"] = "gross",
    kritis: bool | None = None,
    expired: Annotated[bool, Query(description="Accepted with an expired acceptance")] = False,
    flagged: Annotated[bool, Query(description="KRITIS acceptance flagged")] = False,
    q: Text = None,
) -> service.RiskFilter:
    return service.RiskFilter(
        status=status,
        open_only=open_only,
        category=category,
        residual_category=residual_category,
        treatment=treatment,
        department_id=department_id,
        asset_id=asset_id,
        threat_id=threat_id,
        matrix_id=matrix_id,
        frequency=frequency,
        impact=impact,
        basis=basis,
        kritis=kritis,
        expired=expired,
        flagged=flagged,
        q=q,
    )


FilterDep = Annotated[service.RiskFilter, Depends(risk_filter)]


def to_read(row: service.RiskRow, requirement_ids: list[int], open_measures: int) -> RiskRead:
    risk, asset, threat = row.risk, row.asset, row.threat
    accepted = risk.status == RiskStatus.ACCEPTED
    return RiskRead(
        id=risk.id or 0,
        ref=risk.ref,
        title=risk.title,
        scenario=risk.scenario,
        asset=asset_queries.ref(asset),
        kritis_critical=asset.kritis_critical,
        threat=ThreatRef(id=threat.id or 0, ref=threat.ref, name=threat.name),
        confidentiality=risk.confidentiality,
        integrity=risk.integrity,
        availability=risk.availability,
        owner_department_id=risk.owner_department_id,
        owner=risk.owner,
        matrix_id=risk.matrix_id,
        frequency=risk.frequency,
        impact=risk.impact,
        category=risk.category,
        residual_frequency=risk.residual_frequency,
        residual_impact=risk.residual_impact,
        residual_category=risk.residual_category,
        status=risk.status,
        treatment=risk.treatment,
        treatment_note=risk.treatment_note,
        acceptance=AcceptanceRead(
            approver=risk.accepted_by,
            justification=risk.acceptance_justification,
            expires_on=risk.acceptance_expires,
            accepted_at=risk.accepted_at,
            expired=service.acceptance_expired(risk),
        )
        if accepted
        else None,
        kritis_flag=risk.kritis_flag,
        kritis_note=risk.kritis_note,
        closed_reason=risk.closed_reason,
        requirement_ids=requirement_ids,
        open_measures=open_measures,
        created_at=risk.created_at,
        updated_at=risk.updated_at,
        version=risk.version,
    )


def read_one(session: SessionDep, risk_id: int, scope: set[int] | None) -> RiskRead:
    row = service.get_risk(session, risk_id=risk_id, scope=scope)
    return to_read(
        row,
        service.requirement_ids(session, [risk_id])[risk_id],
        service.open_measures(session, [risk_id]).get(risk_id, 0),
    )


@router.get("/risks", response_model=PageRead[RiskRead], summary="The risk register")
def list_risks(
    session: SessionDep, user: RiskReader, page: PageDep, flt: FilterDep
) -> PageRead[RiskRead]:
    result = service.list_risks(session, page=page, flt=flt, scope=department_scope(user))
    ids = [r.risk.id or 0 for r in result.items]
    links, counts = service.requirement_ids(session, ids), service.open_measures(session, ids)
    return PageRead(
        items=[
            to_read(r, links[r.risk.id or 0], counts.get(r.risk.id or 0, 0)) for r in result.items
        ],
        total=result.total,
    )


@router.post("/risks", response_model=RiskRead, status_code=status.HTTP_201_CREATED)
def create_risk(session: SessionDep, user: RiskAnalyst, data: RiskCreate) -> RiskRead:
    risk = service.create_risk(session, data=data, scope=None, actor=user.username)
    return read_one(session, risk.id or 0, None)


@router.get(
    "/risk-heatmap",
    response_model=HeatmapRead,
    summary="Open risks per cell of the matrix (before or after treatment)",
)
def heatmap(
    session: SessionDep,
    user: RiskReader,
    basis: Literal["gross", "residual"] = "gross",
    matrix_id: int | None = None,
    department_id: int | None = None,
) -> HeatmapRead:
    result = service.heatmap(
        session,
        scope=department_scope(user),
        basis=basis,
        matrix_id=matrix_id,
        department_id=department_id,
    )
    return HeatmapRead(
        matrix=_matrix_read(result.matrix),
        basis=basis,
        counts=result.counts,
        by_category=result.by_category,
        total=result.total,
        other_matrices=result.other_matrices,
    )


@router.get("/risks/{risk_id}", response_model=RiskRead)
def get_risk(session: SessionDep, user: RiskReader, risk_id: int) -> RiskRead:
    return read_one(session, risk_id, department_scope(user))


@router.patch("/risks/{risk_id}", response_model=RiskRead, summary="Edit or re-rate a risk")
def update_risk(session: SessionDep, user: RiskAnalyst, risk_id: int, data: RiskUpdate) -> RiskRead:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    service.update_risk(session, risk=row.risk, data=data, scope=None, actor=user.username)
    return read_one(session, risk_id, None)


@router.post(
    "/risks/{risk_id}/treatment",
    response_model=RiskRead,
    summary="Avoid, reduce or transfer (accept: /acceptance)",
)
def treat(session: SessionDep, user: RiskAnalyst, risk_id: int, data: TreatmentInput) -> RiskRead:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    service.treat(session, risk=row.risk, data=data, actor=user.username)
    return read_one(session, risk_id, None)


@router.post(
    "/risks/{risk_id}/acceptance",
    response_model=RiskDecision,
    summary="Record the management's acceptance: approver, justification, expiry",
    responses={409: {"description": "The risk stems from an unmet MUSS requirement, or is closed"}},
)
def accept(
    session: SessionDep, user: RiskAnalyst, risk_id: int, data: AcceptanceInput
) -> RiskDecision:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    outcome = service.accept(session, risk=row.risk, data=data, actor=user.username)
    return RiskDecision(**read_one(session, risk_id, None).model_dump(), warnings=outcome.warnings)


@router.post("/risks/{risk_id}/close", response_model=RiskRead, summary="Close with a reason")
def close(session: SessionDep, user: RiskAnalyst, risk_id: int, data: ReasonInput) -> RiskRead:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    service.close(
        session, risk=row.risk, reason=data.reason, version=data.version, actor=user.username
    )
    return read_one(session, risk_id, None)


@router.post(
    "/risks/{risk_id}/reopen",
    response_model=RiskRead,
    summary="Reopen a closed risk or withdraw an acceptance",
)
def reopen(session: SessionDep, user: RiskAnalyst, risk_id: int, data: ReasonInput) -> RiskRead:
    row = service.get_risk(session, risk_id=risk_id, scope=None)
    service.reopen(
        session, risk=row.risk, reason=data.reason, version=data.version, actor=user.username
    )
    return read_one(session, risk_id, None)


@router.get("/risks/{risk_id}/history", response_model=list[RiskEventRead])
def history(session: SessionDep, user: RiskReader, risk_id: int) -> list[RiskEventRead]:
    service.get_risk(session, risk_id=risk_id, scope=department_scope(user))
    return [RiskEventRead.model_validate(e) for e in service.history(session, risk_id=risk_id)]


# Measures and the implementation plan


def measure_read(measure: Measure, risk_ref: str) -> MeasureRead:
    return MeasureRead(
        id=measure.id or 0,
        risk_id=measure.risk_id,
        risk_ref=risk_ref,
        control_id=measure.control_id,
        control_ref=measure.control_ref,
        title=measure.title,
        description=measure.description,
        owner_department_id=measure.owner_department_id,
        responsible=measure.responsible,
        due_date=measure.due_date,
        cost=measure.cost,
        priority=measure.priority,
        status=measure.status,
        completed_on=measure.completed_on,
        overdue=measures.is_overdue(measure),
        version=measure.version,
    )


def _risk_ref(session: SessionDep, measure: Measure) -> str:
    return service.get_risk(session, risk_id=measure.risk_id, scope=None).risk.ref


@router.get("/measures", response_model=PageRead[MeasureRead], summary="Risk treatment measures")
def list_measures(
    session: SessionDep,
    user: RiskReader,
    page: PageDep,
    risk_id: int | None = None,
    department_id: int | None = None,
    status: MeasureStatus | None = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
    overdue: bool = False,
) -> PageRead[MeasureRead]:
    flt = measures.MeasureFilter(
        risk_id=risk_id,
        department_id=department_id,
        status=status,
        open_only=open_only,
        overdue=overdue,
    )
    result = measures.list_measures(session, page=page, flt=flt, scope=department_scope(user))
    return PageRead(items=[measure_read(m, ref) for m, ref in result.items], total=result.total)


@router.post("/measures", response_model=MeasureRead, status_code=status.HTTP_201_CREATED)
def create_measure(session: SessionDep, user: RiskAnalyst, data: MeasureCreate) -> MeasureRead:
    measure = measures.create_measure(session, data=data, scope=None, actor=user.username)
    return measure_read(measure, _risk_ref(session, measure))


@router.get("/measures/{measure_id}", response_model=MeasureRead)
def get_measure(session: SessionDep, user: RiskReader, measure_id: int) -> MeasureRead:
    measure = measures.get_measure(session, measure_id=measure_id, scope=department_scope(user))
    return measure_read(measure, _risk_ref(session, measure))


@router.patch(
    "/measures/{measure_id}",
    response_model=MeasureRead,
    summary="Progress of a measure (department users: their departments' measures)",
)
def update_measure(
    session: SessionDep, user: MeasureEditor, measure_id: int, data: MeasureUpdate
) -> MeasureRead:
    scope = department_scope(user)
    measure = measures.get_measure(session, measure_id=measure_id, scope=scope, edit=True)
    measures.update_measure(session, measure=measure, data=data, scope=scope, actor=user.username)
    return measure_read(measure, _risk_ref(session, measure))


@router.get(
    "/implementation-plan",
    response_model=PageRead[PlanItemRead],
    summary="Realisierungsplan: open requirements of the check and open risk measures",
)
def implementation_plan(
    session: SessionDep,
    user: RiskReader,
    page: PageDep,
    department_id: int | None = None,
    kind: Literal["check", "measure"] | None = None,
    priority: Annotated[int | None, Query(ge=1, le=3)] = None,
    overdue: bool = False,
) -> PageRead[PlanItemRead]:
    if page.sort:
        raise InvalidInput("error.unknown_sort", field="sort", allowed="(priority, due date)")
    items, _ = measures.plan(
        session,
        page=PageParams(limit=page.limit, offset=page.offset),
        flt=measures.PlanFilter(
            department_id=department_id, kind=kind, priority=priority, overdue=overdue
        ),
        scope=department_scope(user),
    )
    return PageRead(
        items=[
            PlanItemRead(
                kind="check" if i.kind == "check" else "measure",
                id=i.id,
                ref=i.ref,
                title=i.title,
                asset=AssetRef(
                    id=i.asset_id, short_id=i.asset_short_id or "", name=i.asset_name or ""
                )
                if i.asset_id
                else None,
                risk_ref=i.risk_ref,
                owner_department_id=i.owner_department_id,
                responsible=i.responsible,
                due_date=i.due_date,
                cost=i.cost,
                priority=i.priority,
                status=i.status,
                overdue=i.overdue,
            )
            for i in items.items
        ],
        total=items.total,
    )
